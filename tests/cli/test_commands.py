"""Every command through CliRunner: output, --json, each refusal and its exit code."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from cli.main import cli
from tests.builders import ANALYSIS
from tests.cli.conftest import CONTACT, VISIT, Run, as_json, new_account


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found += all_commands(command, path)
    return found


def test_every_command_module_is_reachable_from_the_group() -> None:
    import importlib

    from cli.main import COMMANDS

    for module in set(COMMANDS.values()):
        for command in importlib.import_module(module).COMMANDS:
            assert COMMANDS.get(command.name) == module, command.name


@pytest.mark.parametrize("path", all_commands(cli))
def test_every_command_has_help_with_an_example(run: Run, path: tuple[str, ...]) -> None:
    result = run(*path, "--help", user=None)
    assert "Usage:" in result.stdout
    command: click.Command | None = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.get_command(click.Context(command), name)
    if not isinstance(command, click.Group):
        assert "Example:" in result.stdout, path


def test_the_whole_lifecycle_from_the_cli(ws: Run) -> None:
    pid = new_account(ws, "followed_up")
    result = ws(
        "win", pid[:8], "--classification", "A", "--summary", "service won it", "--json", user="mia"
    )
    data = as_json(result)
    assert data["state"] == "won" and data["outcome"]["classification"] == "A"
    history = as_json(ws("history", pid, "--json"))
    assert [e["type"] for e in history["events"]] == [
        "Identified",
        "Analysed",
        "ApproachDecided",
        "ContactRecorded",
        "ConferenceHeld",
        "MaterialPrepared",
        "VisitRecorded",
        "FollowUpDeadlineOpened",
        "FollowUpRecorded",
        "FollowUpDeadlineClosed",
        "Won",
    ]
    won = history["events"][-1]
    assert (won["actor"], won["actor_role"]) == ("mia", "manager")
    assert history["events"][6]["occurred_at"] == "2026-03-06T00:00:00+00:00"


def test_prospect_add_prints_the_id_and_json_an_object(ws: Run) -> None:
    plain = ws("prospect", "add", "A", "--category", "existing", "--nature", "n").stdout.strip()
    assert len(plain) == 36
    data = as_json(
        ws(
            "prospect",
            "add",
            "B",
            "--category",
            "potential",
            "--nature",
            "n",
            "--product-line",
            "glue",
            "--service",
            "support",
            "--json",
        )
    )
    assert set(data) >= {"id", "name", "state"} and data["state"] == "identified"
    listed = as_json(ws("prospect", "list", "--json"))
    assert {r["name"] for r in listed} == {"A", "B"}
    assert as_json(ws("prospect", "show", data["id"][:6], "--json"))["product_line"] == "glue"
    table = ws("prospect", "list").stdout
    assert "NAME" in table and plain.replace("-", "")[:8] in table


def test_list_filters_by_state(ws: Run) -> None:
    new_account(ws, "analysed")
    ws("prospect", "add", "B", "--category", "existing", "--nature", "n")
    assert [
        r["state"] for r in as_json(ws("prospect", "list", "--state", "analysed", "--json"))
    ] == ["analysed"]
    assert "(no accounts)" in ws("prospect", "list", "--state", "won").stdout


def test_show_and_history_read_well_in_a_terminal(ws: Run) -> None:
    pid = new_account(ws, "contacted")
    shown = ws("prospect", "show", pid).stdout
    assert "state:" in shown and "contacted" in shown and "next:" in shown
    history = ws("history", pid).stdout
    assert "ContactRecorded" in history and "sam (sales)" in history and "2026-03-04" in history
    now = as_json(ws("history", pid, "--as-of", "2999-01-01", "--json"))
    assert now["account"]["state"] == "contacted" and len(now["events"]) == 4


def test_history_as_of_before_recording_is_not_found(ws: Run) -> None:
    pid = new_account(ws)
    result = ws("history", pid, "--as-of", "2000-01-01", code=3)
    assert "had not been identified (happened by 2000-01-01" in result.stderr


# -- refusals: one line naming the rule, exit 1, nothing written -----------------------


def count(run: Run, pid: str) -> int:
    return len(as_json(run("history", pid, "--json"))["events"])


@pytest.mark.parametrize(
    ("upto", "args", "rule"),
    [
        ("prepared", lambda p: VISIT(p, lead="sam"), "R6:"),
        ("prepared", lambda p: VISIT(p, manner="video"), "R9:"),
        ("contacted", lambda p: VISIT(p), "R7:"),
        ("conference", lambda p: VISIT(p), "R8:"),
        ("prepared", lambda p: [*VISIT(p)[:-6], "--views", " ", "--next-steps", "n"], "R10:"),
        (
            "analysed",
            lambda p: CONTACT(p),
            "R4:",
        ),
        (
            "analysed",
            lambda p: ["approach", p, "--method", "seminar", "--chair", "sam", "--notes", "n"],
            "R4:",
        ),
        (
            "visited",
            lambda p: ["follow-up", p, "--channel", "phone", "--feedback", " "],
            "R11:",
        ),
        (
            "approach",
            lambda p: CONTACT(p, person=""),
            "R5:",
        ),
        ("followed_up", lambda p: ["win", p, "--classification", "", "--summary", "s"], "R12:"),
        ("followed_up", lambda p: ["win", p, "--classification", "A", "--summary", ""], "R14:"),
        ("visited", lambda p: ["lose", p, "--reason", "price", "--analysis", ""], "R13:"),
        ("visited", lambda p: ["win", p, "--classification", "A", "--summary", "s"], "lifecycle:"),
        (
            "identified",
            lambda p: CONTACT(p),
            "lifecycle:",
        ),
        ("identified", lambda p: ["reopen", p, "--reason", "r"], "lifecycle:"),
    ],
)
def test_a_refusal_names_the_rule_exits_1_and_writes_nothing(
    ws: Run, upto: str, args: object, rule: str
) -> None:
    pid = new_account(ws, upto)
    before = count(ws, pid)
    result = ws(*args(pid), code=1)  # type: ignore[operator]
    assert result.stderr.startswith(rule)
    assert len(result.stderr.strip().splitlines()) == 1
    assert count(ws, pid) == before


def test_conference_participants_must_be_users(ws: Run) -> None:
    pid = new_account(ws, "contacted")
    result = ws("conference", pid, "--participants", "mia,ghost", "--notes", "n", code=3)
    assert "unknown user 'ghost'" in result.stderr
    ws("conference", pid, "--participants", "mia,MIA,sam", "--notes", "n")
    held = as_json(ws("history", pid, "--json"))["events"][-1]["details"]["participants"]
    assert held == ["mia", "sam"]


def test_r1_nature_is_required_when_identifying(ws: Run) -> None:
    result = ws("prospect", "add", "A", "--category", "existing", "--nature", " ", code=1)
    assert result.stderr.startswith("R1:")


def test_lose_and_reopen(ws: Run) -> None:
    pid = new_account(ws, "contacted")
    ws("lose", pid, "--reason", "competitor", "--analysis", "they had a local plant")
    assert as_json(ws("prospect", "show", pid, "--json"))["outcome"]["lost_in"] == "contacted"
    data = as_json(ws("reopen", pid, "--reason", "plant closed", "--json"))
    assert data["state"] == "analysed"


# -- bad input (2), not found (3) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--channel", "fax"], "Invalid value for '--channel'"),
        (["--at", "next tuesday"], "--at: 'next tuesday' is not an ISO 8601"),
        (["--at", "2999-01-01"], "in the future"),
    ],
)
def test_bad_input_exits_2_with_one_line(ws: Run, args: list[str], message: str) -> None:
    pid = new_account(ws, "approach")
    base = {"--channel": "phone", "--person": "W", "--attitude": "positive", "--notes": "n"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    result = ws("contact", pid, *[x for kv in base.items() for x in kv], code=2)
    assert message in result.stderr


def test_steps_cannot_be_dated_before_the_state_they_follow(ws: Run) -> None:
    pid = new_account(ws, "visited")  # visited on 2026-03-06
    before = count(ws, pid)
    result = ws(
        "follow-up", pid, "--channel", "phone", "--feedback", "f", "--at", "2026-03-05", code=1
    )
    assert result.stderr.startswith("lifecycle: its last step while 'visited' was on 2026-03-06")
    result = ws(
        "contact",
        new_account(ws, "approach"),
        "--channel",
        "phone",
        "--person",
        "W",
        "--attitude",
        "neutral",
        "--notes",
        "n",
        "--at",
        "2026-03-01T12:00",
        code=1,
    )
    assert "lifecycle:" in result.stderr
    assert count(ws, pid) == before


def test_unknown_ids_and_users(ws: Run) -> None:
    pid = new_account(ws)
    assert "no account" in ws("prospect", "show", "abcdef12", code=3).stderr
    assert "too short" in ws("prospect", "show", pid[:4], code=2).stderr
    assert "unknown user 'zed'" in ws("prospect", "show", pid, user="zed", code=3).stderr
    assert "--as USER" in ws("prospect", "list", user=None, code=2).stderr
    result = ws("lose", pid, "--reason", "price", "--analysis", "a", user="zed", code=3)
    assert "unknown user 'zed'" in result.stderr
    result = ws("lose", pid, "--reason", "price", "--analysis", "a", user=None, code=2)
    assert "--as USER" in result.stderr


def test_analysis_files_bad_input(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    (tmp_path / "bad.yaml").write_text("forecast: {risk_level: 2}\n")
    result = ws("analyse", pid, "--file", "bad.yaml", code=2)
    assert result.stderr.startswith("bad input: analysis file:")
    result = ws("analyse", pid, "--file", "missing.yaml", code=2)
    assert "cannot read" in result.stderr
    (tmp_path / "broken.yaml").write_text("a: [b\n")
    assert "not valid YAML" in ws("analyse", pid, "--file", "broken.yaml", code=2).stderr


def test_template_output_validates_when_fed_back(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    (tmp_path / "t.yaml").write_text(ws("template", "analysis", user=None).stdout)
    data = as_json(ws("analyse", pid, "--file", "t.yaml", "--json"))
    assert data["development_value"] == "140000.00"


# -- workspace and users ---------------------------------------------------------------------


def test_users_roles_and_their_history(ws: Run) -> None:
    ws("user", "role", "sam", "--role", "manager", "--since", "2026-06-01", user="olga")
    users = {u["name"]: u for u in as_json(ws("user", "list", "--json"))}
    assert users["sam"]["role"] == "manager"
    assert [r["role"] for r in users["sam"]["roles"]] == ["sales", "manager"]
    assert (
        "access: only an owner"
        in ws("user", "add", "eve", "--role", "sales", user="mia", code=1).stderr
    )
    assert (
        "exists already" in ws("user", "add", "Mia", "--role", "sales", user="olga", code=2).stderr
    )
    assert (
        "Invalid value for '--role'"
        in ws("user", "add", "x", "--role", "boss", user="olga", code=2).stderr
    )
    assert (
        "bad input: NAME: a user name cannot hold commas"
        in ws("user", "add", "a,b", "--role", "sales", user="olga", code=2).stderr
    )
    assert "SINCE" in ws("user", "list").stdout


def test_commands_outside_a_workspace_say_how_to_make_one(run: Run) -> None:
    result = run("prospect", "list", code=2)
    assert "kaflow init --owner NAME" in result.stderr


def test_init_twice_and_bad_zone_are_refused(run: Run, tmp_path: Path) -> None:
    assert (
        "unknown time zone" in run("init", "--owner", "o", "--timezone", "Mars/Base", code=2).stderr
    )
    assert not (tmp_path / "kaflow.toml").exists() and not (tmp_path / "kaflow.db").exists()
    run("init", "--owner", "olga", "--timezone", "Asia/Shanghai")
    assert "workspace already" in run("init", "--owner", "olga", code=2).stderr
    assert 'timezone = "Asia/Shanghai"' in (tmp_path / "kaflow.toml").read_text()


def test_kaflow_store_overrides_the_workspace_store(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("init", "--owner", "olga", user=None)
    monkeypatch.setenv("KAFLOW_STORE", "sqlite:///other.db")
    result = run("user", "list", code=2)
    assert "other.db does not exist" in result.stderr


def test_json_output_is_one_document_everywhere(run: Run, tmp_path: Path) -> None:
    documents = [run("init", "--owner", "olga", "--json", user=None)]
    documents.append(
        run(
            "user",
            "add",
            "mia",
            "--role",
            "manager",
            "--since",
            "2026-01-01",
            "--json",
            user="olga",
        )
    )
    documents.append(
        run("user", "add", "sam", "--role", "sales", "--since", "2026-01-01", "--json", user="olga")
    )
    documents.append(
        run(
            "user",
            "role",
            "sam",
            "--role",
            "director",
            "--since",
            "2026-02-01",
            "--json",
            user="olga",
        )
    )
    (tmp_path / "analysis.json").write_text(json.dumps(ANALYSIS, default=str))
    pid = as_json(
        run(
            "prospect",
            "add",
            "A",
            "--category",
            "potential",
            "--nature",
            "n",
            "--at",
            "2026-03-01",
            "--json",
        )
    )["id"]
    steps = [
        ["analyse", pid, "--file", "analysis.json"],
        ["approach", pid, "--method", "visit", "--chair", "mia", "--notes", "n"],
        ["contact", pid, "--channel", "phone", "--person", "W", "--attitude", "positive",
         "--notes", "n"],
        ["conference", pid, "--participants", "mia", "--notes", "n"],
        ["prepare", pid, "--customer-data", "d", "--analysis", "a", "--sales-materials", "m"],
        VISIT(pid)[:-2],  # now
        ["follow-up", pid, "--channel", "phone", "--feedback", "f"],
        ["lose", pid, "--reason", "other", "--analysis", "a"],
        ["reopen", pid, "--reason", "r"],
        ["prospect", "list"], ["prospect", "show", pid], ["history", pid], ["user", "list"],
        ["template", "analysis"],
    ]  # fmt: skip
    for args in steps:
        documents.append(run(*args, "--json"))
    for result in documents:
        json.loads(result.stdout)
        assert result.stderr == ""


def test_template_as_json_is_accepted_by_analyse(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    (tmp_path / "t.json").write_text(ws("template", "analysis", "--json", user=None).stdout)
    assert as_json(ws("analyse", pid, "--file", "t.json", "--json"))["state"] == "analysed"


def test_a_writer_that_keeps_losing_exits_4_with_nothing_written(
    ws: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaflow.application.service import Kaflow

    pid = new_account(ws, "approach")
    before = count(ws, pid)
    with monkeypatch.context() as patched:
        patched.setattr(Kaflow, "_save", lambda self, *aggregates: False)
        args = ["contact", pid, "--channel", "phone", "--person", "W", "--attitude", "neutral"]
        result = ws(*args, "--notes", "n", code=4)
    assert "nothing was written" in result.stderr
    assert count(ws, pid) == before


@pytest.mark.sqlite_only
def test_a_busy_store_exits_4_and_a_broken_one_2(ws: Run, tmp_path: Path) -> None:
    import sqlite3

    pid = new_account(ws)
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace("lock_timeout = 10", "lock_timeout = 1"))
    lock = sqlite3.connect(tmp_path / "kaflow.db", isolation_level=None, timeout=0)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        result = ws("lose", pid, "--reason", "price", "--analysis", "a", code=None)
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert result.exit_code == 4, result.output
    assert "busy" in result.stderr
    (tmp_path / "kaflow.db").write_bytes(b"this is not a database" * 100)
    result = ws("prospect", "list", code=2)
    assert "cannot use the store" in result.stderr


def test_init_is_all_or_nothing(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "afile").write_text("x")
    result = run("init", "--owner", "olga", "--store", "sqlite:///afile/x.db", user=None, code=2)
    assert "cannot use the file system" in result.stderr
    result = run("init", "--owner", "o", "--store", "memory://", user=None, code=2)
    assert "memory://" in result.stderr

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device", "kaflow.toml")

    with monkeypatch.context() as patched:  # the config cannot be written
        patched.setattr("kaflow.settings_file.write", disk_full)
        assert "No space left" in run("init", "--owner", "olga", user=None, code=2).stderr
    assert not list(tmp_path.glob("kaflow.*"))
    run("init", "--owner", "olga", user=None)  # and nothing is left in the way


def test_demo_into_an_unusable_folder_is_bad_input(run: Run, tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    assert (
        "cannot use the file system" in run("demo", "--dir", "afile/demo", user=None, code=2).stderr
    )


def test_errors_under_json_are_a_json_document_too(ws: Run) -> None:
    pid = new_account(ws, "prepared")
    result = ws(*VISIT(pid, lead="sam"), "--json", code=1)
    document = json.loads(result.stdout)
    assert document["rule"] == "R6" and document["exit_code"] == 1
    assert document["error"].startswith("R6:") and result.stderr.startswith("R6:")
    document = json.loads(ws("prospect", "show", "abcdef12", "--json", code=3).stdout)
    assert document["exit_code"] == 3 and "rule" not in document


def test_analysis_problems_are_listed_together(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    bad = dict(ANALYSIS, forecast={**ANALYSIS["forecast"], "risk_level": 3, "travel_cost": -1})
    (tmp_path / "bad.json").write_text(json.dumps(bad, default=str))
    message = ws("analyse", pid, "--file", "bad.json", code=2).stderr
    assert "forecast.risk_level" in message and "forecast.travel_cost" in message


def test_the_analysis_can_come_from_standard_input(ws: Run) -> None:
    from click.testing import CliRunner

    from cli.context import Env
    from cli.main import cli

    pid = new_account(ws)
    result = CliRunner().invoke(
        cli,
        ["analyse", pid, "--file", "-"],
        obj=Env(),
        input=json.dumps(ANALYSIS, default=str),
        env={"KAFLOW_USER": "sam"},
    )
    assert result.exit_code == 0, result.output
    assert "140000.00" in result.stdout


def test_user_names_are_trimmed_and_owner_names_checked(ws: Run, run: Run) -> None:
    assert ws("prospect", "list", user="  sam ").exit_code == 0
    assert "bad input: --owner" in run("init", "--owner", " ", user=None, code=2).stderr


def test_a_bad_follow_up_window_in_the_config_is_reported(ws: Run, tmp_path: Path) -> None:
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace('"P7D"', '"banana"'))
    assert "follow_up_within" in ws("prospect", "list", code=2).stderr


def test_user_names_match_regardless_of_case(ws: Run) -> None:
    pid = new_account(ws, "prepared")
    data = as_json(ws(*VISIT(pid, lead="MIA"), "--json", user="SAM"))
    assert data["last_visit"]["lead"] == "mia"
    history = as_json(ws("history", pid, "--json"))
    visit = next(e for e in history["events"] if e["type"] == "VisitRecorded")
    assert visit["actor"] == "sam"


@pytest.mark.parametrize(
    ("args", "user", "code"),
    [
        (["prospect", "list"], None, 2),
        (["user", "add", "z", "--role", "boss"], "olga", 2),
        (["user", "add", "z", "--role", "sales"], "sam", 1),
        (["prospect", "show"], "sam", 2),
    ],
)
def test_usage_and_access_errors_under_json_are_json(
    ws: Run, args: list[str], user: str | None, code: int
) -> None:
    document = json.loads(ws(*args, "--json", user=user, code=code).stdout)
    assert document["exit_code"] == code
    if code == 1:
        assert document["rule"] == "access"


def test_a_config_with_the_wrong_shape_is_reported(ws: Run, tmp_path: Path) -> None:
    config = tmp_path / "kaflow.toml"
    text = config.read_text()
    config.write_text('policies = "x"\n' + text.split("[policies]")[0])
    assert "[policies] must be a table" in ws("prospect", "list", code=2).stderr
    config.write_bytes(b'store = "\xff"\n')
    assert "cannot read" in ws("prospect", "list", code=2).stderr


def test_an_id_longer_than_any_is_not_found_on_every_store(ws: Run) -> None:
    new_account(ws)
    assert "no account" in ws("history", "0123456789abcdef0123456789abcdef0", code=3).stderr
    assert "not an account id" in ws("history", "0123456789abcdefg", code=2).stderr
