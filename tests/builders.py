"""Test data: an application on a given store, users, and accounts driven to a state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import yaml

from kaflow.aggregates.directory import Role
from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.application.analysis import TEMPLATE, AnalyseProspect
from kaflow.application.service import Kaflow
from kaflow.clock import FixedClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OLGA, MIA, SAM, DAN = Actor("olga"), Actor("mia"), Actor("sam"), Actor("dan")
ANALYSIS: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))


def make_app(
    store: str,
    tmp: Path | None = None,
    clock: FixedClock | None = None,
    url: str | None = None,
) -> Kaflow:
    """An application with its user directory (olga, the owner) on the store named:
    ``memory``, ``sqlite`` (in ``tmp``) or ``postgresql`` (the database at ``url``)."""
    if store == "memory":
        env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    elif store == "postgresql":
        from kaflow.storage.url import store_env

        assert url is not None
        env = store_env(url, ".", create=True)
    else:
        assert tmp is not None
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp / "k.db")}
    app = Kaflow(env=env, clock=clock or FixedClock(T0 + timedelta(days=30)))
    app.create_directory("olga")
    return app


def staff(app: Kaflow, since: datetime = T0) -> None:
    """olga (owner, from creation), mia (manager), sam (sales), dan (director)."""
    for name, role in (("mia", Role.MANAGER), ("sam", Role.SALES), ("dan", Role.DIRECTOR)):
        app.add_user(OLGA, c.AddUser(name=name, role=role, effective_from=since))


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def identify(app: Kaflow, name: str = "Acme", when: datetime = T0) -> UUID:
    return app.identify(
        SAM,
        c.IdentifyProspect(
            name=name,
            category=c.Category.POTENTIAL,
            nature="distributor",
            occurred_at=when,
        ),
    )


def visit_cmd(
    pid: UUID, lead: str = "mia", when: datetime | None = None, **over: Any
) -> c.RecordVisit:
    fields: dict[str, Any] = {
        "prospect_id": pid,
        "lead": lead,
        "place": "HQ",
        "manner": "face-to-face",
        "points": "offer",
        "views": "keen",
        "next_steps": "quote",
        "occurred_at": when or at(5),
    }
    fields.update(over)
    return c.RecordVisit.validate(fields)


STEPS = ["analysed", "approach", "contacted", "prepared", "visited", "followed_up"]


def advance(app: Kaflow, pid: UUID, upto: str) -> None:
    """Drive an account through the procedure, stopping after ``upto``."""
    base = {"prospect_id": pid}
    actions = [
        (
            "analysed",
            lambda: app.handle(
                SAM, AnalyseProspect.validate({"analysis": ANALYSIS, "occurred_at": at(1), **base})
            ),
        ),
        (
            "approach",
            lambda: app.handle(
                SAM,
                c.DecideApproach(
                    method=c.ApproachMethod.VISIT,
                    chair="mia",
                    notes="visit",
                    occurred_at=at(2),
                    **base,
                ),
            ),
        ),
        (
            "contacted",
            lambda: app.handle(
                SAM,
                c.RecordContact(
                    channel=c.ContactChannel.PHONE,
                    person="Wang",
                    attitude=c.Attitude.POSITIVE,
                    notes="ok",
                    occurred_at=at(3),
                    **base,
                ),
            ),
        ),
        (
            "prepared",
            lambda: (
                app.handle(
                    SAM,
                    c.HoldConference(
                        participants=["sam", "mia"], notes="plan", occurred_at=at(4), **base
                    ),
                ),
                app.handle(
                    SAM,
                    c.PrepareMaterial(
                        customer_data="d",
                        analysis="a",
                        sales_materials="m",
                        occurred_at=at(4),
                        **base,
                    ),
                ),
            ),
        ),
        ("visited", lambda: app.handle(SAM, visit_cmd(pid))),
        (
            "followed_up",
            lambda: app.handle(
                SAM,
                c.RecordFollowUp(
                    channel=c.FollowUpChannel.PHONE, feedback="good", occurred_at=at(6), **base
                ),
            ),
        ),
    ]
    for name, action in actions:
        action()
        if name == upto:
            return
    raise AssertionError(f"unknown step {upto}")


def event_count(app: Kaflow, pid: UUID) -> int:
    return len(list(app.events.get(pid)))


def many_visited(app: Kaflow, count: int, start: int = 0) -> None:
    """``count`` accounts visited, built by the aggregate's own methods and saved 100 to a
    transaction: the events commands record, fast (the rules are tested elsewhere)."""
    from decimal import Decimal

    from kaflow.aggregates.prospect import Prospect

    visit = {
        "lead": "mia",
        "place": "HQ",
        "manner": "face-to-face",
        "points": "p",
        "views": "v",
        "next_steps": "n",
    }
    batch = []
    for n in range(start, start + count):
        meta: dict[str, Any] = {"actor": "sam", "actor_role": "sales", "occurred_at": at(0)}
        p = Prospect(
            name=f"Account {n}",
            category="potential",
            nature="d",
            product_line="",
            service="",
            **meta,
        )
        p.analyse({"a": n}, Decimal("1.00"), **{**meta, "occurred_at": at(1)})
        p.decide_approach("visit", "mia", "n", **{**meta, "occurred_at": at(2)})
        p.record_contact("phone", f"p{n}", "positive", "n", **{**meta, "occurred_at": at(3)})
        p.hold_conference(["mia"], "n", **{**meta, "occurred_at": at(4)})
        p.prepare_material("d", "a", "m", **{**meta, "occurred_at": at(4)})
        p.record_visit(visit, app.policy.deadline(at(5)), **{**meta, "occurred_at": at(5)})
        batch.append(p)
        if len(batch) == 100:
            app.save(*batch)
            batch.clear()
    if batch:
        app.save(*batch)


def dump(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every view table's rows, sorted: two dumps are equal when the views are. ``db`` is
    a ``Views``, a views' database (``store_db``) or an SQLite connection to a store."""
    from kaflow.projections.runner import all_views

    connection = getattr(db, "db", db)
    tables = [t for v in all_views() for t in v.tables]
    return {t: sorted(map(tuple, connection.execute(f"SELECT * FROM {t}"))) for t in tables}


@contextmanager
def store_db(root: Path) -> Iterator[Any]:
    """The views' database of the workspace at ``root`` (SQLite or PostgreSQL), as is."""
    from kaflow.bootstrap import open_app
    from kaflow.projections.db import open_database
    from kaflow.settings import load

    app = open_app(load(root))
    db = open_database(app, 10)
    try:
        yield db
    finally:
        db.close()
        app.close()
