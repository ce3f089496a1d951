"""``kaflow store check``: is the store whole? The engine's own check of its file (SQLite's
``PRAGMA integrity_check``) and the log's own: each aggregate's versions run 1, 2, ... n
without a gap or a repeat, and every event can be read back by the application (its
state decodes into the event it records). Reads only: a read-only store is checked too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from kaflow.aggregates.directory import DIRECTORY_ID
from kaflow.errors import first_line
from kaflow.projections.db import engine_of
from kaflow.storage.errors import store_errors

BATCH = 1000  # events read from the log at a time
SHOWN = 20  # problems named; the rest are counted
INTEGRITY_ROWS = 100  # SQLite stops its check after so many findings


def check_store(open_app: Callable[[], Any], shown: str) -> dict[str, Any]:
    """The store checked; ``intact`` says whether it is, ``problems`` names the first
    ones found (``problem_count`` counts them all)."""
    problems: list[str] = []
    report: dict[str, Any] = {"store": shown, "engine": None, "integrity": None}
    tally = {"events": 0, "aggregates": 0, "accounts": 0, "last_position": 0}
    count = 0

    def problem(text: str) -> None:
        nonlocal count
        count += 1
        if len(problems) < SHOWN:
            problems.append(text)

    try:
        app = open_app()
    except store_errors() as e:
        problem(f"the store cannot be opened: {first_line(e)}")
        app = None
    if app is not None:
        try:
            report["engine"] = engine_of(app)
            if report["engine"] == "sqlite":
                report["integrity"] = _integrity(app, problem)
            _log(app, problem, tally)
        finally:
            app.close()
    report.update(tally)
    report.update(intact=count == 0, problem_count=count, problems=problems)
    return report


def _integrity(app: Any, problem: Callable[[str], None]) -> str:
    """SQLite's check of its file: pages, indexes, constraints."""
    try:
        with app.recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(f"PRAGMA integrity_check({INTEGRITY_ROWS})")
            found = [str(row[0]) for row in cursor.fetchall()]
    except store_errors() as e:
        problem(f"the file cannot be checked: {first_line(e)}")
        return "failed"
    if found == ["ok"]:
        return "ok"
    for line in found:
        problem(f"the file: {line}")
    return "damaged"


def _log(app: Any, problem: Callable[[str], None], tally: dict[str, int]) -> None:
    """Every event of the log, in order, in batches: versions and decoding."""
    versions: dict[UUID, int] = {}
    decode = app.mapper.to_domain_event
    start = 1
    while True:
        try:
            page = app.recorder.select_notifications(start, limit=BATCH)
        except store_errors() as e:
            problem(f"the log cannot be read from position {start} on: {first_line(e)}")
            return
        for notification in page:
            aggregate, version = notification.originator_id, notification.originator_version
            before = versions.get(aggregate)
            if before is None:
                tally["aggregates"] += 1
                tally["accounts"] += aggregate != DIRECTORY_ID
            expected = (before or 0) + 1
            if version != expected:
                missing = (
                    f"version(s) {expected}-{version - 1} missing"
                    if version > expected
                    else f"version {version} again"
                )
                problem(
                    f"{_name(aggregate)}: {missing} (position {notification.id} "
                    f"holds version {version})"
                )
            versions[aggregate] = max(version, before or 0)
            try:
                decode(notification)
            except Exception as e:  # whatever a damaged state makes the mapper raise
                problem(
                    f"{_name(aggregate)} version {version} (position {notification.id}, "
                    f"{notification.topic.rpartition(':')[2] or notification.topic}) "
                    f"cannot be read: {type(e).__name__}: {first_line(e)}"
                )
            tally["events"] += 1
            tally["last_position"] = max(tally["last_position"], notification.id)
        if len(page) < BATCH:
            return
        start = page[-1].id + 1


def _name(aggregate: UUID) -> str:
    return "the user directory" if aggregate == DIRECTORY_ID else f"account {aggregate}"
