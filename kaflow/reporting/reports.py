"""The reports, each read from the views inside a cut (``kaflow.projections.Cut``): only
the facts that had happened by one moment and been recorded by another count. As the work
stood at the end of November, recorded later included; as the record stood then, the
auditor's view; or both at once."""

from __future__ import annotations

import itertools
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kaflow.aggregates.lifecycle import State
from kaflow.projections import Cut, ledger_reads, pipeline
from kaflow.projections.account_reads import account_names, left_out
from kaflow.projections.deadlines import deadlines_as_of
from kaflow.projections.folded import Folded
from kaflow.projections.runner import Views
from kaflow.reporting.activity import activity
from kaflow.reporting.conformance import conformance

STAGES = [s.value for s in State if s is not State.LOST]  # the way to a win, in order
# {"report", "as_of", "recorded_by", "sections": [{"title", "columns", "rows"}]}
Report = dict[str, Any]


def run(
    name: str,
    views: Views | Folded,
    as_of: datetime,
    recorded_by: datetime | None = None,
    owner: str | None = None,
    include_archived: bool = False,
    now: datetime | None = None,
    hidden: set[str] | None = None,
    **options: Any,
) -> Report:
    """The report on what had happened by ``as_of`` and been recorded by
    ``recorded_by`` (None: all that was recorded by ``now``, by default ``as_of``).
    Archived accounts are left out unless ``include_archived``; with ``owner``, only
    the accounts that user owns now count."""
    cut = Cut.at(as_of, recorded_by or now or as_of)
    report: Report = {
        "report": name,
        "as_of": as_of.isoformat(),
        "recorded_by": recorded_by.isoformat() if recorded_by else None,
    }
    with views.reading() as db:
        out = left_out(db, cut, owner, include_archived) | (hidden or set())
        if name in COUNTING:  # they count accounts: leave them out before counting
            options["left_out"] = out
        sections = REPORTS[name](db, cut, **options)
    report["sections"] = [_without(section, out) for section in sections]
    return report


def _without(section: dict[str, Any], out: set[str]) -> dict[str, Any]:
    if out and section["columns"] and section["columns"][0] == "account":
        section["rows"] = [row for row in section["rows"] if row[0] not in out]
    return section


def _section(title: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"title": title, "columns": columns, "rows": rows}


def _states(
    db: Any, cut: Cut, left_out: set[str] | frozenset[str] = frozenset()
) -> dict[str, list[tuple[str, float]]]:
    """Each account's states in order, (state, when it happened), inside the cut."""
    found: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for account, _, state, at in pipeline.states(db, cut):
        if account not in left_out:
            found[account].append((state, at))
    return found


