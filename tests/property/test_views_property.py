"""For random command histories, every view equals what a plain fold over the events
computes, and views caught up incrementally (in batches of any size, between any
commands) equal views rebuilt from zero."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaflow.aggregates.errors import DomainError
from kaflow.aggregates.record import CUSTOMER_FACING, ENTRY_KINDS
from kaflow.application import commands as c
from kaflow.application.analysis import AnalyseProspect
from kaflow.clock import FixedClock
from kaflow.errors import KaflowError
from kaflow.projections.runner import Views
from tests.builders import ANALYSIS, MIA, T0, dump, identify, make_app, staff, visit_cmd

KINDS = [
    "analyse",
    "approach",
    "contact",
    "conference",
    "prepare",
    "visit",
    "follow_up",
    "win",
    "lose",
    "reopen",
    "review",
    "correct",
]


# The procedure in order, with corrections and a review along the way: "next" steps
# follow it, so that histories reach every state and correct every kind of entry.
NATURAL = [
    "analyse",
    "approach",
    "correct",
    "contact",
    "correct",
    "correct",
    "conference",
    "prepare",
    "correct",
    "visit",
    "review",
    "follow_up",
    "correct",
    "win",
]
# A field each of the first entries (meeting, contact, conference, material) can correct.
CORRECTED = {
    1: ["notes"],
    2: ["person", "attitude", "notes"],
    3: ["notes"],
    4: ["customer-data", "analysis"],
}


def command(kind: str, pid: Any, when: Any, n: int) -> Any:
    base = {"prospect_id": pid, "occurred_at": when}
    return {
        "analyse": lambda: AnalyseProspect.validate({"analysis": ANALYSIS, **base}),
        "approach": lambda: c.DecideApproach(
            method=c.ApproachMethod.VISIT, chair="mia", notes=f"n{n}", **base
        ),
        "contact": lambda: c.RecordContact(
            channel=c.ContactChannel.PHONE,
            person=f"p{n}",
            attitude=c.Attitude.POSITIVE,
            notes="n",
            **base,
        ),
        "conference": lambda: c.HoldConference(participants=["mia"], notes="n", **base),
        "prepare": lambda: c.PrepareMaterial(
            customer_data="d", analysis="a", sales_materials="m", **base
        ),
        "visit": lambda: visit_cmd(pid, when=when),
        "follow_up": lambda: c.RecordFollowUp(
            channel=c.FollowUpChannel.PHONE, feedback="f", **base
        ),
        "win": lambda: c.WinAccount(classification="A", summary="s", **base),
        "lose": lambda: c.LoseAccount(reason=c.LossReason.PRICE, analysis="a", **base),
        "reopen": lambda: c.ReopenAccount(reason="again", **base),
        "review": lambda: c.ReviewRecord(prospect_id=pid, remarks=f"r{n}"),
        "correct": lambda: correction(pid, n),
    }[kind]()


def correction(pid: Any, n: int) -> c.CorrectEntry:
    entry = 1 + n % 4
    field = CORRECTED[entry][n % len(CORRECTED[entry])]
    value = ["positive", "neutral"][n % 2] if field == "attitude" else f"v{n}"
    return c.CorrectEntry(prospect_id=pid, entry=entry, field=field, value=value, reason="r")


FIELDS = {
    "ApproachDecided": ("method", "chair", "notes"),
    "ContactRecorded": ("channel", "person", "attitude", "notes"),
    "ConferenceHeld": ("participants", "notes"),
    "MaterialPrepared": ("customer_data", "analysis", "sales_materials"),
    "FollowUpRecorded": ("channel", "feedback", "person"),
}


def fold_entries(app: Any, pid: Any) -> tuple[list[Any], list[Any]]:
    """Each entry's fields as corrected, and the change log, folded by hand."""
    entries: list[dict[str, Any]] = []
    changes = []
    for e in app.events.get(pid):
        name = type(e).__name__
        if name == "VisitRecorded":
            entries.append(dict(e.visit))
        elif name in FIELDS:
            entries.append({f: getattr(e, f) for f in FIELDS[name]})
        elif name == "EntryCorrected":
            entries[e.entry - 1][e.field.replace("-", "_")] = e.new
            changes.append((len(changes) + 1, e.entry, e.field, e.old, e.new, e.reason))
    return entries, changes


