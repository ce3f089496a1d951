"""``report activity``: what each person did inside a cut (steps recorded, visits led,
follow-ups in time and late) and the accounts each owns now."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from kaflow.projections import Cut, ledger_reads, pipeline
from kaflow.projections.account_reads import owners
from kaflow.projections.follow_ups import follow_ups

ACTIVITY = ["steps", "visits_led", "follow_ups_in_time", "follow_ups_late", "accounts"]


def activity(
    db: Any,
    cut: Cut,
    left_out: set[str] | frozenset[str] = frozenset(),
    people: tuple[str, ...] = (),
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Per person (``people``, and anyone else found): the steps they recorded, the
    visits they led, the follow-ups they recorded in time and late (R11) that happened
    between ``since`` and ``until``, and the accounts they own now."""
    done: dict[str, Counter[str]] = defaultdict(Counter)
    for step in pipeline.steps_done(db, cut, since, until):
        if step.account_id not in left_out:
            done[step.actor]["steps"] += 1
    for visit in ledger_reads.visits(db, cut, since, until):
        if visit["account_id"] not in left_out:
            done[visit["person"]]["visits_led"] += 1
    for follow_up in follow_ups(db, cut, since, until):
        if follow_up.account_id not in left_out:
            kind = "follow_ups_late" if follow_up.late else "follow_ups_in_time"
            done[follow_up.actor][kind] += 1
    for account, owner in owners(db, cut):
        if account not in left_out:
            done[owner]["accounts"] += 1
    rows = [
        [name, *(done[name][c] for c in ACTIVITY)]
        for name in sorted({*people, *done}, key=str.casefold)
    ]
    return [{"title": "activity by person", "columns": ["person", *ACTIVITY], "rows": rows}]
