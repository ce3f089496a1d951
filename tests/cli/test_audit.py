"""A history anyone can verify, on both stores, through the CLI: each way of rewriting
the log is detected at the right position, and an untouched store verifies."""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from kaflow.storage import chain
from tests.cli.conftest import Run, as_json, new_account


@pytest.fixture
def sealed(ws: Run, tmp_path: Path) -> Run:
    """A workspace with two accounts' histories, a signing key and a checkpoint kept in
    checkpoint.json."""
    new_account(ws, upto="followed_up")
    new_account(ws, upto="contacted")
    key = as_json(ws("audit", "keygen", "--json", user="olga"))
    assert (tmp_path / "kaflow-audit.key").stat().st_mode & 0o777 == 0o600
    assert 'signing_key = "kaflow-audit.key"' in (tmp_path / "kaflow.toml").read_text()
    point = as_json(ws("audit", "seal", "--json", user="olga"))
    assert point["public_key"] == key["public_key"]
    ws("audit", "checkpoint", "--output", "checkpoint.json")
    return ws


@contextmanager
def raw(tmp_path: Path, store_url: str | None) -> Iterator[tuple[Any, str, str]]:
    """The store opened behind kaflow's back: (connection, events table, position)."""
    if store_url is None:
        db = sqlite3.connect(tmp_path / "kaflow.db", isolation_level=None)
        try:
            yield db, "stored_events", "rowid"
        finally:
            db.close()
        return
    import psycopg

    with psycopg.connect(store_url, autocommit=True) as db:
        # Triggers keep the log append-only; a superuser can switch them off (the chain
        # is what catches that).
        db.execute("SET session_replication_role = replica")
        yield db, "public.kaflow_events", "notification_id"


def last(db: Any, table: str, position: str) -> int:
    return int(db.execute(f"SELECT max({position}) FROM {table}").fetchone()[0])


def alter_byte(db: Any, table: str, position: str) -> int:
    state = bytes(db.execute(f"SELECT state FROM {table} WHERE {position} = 5").fetchone()[0])
    changed = state[:10] + bytes([state[10] ^ 1]) + state[11:]
    db.execute(mark(db, f"UPDATE {table} SET state = ? WHERE {position} = 5"), (changed,))
    return 5


def change_topic(db: Any, table: str, position: str) -> int:
    db.execute(f"UPDATE {table} SET topic = topic || 'x' WHERE {position} = 7")
    return 7


def swap(db: Any, table: str, position: str) -> int:
    for a, b in ((6, -1), (8, 6), (-1, 8)):
        db.execute(f"UPDATE {table} SET {position} = {b} WHERE {position} = {a}")
    return 6


def delete(db: Any, table: str, position: str) -> int:
    db.execute(f"DELETE FROM {table} WHERE {position} = 9")
    return 9


def insert(db: Any, table: str, position: str) -> int:
    """A copy of the log's last event appended as its aggregate's next one."""
    end = last(db, table, position)
    aggregate, version, topic, state = db.execute(
        f"SELECT originator_id, originator_version, topic, state FROM {table} "
        f"WHERE {position} = {end}"
    ).fetchone()
    db.execute(
        mark(db, f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
             "VALUES (?, ?, ?, ?)"),
        (aggregate, version + 1, topic, bytes(state)),
    )  # fmt: skip
    return last(db, table, position)


def truncate(db: Any, table: str, position: str) -> int:
    """The tail cut off, the chain's with it: only a checkpoint tells."""
    end = last(db, table, position)
    db.execute(f"DELETE FROM {table} WHERE {position} > {end - 3}")
    db.execute(f"DELETE FROM {chain.TABLE} WHERE position > {end - 3}")
    return end


