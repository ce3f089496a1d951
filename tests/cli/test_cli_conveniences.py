"""The CLI's smaller things, as a user takes them: choices in any case, ``e-mail``, the
full-width comma, "Did you mean", ``--as`` after the command, free texts from a file or
standard input, conflicting options refused, help examples that work on the day."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import click
import pytest

from cli.main import cli
from tests.cli.conftest import VISIT, Run, as_json, new_account
from tests.cli.test_commands import all_commands


def _events(run: Run, pid: str) -> list[dict[str, object]]:
    return list(as_json(run("history", pid, "--json"))["events"])


def _last(run: Run, pid: str, kind: str) -> dict[str, object]:
    found = [e for e in _events(run, pid) if e["type"] == kind]
    assert found, kind
    details = found[-1]["details"]
    assert isinstance(details, dict)
    return details


# -- choices -------------------------------------------------------------------------------


def test_choices_are_taken_in_any_case_and_width(ws: Run) -> None:
    ws("user", "add", "ada", "--role", "Manager", user="olga")
    users = as_json(ws("user", "list", "--json", user="olga"))
    assert next(u["role"] for u in users if u["name"] == "ada") == "manager"
    pid = ws(
        "prospect", "add", "Acme", "--category", "EXISTING", "--nature", "d", "--at", "2026-03-01"
    ).stdout.strip()
    assert _last(ws, pid, "Identified")["category"] == "existing"
    ws("analyse", pid, "--file", "analysis.json", "--at", "2026-03-02")
    ws("approach", pid, "--method", "Visit", "--chair", "mia", "--notes", "g", "--at", "2026-03-03")
    ws(
        "contact", pid, "--channel", "ＰＨＯＮＥ", "--person", "W", "--attitude", "Positive",
        "--notes", "n", "--at", "2026-03-04",
    )  # fmt: skip
    contact = _last(ws, pid, "ContactRecorded")
    assert (contact["channel"], contact["attitude"]) == ("phone", "positive")
    listed = as_json(ws("prospect", "list", "--state", "Contacted", "--json"))
    assert [r["id"] for r in listed] == [pid]
    assert ws("ledger", pid, "--format", "CSV", "--lang", "ZH").stdout.startswith("大客户")
    assert as_json(ws("report", "Funnel", "--format", "JSON"))["report"] == "funnel"


@pytest.mark.parametrize("spelt", ["e-mail", "E-Mail", "EMAIL"])
def test_e_mail_is_email(ws: Run, spelt: str) -> None:
    pid = new_account(ws, "approach")
    ws("contact", pid, "--channel", spelt, "--person", "W", "--attitude", "neutral",
       "--notes", "n", "--at", "2026-03-04")  # fmt: skip
    assert _last(ws, pid, "ContactRecorded")["channel"] == "email"


def test_a_mistyped_choice_gets_a_suggestion(ws: Run) -> None:
    result = ws("report", "fnnel", code=2)
    assert "Did you mean 'funnel'?" in result.stderr


def test_participants_may_be_separated_by_the_full_width_comma(ws: Run) -> None:
    pid = new_account(ws, "contacted")
    ws("conference", pid, "--participants", "mia，sam", "--notes", "plan", "--at", "2026-03-05")
    assert _last(ws, pid, "ConferenceHeld")["participants"] == ["mia", "sam"]


# -- Did you mean --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (["folow-up"], "follow-up"),
        (["histroy"], "history"),
        (["prospect", "lsit"], "list"),
        (["user", "ad"], "add"),
        (["store", "chek"], "check"),
        (["projections", "staus"], "status"),
        (["scheduler", "tik"], "tick"),
        (["template", "analsis"], "analysis"),
        (["policy", "what-fi"], "what-if"),
    ],
)
def test_a_mistyped_command_gets_a_suggestion(run: Run, typed: list[str], meant: str) -> None:
    result = run(*typed, user=None, code=2)
    assert f"Did you mean '{meant}'?" in result.stderr
    result = run(*typed, "--json", user=None, code=2)
    assert f"Did you mean '{meant}'?" in json.loads(result.stdout)["error"]


# -- --as after the command ----------------------------------------------------------------


def test_as_after_the_command_means_what_it_means_before(ws: Run) -> None:
    after = ws("user", "list", "--json", "--as", "olga", user=None)
    before = ws("--as", "olga", "user", "list", "--json", user=None)
    assert as_json(after) == as_json(before)
    pid = ws("prospect", "add", "Acme", "--category", "potential", "--nature", "d",
             "--as", "mia", user="sam").stdout.strip()  # fmt: skip
    assert _events(ws, pid)[0]["actor"] == "mia"  # after the command beats KAFLOW_USER
    ws("--as", "MIA", "prospect", "list", "--as", "mia", user=None)  # the same user


def test_as_before_and_after_naming_different_users_is_refused(ws: Run) -> None:
    result = ws("--as", "olga", "prospect", "list", "--as", "sam", "--json", user=None, code=2)
    error = json.loads(result.stdout)
    assert error["field"] == "--as" and "olga" in error["error"] and "sam" in error["error"]
    assert ws("prospect", "list", "--json", user=None, code=2).stdout  # nobody: still refused


ACTS_AS_NOBODY = {
    ("init",),
    ("template", "analysis"),
    ("template", "import"),
    ("scheduler", "tick"),
    ("scheduler", "run"),
    ("projections", "run"),
    ("store", "check"),
    ("store", "backup"),
    ("store", "protect"),
    ("store", "copy"),
    ("demo",),
    ("serve",),  # its users sign in; no one acts for them
}


def _command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None
        command = found
    return command


LEAVES = [p for p in all_commands(cli) if not isinstance(_command(p), click.Group)]


@pytest.mark.parametrize("path", LEAVES)
def test_every_command_that_acts_as_a_user_takes_as_after_it(path: tuple[str, ...]) -> None:
    options = {o for p in _command(path).params for o in getattr(p, "opts", [])}
    assert ("--as" in options) == (path not in ACTS_AS_NOBODY), path


# -- free texts from a file or standard input ----------------------------------------------


def test_a_300_kb_visit_report_goes_in_from_a_file_and_comes_back_whole(
    ws: Run, tmp_path: Path
) -> None:
    pid = new_account(ws, "prepared")
    paragraph = "第{n}段：客户关注价格与交付。Points raised at the visit, number {n}, in full.\n"
    report = "".join(paragraph.format(n=n) for n in range(4_000)).strip()
    assert len(report.encode("utf-8")) > 300_000
    (tmp_path / "report.txt").write_text(report, encoding="utf-8")
    args = VISIT(pid)
    args[args.index("--points") + 1] = "@report.txt"
    ws(*args, user="mia")
    visit = _last(ws, pid, "VisitRecorded")["visit"]
    assert isinstance(visit, dict) and visit["points"] == report


def test_a_text_from_standard_input_and_a_literal_at(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "analysed")
    ws("approach", pid, "--method", "visit", "--chair", "mia", "--notes", "@-",
       "--at", "2026-03-03", input="Decided in the meeting:\n  visit first\n")  # fmt: skip
    assert _last(ws, pid, "ApproachDecided")["notes"] == "Decided in the meeting:\n  visit first"
    ws("contact", pid, "--channel", "phone", "--person", "@@wang", "--attitude", "neutral",
       "--notes", "n", "--at", "2026-03-04")  # fmt: skip
    assert _last(ws, pid, "ContactRecorded")["person"] == "@wang"


def test_a_missing_file_is_bad_input_naming_the_option_and_the_file(ws: Run) -> None:
    pid = new_account(ws, "analysed")
    args = ["approach", pid, "--method", "visit", "--chair", "mia", "--notes", "@nowhere.txt"]
    result = ws(*args, code=2)
    assert "--notes" in result.stderr and "nowhere.txt" in result.stderr
    error = json.loads(ws(*args, "--json", code=2).stdout)
    assert error["field"] == "--notes" and "nowhere.txt" in error["error"]
    assert not [e for e in _events(ws, pid) if e["type"] == "ApproachDecided"]


def test_a_file_that_is_not_utf8_is_bad_input(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "analysed")
    (tmp_path / "notes.txt").write_bytes("会议".encode("gbk"))
    result = ws("approach", pid, "--method", "visit", "--chair", "mia", "--notes", "@notes.txt",
                code=2)  # fmt: skip
    assert "notes.txt is not UTF-8" in result.stderr


def test_only_one_option_reads_standard_input(ws: Run) -> None:
    pid = new_account(ws, "approach")
    result = ws("contact", pid, "--channel", "phone", "--person", "@-", "--attitude", "neutral",
                "--notes", "@-", input="x", code=2)  # fmt: skip
    assert "standard input is read by --person already" in result.stderr


def test_a_note_from_a_file_keeps_the_notes_limit(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "analysed")
    (tmp_path / "notes.txt").write_text("n" * 20_001, encoding="utf-8")
    result = ws("approach", pid, "--method", "visit", "--chair", "mia", "--notes", "@notes.txt",
                code=2)  # fmt: skip
    assert "--notes: at most 20000 characters (this has 20001)" in result.stderr


def test_a_long_correction_of_a_visit_record_from_a_file(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "visited")
    entries = as_json(ws("ledger", pid, "--json"))["entries"]
    number = next(e["entry"] for e in entries if e["kind"] == "visit")
    (tmp_path / "views.txt").write_text("v" * 30_000, encoding="utf-8")
    ws("correct", pid, "--entry", str(number), "--field", "views", "--value", "@views.txt",
       "--reason", "the whole of it", user="mia")  # fmt: skip
    assert _last(ws, pid, "EntryCorrected")["new"] == "v" * 30_000
    meeting = next(e["entry"] for e in entries if e["kind"] == "meeting")
    result = ws("correct", pid, "--entry", str(meeting), "--field", "notes", "--value",
                "@views.txt", "--reason", "r", user="mia", code=2)  # fmt: skip
    assert "at most 20000 characters for notes (this has 30000)" in result.stderr


@pytest.mark.parametrize("path", LEAVES)
def test_every_free_text_option_says_how_to_read_a_file(path: tuple[str, ...]) -> None:
    from cli.params import FROM_FILE, FreeText

    for param in _command(path).params:
        if isinstance(param.type, FreeText):
            assert isinstance(param, click.Option) and FROM_FILE in (param.help or ""), param


# -- conflicting options -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "md", "table"])
def test_a_format_and_json_are_refused_together(ws: Run, fmt: str) -> None:
    pid = new_account(ws, "contacted")
    for args in (["ledger", pid], ["report", "funnel"]):
        result = ws(*args, "--format", fmt, "--json", code=2)
        error = json.loads(result.stdout)
        assert error["field"] == "--format"
        assert f"--format {fmt}" in error["error"] and "--json" in error["error"]
    assert as_json(ws("ledger", pid, "--format", "json", "--json"))["account"]["id"] == pid
    assert as_json(ws("report", "funnel", "--format", "json", "--json"))["report"] == "funnel"


# -- help examples -------------------------------------------------------------------------

DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})")


@pytest.mark.parametrize("path", all_commands(cli))
def test_no_help_example_is_dated_in_the_future(run: Run, path: tuple[str, ...]) -> None:
    text = run(*path, "--help", user=None).stdout
    today = datetime.now(UTC).date()
    future = [m[0] for m in DATE.finditer(text) if date(*map(int, m.groups())) > today]
    assert not future, (path, future)
