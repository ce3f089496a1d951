"""A workspace's event store copied to another store, whole, and the copy checked.

Events keep their aggregate ids, states (so times), order and notification ids (the log
positions that views, outbox and ``kaflow_delivered`` refer to): ids are written explicitly
(on SQLite, the rowid), as a PostgreSQL sequence leaves gaps. Snapshots and
``kaflow_delivered`` are copied; the views are not (the target builds them at first use).
The source is held still throughout: writers wait, then fail, rather than write what the
copy would miss. Rows are streamed in batches; then both stores are read again and compared.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from eventsourcing.persistence import PersistenceError

from kaflow.errors import BadInputError, ConflictError, WorkspaceError, field, first_line
from kaflow.projections.db import DELIVERED_TABLE, errors
from kaflow.storage.copy_check import Progress, verify
from kaflow.storage.errors import classify, is_busy
from kaflow.storage.rows import BATCH, COLUMNS, DELIVERED, TRACKING, Event, Store
from kaflow.storage.server import postgres_params, require_driver
from kaflow.storage.side_tables import plain, side_tables
from kaflow.storage.side_tables import rewrapped as rewrap_row
from kaflow.storage.url import hide_password, is_postgres, safe_url, sqlite_path, store_env


def copy_store(
    source_url: str,
    target_url: str,
    root: str,
    *,
    lock_timeout: int = 10,
    progress: Progress | None = None,
    rewrap: Callable[[str, str, bytes], bytes] | None = None,
) -> dict[str, Any]:
    """Copy the workspace's store into the empty store at ``target_url``, then read both
    again and compare them: the report says ``verified`` and, if not, what differs."""
    _check_urls(source_url, target_url, root)
    store_env(source_url, root, lock_timeout=lock_timeout)  # a workspace's store, reachable
    path = sqlite_path(target_url, root)
    created = path if path is not None and not os.path.exists(path) else None
    if created is None:
        _open(target_url, root, lock_timeout, empty=True).close()
    with contextlib.closing(_open(source_url, root, lock_timeout)) as source:
        try:
            source.hold(lock_timeout)
            total = source.count(source.events_table)
        except _errors() as e:
            if not is_busy(e):
                raise classify(e, source_url, store=f"the store {safe_url(source_url)}") from None
            raise ConflictError(
                f"the store {safe_url(source_url)} is busy: a writer holds it "
                f"({_reason(e, source_url)}); stop the writers (the scheduler, colleagues) "
                "and copy again"
            ) from None
        target = _create(target_url, root, lock_timeout, created)
        try:
            rewrapped = _copy(source, target, total, progress, rewrap)
        except BaseException as e:
            _take_back(target, created)
            if isinstance(e, _errors()):
                raise WorkspaceError(
                    f"the copy to {safe_url(target_url)} failed and was taken back: "
                    f"{_reason(e, source_url, target_url)}"
                ) from None
            raise
        target.close()
        with contextlib.closing(_open(target_url, root, lock_timeout)) as target:
            report = verify(source, target, total, progress)  # as committed, read anew
        report["rewrapped"] = rewrapped if rewrap is not None else None
        source.end()
    return report


def _check_urls(source_url: str, target_url: str, root: str) -> None:
    if source_url == "memory://":
        raise BadInputError("the workspace's store is memory://: it keeps nothing to copy")
    target_path, source_path = sqlite_path(target_url, root), sqlite_path(source_url, root)
    if target_path is None and not is_postgres(target_url):
        raise BadInputError(
            f"{field('target')}: a store is sqlite:///PATH or postgresql://USER@HOST:PORT/DBNAME, "
            f"not {safe_url(target_url)}"
        )
    if is_postgres(target_url):
        require_driver()
    same = False
    if target_path is not None and source_path is not None:
        same = os.path.realpath(source_path) == os.path.realpath(target_path)
    elif target_path is None:
        to = postgres_params(target_url)  # a URL without a user or a database: refused
        if is_postgres(source_url):
            source = postgres_params(source_url)
            same = all(source[k] == to[k] for k in ("host", "port", "dbname"))
    if same:
        raise BadInputError(
            f"{field('target')} {safe_url(target_url)} is the workspace's own store", field="target"
        )


def _open(url: str, root: str, lock_timeout: int, empty: bool = False) -> Store:
    """A connection to the store; with ``empty``, refused unless it holds nothing."""
    try:
        store = Store(url, root, lock_timeout)
        tables = (store.events_table, store.snapshots_table, DELIVERED)
        events, snapshots, delivered = (store.count(t) for t in tables) if empty else (0, 0, 0)
    except _errors() as e:
        raise WorkspaceError(f"cannot use the store {safe_url(url)}: {_reason(e, url)}") from None
    if events or snapshots or delivered:
        store.close()
        held = f"{events} events, {snapshots} snapshots, {delivered} delivery positions"
        raise BadInputError(
            f"the target {safe_url(url)} is not empty ({held}): copy into a store that "
            "holds no events (a new SQLite file, or an empty PostgreSQL database)"
        )
    return store


def _create(url: str, root: str, lock_timeout: int, created: str | None) -> Store:
    """The target's tables, made by the library (with its types and insert function)."""
    from eventsourcing.application import Application

    class Tables(Application[Any]):
        name = "kaflow"  # the application whose log this is: its tables' names
        is_snapshotting_enabled = True  # the snapshots' table too

    try:
        if created is not None:
            os.makedirs(os.path.dirname(os.path.abspath(created)), exist_ok=True)
        Tables(env=store_env(url, root, create=True, lock_timeout=lock_timeout)).close()
        return _open(url, root, lock_timeout)
    except BaseException as e:
        _take_back(None, created)
        if isinstance(e, _errors()):
            raise WorkspaceError(f"cannot create {safe_url(url)}: {_reason(e, url)}") from None
        raise