def rechain(db: Any, table: str, position: str) -> int:
    """An event altered and the whole chain recomputed to match: only a checkpoint tells."""
    db.execute(mark(db, f"UPDATE {table} SET state = ? WHERE {position} = 4"), (b"{}",))
    rows = db.execute(
        f"SELECT {position}, originator_id, originator_version, topic, state FROM {table} "
        f"ORDER BY {position}"
    ).fetchall()
    db.execute(f"DELETE FROM {chain.TABLE}")
    for link in chain.links(chain.GENESIS, [tuple(r) for r in rows]):
        db.execute(
            mark(db, f"INSERT INTO {chain.TABLE} VALUES (?, ?, ?, '')"),
            (link.position, link.digest, link.hash),
        )
    return last(db, table, position)


def mark(db: Any, sql: str) -> str:
    return sql if isinstance(db, sqlite3.Connection) else sql.replace("?", "%s")


TAMPERINGS: dict[str, tuple[Callable[..., int], str]] = {
    "one byte of an event": (alter_byte, "altered"),
    "an event's topic": (change_topic, "altered"),
    "two events swapped": (swap, "reordered"),
    "an event deleted": (delete, "deleted"),
    "a forged event inserted": (insert, "inserted"),
    "the tail truncated": (truncate, "truncated"),
    "the chain recomputed": (rechain, "rewritten"),
}


def verify(ws: Run, *more: str, code: int) -> dict[str, Any]:
    found: dict[str, Any] = as_json(ws("audit", "verify", "--json", *more, code=code))
    return found


def test_an_untouched_store_verifies(sealed: Run) -> None:
    report = verify(sealed, "--checkpoint", "checkpoint.json", code=0)
    assert report["intact"] and report["problem"] is None
    assert report["events"] == report["position"] > 10
    assert [c["ok"] for c in report["checkpoints"]] == [True, True]
    text = sealed("audit", "verify").stdout
    assert text.startswith("Intact:")


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_each_rewrite_is_found_at_its_position(
    sealed: Run, tmp_path: Path, store_url: str | None, name: str
) -> None:
    tamper, kind = TAMPERINGS[name]
    with raw(tmp_path, store_url) as (db, table, position):
        expected = tamper(db, table, position)
    if kind in ("truncated", "rewritten"):
        # The log checks against its own chain; the checkpoint (stored, and the copy kept
        # apart, in case whoever did it dropped the stored one) does not.
        with raw(tmp_path, store_url) as (db, _, _):
            db.execute("DELETE FROM kaflow_checkpoints")
        verify(sealed, code=0)
        report = verify(sealed, "--checkpoint", "checkpoint.json", code=1)
        assert report["problem"]["kind"] == kind
        assert report["problem"]["position"] == json.loads(
            (tmp_path / "checkpoint.json").read_text()
        )["position"] == expected  # fmt: skip
        return
    report = verify(sealed, code=1)
    assert (report["problem"]["kind"], report["problem"]["position"]) == (kind, expected)
    text = sealed("audit", "verify", code=1).stdout
    assert f"BROKEN at position {expected}: {kind}" in text


def test_a_forged_or_foreign_signature_is_found(sealed: Run, tmp_path: Path) -> None:
    kept = json.loads((tmp_path / "checkpoint.json").read_text())
    forged = dict(kept, signature=base64.b64encode(bytes(64)).decode())
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    report = verify(sealed, "--checkpoint", "forged.json", code=1)
    assert report["problem"]["kind"] == "forged signature"

    from kaflow.storage.audit import new_key, sign

    point = sign(new_key(), kept["position"], bytes.fromhex(kept["hash"]), _at(kept["at"]))
    (tmp_path / "foreign.json").write_text(json.dumps(point.as_dict()))
    report = verify(sealed, "--checkpoint", "foreign.json", code=1)
    assert report["problem"]["kind"] == "foreign signature"
    bad = sealed("audit", "verify", "--checkpoint", "cp-missing.json", code=2)
    assert "cp-missing.json" in bad.output


def _at(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text)


def test_only_an_owner_keeps_the_key_and_seals(sealed: Run) -> None:
    refused = as_json(sealed("audit", "seal", "--json", code=1))
    assert refused["kind"] == "refused" and "owner" in refused["error"]
    again = as_json(sealed("audit", "keygen", "--json", user="olga", code=2))
    assert "already" in again["error"]


