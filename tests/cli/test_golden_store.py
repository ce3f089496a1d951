"""Stores written by earlier releases load, rebuild and report unchanged.

Each ``tests/golden/v<release>/`` is a workspace written by that release
(tests/golden/make_store.py), with what its reads said then in ``expected/``. A copy is
opened by this code, its views rebuilt from the log, and every read must say the same.
A failure here means old stores no longer read the same: add an upcaster (see
``Prospect``), never regenerate the golden store.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.context import Env
from cli.main import cli
from kaflow.clock import FixedClock

GOLDEN = Path(__file__).parents[1] / "golden"
RELEASES = sorted(p for p in GOLDEN.iterdir() if (p / "kaflow.db").is_file())


def expected(release: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((release / "expected" / "commands.json").read_text())
    return found


def kaflow(release: Path, *args: str) -> Result:
    """The CLI in the current folder, as the release's reader, at its fixed "now"."""
    read = expected(release)
    clock = FixedClock(datetime.fromisoformat(read["now"]))
    return CliRunner().invoke(
        cli, list(args), obj=Env(clock=clock), env={"KAFLOW_USER": read["user"]}
    )


@pytest.fixture(params=RELEASES, ids=[p.name for p in RELEASES])
def release(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A copy of a golden workspace, as the current folder."""
    golden: Path = request.param
    for name in ("kaflow.toml", "kaflow.db"):
        shutil.copy(golden / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KAFLOW_STORE", raising=False)
    return golden


def log_digest(db: Path) -> str:
    """The event log's content: what no release may change in an old store."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT rowid, * FROM stored_events ORDER BY rowid").fetchall()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def keeping(now: Any, then: Any) -> Any:
    """``now`` with every key of a JSON object that ``then`` (the expected output) does
    not have taken out: a later release may add to what a read says (a field added to an
    event shows with its default), never change or drop anything it said."""
    if isinstance(now, dict) and isinstance(then, dict):
        return {k: keeping(v, then[k]) for k, v in now.items() if k in then}
    if isinstance(now, list) and isinstance(then, list) and len(now) == len(then):
        return [keeping(n, t) for n, t in zip(now, then, strict=True)]
    return now


def test_there_is_a_golden_store() -> None:
    assert [p.name for p in RELEASES][:1] == ["v0.1"]


def test_a_golden_store_rebuilds_and_reads_as_it_did(release: Path, tmp_path: Path) -> None:
    before = log_digest(tmp_path / "kaflow.db")
    rebuilt = kaflow(release, "projections", "rebuild", "--json")
    assert rebuilt.exit_code == 0, (rebuilt.output, rebuilt.exception)
    data = json.loads(rebuilt.stdout)
    assert data["updates"] > 0
    with sqlite3.connect(tmp_path / "kaflow.db") as conn:
        assert data["head"] == conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
    conn.close()
    for name, args in expected(release)["commands"].items():
        result = kaflow(release, *args)
        assert result.exit_code == 0, (args, result.output, result.exception)
        want = json.loads((release / "expected" / name).read_text(encoding="utf-8"))
        said = json.loads(result.stdout)
        assert keeping(said, want) == want, f"{' '.join(args)} no longer says what {name} does"
    assert log_digest(tmp_path / "kaflow.db") == before


def test_an_event_that_cannot_be_decoded_fails_the_rebuild(release: Path, tmp_path: Path) -> None:
    """A rebuild that cannot read the log says so and fails; it never reports success."""
    with sqlite3.connect(tmp_path / "kaflow.db") as conn:
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = (SELECT MIN(rowid) "
            "FROM stored_events WHERE topic LIKE '%:Prospect.Identified')",
            (b"\x00not json",),
        )
    conn.close()
    result = kaflow(release, "projections", "rebuild", "--json")
    assert result.exit_code == 2, result.output
    assert '"rebuilt"' not in result.stdout
    assert "of the log cannot be read" in result.stderr
    assert "'kaflow store check'" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no crash
