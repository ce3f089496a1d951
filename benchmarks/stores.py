"""Large workspaces, built fast: accounts are driven through the procedure by the
aggregate's own methods (the events are the ones commands record; the rules, already
measured elsewhere, are not re-checked) and saved 500 accounts to a transaction."""

from __future__ import annotations

import gc
import shutil
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from kaflow.aggregates.directory import Role
from kaflow.aggregates.prospect import Prospect
from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.application.analysis import TEMPLATE, Analysis
from kaflow.bootstrap import open_app
from kaflow.settings import load
from kaflow.workspace import init_workspace

ANALYSIS = Analysis.model_validate(yaml.safe_load(TEMPLATE.read_text("utf-8"))).model_dump(
    mode="json"
)
VISIT = {"lead": "mia", "place": "HQ", "manner": "face-to-face", "points": "offer",
         "views": "keen", "next_steps": "quote"}  # fmt: skip


def workspace(root: Path, since: datetime) -> Any:
    root.mkdir(parents=True)
    init_workspace(root, "olga", "sqlite:///kaflow.db", "UTC")
    app = open_app(load(root, environ={}))
    for name, role in (("mia", Role.MANAGER), ("sam", Role.SALES)):
        app.add_user(Actor("olga"), c.AddUser(name=name, role=role, effective_from=since))
    return app


def visited_account(app: Any, n: int, visit_at: datetime) -> Prospect:
    """An account from identification to a visit at ``visit_at``: eight events."""

    def meta(days: int) -> dict[str, Any]:
        return {"actor": "sam", "actor_role": "sales",
                "occurred_at": visit_at - timedelta(days=days)}  # fmt: skip

    p = Prospect(name=f"Account {n}", category="potential", nature="distributor",
                 product_line="steel", service="delivery", **meta(6))  # fmt: skip
    p.analyse(ANALYSIS, Decimal("140000.00"), **meta(5))
    p.decide_approach("visit", "mia", "visit them", **meta(4))
    p.record_contact("phone", "Wang", "positive", "keen to meet", **meta(3))
    p.hold_conference(["sam", "mia"], "plan the visit", **meta(2))
    p.prepare_material("their data", "our analysis", "brochure", **meta(2))
    p.record_visit(VISIT, app.policy.deadline(visit_at), **meta(0))
    return p


def fill(app: Any, count: int, visit_at: Callable[[int], datetime], start: int = 0) -> None:
    batch: list[Prospect] = []
    for n in range(start, start + count):
        batch.append(visited_account(app, n, visit_at(n)))
        if len(batch) == 500:
            app.save(*batch)
            batch.clear()
    if batch:
        app.save(*batch)


def close(app: Any) -> None:
    """Close the store and fold its write-ahead log in, so the file can be copied."""
    path = app.recorder.datastore.pool.db_name
    app.close()
    del app
    gc.collect()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def copy(template: Path, to: Path) -> Path:
    if to.exists():
        shutil.rmtree(to)
    shutil.copytree(template, to)
    return to


def timed(func: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result