def _copy(
    source: Store,
    target: Store,
    total: int,
    progress: Progress | None,
    rewrap: Callable[[str, str, bytes], bytes] | None = None,
) -> int:
    """Copy the log and what goes with it; the number of data keys wrapped anew."""
    from kaflow.storage import keys as data_keys

    rewrapped = 0
    last, done = 0, 0
    target.begin()
    if target.has_table(TRACKING):  # views a store emptied by hand kept: built anew
        target.write(f"UPDATE {TRACKING} SET version = -1, position = 0")
    events = f"{target.position}, {COLUMNS}"
    for batch in _batches(source.events()):
        rows = [(p, target.stored(a), v, t, s) for p, a, v, t, s in batch]
        target.insert(target.events_table, events, rows)
        last, done = batch[-1][0], done + len(batch)
        if progress:
            progress("copying", done, total)
    for batch in _batches(source.events(snapshots=True)):
        snapshots = [(target.stored(a), v, t, s) for _, a, v, t, s in batch]
        target.insert(target.snapshots_table, COLUMNS, snapshots)
    delivered = source.delivered()
    if delivered:
        if target.pg:
            from kaflow.projections.pg import postgres_schema

            target.write(postgres_schema(DELIVERED_TABLE))
        else:
            target.write(DELIVERED_TABLE)
        target.insert(DELIVERED, "notifier, position", list(delivered))
    for table, create, columns in side_tables(target.pg):
        if source.has_table(table):
            target.write(create)
            for batch in _batches(iter(source.rows(f"SELECT {columns} FROM {table}"))):
                rows = [tuple(plain(v) for v in row) for row in batch]
                if rewrap is not None and table == data_keys.TABLE:
                    rows = [rewrap_row(rewrap, row) for row in rows]
                    rewrapped += sum(row[2] is not None for row in rows)
                target.insert(table, columns, rows)
    target.finish(last)
    return rewrapped


def _batches(rows: Iterator[Event]) -> Iterator[list[Event]]:
    return iter(lambda: list(islice(rows, BATCH)), [])


def _take_back(target: Store | None, created: str | None) -> None:
    """The target as it was: the copy's one transaction rolled back (by the server, if
    the connection is gone), and a SQLite file the copy created removed."""
    if target is not None:
        with contextlib.suppress(Exception):
            target.db.rollback()
        with contextlib.suppress(Exception):
            target.close()
    for leftover in (created, f"{created}-wal", f"{created}-shm") if created else ():
        with contextlib.suppress(OSError):
            os.remove(leftover)


def _errors() -> tuple[type[Exception], ...]:
    """What the stores' drivers (and the library over them) raise."""
    return (PersistenceError, *errors())


def _reason(error: Exception, *urls: str) -> str:
    return hide_password(first_line(error), *urls)
