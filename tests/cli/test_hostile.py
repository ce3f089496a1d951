"""Hostile input and hostile places through the CLI: ``--output`` aimed at the
workspace's own files, formulas in a spreadsheet, control characters for a terminal,
a console that cannot show every character, analysis files built to exhaust memory."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import ANALYSIS
from tests.cli.conftest import REPO, Run, as_json, new_account


def _add(ws: Run, name: str) -> str:
    return str(
        ws(
            "prospect", "add", name, "--category", "potential", "--nature", "distributor"
        ).stdout.strip()
    )


def _account(ws: Run, name: str, analysis: str = "analysis.json") -> str:
    """An account named ``name``, analysed and with its approach decided: ready for
    contacts."""
    pid = _add(ws, name)
    ws("analyse", pid, "--file", analysis)
    ws("approach", pid, "--method", "visit", "--chair", "mia", "--notes", "go")
    return pid


# 1. --output never writes over the workspace's own files


STORE_FILE = pytest.mark.sqlite_only  # on PostgreSQL kaflow.db is no file of the workspace


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("kaflow.db", marks=STORE_FILE),
        pytest.param("kaflow.db-wal", marks=STORE_FILE),
        "kaflow.toml",
        "outbox.jsonl",
    ],
)
@pytest.mark.parametrize("fmt", ["table", "csv", "xlsx"])
def test_output_never_writes_over_the_workspaces_own_files(
    ws: Run, tmp_path: Path, target: str, fmt: str
) -> None:
    pid = new_account(ws, "contacted")
    path = tmp_path / target
    if target == "outbox.jsonl":
        path.write_text('{"notice": "precious"}\n')
    before = path.read_bytes() if path.exists() else None
    err = ws("ledger", pid, "--format", fmt, "--output", target, code=2).stderr
    assert "--output" in err and "refusing" in err and "Traceback" not in err
    if target.startswith("kaflow.db"):  # SQLite's own (reading may touch its header)
        assert not path.exists() or b"Acme" not in path.read_bytes()[:4096]
        assert (tmp_path / "kaflow.db").read_bytes().startswith(b"SQLite format 3")
    else:
        assert path.read_bytes() == before
    assert as_json(ws("ledger", pid, "--json"))["entries"]  # the store still works
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_output_knows_the_store_by_any_spelling(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    (tmp_path / "sub").mkdir()
    before = (tmp_path / "kaflow.toml").read_bytes()
    for spelling in ("./sub/../kaflow.toml", str(tmp_path / "kaflow.toml")):
        ws("report", "funnel", "--format", "csv", "--output", spelling, code=2)
    ws("ledger", pid, "--format", "md", "--output", "sub/../kaflow.toml", code=2)
    assert (tmp_path / "kaflow.toml").read_bytes() == before


def test_output_refuses_a_symbolic_link(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws)
    (tmp_path / "elsewhere.txt").write_text("keep me")
    (tmp_path / "record.csv").symlink_to(tmp_path / "elsewhere.txt")
    err = ws("ledger", pid, "--format", "csv", "--output", "record.csv", code=2).stderr
    assert "symbolic link" in err
    assert (tmp_path / "elsewhere.txt").read_text() == "keep me"
    assert (tmp_path / "record.csv").is_symlink()


def test_output_still_writes_a_file_and_dash_is_standard_output(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "contacted")
    (tmp_path / "record.md").write_text("old")
    result = ws("ledger", pid, "--format", "md", "--output", "record.md")
    assert result.stdout == "" and "wrote record.md" in result.stderr
    text = (tmp_path / "record.md").read_text(encoding="utf-8")
    assert text.startswith("# ") and "Acme" in text
    assert ws("ledger", pid, "--format", "md", "--output", "-").stdout == text
    ws("report", "funnel", "--json", "--output", "funnel.json")
    assert json.loads((tmp_path / "funnel.json").read_text())["report"] == "funnel"
    xlsx = ws("ledger", pid, "--format", "xlsx", "--output", "-").stdout_bytes
    assert xlsx.startswith(b"PK")  # a zip: the workbook
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_a_failed_write_leaves_no_file(
    ws: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import Workbook

    pid = new_account(ws)

    def disk_full(self: object, filename: str) -> None:
        with open(filename, "wb") as out:
            out.write(b"PK half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Workbook, "save", disk_full)
    (tmp_path / "kept.xlsx").write_bytes(b"the old workbook")
    err = ws("ledger", pid, "--format", "xlsx", "--output", "new.xlsx", code=2).stderr
    assert "No space left" in err
    ws("ledger", pid, "--format", "xlsx", "--output", "kept.xlsx", code=2)
    assert not (tmp_path / "new.xlsx").exists()
    assert (tmp_path / "kept.xlsx").read_bytes() == b"the old workbook"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    ws("ledger", pid, "--format", "csv", "--output", "missing/folder/x.csv", code=2)
    assert not (tmp_path / "missing").exists()


# 2. CSV: what people wrote is never a formula


def test_csv_cells_that_a_spreadsheet_would_run_are_made_text(ws: Run) -> None:
    pid = _account(ws, '=HYPERLINK("http://evil","x")')
    # (a leading tab or carriage return never gets this far: kaflow strips what is typed)
    hostile = ["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "=1+1"]
    for note in hostile:
        typed = "@" + note if note.startswith("@") else note  # @@: a literal leading @
        ws("contact", pid, "--channel", "phone", "--person", "W", "--attitude", "neutral",
           "--notes", typed)  # fmt: skip
    rows = list(csv.reader(io.StringIO(ws("ledger", pid, "--format", "csv").stdout)))
    cells = [c for row in rows for c in row]
    assert '\'=HYPERLINK("http://evil","x")' in cells
    for note in hostile:
        assert "'" + note in cells and note not in cells, note
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    report = ws("report", "conformance", "--format", "csv").stdout
    cells = [c for row in csv.reader(io.StringIO(report)) for c in row]
    assert '\'=HYPERLINK("http://evil","x")' in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]


def test_csv_keeps_a_negative_amount_a_number(ws: Run, tmp_path: Path) -> None:
    data = json.loads(json.dumps(ANALYSIS, default=str))
    data["forecast"].update(sales_profit=0, risk_level=0)
    (tmp_path / "loss.json").write_text(json.dumps(data))
    pid = _account(ws, "Loss maker", "loss.json")
    value = as_json(ws("ledger", pid, "--json"))["account"]["development_value"]
    assert str(value).startswith("-")
    rows = list(csv.reader(io.StringIO(ws("ledger", pid, "--format", "csv").stdout)))
    [row] = [r for r in rows if r[:1] == ["Development value"]]
    assert row[1] == str(value)  # no quote: a spreadsheet reads it as a number


# 3. Control characters never reach the terminal raw

HOSTILE_NAME = "Evil\x1b]0;pwned\x07\x1b[31mRed\x9b2J\x85\u202eend"


def test_control_characters_are_shown_escaped_in_text(ws: Run) -> None:
    pid = _account(ws, HOSTILE_NAME)
    ws("contact", pid, "--channel", "phone", "--person", "W\x1b[2J", "--attitude", "neutral",
       "--notes", "bell\x07here")  # fmt: skip
    ws("review", pid, "--remarks", "ok\x1b[5m", user="mia")
    texts = {
        "list": ws("prospect", "list").stdout,
        "show": ws("prospect", "show", pid).stdout,
        "ledger": ws("ledger", pid).stdout,
        "ledger md": ws("ledger", pid, "--format", "md").stdout,
        "visits": ws("report", "visits").stdout,
    }
    for name, text in texts.items():
        for raw in ("\x1b", "\x07", "\x9b", "\x85", "\u202e"):
            assert raw not in text, (name, raw)
    assert "\\x1b]0;pwned\\x07\\x1b[31mRed\\x9b2J\\x85\\u202eend" in texts["ledger"]
    assert "W\\x1b[2J" in texts["ledger"] and "bell\\x07here" in texts["ledger"]
    assert "ok\\x1b[5m" in texts["ledger"] and "Evil\\x1b]0;pwned" in texts["show"]
    # JSON carries them whole, escaped as JSON does
    data = as_json(ws("ledger", pid, "--json"))
    assert data["account"]["name"] == HOSTILE_NAME
    assert "\x9b" not in ws("ledger", pid, "--json").stdout


# 4. A console that cannot show a character does not crash


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_a_gbk_console_shows_what_it_can(ws: Run, tmp_path: Path) -> None:
    pid = new_account(ws, "contacted")
    emoji = _add(ws, "Smile 😀 客户")
    env = {k: v for k, v in os.environ.items() if k != "KAFLOW_STORE"}
    env.update(PYTHONPATH=str(REPO), PYTHONIOENCODING="gbk", KAFLOW_USER="sam")
    for args in (
        ["report", "conformance"],
        ["prospect", "list"],
        ["ledger", emoji],
        ["ledger", pid, "--format", "csv"],
        ["report", "funnel", "--format", "md"],
        ["prospect", "show", emoji],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "cli", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
            check=False,
        )
        stderr = done.stderr.decode("gbk", "replace")
        assert done.returncode == 0, (args, stderr)
        assert "UnicodeEncodeError" not in stderr
        out = done.stdout.decode("gbk")  # what the console received is GBK
        if args[0] == "ledger" and args[1] == emoji:
            assert "客户" in out and "😀" not in out and "\\U0001f600" in out


# 5. Analysis files are bounded


def _analyse(ws: Run, pid: str, path: str) -> str:
    result = ws("analyse", pid, "--file", path, code=2)
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    return str(result.stderr)


def test_an_alias_bomb_is_refused(ws: Run, tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    assert (tmp_path / "bomb.yaml").stat().st_size < 2000
    pid = _add(ws, "Bombed")
    assert "aliases" in _analyse(ws, pid, "bomb.yaml")
    assert as_json(ws("prospect", "show", pid, "--json"))["state"] == "identified"


def test_deep_nesting_is_refused_without_a_traceback(ws: Run, tmp_path: Path) -> None:
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")
    (tmp_path / "deep.json").write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}")
    pid = _add(ws, "Deep")
    assert "50 levels" in _analyse(ws, pid, "deep.yaml")
    assert "50 levels" in _analyse(ws, pid, "deep.json")


def test_an_endless_file_is_refused(ws: Run, tmp_path: Path) -> None:
    pid = _add(ws, "Endless")
    assert "larger than 1 MiB" in _analyse(ws, pid, "/dev/zero")
    (tmp_path / "big.yaml").write_text("a: " + "x" * (1024 * 1024 + 10) + "\n")
    assert "larger than 1 MiB" in _analyse(ws, pid, "big.yaml")


def test_a_yaml_error_names_its_line_and_column(ws: Run, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("management:\n  ratio: 1\n  x: [unclosed\nsales: 2\n")
    pid = _add(ws, "Typo")
    err = _analyse(ws, pid, "bad.yaml")
    assert "bad.yaml" in err and "line 4, column" in err
