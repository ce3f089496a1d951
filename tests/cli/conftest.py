from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cli.context import Env
from cli.main import cli
from tests.builders import ANALYSIS

Run = Callable[..., Result]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str | None:
    """Every CLI case on both stores: None for the default (SQLite in the workspace),
    else a fresh PostgreSQL database's URL, given as KAFLOW_STORE."""
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str | None) -> Run:
    """Invoke kaflow in a workspace at tmp_path, as ``user`` (default sam)."""
    runner = CliRunner()
    monkeypatch.chdir(tmp_path)
    if store_url:
        monkeypatch.setenv("KAFLOW_STORE", store_url)

    def invoke(
        *args: str, user: str | None = "sam", code: int | None = 0, input: str | None = None
    ) -> Result:
        env = {"KAFLOW_USER": user} if user else {"KAFLOW_USER": ""}
        result = runner.invoke(cli, list(args), obj=Env(), env=env, input=input)
        if code is not None:
            assert result.exit_code == code, (args, result.output, result.exception)
        # A crash is caught by CliRunner (exit 1, no traceback printed): only the exits
        # that click itself makes are expected.
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            args,
            result.exception,
        )
        return result

    return invoke


@pytest.fixture
def ws(run: Run, tmp_path: Path) -> Run:
    run("init", "--owner", "olga", user=None)
    run("user", "add", "mia", "--role", "manager", "--since", "2026-01-01", user="olga")
    run("user", "add", "sam", "--role", "sales", "--since", "2026-01-01", user="olga")
    (tmp_path / "analysis.json").write_text(json.dumps(ANALYSIS, default=str))
    return run


REPO = Path(__file__).parents[2]


def spawn(folder: Path, *args: str, without: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    """``python ARGS`` in a workspace folder, as a real process: its kaflow.toml names the
    store (KAFLOW_STORE is dropped, and any variable in ``without``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("KAFLOW_STORE", *without)}
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=folder,
        env={**env, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(process: subprocess.Popen[str], prefix: str) -> None:
    """Read the process's output until a line starts with ``prefix``."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(prefix):
            return
    raise AssertionError(process.communicate())


def as_json(result: Result) -> Any:
    return json.loads(result.stdout)


def new_account(run: Run, upto: str = "identified") -> str:
    """Create an account through the CLI and drive it to ``upto``."""
    pid = run(
        "prospect",
        "add",
        "Acme",
        "--category",
        "potential",
        "--nature",
        "distributor",
        "--at",
        "2026-03-01",
        "--allow-duplicate",  # every account here is called Acme
    ).stdout.strip()
    steps: list[tuple[str, list[str]]] = [
        ("analysed", ["analyse", pid, "--file", "analysis.json", "--at", "2026-03-02"]),
        (
            "approach",
            [
                "approach",
                pid,
                "--method",
                "visit",
                "--chair",
                "mia",
                "--notes",
                "go",
                "--at",
                "2026-03-03",
            ],
        ),
        (
            "contacted",
            [
                "contact",
                pid,
                "--channel",
                "phone",
                "--person",
                "Wang",
                "--attitude",
                "positive",
                "--notes",
                "keen",
                "--at",
                "2026-03-04",
            ],
        ),
        (
            "conference",
            [
                "conference",
                pid,
                "--participants",
                "sam,mia",
                "--notes",
                "plan",
                "--at",
                "2026-03-05",
            ],
        ),
        (
            "prepared",
            [
                "prepare",
                pid,
                "--customer-data",
                "d",
                "--analysis",
                "a",
                "--sales-materials",
                "m",
                "--at",
                "2026-03-05",
            ],
        ),
        ("visited", VISIT(pid)),
        (
            "followed_up",
            ["follow-up", pid, "--channel", "phone", "--feedback", "good", "--at", "2026-03-08"],
        ),
    ]
    if upto != "identified":
        for name, args in steps:
            run(*args)
            if name == upto:
                break
    return pid


def VISIT(
    pid: str, lead: str = "mia", manner: str = "face-to-face", at: str = "2026-03-06"
) -> list[str]:
    return [
        "visit",
        pid,
        "--lead",
        lead,
        "--place",
        "HQ",
        "--manner",
        manner,
        "--points",
        "p",
        "--views",
        "v",
        "--next-steps",
        "n",
        "--at",
        at,
    ]


def CONTACT(pid: str, person: str = "W") -> list[str]:
    return ["contact", pid, "--channel", "email", "--person", person, "--attitude", "neutral",
            "--notes", "n"]  # fmt: skip