def read_entries(views: Views, pid: Any) -> tuple[list[Any], list[Any]]:
    entries = [
        json.loads(r[0])
        for r in views.db.execute(
            "SELECT details FROM ledger_entries WHERE account_id = ? ORDER BY seq", (pid.hex,)
        )
    ]
    changes = [
        tuple(r)
        for r in views.db.execute(
            "SELECT change, entry, field, old, new, reason FROM ledger_changes "
            "WHERE account_id = ? ORDER BY change",
            (pid.hex,),
        )
    ]
    return entries, changes


def fold(app: Any, pid: Any) -> dict[str, Any]:
    """What the views must say of an account, folded from its events by hand."""
    events = list(app.events.get(pid))
    names = [type(e).__name__ for e in events]
    kinds = [ENTRY_KINDS[n] for n in names if n in ENTRY_KINDS]
    states = [e.state for e in events if hasattr(e, "state")]
    outcome = next((n for n in reversed(names) if n in ("Won", "Lost", "Reopened")), None)
    return {
        "state": states[-1] if states else "identified",
        "entries": len(kinds),
        "contacts": sum(kinds.count(k) for k in CUSTOMER_FACING),
        "visits": names.count("VisitRecorded"),
        "changes": names.count("EntryCorrected"),
        "result": {"Won": "won", "Lost": "lost"}.get(outcome or "", "open"),
        "open_deadlines": names.count("FollowUpDeadlineOpened")
        - names.count("FollowUpDeadlineClosed"),
    }


def read(views: Views, pid: Any) -> dict[str, Any]:
    one = lambda sql: views.db.execute(sql, (pid.hex,)).fetchone()[0]  # noqa: E731
    return {
        "state": one("SELECT state FROM accounts WHERE account_id = ?"),
        "entries": one("SELECT count(*) FROM ledger_entries WHERE account_id = ?"),
        "contacts": one(
            "SELECT count(*) FROM ledger_entries WHERE account_id = ? "
            "AND kind IN ('contact', 'visit', 'follow_up')"
        ),
        "visits": one(
            "SELECT count(*) FROM ledger_entries WHERE account_id = ? AND kind = 'visit'"
        ),
        "changes": one("SELECT changes FROM ledger_accounts WHERE account_id = ?"),
        "result": one("SELECT result FROM ledger_accounts WHERE account_id = ?"),
        "open_deadlines": one(
            "SELECT count(*) FROM follow_up_deadlines WHERE account_id = ? AND status = 'open'"
        ),
    }


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(
            st.integers(0, 2),
            st.sampled_from([*KINDS, *["next"] * 12]),
            st.integers(0, 30),
            st.booleans(),
        ),
        max_size=50,
    ),
    batch=st.integers(1, 7),
)
def test_views_equal_a_fold_and_a_rebuild(
    steps: list[tuple[int, str, int, bool]], batch: int
) -> None:
    app = make_app("memory", clock=FixedClock(T0 + timedelta(days=400)))
    staff(app)
    accounts = [identify(app, f"A{n}") for n in range(3)]
    views = Views(app)
    when = T0
    progress = [0, 0, 0]  # each account's place in the procedure's natural order
    for n, (which, kind, hours, look) in enumerate(steps):
        when += timedelta(hours=hours)
        natural = kind == "next"
        if natural:
            kind = NATURAL[progress[which] % len(NATURAL)]
        with contextlib.suppress(KaflowError, DomainError):  # refused: nothing written
            app.handle(MIA, command(kind, accounts[which], when, n))
            progress[which] += natural
        if look:
            views.catch_up(batch=batch)
    views.catch_up(batch=batch)
    for pid in accounts:
        assert read(views, pid) == fold(app, pid)
        assert read_entries(views, pid) == fold_entries(app, pid)
    rebuilt = Views(app)  # a new in-memory database: built from zero
    rebuilt.catch_up(batch=500)
    assert dump(rebuilt) == dump(views)