def test_a_copy_carries_the_chain_and_verifies(
    sealed: Run, tmp_path: Path, store_url: str | None
) -> None:
    target = tmp_path / "copy" / "kaflow.db"
    copied = as_json(sealed("store", "copy", "--to", f"sqlite:///{target}", "--json", user="olga"))
    assert copied["verified"]
    report = verify(sealed, "--checkpoint", "checkpoint.json", code=0)
    sealed("store", "copy", "--to", f"sqlite:///{target}", "--switch", user="olga", code=2)
    from kaflow.bootstrap import switch_store

    switch_store(str(tmp_path), f"sqlite:///{target}")
    if store_url is not None:
        # KAFLOW_STORE names the PostgreSQL store in these tests: the copy, by its URL.
        from tests.cli.conftest import spawn

        process = spawn(tmp_path, "-m", "cli", "audit", "verify", "--json",
                        "--checkpoint", "checkpoint.json", "--as", "sam")  # fmt: skip
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        copy = json.loads(out)
    else:
        copy = verify(sealed, "--checkpoint", "checkpoint.json", code=0)
    assert (copy["position"], copy["chain"]) == (report["position"], report["chain"])
    assert [c["ok"] for c in copy["checkpoints"]] == [True, True]


def test_a_store_from_before_the_chain_is_chained_by_a_seal(
    sealed: Run, tmp_path: Path, store_url: str | None
) -> None:
    with raw(tmp_path, store_url) as (db, _, _):
        db.execute(f"DELETE FROM {chain.TABLE}")
        db.execute("DELETE FROM kaflow_checkpoints")
    report = verify(sealed, code=1)
    assert report["problem"]["kind"] == "unchained"
    sealed("audit", "seal", user="olga")
    assert verify(sealed, code=0)["intact"]


def test_the_scheduler_seals_when_a_checkpoint_is_due(
    sealed: Run, tmp_path: Path, store_url: str | None
) -> None:
    with (tmp_path / "kaflow.toml").open("a") as config:
        config.write('seal_every = "PT1H"\n')  # under [audit], the file's last table
    assert as_json(sealed("scheduler", "tick", "--json"))["sealed"] is None  # sealed just now
    with raw(tmp_path, store_url) as (db, _, _):
        db.execute("DELETE FROM kaflow_checkpoints")
    ticked = sealed("scheduler", "tick")
    assert "checkpoint of the log signed at position" in ticked.stdout
    assert as_json(sealed("scheduler", "tick", "--json"))["sealed"] is None  # not due again
    points = verify(sealed, code=0)["checkpoints"]
    assert len(points) == 1 and points[0]["ok"]


WRITER = """
import sys
from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.bootstrap import open_app, load_settings
app = open_app(load_settings("."))
print("ready", flush=True)
for n in range(int(sys.argv[1])):
    app.identify(Actor("sam"), c.IdentifyProspect(
        name=f"Account {n}", category=c.Category.POTENTIAL, nature="d", allow_duplicate=True))
"""


@pytest.mark.sqlite_only
def test_a_backup_taken_under_a_writer_is_whole(sealed: Run, tmp_path: Path) -> None:
    from tests.cli.conftest import spawn, wait_for_line

    writer = spawn(tmp_path, "-c", WRITER, "400")
    try:
        wait_for_line(writer, "ready")
        for n in range(3):
            report = as_json(sealed("store", "backup", f"backup{n}.db", "--json"))
            assert report["verified"] and report["chain_intact"] and report["integrity"] == "ok"
            assert report["position"] == report["events"]  # every event in it chained
    finally:
        assert writer.wait(120) == 0, writer.communicate()
    assert not list(tmp_path.glob("*.partial"))
    again = as_json(sealed("store", "backup", "backup0.db", "--json", code=2))
    assert "exists already" in again["error"]


