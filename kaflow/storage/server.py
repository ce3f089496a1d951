"""A PostgreSQL store's server: the connection parameters of its URL, the eventsourcing
library's settings for it, and what kaflow asks the server before it uses it (is it
reachable, does it hold a workspace, may this role write).

The driver, psycopg, is imported only where a server is spoken to: a command on SQLite
never pays for it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from kaflow.errors import WorkspaceError, step
from kaflow.storage.url import safe_url, split_credentials

CONNECT_TIMEOUT = 10  # seconds to reach a PostgreSQL server before giving up
EVENTS_TABLE = "kaflow_events"  # the library's name for the Kaflow application's log
SCHEMA = "public"  # the library's schema (POSTGRES_SCHEMA unset): the views go there too


def require_driver() -> None:
    """PostgreSQL needs the optional driver: say how to install it, in one line."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise WorkspaceError(
            "a postgresql:// store needs the PostgreSQL driver: pip install 'kaflow[postgres]'"
        ) from None


def postgres_params(url: str, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Connection parameters of a ``postgresql://`` URL: dbname, host, port, user, password.

    The password is the URL's (``USER:PASSWORD@`` or ``?password=``), else ``PGPASSWORD``,
    else empty, which lets libpq read ``~/.pgpass``. ``?host=/run/postgresql`` names a
    socket folder instead of a host. Credentials end at the last ``@``, so a password
    may hold ``/ ? # @ :`` even unencoded.
    """
    from urllib.parse import parse_qs, unquote, urlsplit

    credentials, hostpart = split_credentials(url)
    user, _, secret = credentials.partition(":")
    try:
        parts = urlsplit("postgresql://" + hostpart)
        port = parts.port
    except ValueError:  # its text may quote the URL: never shown
        raise WorkspaceError(
            f"bad store URL {safe_url(url)}: expected postgresql://USER@HOST:PORT/DBNAME "
            "(the port a number)"
        ) from None
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - {"host", "port", "user", "dbname", "password"})
    if unknown:
        raise WorkspaceError(f"bad store URL {safe_url(url)}: unknown option {unknown[0]!r}")
    dbname = unquote(parts.path.lstrip("/")) or query.get("dbname", "")
    user = unquote(user) or query.get("user") or environ.get("PGUSER", "")
    if not dbname:
        raise WorkspaceError(f"bad store URL {safe_url(url)}: no database name (…/DBNAME)")
    if not user:
        raise WorkspaceError(f"bad store URL {safe_url(url)}: no user (USER@HOST)")
    password = unquote(secret) or query.get("password") or environ.get("PGPASSWORD", "")
    return {
        "dbname": dbname,
        "host": unquote(parts.hostname or "") or query.get("host") or "localhost",
        "port": str(port or query.get("port") or 5432),
        "user": user,
        "password": password,
    }


def postgres_env(url: str, *, lock_timeout: int = 10, create: bool = False) -> dict[str, str]:
    params = postgres_params(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": params["dbname"],
        "POSTGRES_HOST": params["host"],
        "POSTGRES_PORT": params["port"],
        "POSTGRES_USER": params["user"],
        "POSTGRES_PASSWORD": params["password"],
        "POSTGRES_CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        # A command uses one connection at a time; a subscription takes a second one.
        "POSTGRES_POOL_SIZE": "1",
        "POSTGRES_MAX_OVERFLOW": "3",
        # Writers queue for the log's table lock (the library serialises appends so
        # that readers never pass over a gap); bounded like SQLite's busy wait, and
        # appended once (kaflow.storage.postgres), so the bound is what a writer waits.
        "POSTGRES_LOCK_TIMEOUT": str(max(1, lock_timeout)),
        "APPLICATION_RECORDER_TOPIC": "kaflow.storage.postgres:Recorder",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(max(lock_timeout, 5) * 6),
        "CREATE_TABLE": "yes" if create else "no",
    }


def session_options(lock_timeout: float) -> str:
    """libpq's ``options`` for every connection kaflow makes to a server: no statement
    waits for a lock longer than ``lock_timeout`` seconds (a table held by VACUUM FULL or
    ALTER TABLE stops readers as well as writers), so a command fails as busy in time."""
    return f"-c lock_timeout={max(1, int(lock_timeout * 1000))}ms"


def check_postgres(url: str, *, create: bool, lock_timeout: float = 10) -> None:
    """Reach the server once, quickly, with a message that names the store (never its
    password): otherwise an unreachable server is retried for minutes inside the library.
    Only ``kaflow init`` creates the tables; elsewhere a store without them is refused."""
    import psycopg

    from kaflow.storage.errors import classify

    try:
        params: dict[str, Any] = dict(postgres_params(url))
        options = session_options(lock_timeout)
        with psycopg.connect(**params, connect_timeout=CONNECT_TIMEOUT, options=options) as db:
            exists = _holds_workspace(db, url, create=create)
    except psycopg.Error as e:
        raise classify(e, url, store=f"the store {safe_url(url)}") from None
    if create and exists:
        raise WorkspaceError(
            f"the store {safe_url(url)} holds a workspace already; to work with it from "
            f"another folder, run {step('init_join')} there"
        )
    if not create and not exists:
        raise WorkspaceError(
            f"the store {safe_url(url)} holds no kaflow workspace "
            f"(run {step('init_owner_store')} to create one)"
        )


def _holds_workspace(db: Any, url: str, *, create: bool) -> bool:
    """Whether the store's log holds events (a workspace's store holds its directory's).
    A database without the log that is to become a store is checked for taken names."""
    table = f"{SCHEMA}.{EVENTS_TABLE}"
    found = db.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    if found and found[0]:
        found = db.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()
        return bool(found and found[0])
    if create:
        _refuse_taken_names(db, url)
    return False


def _refuse_taken_names(db: Any, url: str) -> None:
    """A database shared with others: none of kaflow's names may be taken."""
    taken = [
        row[0]
        for row in db.execute(
            "SELECT relname FROM pg_class JOIN pg_namespace n "
            "ON n.oid = relnamespace WHERE nspname = %s AND relname = ANY(%s) "
            "ORDER BY relname",
            (SCHEMA, _view_names()),
        )
    ]
    if taken:
        raise WorkspaceError(
            f"the store {safe_url(url)} holds table(s) {', '.join(taken)} that "
            "kaflow would use for its views: give kaflow a database of its own"
        )


def may_write(app: Any) -> bool:
    """Whether the store's user may append to its log (a PostgreSQL role may not): insert
    into it, take the lock that keeps appends in order (UPDATE on kaflow_append_lock; on
    a store made before it, the library's lock on the log: UPDATE, DELETE or TRUNCATE),
    draw its positions from its sequence, and record snapshots."""
    from kaflow.projections.db import engine_of

    if engine_of(app) != "postgresql":
        return True  # in memory, or a file: the file system said so already
    recorder, datastore = app.recorder, app.recorder.datastore
    schema = datastore.schema or SCHEMA
    table = f"{schema}.{recorder.events_table_name}"
    snapshots = f"{schema}.{recorder.events_table_name.removesuffix('events')}snapshots"
    lock = f"{schema}.kaflow_append_lock"  # appends lock it (kaflow.storage.protect)
    sql = (
        "SELECT has_table_privilege(%(t)s, 'INSERT') "
        "AND CASE WHEN to_regclass(%(l)s) IS NULL "
        "THEN has_table_privilege(%(t)s, 'UPDATE, DELETE, TRUNCATE') "
        "ELSE has_table_privilege(%(l)s, 'UPDATE, DELETE, TRUNCATE') END "
        "AND coalesce(has_sequence_privilege("
        "pg_get_serial_sequence(%(t)s, 'notification_id'), 'USAGE'), true) "
        "AND (to_regclass(%(s)s) IS NULL OR has_table_privilege(%(s)s, 'INSERT')) AS ok"
    )
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(sql, {"t": table, "s": snapshots, "l": lock})
        row = cursor.fetchone()
    return bool(row and row["ok"])


def _view_names() -> list[str]:
    from kaflow.projections.runner import all_views

    names = [name for v in all_views() for name in (*v.tables, *v.sql_views)]
    return ["kaflow_tracking", "kaflow_delivered", *names]
