"""Defects of the CLI's boundary with the application, each through the CLI."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Run


def new_account(ws: Run) -> str:
    out = ws("prospect", "add", "Acme", "--category", "potential", "--nature", "d").stdout
    return out.strip()


def events(ws: Run, pid: str) -> int:
    import json

    return len(json.loads(ws("history", pid, "--json").stdout)["events"])


@pytest.mark.sqlite_only
def test_an_unknown_setting_is_bad_input_naming_key_and_file(ws: Run, tmp_path: Path) -> None:
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace("timezone =", "timzone ="))
    result = ws("prospect", "list", code=2)
    assert "unknown setting 'timzone'" in result.stderr
    assert str(config) in result.stderr
    config.write_text(
        config.read_text()
        .replace("timzone =", "timezone =")
        .replace("[policies]\n", "[policies]\nfollow_up_witin = 'P5D'\n", 1)
    )
    assert "[policies] 'follow_up_witin'" in ws("prospect", "list", code=2).stderr


@pytest.mark.sqlite_only  # the workspace's own store needs no driver
def test_a_postgresql_store_without_its_driver_says_how_to_install_it(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if never installed
    url = "postgresql://kaflow@127.0.0.1:1/nowhere"
    result = run("init", "--owner", "olga", "--store", url, user=None, code=2)
    assert "pip install 'kaflow[postgres]'" in result.stderr
    assert "Traceback" not in result.output


def test_ctrl_c_after_the_step_was_committed_exits_0_and_records_it_once(
    ws: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaflow.application.queries import Queries

    pid = new_account(ws)
    before = events(ws, pid)

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:  # Ctrl-C while the answer is being read
        patched.setattr(Queries, "account", interrupted)
        result = ws("reopen", pid, "--reason", "x", code=None)
        assert result.exit_code == 1  # refused by the lifecycle: nothing committed
        result = ws("analyse", pid, "--file", "analysis.json", code=0)
    assert "interrupted after the step was recorded" in result.stderr
    assert events(ws, pid) == before + 1


def test_ctrl_c_before_anything_was_committed_exits_130(
    ws: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kaflow.application.service import Kaflow

    pid = new_account(ws)
    before = events(ws, pid)

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(Kaflow, "_save", interrupted)
        assert ws("analyse", pid, "--file", "analysis.json", code=130).stderr == "interrupted\n"
    assert events(ws, pid) == before


def test_switching_to_a_store_whose_url_holds_a_password_keeps_the_file_private(
    tmp_path: Path,
) -> None:
    from kaflow.bootstrap import switch_store

    config = tmp_path / "kaflow.toml"
    config.write_text('store = "sqlite:///kaflow.db"\ntimezone = "UTC"\n')
    os.chmod(config, 0o644)
    switch_store(str(tmp_path), "postgresql://kaflow@db:5432/sales?password=s3cret")
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    switch_store(str(tmp_path), "postgresql://kaflow:s3cret@db:5432/sales")
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("mi\u200ba", "control characters"),  # zero-width space
        ("mi\u202ea", "control characters"),  # right-to-left override
        ("mi\x85a", "control characters"),  # a C1 control
        ("olg\u0430", "can be mistaken"),  # olga, its last letter Cyrillic
        ("\u0455am", "can be mistaken"),  # sam, its first letter Cyrillic
        ("scheduler", "kaflow keeps for itself"),
        ("Scheduler", "kaflow keeps for itself"),
        ("mia!", "letters, digits and . _ - only"),
        ("oIga", "can be mistaken"),  # a capital I for the l
        ("0lga", "can be mistaken"),  # a zero for the o
        ("o1ga", "can be mistaken"),  # a one for the l
        ("rnia", "can be mistaken"),  # r and n for the m
    ],
)
def test_a_user_name_that_could_deceive_is_refused(ws: Run, name: str, says: str) -> None:
    result = ws("user", "add", name, "--role", "sales", user="olga", code=2)
    assert says in result.stderr
    assert name not in ws("user", "list", "--json", user="olga").stdout


def test_user_names_in_any_script_and_width_are_one_name(ws: Run) -> None:
    import json

    ws("user", "add", "王小明", "--role", "sales", user="olga")
    ws("user", "add", "li.wei-2", "--role", "sales", user="olga")
    ws("user", "role", "ＳＡＭ", "--role", "manager", user="olga")  # full-width: sam
    assert ws("prospect", "list", user="ＭＩＡ").exit_code == 0  # --as full-width
    users = {u["name"]: u["role"] for u in json.loads(ws("user", "list", "--json").stdout)}
    assert users["王小明"] == "sales" and users["li.wei-2"] == "sales"
    assert users["sam"] == "manager"


def test_tables_fit_the_terminal_and_wide_keeps_rows_on_one_line(
    ws: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = new_account(ws)
    ws("analyse", pid, "--file", "analysis.json")
    ws("approach", pid, "--method", "visit", "--chair", "mia", "--notes", "seminar first")
    notes = "Wang Li agreed to a visit; " + "she asked about delivery times and prices " * 4
    ws(
        "contact", pid, "--channel", "phone", "--person", "王力", "--attitude", "positive",
        "--notes", notes.strip(),
    )  # fmt: skip
    monkeypatch.setenv("COLUMNS", "80")
    for args in (["history", pid], ["ledger", pid], ["prospect", "list"]):
        lines = ws(*args).stdout.splitlines()
        assert max(len(line) for line in lines) <= 80, args
        text = " ".join(" ".join(lines).split())
        if args[0] != "prospect":  # the notes, whole, wrapped
            assert "asked about delivery times and prices" in text, args
    wide = ws("history", pid, "--wide").stdout.splitlines()
    assert any(notes.strip() in line for line in wide)
    assert max(len(line) for line in wide) > 80


@pytest.mark.sqlite_only
@pytest.mark.parametrize("name", ["kaflow.db", "kaflow.db-wal", "kaflow.toml", "./kaflow.db"])
def test_the_outbox_may_not_be_one_of_the_workspaces_own_files(
    ws: Run, tmp_path: Path, name: str
) -> None:
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace('outbox = "outbox.jsonl"', f'outbox = "{name}"'))
    store = (tmp_path / "kaflow.db").read_bytes()
    result = ws("scheduler", "tick", code=2)
    assert "[notify] outbox names" in result.stderr
    assert (tmp_path / "kaflow.db").read_bytes() == store


def test_a_file_that_is_no_outbox_is_never_cut(ws: Run, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\nthe last line, without a newline")
    config = tmp_path / "kaflow.toml"
    config.write_text(config.read_text().replace("outbox.jsonl", "notes.txt"))
    assert "is not kaflow's outbox" in ws("scheduler", "tick", code=2).stdout
    assert notes.read_text() == "my notes\nthe last line, without a newline"
    notes.write_text('{"position": 1}\nnot a notice\n')
    assert "is not kaflow's outbox" in ws("scheduler", "tick", code=2).stdout
    assert notes.read_text() == '{"position": 1}\nnot a notice\n'