@pytest.mark.postgresql_only
def test_a_postgresql_store_is_backed_up_with_its_own_tools(sealed: Run) -> None:
    refused = as_json(sealed("store", "backup", "b.db", "--json", code=2))
    assert "pg_dump" in refused["error"]


def test_reports_and_records_carry_where_in_the_log_they_were_read(
    sealed: Run, tmp_path: Path
) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    head = verify(sealed, code=0)
    at = {"position": head["position"], "chain": head["chain"]}
    assert as_json(sealed("report", "funnel", "--json"))["log"] == at
    rows = list(csv.DictReader(io.StringIO(sealed("report", "funnel", "--format", "csv").stdout)))
    assert {(r["log_position"], r["log_chain"]) for r in rows} == {
        (str(at["position"]), at["chain"])
    }
    pid = as_json(sealed("prospect", "list", "--json"))[0]["id"]
    assert as_json(sealed("ledger", pid, "--json"))["log"] == at
    footer = f"Read at log position {at['position']}, hash chain {at['chain']}"
    assert footer in sealed("ledger", pid, "--format", "md").stdout
    sealed("ledger", "--all", "--format", "xlsx", "--output", "month.xlsx")
    sheets = load_workbook(tmp_path / "month.xlsx").worksheets
    assert footer in [c.value for c in sheets[1]["A"]]
    sealed("report", "funnel", "--format", "xlsx", "--output", "funnel.xlsx")
    cells = [
        c.value for row in load_workbook(tmp_path / "funnel.xlsx").active.iter_rows() for c in row
    ]
    assert footer in cells
    # A read of the past, from the log itself, is stamped with where the log stood.
    assert as_json(sealed("ledger", pid, "--as-of", "2026-03-05", "--json"))["log"] == at


@pytest.mark.postgresql_only
def test_the_runtime_role_appends_and_may_not_rewrite_the_log(
    sealed: Run, store_url: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    server = request.getfixturevalue("pg_server")
    role = f"kaflow_app_{id(request) % 100000}"
    with server.admin() as db:
        db.execute(f"DROP ROLE IF EXISTS {role}")
        db.execute(f"CREATE ROLE {role} LOGIN")
    dbname = store_url.rsplit("/", 1)[1]
    try:
        missing = as_json(sealed("store", "protect", "--runtime-role", "nobody_x", "--json",
                                 code=2))  # fmt: skip
        assert "CREATE ROLE nobody_x" in missing["error"]
        done = as_json(sealed("store", "protect", "--runtime-role", role, "--json"))
        assert "kaflow_events" in done["append_only"] and "kaflow_chain" in done["append_only"]
        theirs = store_url.replace(f"{server.user}@", f"{role}@")
        with monkeypatch.context() as as_role:
            as_role.setenv("KAFLOW_STORE", theirs)
            pid = new_account(sealed, "contacted")  # appends, as the runtime role
            sealed("report", "funnel")
            sealed("projections", "rebuild", user="olga")  # the views are its own
            assert verify(sealed, code=0)["intact"]
        with psycopg.connect(theirs, autocommit=True) as db:
            login = db.execute(
                "SELECT login FROM kaflow_chain ORDER BY position DESC LIMIT 1"
            ).fetchone()
            assert login == (role,)  # who wrote it, whatever name it was recorded under
            rewrites = [
                "UPDATE kaflow_events SET topic = topic",
                "DELETE FROM kaflow_events",
                "TRUNCATE kaflow_events",
                "DELETE FROM kaflow_chain",
                "UPDATE kaflow_checkpoints SET at = at",
            ]
            for rewrite in rewrites:
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    db.execute(rewrite)
        with server.admin(dbname) as db:  # the owner too, while the triggers stand
            for rewrite in ("DELETE FROM kaflow_events", "TRUNCATE kaflow_chain"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                    db.execute(rewrite)
        assert as_json(sealed("history", pid, "--json"))["events"]
    finally:
        server.drop(dbname)
        with server.admin() as db:
            db.execute(f"DROP ROLE IF EXISTS {role}")
