"""Stores named by URL, turned into the eventsourcing library's settings.

``sqlite:///kaflow.db`` (relative to the workspace), ``sqlite:////abs/path.db``,
``postgresql://user@host:port/dbname`` (a team's shared store) and ``memory://`` (nothing
kept; for tests). Back-ends are imported lazily by the library: a command on SQLite never
pays for importing the PostgreSQL driver.

A PostgreSQL password comes from the URL, ``PGPASSWORD`` or ``~/.pgpass`` (libpq's own
look-up) and is never shown: every URL kaflow prints goes through ``safe_url``.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from kaflow.errors import WorkspaceError, step

SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT = 10  # seconds to reach a PostgreSQL server before giving up


class StoreURL:
    """A store's URL, parsed once: its engine, its file (SQLite), a form safe to show,
    whether it holds a secret, and the library's settings for it."""

    __slots__ = ("engine", "path", "text")

    def __init__(self, text: str, engine: str, path: str | None = None) -> None:
        self.text = text
        self.engine = engine  # "sqlite" | "postgresql" | "memory"
        self.path = path  # SQLite: the file, relative URLs resolved against the root

    def __repr__(self) -> str:
        return f"StoreURL({self.safe!r})"

    @classmethod
    def parse(cls, text: str, root: str | os.PathLike[str] = ".") -> StoreURL:
        if text.startswith(SQLITE_PREFIX):
            # An absolute path (sqlite:////abs) stays itself.
            return cls(text, "sqlite", os.path.join(root, text[len(SQLITE_PREFIX) :]))
        if text == "memory://":
            return cls(text, "memory")
        if text.startswith(POSTGRES_SCHEMES):
            return cls(text, "postgresql")
        raise WorkspaceError(
            "unknown store URL (expected sqlite:///PATH, postgresql://USER@HOST:PORT/DBNAME "
            f"or memory://): {safe_url(text)}"
        )

    def __str__(self) -> str:
        return self.safe

    @property
    def safe(self) -> str:
        """The URL without any password, to show."""
        return safe_url(self.text)

    @property
    def holds_secret(self) -> bool:
        """Whether a file that keeps this URL must be readable by its owner only."""
        return holds_secret(self.text)

    def library_env(self, *, create: bool = False, lock_timeout: int = 10) -> dict[str, str]:
        """The eventsourcing library's settings for this store; a store that is not
        there (or, on a server, holds no workspace) is refused unless ``create``."""
        if self.path is not None:
            if not create and not os.path.exists(self.path):
                raise WorkspaceError(
                    f"store {self.path} does not exist (run {step('init')} to create it)"
                )
            name = self.path if create else sqlite_name(self.path)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": name,
                "SQLITE_LOCK_TIMEOUT": str(lock_timeout),
                # Only init makes the tables (a store opened read-only is read as it is).
                "CREATE_TABLE": "yes" if create else "no",
            }
        if self.engine == "memory":
            return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
        require_driver()
        env = postgres_env(self.text, lock_timeout=lock_timeout, create=create)
        check_postgres(self.text, create=create, lock_timeout=lock_timeout)
        return env