def funnel(
    db: Any, cut: Cut, left_out: set[str] | frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    histories = _states(db, cut, left_out)
    now = Counter(h[-1][0] for h in histories.values())
    reached: Counter[str] = Counter()
    stays: dict[str, list[float]] = defaultdict(list)
    for history in histories.values():
        reached.update({s for s, _ in history})
        entered = history[0][1]
        for (state, _), (following, then) in itertools.pairwise(history):
            if following != state:  # a stay ends when the account moves on
                stays[state].append(then - entered)
                entered = then
    rows = []
    for n, stage in enumerate([*STAGES, State.LOST.value]):
        nxt: str | None = STAGES[n + 1] if n + 1 < len(STAGES) else None
        conversion = (
            round(reached[nxt] / reached[stage], 3)
            if nxt and stage in STAGES and reached[stage]
            else None
        )
        days = [s / 86400 for s in stays.get(stage, [])]
        rows.append(
            [
                stage,
                now[stage],
                reached[stage],
                nxt,
                conversion,
                _round(statistics.median(days)) if days else None,
                _round(_percentile(days, 0.9)) if days else None,
            ]
        )
    columns = ["stage", "accounts", "reached", "next", "conversion", "median_days", "p90_days"]
    return [_section("funnel", columns, rows)]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _round(days: float) -> float:
    return round(days, 2)


def _last_outcomes(
    db: Any, cut: Cut, left_out: set[str] | frozenset[str] = frozenset()
) -> dict[str, pipeline.Outcome]:
    found = pipeline.outcomes(db, cut)
    return {o["account_id"]: o for o in found if o["account_id"] not in left_out}


def losses(
    db: Any, cut: Cut, left_out: set[str] | frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """Every loss inside the cut, a reopened account's too (R13: the analysis
    stays on the record), each marked with the reopening that followed it, if any.
    The totals agree with the funnel: accounts lost now, and accounts ever lost."""
    names = account_names(db)
    found: list[tuple[pipeline.Outcome, pipeline.Outcome | None]] = []
    for o in pipeline.outcomes(db, cut):  # by account, in order
        if o["account_id"] in left_out:
            continue
        if o["result"] == "lost":
            found.append((o, None))
        elif o["result"] == "reopened" and found and found[-1][0]["account_id"] == o["account_id"]:
            found[-1] = (found[-1][0], o)
    found.sort(key=lambda pair: (pair[0]["occurred_at"], pair[0]["account_id"]))
    rows = [
        [
            o["account_id"],
            names.get(o["account_id"]),
            o["reason"],
            o["lost_in"],
            o["occurred_at"],
            o["actor"],
            o["analysis"],
            reopened["occurred_at"] if reopened else None,
            reopened["reason"] if reopened else None,
        ]
        for o, reopened in found
    ]
    standing = sum(1 for _, reopened in found if reopened is None)
    totals = [
        ["losses", len(found)],
        ["accounts lost", len({o["account_id"] for o, _ in found})],
        ["lost now", standing],
        ["reopened", len(found) - standing],
    ]
    columns = ["account", "name", "reason", "lost_in", "lost_at", "by", "analysis"]
    return [
        _section("by reason", ["reason", "accounts", "losses"], _counted(found, "reason")),
        _section("by stage", ["lost_in", "accounts", "losses"], _counted(found, "lost_in")),
        _section("lost accounts", [*columns, "reopened_at", "reopen_reason"], rows),
        _section("totals", ["count", "value"], totals),
    ]


def _counted(found: list[tuple[Any, Any]], key: str) -> list[list[Any]]:
    """Losses by ``key``, most first: the accounts lost and the losses recorded."""
    accounts: dict[str, set[str]] = defaultdict(set)
    losses: Counter[str] = Counter()
    for o, _ in found:
        accounts[o[key]].add(o["account_id"])
        losses[o[key]] += 1
    return [[k, len(accounts[k]), n] for k, n in losses.most_common()]


def registry(
    db: Any, cut: Cut, left_out: set[str] | frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    names = account_names(db)
    values = pipeline.development_values(db, cut)
    leads = ledger_reads.visit_leads(db, cut)
    won = [o for o in _last_outcomes(db, cut, left_out).values() if o["result"] == "won"]
    won.sort(key=lambda o: o["occurred_at"])
    rows = [
        [
            o["account_id"],
            names.get(o["account_id"]),
            o["classification"],
            values.get(o["account_id"]),
            o["occurred_at"],
            leads.get(o["account_id"]),
        ]
        for o in won
    ]
    columns = ["account", "name", "classification", "development_value", "won_at", "lead"]
    return [_section("key-account registry", columns, rows)]


VISIT_FIELDS = ("lead", "place", "manner", "points", "views", "next_steps")


def visits(
    db: Any,
    cut: Cut,
    lead: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Visit records (R10) from the development record's entries, as corrected inside
    the cut: a correction made or recorded after it is folded back."""
    later = _changes_outside(db, cut)
    rows = []
    for r in ledger_reads.visits(db, cut, since, until):
        if lead and r["person"].casefold() != lead.casefold():  # in Python: SQL's lower()
            continue  # differs between the stores beyond ASCII
        fields = json.loads(r["details"])
        for field, old in later.get((r["account_id"], r["seq"]), []):
            fields[field] = old
        record = [r["account_id"], r["name"], r["visit"], r["occurred_at"]]
        rows.append([*record, *(fields[f] for f in VISIT_FIELDS), r["actor"]])
    columns = ["account", "name", "visit", "occurred_at", *VISIT_FIELDS, "recorded_by"]
    return [_section("visit records (R10)", columns, rows)]


def _changes_outside(db: Any, cut: Cut) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """Corrections outside the cut, newest first, by the entry (account, event number)
    they changed: (field, what it said before)."""
    found: dict[tuple[str, int], list[tuple[str, str]]] = defaultdict(list)
    for account, seq, field, old in ledger_reads.changes_outside(db, cut):
        found[(account, seq)].append((field.replace("-", "_"), old))
    return found


DEADLINE_COLUMNS = ["account", "name", "visit", "lead", "due_at"]


def overdue(db: Any, cut: Cut) -> list[dict[str, Any]]:
    """Deadlines missed by the cut's moment and not settled inside it, and those settled
    late."""
    now, past = [], []
    for r in deadlines_as_of(db, cut):
        deadline = [r["account_id"], r["name"], r["deadline"], r["lead"], r["due_at"]]
        if not r["closed"] and r["passed"]:
            recorded_at = r["overdue_at"] if r["recorded_miss"] else None
            now.append([*deadline, int(cut.moment - r["due_ts"]), recorded_at])
        elif r["closed"] and r["missed"]:
            past.append([*deadline, r["closed_by"], r["closed_at"], r["late_by_seconds"]])
    return [
        _section("overdue now", [*DEADLINE_COLUMNS, "overdue_seconds", "recorded_overdue_at"], now),
        _section(
            "breached in the past",
            [*DEADLINE_COLUMNS, "settled_by", "settled_at", "late_by_seconds"],
            past,
        ),
    ]


COUNTING = ("funnel", "losses", "registry", "activity")
REPORTS: dict[str, Callable[..., list[dict[str, Any]]]] = {
    "funnel": funnel,
    "losses": losses,
    "registry": registry,
    "visits": visits,
    "overdue": overdue,
    "conformance": conformance,
    "activity": activity,
}
