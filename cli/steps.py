"""The steps of the procedure: approach, contact, conference, prepare, visit,
follow-up, win, lose, reopen. Each records one event or is refused by a rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from cli.context import Env, pass_env
from cli.language import say, state
from cli.params import acting, choice, text_option
from cli.render import emit, output_options
from kaflow.application import commands as c
from kaflow.application import words

F = Callable[..., Any]


def step(name: str, command: type[c.ProspectCommand]) -> Callable[[F], F]:
    """Turn a function that only declares options into a command that runs the step.

    The function's docstring is the help; its options become the command's fields.
    """

    def decorate(func: F) -> F:
        @click.argument("account_id", metavar="ID")
        @click.option(
            "--at",
            "at",
            metavar="WHEN",
            help="When it happened: a date, a date and time, or a time of day (today); "
            "default: now.",
        )
        @output_options
        @acting
        @pass_env
        def run(env: Env, /, account_id: str, at: str | None, as_json: bool, **fields: Any) -> None:
            actor = env.actor()
            given = {name: v for name, v in fields.items() if v is not None}  # optional ones
            cmd = command.validate(
                {**given, "prospect_id": env.account(account_id), "occurred_at": env.when(at)}
            )
            env.app.handle(actor, cmd)
            data = env.queries.account(actor, cmd.prospect_id)
            emit(as_json, data, lambda: _done(name, data))

        run.__doc__ = func.__doc__
        # Shown in order: ID, the step's own options, --at, --json, --wide, --as.
        own: list[Any] = run.__click_params__  # type: ignore[attr-defined]
        run.__click_params__ = own[:-1] + func.__click_params__ + own[-1:]  # type: ignore[attr-defined]
        return click.command(name)(run)

    return decorate


def _done(name: str, data: dict[str, Any]) -> str:
    """The step's confirmation, in the CLI's language."""
    done = say(words.DONE[name])
    return say(words.SAID["step"], name=data["name"], done=done, state=state(data["state"]))


@step("approach", c.DecideApproach)
@click.option("--method", type=choice(c.ApproachMethod), required=True, help="How to approach.")
@click.option("--chair", required=True, metavar="USER", help="Who chaired the meeting (R4).")
@text_option("--notes", required=True, help="What the meeting decided and why.")
def approach() -> None:
    """Record the development meeting's chosen approach (R4).

    The chair must be a development manager or above. No contact before this.

    \b
    Example:
      kaflow approach 3f2a1b --method visit --chair mia --notes "Seminar first, then visit"
    """


@step("contact", c.RecordContact)
@click.option(
    "--channel",
    type=choice(c.ContactChannel, {"e-mail": "email"}),
    required=True,
    help="How (R5); e-mail is email.",
)
@text_option("--person", required=True, help="The person reached.")
@click.option("--attitude", type=choice(c.Attitude), required=True, help="Their attitude.")
@text_option("--notes", required=True, help="What was said.")
def contact() -> None:
    """Record a contact with the customer by letter, phone or e-mail (R5).

    \b
    Example:
      kaflow contact 3f2a1b --channel phone --person "Wang Li" --attitude positive \\
          --notes "Interested; asked for a visit next week" --at 09:30
    """


@step("conference", c.HoldConference)
@click.option(
    "--participants", required=True, metavar="A,B", help="Who took part, comma-separated."
)
@text_option("--notes", required=True, help="Opinions and suggestions heard.")
def conference() -> None:
    """Record the pre-visit conference, held before each visit (R7).

    \b
    Example:
      kaflow conference 3f2a1b --participants mia,sam --notes "Lead with the service offer"
    """


@step("prepare", c.PrepareMaterial)
@text_option("--customer-data", required=True, help="What we know of the person and company.")
@text_option("--analysis", required=True, help="The analysis of that data.")
@text_option("--sales-materials", required=True, help="Brochures, samples, references.")
def prepare() -> None:
    """Record the material prepared before each visit (R8).

    \b
    Example:
      kaflow prepare 3f2a1b --customer-data "Org chart, 2025 report" \\
          --analysis "Cost pressure in purchasing" --sales-materials "Case study, samples"
    """


@step("visit", c.RecordVisit)
@click.option("--lead", required=True, metavar="USER", help="Who led it: manager or above (R6).")
@text_option("--place", required=True, help="Where (R10).")
@click.option(
    "--manner",
    type=choice(c.VisitManner),
    required=True,
    help="How: only face-to-face is a visit (R9).",
)
@text_option("--points", required=True, help="Main talking points (R10).")
@text_option("--views", required=True, help="The customer's views (R10).")
@text_option("--next-steps", required=True, help="Suggested next steps (R10).")
@text_option("--person", help="The customer's people met: A,B (A，B too).")
def visit() -> None:
    """Record a customer visit: the visit record of R10, checked against R6-R9.

    Needs a pre-visit conference (R7) and prepared material (R8) since the last visit,
    a lead who was a development manager or above when the visit took place (R6),
    and a face-to-face manner (R9).

    \b
    Example:
      kaflow visit 3f2a1b --lead mia --place "Their Suzhou plant" --manner face-to-face \\
          --points @visit-points.txt --views "Price is a concern" --next-steps "Send quote" \\
          --person "Wang Li, Zhao Min" --at 08:30
    """


@step("follow-up", c.RecordFollowUp)
@click.option("--channel", type=choice(c.FollowUpChannel), required=True, help="Phone or visit.")
@text_option("--feedback", required=True, help="The customer's opinion.")
@text_option("--person", help="The customer's people phoned or met: A,B (A，B too).")
def follow_up() -> None:
    """Record the follow-up after a visit, by phone or visit (R11).

    \b
    Example:
      kaflow follow-up 3f2a1b --channel phone --person "Wang Li" \\
          --feedback "Quote accepted in principle"
    """


@step("win", c.WinAccount)
@click.option("--classification", required=True, help="Registry class, e.g. A (R12).")
@text_option("--summary", required=True, help="Success summary for the record (R14).")
def win() -> None:
    """Mark the account won and enter it in the key-account registry (R12); after a follow-up.

    \b
    Example:
      kaflow win 3f2a1b --classification A --summary "Won on service and delivery time"
    """


@step("lose", c.LoseAccount)
@click.option("--reason", type=choice(c.LossReason), required=True, help="Classified reason (R13).")
@text_option("--analysis", required=True, help="Why it failed, what to learn (R13).")
def lose() -> None:
    """Mark the account lost, with a classified reason and an analysis (R13).

    \b
    Example:
      kaflow lose 3f2a1b --reason price --analysis "Competitor undercut by 12 %"
    """


@step("reopen", c.ReopenAccount)
@text_option("--reason", required=True, help="Why development starts again.")
def reopen() -> None:
    """Reopen a lost account: it returns to 'analysed' (or to 'identified' if it was
    lost before its analysis), and a new approach must be decided.

    \b
    Example:
      kaflow reopen 3f2a1b --reason "New purchasing director"
    """


COMMANDS = [approach, contact, conference, prepare, visit, follow_up, win, lose, reopen]
