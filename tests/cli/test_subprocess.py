"""The demo and one full lifecycle as real processes, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.builders import ANALYSIS

pytestmark = pytest.mark.slow


def kaflow(*args: str, cwd: Path, user: str | None = "sam", code: int = 0) -> str:
    env = {**os.environ, "KAFLOW_USER": user or ""}
    env.pop("KAFLOW_STORE", None)
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == code, (args, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    return done.stdout if code == 0 else done.stderr


def test_the_demo_runs_and_tells_the_story(tmp_path: Path) -> None:
    out = kaflow("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path, user=None)
    assert "REFUSED" in out and "R6:" in out
    assert "won" in out and "lost" in out and "followed_up" in out
    listed = json.loads(kaflow("prospect", "list", "--json", cwd=tmp_path / "demo", user="olga"))
    assert sorted(a["state"] for a in listed) == ["followed_up", "lost", "won"]


def test_the_demo_as_json(tmp_path: Path) -> None:
    data = json.loads(
        kaflow("demo", "--json", "--dir", str(tmp_path / "d"), cwd=tmp_path, user=None)
    )
    refused = [s for s in data["steps"] if not s["ok"]]
    assert len(refused) == 1 and refused[0]["detail"].startswith("R6:")
    assert len(data["accounts"]) == 3


def test_a_full_lifecycle_in_real_processes(tmp_path: Path, store_url: str | None) -> None:
    store = ["--store", store_url] if store_url else []
    kaflow("init", "--owner", "olga", "--timezone", "Asia/Shanghai", *store, cwd=tmp_path,
           user=None)  # fmt: skip
    for name, role in (("mia", "manager"), ("sam", "sales")):
        kaflow(
            "user", "add", name, "--role", role, "--since", "2026-01-01", cwd=tmp_path, user="olga"
        )
    (tmp_path / "a.json").write_text(json.dumps(ANALYSIS, default=str))
    sub = tmp_path / "notes"  # commands find the workspace from a sub-folder
    sub.mkdir()
    pid = kaflow(
        "prospect",
        "add",
        "Acme",
        "--category",
        "potential",
        "--nature",
        "distributor",
        "--at",
        "2026-03-01",
        cwd=sub,
    ).strip()
    short = pid[:8]
    kaflow("analyse", short, "--file", "../a.json", "--at", "2026-03-02", cwd=sub)
    kaflow(
        "approach",
        short,
        "--method",
        "visit",
        "--chair",
        "mia",
        "--notes",
        "n",
        "--at",
        "2026-03-03",
        cwd=sub,
    )
    kaflow(
        "contact",
        short,
        "--channel",
        "letter",
        "--person",
        "Wang",
        "--attitude",
        "neutral",
        "--notes",
        "sent brochure",
        "--at",
        "2026-03-04",
        cwd=sub,
    )
    kaflow(
        "conference",
        short,
        "--participants",
        "mia,sam",
        "--notes",
        "plan",
        "--at",
        "2026-03-05",
        cwd=sub,
    )
    kaflow(
        "prepare",
        short,
        "--customer-data",
        "d",
        "--analysis",
        "a",
        "--sales-materials",
        "m",
        "--at",
        "2026-03-05",
        cwd=sub,
    )
    visit = [
        "visit",
        short,
        "--place",
        "HQ",
        "--manner",
        "face-to-face",
        "--points",
        "p",
        "--views",
        "v",
        "--next-steps",
        "n",
        "--at",
        "2026-03-06T10:00",
    ]
    assert kaflow(*visit, "--lead", "sam", cwd=sub, code=1).startswith("R6:")
    kaflow(*visit, "--lead", "mia", cwd=sub)
    kaflow(
        "follow-up", short, "--channel", "phone", "--feedback", "ok", "--at", "2026-03-09", cwd=sub
    )
    kaflow("win", short, "--classification", "A", "--summary", "won", cwd=sub, user="mia")
    history = json.loads(kaflow("history", pid, "--json", cwd=sub))
    assert history["account"]["state"] == "won"
    visit_event = history["events"][6]
    assert visit_event["type"] == "VisitRecorded"
    assert visit_event["occurred_at"] == "2026-03-06T10:00:00+08:00"  # in the workspace's zone


def test_a_command_on_sqlite_never_loads_the_postgresql_driver(tmp_path: Path) -> None:
    kaflow("init", "--owner", "olga", cwd=tmp_path, user=None)
    env = {**os.environ, "KAFLOW_USER": "olga"}
    env.pop("KAFLOW_STORE", None)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cli", "report", "funnel"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()]
    assert "funnel" in done.stdout and "eventsourcing.application" in imported
    assert not [m for m in imported if m.startswith(("psycopg", "eventsourcing.postgres"))]


KILLED_INIT = """
import os, signal, sys
from kaflow.application.service import Kaflow
from cli.main import main
Kaflow.create_directory = lambda self, *a, **k: os.kill(os.getpid(), signal.SIGKILL)
sys.argv = ["kaflow", "init", "--owner", "olga", *sys.argv[1:]]
main()
"""


def test_an_init_killed_midway_leaves_no_workspace_and_can_be_run_again(
    tmp_path: Path, store_url: str | None
) -> None:
    store = ["--store", store_url] if store_url else []
    env = {k: v for k, v in os.environ.items() if k != "KAFLOW_STORE"}
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_INIT, *store],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).parents[2])},
        capture_output=True,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    assert not (tmp_path / "kaflow.toml").exists()
    kaflow("init", "--owner", "olga", *store, cwd=tmp_path, user=None)
    assert not list(tmp_path.glob("*.partial"))
    assert "olga" in kaflow("user", "list", cwd=tmp_path, user="olga")


def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli.context import Env
    from cli.main import cli

    kaflow("init", "--owner", "olga", cwd=tmp_path, user=None)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        patch.setattr("kaflow.reporting.reports.run", interrupted)
        result = CliRunner().invoke(cli, ["--as", "olga", "report", "funnel"], obj=Env())
    assert result.exit_code == 130 and "interrupted" in result.stderr
