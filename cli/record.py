"""The development record kept: its review, and corrections of its entries."""

from __future__ import annotations

import click

from cli.context import Env, pass_env
from cli.params import acting, text_option
from cli.render import emit, output_options, short


@click.command("review")
@click.argument("account_id", metavar="ID")
@text_option("--remarks", required=True, help="The reviewer's remarks (备注).")
@click.option("--at", "at", metavar="WHEN", help="When it was reviewed (审核日期); default: now.")
@output_options
@acting
@pass_env
def review(env: Env, account_id: str, remarks: str, at: str | None, as_json: bool) -> None:
    """Review an account's development record (审核): a manager, director or owner.

    A change of the record after its review (a correction, an edit of the account)
    marks it "changed since review", and R14 is met again only once it is reviewed
    again.

    \b
    Example:
      kaflow --as mia review 3f2a1b --remarks "Complete; well documented"
      kaflow --as mia review 3f2a1b --remarks "Checked on paper" --at 09:30
    """
    from kaflow.application import commands as c

    pid = env.account(account_id)
    cmd = c.ReviewRecord.validate(
        {"prospect_id": pid, "remarks": remarks, "occurred_at": env.when(at)}
    )
    env.app.handle(env.actor(), cmd)
    emit(
        as_json,
        {"id": str(pid), "reviewed": True, "remarks": remarks.strip()},
        lambda: f"record of {short(str(pid))} reviewed",
    )


@click.command("correct")
@click.argument("account_id", metavar="ID")
@click.option("--entry", type=int, required=True, help="The entry's number on the record.")
@click.option("--field", "field_name", required=True, help="The field to correct, e.g. notes.")
@text_option("--value", required=True, help="What it should say.")
@text_option("--reason", required=True, help="Why it is corrected.")
@output_options
@acting
@pass_env
def correct(
    env: Env,
    account_id: str,
    entry: int,
    field_name: str,
    value: str,
    reason: str,
    as_json: bool,
) -> None:
    """Correct a field of an entry of the development record; what it said is kept.

    The correction is an event: it counts as a change of the record, with its date and
    who made it, and the history shows both values. What may be corrected: a contact's
    person, attitude and notes; a visit's person, place, points, views and next-steps; a
    follow-up's person and feedback; the notes of a meeting or conference; the three
    parts of the visit material. Only the entry's author, the account's owner, or a
    manager or above may correct it (R14).

    \b
    Example:
      kaflow correct 3f2a1b --entry 3 --field person --value "Wang Li" --reason "typo"
    """
    from kaflow.application import commands as c

    pid = env.account(account_id)
    env.app.handle(
        env.actor(),
        c.CorrectEntry.validate(
            {
                "prospect_id": pid,
                "entry": entry,
                "field": field_name,
                "value": value,
                "reason": reason,
            }
        ),
    )
    emit(
        as_json,
        {"id": str(pid), "entry": entry, "field": field_name, "value": value.strip()},
        lambda: f"entry {entry} of {short(str(pid))} corrected",
    )


COMMANDS = [review, correct]
