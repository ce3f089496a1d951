"""What only a PostgreSQL store has: a server to reach, passwords, a workspace shared
by several folders (machines), and its own way of being busy."""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli.context import Env
from cli.main import cli
from tests.cli.conftest import as_json, new_account
from tests.postgres import PASSWORD, PASSWORD_USER, Server

Invoke = Callable[..., Result]


@pytest.fixture
def kaflow(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run kaflow in a folder, with an environment of its own (no KAFLOW_STORE)."""
    monkeypatch.delenv("KAFLOW_STORE", raising=False)
    monkeypatch.delenv("PGPASSWORD", raising=False)

    def invoke(
        folder: Path, *args: str, user: str = "olga", code: int | None = 0, **env: str
    ) -> Result:
        monkeypatch.chdir(folder)
        result = CliRunner().invoke(cli, list(args), obj=Env(), env={"KAFLOW_USER": user, **env})
        if code is not None:
            assert result.exit_code == code, (args, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return result

    return invoke


def folder(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def test_colleagues_join_one_store_from_their_own_folders(
    kaflow: Invoke, tmp_path: Path, pg_url: str
) -> None:
    first, second = folder(tmp_path, "olga"), folder(tmp_path, "mia")
    kaflow(first, "init", "--owner", "olga", "--store", pg_url)
    kaflow(first, "user", "add", "mia", "--role", "manager", "--since", "2026-01-01")
    refused = kaflow(second, "init", "--owner", "x", "--store", pg_url, code=2)
    assert "holds a workspace already" in refused.stderr and "--join" in refused.stderr
    kaflow(second, "init", "--join", "--store", pg_url)
    assert (
        "a workspace already" in kaflow(second, "init", "--join", "--store", pg_url, code=2).stderr
    )
    added = kaflow(second, "prospect", "add", "Acme", "--category", "potential",
                   "--nature", "distributor", user="mia")  # fmt: skip
    listed = as_json(kaflow(first, "prospect", "list", "--json"))
    assert [p["name"] for p in listed] == ["Acme"] and listed[0]["id"] == added.stdout.strip()


def test_a_store_without_a_workspace_and_an_unreachable_server_are_explained(
    kaflow: Invoke, tmp_path: Path, pg_url: str, pg_server: Server
) -> None:
    here = folder(tmp_path, "w")
    result = kaflow(here, "init", "--join", "--store", pg_url, code=2)
    assert "holds no kaflow workspace" in result.stderr and "init --owner" in result.stderr
    assert not (here / "kaflow.toml").exists()
    started = time.monotonic()
    closed = pg_url.replace(f":{pg_server.port}/", ":1/")
    result = kaflow(here, "init", "--owner", "olga", "--store", closed, code=2)
    assert "cannot use the store postgresql://postgres@127.0.0.1:1/" in result.stderr
    assert time.monotonic() - started < 10
    missing = kaflow(here, "init", "--owner", "o", "--store", pg_url + "_nope", code=2)
    assert "does not exist" in missing.stderr
    for bad in ("postgresql://127.0.0.1/db", "postgresql://u@h/", "postgresql://u@h:x/db"):
        assert "bad store URL" in kaflow(here, "init", "--owner", "o", "--store", bad,
                                         code=2).stderr  # fmt: skip


def test_passwords_come_from_the_url_pgpassword_or_pgpass_and_are_never_shown(
    kaflow: Invoke, tmp_path: Path, pg_server: Server
) -> None:
    name = pg_server.create()
    with_password = pg_server.url(name, user=PASSWORD_USER, password=PASSWORD)
    without = pg_server.url(name, user=PASSWORD_USER)
    seen: list[str] = []

    def shown(result: Result) -> Result:
        seen.append(result.output + result.stderr)
        return result

    a, b, c, d = (folder(tmp_path, x) for x in "abcd")
    shown(kaflow(a, "init", "--owner", "olga", "--store", with_password, "--json"))
    config = a / "kaflow.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # it holds the password
    shown(kaflow(a, "user", "add", "sam", "--role", "sales", "--since", "2026-01-01"))
    wrong = shown(kaflow(b, "init", "--join", "--store", without.replace("@", ":bad@"), code=2))
    assert "password authentication failed" in wrong.stderr
    shown(kaflow(b, "init", "--join", "--store", without, code=2))  # no password at all
    shown(kaflow(b, "init", "--join", "--store", without, PGPASSWORD=PASSWORD))
    assert stat.S_IMODE((b / "kaflow.toml").stat().st_mode) == 0o644
    shown(kaflow(b, "user", "list", PGPASSWORD=PASSWORD))
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{pg_server.port}:*:{PASSWORD_USER}:{PASSWORD}\n")
    passfile.chmod(0o600)
    shown(kaflow(c, "init", "--join", "--store", without, PGPASSFILE=str(passfile)))
    shown(kaflow(c, "user", "list", "--json", PGPASSFILE=str(passfile)))
    new_account_in = shown(kaflow(d, "init", "--join", "--store", with_password, "--json"))
    assert as_json(new_account_in)["store"] == without.replace("@", ":***@")
    shown(kaflow(d, "projections", "status"))
    shown(kaflow(d, "report", "funnel", "--json"))
    shown(kaflow(d, "nonsense", code=2))
    in_query = f"{without}?password={PASSWORD}"
    e = folder(tmp_path, "e")
    shown(kaflow(e, "init", "--join", "--store", in_query, "--json"))
    assert stat.S_IMODE((e / "kaflow.toml").stat().st_mode) == 0o600
    shown(kaflow(e, "user", "list"))
    for odd in (  # a password URL parsing could quote: never shown either
        f"postgresql://{PASSWORD_USER}:{PASSWORD}#x@127.0.0.1/db",
        f"postgresql://{PASSWORD_USER}:{PASSWORD}/x@127.0.0.1:badport/db",
        f"postgresql://{PASSWORD_USER}@127.0.0.1/db?password={PASSWORD}&nonsense=1",
    ):
        shown(kaflow(folder(tmp_path, str(len(seen))), "init", "--join", "--store", odd, code=2))
    assert seen and not [s for s in seen if PASSWORD in s]
    pg_server.drop(name)


def test_a_busy_store_exits_4_and_writes_nothing(
    kaflow: Invoke, tmp_path: Path, pg_url: str, pg_server: Server
) -> None:
    here = folder(tmp_path, "w")
    kaflow(here, "init", "--owner", "olga", "--store", pg_url)
    config = here / "kaflow.toml"
    config.write_text(config.read_text().replace("lock_timeout = 10", "lock_timeout = 1"))
    kaflow(here, "user", "add", "sam", "--role", "sales", "--since", "2026-01-01")
    kaflow(here, "user", "add", "mia", "--role", "manager", "--since", "2026-01-01")
    os.environ["KAFLOW_USER"] = "sam"
    try:
        pid = new_account(lambda *a, **k: kaflow(here, *a, user="sam"))
    finally:
        del os.environ["KAFLOW_USER"]
    before = len(as_json(kaflow(here, "history", pid, "--json"))["events"])
    with pg_server.admin(pg_url.rsplit("/", 1)[1]) as db, db.transaction():
        db.execute("LOCK TABLE kaflow_events IN EXCLUSIVE MODE")  # another writer, stuck
        result = kaflow(here, "lose", pid, "--reason", "price", "--analysis", "a",
                        user="sam", code=None)  # fmt: skip
    assert result.exit_code == 4, result.output
    assert "busy" in result.stderr and "nothing was written" in result.stderr
    assert len(as_json(kaflow(here, "history", pid, "--json"))["events"]) == before


def test_the_views_sit_beside_the_log_whatever_schema_a_role_sees_first(
    kaflow: Invoke, tmp_path: Path, pg_url: str, pg_server: Server
) -> None:
    dbname = pg_url.rsplit("/", 1)[1]
    with pg_server.admin(dbname) as db:  # "$user" comes before public in the search path
        db.execute(f'CREATE SCHEMA "{pg_server.user}"')
    here = folder(tmp_path, "w")
    kaflow(here, "init", "--owner", "olga", "--store", pg_url)
    kaflow(here, "report", "funnel")
    kaflow(here, "scheduler", "tick")
    with pg_server.admin(dbname) as db:
        found = db.execute(
            "SELECT table_schema, count(*) FROM information_schema.tables "
            "WHERE table_name LIKE 'kaflow%%' OR table_name IN ('accounts', 'ledger_entries') "
            "GROUP BY 1"
        ).fetchall()
    # the log, its chain, checkpoints and their keys, the append lock, its snapshots,
    # tracking, two views
    assert dict(found) == {"public": 9}


def test_tables_kaflow_did_not_make_are_never_dropped(
    kaflow: Invoke, tmp_path: Path, pg_url: str, pg_server: Server
) -> None:
    dbname = pg_url.rsplit("/", 1)[1]
    with pg_server.admin(dbname) as db:  # a database shared with another application
        db.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance int)")
        db.execute("INSERT INTO accounts VALUES (1, 100)")
    here = folder(tmp_path, "w")
    refused = kaflow(here, "init", "--owner", "olga", "--store", pg_url, code=2)
    assert "holds table(s) accounts that kaflow would use" in refused.stderr
    assert not (here / "kaflow.toml").exists()
    with pg_server.admin(dbname) as db:
        db.execute("ALTER TABLE accounts RENAME TO theirs")
    kaflow(here, "init", "--owner", "olga", "--store", pg_url)
    with pg_server.admin(dbname) as db:  # made after init, before the views were built
        db.execute("CREATE TABLE ledger_entries (note text)")
        db.execute("INSERT INTO ledger_entries VALUES ('precious')")
    refused = kaflow(here, "report", "funnel", code=2)
    assert "ledger_entries that kaflow did not make" in refused.stderr
    with pg_server.admin(dbname) as db:
        assert db.execute("SELECT note FROM ledger_entries").fetchall() == [("precious",)]
        assert db.execute("SELECT balance FROM theirs").fetchall() == [(100,)]


def test_a_role_that_may_only_read_is_told_so(
    kaflow: Invoke, tmp_path: Path, pg_url: str, pg_server: Server
) -> None:
    dbname = pg_url.rsplit("/", 1)[1]
    mine, theirs = folder(tmp_path, "olga"), folder(tmp_path, "reader")
    kaflow(mine, "init", "--owner", "olga", "--store", pg_url)
    kaflow(mine, "report", "funnel")  # the views exist
    with pg_server.admin(dbname) as db:
        db.execute("DROP ROLE IF EXISTS kaflow_ro")
        db.execute("CREATE ROLE kaflow_ro LOGIN")
        db.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO kaflow_ro")
    try:
        kaflow(theirs, "init", "--join", "--store", pg_url.replace("postgres@", "kaflow_ro@"))
        assert "Acme" not in kaflow(theirs, "prospect", "list").stdout
        refused = kaflow(theirs, "prospect", "add", "Acme", "--category", "potential",
                         "--nature", "distributor", code=2)  # fmt: skip
        assert "may be read but not written" in refused.stderr
    finally:
        pg_server.drop(dbname)
        with pg_server.admin() as db:
            db.execute("DROP ROLE IF EXISTS kaflow_ro")
