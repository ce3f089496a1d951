"""Output that scripts and other programs read: JSON documents (an error's too, under a
console that cannot show every character, after Ctrl-C, after ``--output``), CSV files
read back by a CSV reader, Markdown rendered as HTML, and tables on a narrow terminal."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import REPO, VISIT, Run, as_json, new_account

ERROR_KEYS = {"error", "exit_code", "kind", "field"}
RAW_CONTROLS = ("\x1b", "\x07")


def _add(ws: Run, name: str) -> str:
    args = ["prospect", "add", name, "--category", "potential", "--nature", "distributor"]
    return str(ws(*args).stdout.strip())


# 1. A console that cannot encode a character still gets valid JSON


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_json_stays_json_on_a_console_that_cannot_encode_a_character(
    ws: Run, tmp_path: Path
) -> None:
    rocket = _add(ws, "Rocket 🚀 客户")
    env = {k: v for k, v in os.environ.items() if k != "KAFLOW_STORE"}
    env.update(PYTHONPATH=str(REPO), PYTHONIOENCODING="gbk", KAFLOW_USER="sam")

    def kaflow(*args: str, code: int = 0) -> object:
        done = subprocess.run(
            [sys.executable, "-m", "cli", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == code, (args, done.stderr.decode("gbk", "replace"))
        out = done.stdout.decode("gbk")  # what the console received is GBK
        assert "\\U0001f680" not in out and "🚀" not in out
        return json.loads(out)

    listed = kaflow("prospect", "list", "--json")
    assert isinstance(listed, list)
    assert [a["name"] for a in listed] == ["Rocket 🚀 客户"]
    ledger = kaflow("ledger", rocket, "--json")
    assert isinstance(ledger, dict) and ledger["account"]["name"] == "Rocket 🚀 客户"
    error = kaflow("prospect", "show", "zz🚀", "--json", code=2)
    assert isinstance(error, dict) and "zz🚀" in error["error"]
    assert error["kind"] == "bad_input"


# 2. Error messages never carry control characters raw


def test_an_error_shows_control_characters_escaped(ws: Run) -> None:
    hostile = "zz\x1b]0;x\x07"
    result = ws("prospect", "show", hostile, code=2)
    for raw in RAW_CONTROLS:
        assert raw not in result.stderr
    assert "zz\\x1b]0;x\\x07" in result.stderr
    result = ws("prospect", "show", hostile, "--json", code=2)
    for raw in RAW_CONTROLS:
        assert raw not in result.stdout and raw not in result.stderr
    assert hostile in json.loads(result.stdout)["error"]  # JSON carries it whole, escaped


def test_a_usage_error_of_clicks_own_shows_control_characters_escaped(
    ws: Run, tmp_path: Path
) -> None:
    folder = tmp_path / "demo\x1b[2J\x07"
    folder.mkdir()
    (folder / "kaflow.toml").write_text("")  # a workspace already: click's UsageError
    result = ws("demo", "--dir", str(folder), user=None, code=2)
    assert "is a workspace already" in result.stderr and "Usage:" in result.stderr
    for raw in RAW_CONTROLS:
        assert raw not in result.stderr
    assert "demo\\x1b[2J\\x07" in result.stderr
    result = ws("demo", "--dir", str(folder), "--json", user=None, code=2)
    for raw in RAW_CONTROLS:
        assert raw not in result.stdout and raw not in result.stderr
    document = json.loads(result.stdout)
    assert str(folder) in document["error"] and document["kind"] == "bad_input"


# 3. JSON errors: always the same keys


def test_json_errors_always_have_the_same_keys(ws: Run) -> None:
    pid = new_account(ws, "prepared")
    refused = json.loads(ws(*VISIT(pid, lead="sam"), "--json", code=1).stdout)
    assert set(refused) == ERROR_KEYS | {"rule"}
    assert (refused["kind"], refused["rule"], refused["exit_code"]) == ("refused", "R6", 1)
    missing = json.loads(ws("prospect", "show", "abcdef12", "--json", code=3).stdout)
    assert set(missing) == ERROR_KEYS and missing["kind"] == "not_found"
    future = json.loads(ws("analyse", pid, "--file", "analysis.json", "--at", "2999-01-01",
                           "--json", code=2).stdout)  # fmt: skip
    assert set(future) == ERROR_KEYS
    assert (future["kind"], future["field"]) == ("bad_input", "--at")
    usage = json.loads(ws("prospect", "list", "--state", "nowhere", "--json", code=2).stdout)
    assert set(usage) == ERROR_KEYS
    assert (usage["kind"], usage["field"], usage["exit_code"]) == ("bad_input", "--state", 2)
    unknown = json.loads(ws("prospect", "list", "--bogus", "--json", code=2).stdout)
    assert (unknown["kind"], unknown["field"]) == ("bad_input", "--bogus")
    nobody = json.loads(ws("prospect", "list", "--json", user=None, code=2).stdout)
    assert set(nobody) == ERROR_KEYS and nobody["field"] is None
    access = json.loads(ws("user", "add", "z", "--role", "sales", "--json", code=1).stdout)
    assert set(access) == ERROR_KEYS | {"rule"} and access["kind"] == "refused"


# 4. Ctrl-C under --json


def test_ctrl_c_under_json_prints_a_json_error(ws: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from kaflow.application.queries import Queries
    from kaflow.application.service import Kaflow

    pid = new_account(ws)

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:  # before anything was committed
        patched.setattr(Kaflow, "_save", interrupted)
        result = ws("analyse", pid, "--file", "analysis.json", "--json", code=130)
    assert result.stderr == "interrupted\n"
    assert json.loads(result.stdout) == {
        "error": "interrupted",
        "exit_code": 130,
        "kind": "interrupted",
        "field": None,
    }
    with monkeypatch.context() as patched:  # after the step was committed
        patched.setattr(Queries, "account", interrupted)
        result = ws("analyse", pid, "--file", "analysis.json", "--json", code=0)
    document = json.loads(result.stdout)
    assert document["error"] == "interrupted after the step was recorded"
    assert (document["exit_code"], document["kind"]) == (0, "interrupted")
    assert as_json(ws("prospect", "show", pid, "--json"))["state"] == "analysed"


# 5. --json with --output


def test_json_with_output_says_what_it_wrote(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "contacted")
    result = ws("ledger", pid, "--json", "--output", "record.json")
    assert json.loads(result.stdout) == {
        "wrote": str((tmp_path / "record.json").resolve()),
        "format": "json",
    }
    assert json.loads((tmp_path / "record.json").read_text())["entries"]
    result = ws("report", "funnel", "--json", "--output", "funnel.json")
    assert json.loads(result.stdout)["wrote"] == str((tmp_path / "funnel.json").resolve())
    # without --json, standard output stays empty
    assert ws("ledger", pid, "--format", "csv", "--output", "r.csv").stdout == ""


# 6. CSV cells with line breaks read back whole


def test_csv_cells_with_line_breaks_read_back_as_written(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "approach")
    notes = ["one\rtwo", "three\nfour", "five\tsix", "seven\r\neight"]
    for note in notes:
        ws("contact", pid, "--channel", "phone", "--person", "W", "--attitude", "neutral",
           "--notes", note)  # fmt: skip
    ws("ledger", pid, "--format", "csv", "--output", "record.csv")
    with open(tmp_path / "record.csv", encoding="utf-8-sig", newline="") as written:
        rows = list(csv.reader(written))
    entries = [r for r in rows if set(r) & set(notes)]
    assert sorted(c for r in entries for c in r if c in notes) == sorted(notes), rows
    header = next(r for r in rows if "Progress notes" in r)
    assert all(len(r) == len(header) for r in entries)  # each row whole, not split


# 7. Narrow terminals never split a number or a date


def test_a_narrow_terminal_never_splits_a_number(ws: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    new_account(ws, "analysed")  # its development value: 140000.00
    monkeypatch.setenv("COLUMNS", "40")
    assert "¥140,000.00" in ws("prospect", "list").stdout  # in the workspace's currency


def test_a_word_longer_than_a_column_may_still_be_cut() -> None:
    from cli.tables import WHOLE_WORD, fit

    cells = [["A", "B"], ["x" * 60, "140000.00 and 2026-12-03"]]
    widths = fit(cells, 20)
    assert widths[0] == WHOLE_WORD and widths[1] == 10


# 8. The zh title's underline, Markdown and HTML


def test_the_zh_title_is_underlined_across_its_width(ws: Run) -> None:
    pid = new_account(ws)
    title, rule = ws("ledger", pid, "--lang", "zh").stdout.splitlines()[:2]
    assert title == "大客户开发备案表" and rule == "=" * 16


def test_markdown_escapes_html_in_what_people_typed(ws: Run) -> None:
    pid = _add(ws, "<img src=x onerror=alert(1)> & <b>co</b>")
    text = ws("ledger", pid, "--format", "md").stdout
    assert "<img" not in text and "<b>" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in text