def sqlite_name(path: str) -> str:
    """The name the library opens an SQLite store by: its path, or, for a store this
    process may not write (a read-only file or folder: a backup, a colleague's copy), a
    read-only URI. SQLite needs to write the files beside a store in WAL mode even to read
    it; where it cannot create them (a read-only folder, no write-ahead log left), the
    file is opened as immutable, as nothing can change it."""
    folder = os.path.dirname(os.path.abspath(path)) or "."
    if not os.path.exists(path) or (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
        return path
    from urllib.parse import quote

    uri = "file:" + quote(os.path.abspath(path))
    beside = all(os.path.exists(path + suffix) for suffix in ("-wal", "-shm"))
    if beside or os.access(folder, os.W_OK):
        return uri + "?mode=ro"
    return uri + "?mode=ro&immutable=1"


def is_postgres(url: str) -> bool:
    return url.startswith(POSTGRES_SCHEMES)


def sqlite_path(url: str, root: str | os.PathLike[str]) -> str | None:
    return StoreURL.parse(url, root).path if url.startswith(SQLITE_PREFIX) else None


def store_env(
    url: str, root: str | os.PathLike[str], *, create: bool = False, lock_timeout: int = 10
) -> dict[str, str]:
    return StoreURL.parse(url, root).library_env(create=create, lock_timeout=lock_timeout)


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

    credentials, hostpart = _split_credentials(url)
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


def _split_credentials(url: str) -> tuple[str, str]:
    """``USER[:PASSWORD]`` and the rest of a URL: credentials end at its last ``@``."""
    rest = url.partition("://")[2]
    credentials, at, hostpart = rest.rpartition("@")
    return (credentials, hostpart) if at else ("", rest)


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


EVENTS_TABLE = "kaflow_events"  # the library's name for the Kaflow application's log
SCHEMA = "public"  # the library's schema (POSTGRES_SCHEMA unset): the views go there too


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
            table = f"{SCHEMA}.{EVENTS_TABLE}"
            found = db.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
            if found and found[0]:  # a workspace's store holds its directory's events
                found = db.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()
            elif create:  # a database shared with others: none of kaflow's names taken
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
    except psycopg.Error as e:
        raise classify(e, url, store=f"the store {safe_url(url)}") from None
    exists = bool(found and found[0])
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


def may_write(app: Any) -> bool:
    """Whether the store's user may append to its log (a PostgreSQL role may not): insert
    into it, lock it as the library does before an insert (EXCLUSIVE: UPDATE, DELETE or
    TRUNCATE), draw its positions from its sequence, and record snapshots."""
    from kaflow.projections.db import engine_of

    if engine_of(app) != "postgresql":
        return True  # in memory, or a file: the file system said so already
    recorder, datastore = app.recorder, app.recorder.datastore
    schema = datastore.schema or SCHEMA
    table = f"{schema}.{recorder.events_table_name}"
    snapshots = f"{schema}.{recorder.events_table_name.removesuffix('events')}snapshots"
    sql = (
        "SELECT has_table_privilege(%(t)s, 'INSERT') "
        "AND has_table_privilege(%(t)s, 'UPDATE, DELETE, TRUNCATE') "
        "AND coalesce(has_sequence_privilege("
        "pg_get_serial_sequence(%(t)s, 'notification_id'), 'USAGE'), true) "
        "AND (to_regclass(%(s)s) IS NULL OR has_table_privilege(%(s)s, 'INSERT')) AS ok"
    )
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(sql, {"t": table, "s": snapshots})
        row = cursor.fetchone()
    return bool(row and row["ok"])


def _view_names() -> list[str]:
    from kaflow.projections.runner import all_views

    names = [name for v in all_views() for name in (*v.tables, *v.sql_views)]
    return ["kaflow_tracking", "kaflow_delivered", *names]


def safe_url(url: str) -> str:
    """The URL without any password: ``USER:***@`` and ``password=***``."""
    scheme, sep, _ = url.partition("://")
    credentials, hostpart = _split_credentials(url)
    if ":" in credentials:
        credentials = credentials.split(":", 1)[0] + ":***"
    hostpart = re.sub(r"(?i)([?&]password=)[^&]*", r"\1***", hostpart)
    return scheme + sep + (credentials + "@" if credentials else "") + hostpart


def holds_secret(url: str) -> bool:
    """Whether the URL holds a password (``USER:PASSWORD@`` or ``?password=``): a file
    that keeps it must be readable by its owner only."""
    return safe_url(url) != url


def hide_password(text: str, *urls: str) -> str:
    """``text`` (an error message, say) with the stores' passwords and PGPASSWORD's
    blanked out."""
    secrets = [os.environ.get("PGPASSWORD", "")]
    for url in filter(is_postgres, urls):
        text = text.replace(url, safe_url(url))
        with contextlib.suppress(WorkspaceError):
            secrets.append(postgres_params(url, environ={})["password"])
    for secret in filter(None, secrets):
        text = text.replace(secret, "***")
    return text


def originators_with_prefix(app: Any, prefix: str, topic: str, limit: int) -> list[str]:
    """Hex ids of aggregates first recorded with ``topic`` whose id starts with ``prefix``.

    A range scan of the primary key; in memory, a scan of the log.
    """
    from kaflow.projections.db import engine_of

    recorder, engine = app.recorder, engine_of(app)
    if engine == "sqlite":
        return _sqlite_prefix(recorder, prefix, topic, limit)
    if engine == "postgresql":
        return _postgres_prefix(recorder, prefix, topic, limit)
    found: list[str] = []
    from kaflow.projections.log import notifications_with_topic

    for notification in notifications_with_topic(recorder, topic):
        hex_id = notification.originator_id.hex
        if hex_id.startswith(prefix):
            found.append(hex_id)
            if len(found) >= limit:
                break
    return found


def _sqlite_prefix(recorder: Any, prefix: str, topic: str, limit: int) -> list[str]:
    sql = (
        f"SELECT originator_id FROM {recorder.events_table_name} "
        "WHERE originator_id >= ? AND originator_id < ? AND originator_version = 1 "
        "AND topic = ? ORDER BY originator_id LIMIT ?"
    )
    try:
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(sql, (prefix, prefix + "g", topic, limit))
            return [str(row[0]) for row in c.fetchall()]
    except sqlite3.Error as e:  # pragma: no cover - a damaged store
        raise WorkspaceError(f"cannot read the store: {e}") from None


def _postgres_prefix(recorder: Any, prefix: str, topic: str, limit: int) -> list[str]:
    """A range scan of the primary key: ids are UUIDs, which order as their hex digits."""
    if len(prefix) > 32 or any(c not in "0123456789abcdef" for c in prefix):
        return []  # no id starts so
    low = prefix.ljust(32, "0")
    high = prefix.ljust(32, "f")
    sql = (
        f'SELECT originator_id FROM "{recorder.datastore.schema}"."{recorder.events_table_name}" '
        "WHERE originator_id BETWEEN %s::uuid AND %s::uuid AND originator_version = 1 "
        "AND topic = %s ORDER BY originator_id LIMIT %s"
    )
    with recorder.datastore.transaction(commit=False) as c:
        c.execute(sql, (low, high, topic, limit))
        return [row["originator_id"].hex for row in c.fetchall()]
