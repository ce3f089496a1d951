"""``kaflow user password`` and ``kaflow token``: set, issue, list, revoke; the secrets
never reach the log, and only an owner acts on another user's."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.context import Env
from cli.main import cli

Run = Callable[..., Result]


@pytest.fixture
def kaflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KAFLOW_STORE", raising=False)
    runner = CliRunner()

    def run(*args: str, user: str = "olga", code: int = 0, input: str | None = None) -> Result:
        result = runner.invoke(cli, list(args), obj=Env(), env={"KAFLOW_USER": user}, input=input)
        assert result.exit_code == code, (args, result.output)
        return result

    run("init", "--owner", "olga")
    run("user", "add", "sam", "--role", "sales")
    return run


def test_a_password_is_asked_twice_and_never_logged(kaflow: Run, tmp_path: Path) -> None:
    run = kaflow
    done = run("user", "password", "sam", input="a long password\na long password\n")
    assert "Password set for sam." in done.stdout and "a long password" not in done.stdout
    run("user", "password", "sam", input="one password\nanother one\none password\none password\n")
    run("user", "password", "olga", user="sam", input="x" * 10 + "\n", code=1)
    run("user", "password", "sam", "--password-stdin", user="sam", input="short\n", code=2)
    stored = (tmp_path / "kaflow.db").read_bytes()
    assert b"a long password" not in stored


def test_tokens_are_shown_once_listed_and_revoked(kaflow: Run) -> None:
    run = kaflow
    made = json.loads(run("token", "create", "--name", "bot", "--expires", "P90D", "--json",
                          user="sam").stdout)  # fmt: skip
    assert set(made) >= {"id", "token"} and made["token"].startswith("kf_")
    listed = json.loads(run("token", "list", "--json", user="sam").stdout)
    assert [t["id"] for t in listed] == [made["id"]] and "token" not in listed[0]
    run("token", "list", "--all", user="sam", code=1)
    run("token", "revoke", made["id"], user="sam")
    listed = json.loads(run("token", "list", "--all", "--json").stdout)
    assert listed[0]["revoked_at"] is not None and not listed[0]["active"]
    run("token", "revoke", "000000000000", code=3)


def test_passwords_and_tokens_go_with_a_store_copy(kaflow: Run, tmp_path: Path) -> None:
    run = kaflow
    run("user", "password", "sam", "--password-stdin", input="a long password\n")
    issued = json.loads(run("token", "create", "--name", "ci", "--json", user="sam").stdout)
    copied = json.loads(run("store", "copy", "--to", "sqlite:///moved/kaflow.db", "--switch",
                            "--json").stdout)  # fmt: skip
    assert copied["verified"]
    listed = json.loads(run("token", "list", "--json", user="sam").stdout)
    assert [t["id"] for t in listed] == [issued["id"]]
