"""``report conformance``: for each account and each rule R1-R14, met, breached, not yet
due or not applicable, with the event that shows it -- what an auditor asks for.

The guards refuse any command that would break a rule, so most rules are met by the
step that shows them; R11 can be breached, since time passes without a command."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from kaflow.aggregates.directory import at_least_manager
from kaflow.policies.backdating import Backdating
from kaflow.projections import Cut
from kaflow.projections.account_reads import account_names
from kaflow.projections.deadlines import deadlines_as_of
from kaflow.projections.ledger_reads import changes_recorded, meetings_and_visits
from kaflow.projections.pipeline import steps as recorded_steps
from kaflow.reporting.recording import conformance_note

MET, BREACHED, NOT_DUE, NOT_APPLICABLE = "met", "breached", "not yet due", "not applicable"
RULES = [f"R{n}" for n in range(1, 15)]
# The step that shows each rule met (its latest occurrence is cited).
SHOWN_BY = {
    "R1": "Identified",
    "R2": "Analysed",
    "R3": "Analysed",
    "R4": "ApproachDecided",
    "R5": "ContactRecorded",
    "R6": "VisitRecorded",
    "R7": "ConferenceHeld",
    "R8": "MaterialPrepared",
    "R9": "VisitRecorded",
    "R10": "VisitRecorded",
}


def conformance(
    db: Any, cut: Cut, directory: Any = None, backdating: Backdating | None = None
) -> list[dict[str, Any]]:
    """``directory``, as recorded by then, re-judges who chaired (R4) and led (R6): a
    role corrected after the step can put it in question. Beside the rules, a note per
    account (``recording``): its entries recorded late, and recorded for another."""
    names = account_names(db)
    questioned = _questioned(db, cut, directory) if directory is not None else {}
    steps: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    results: dict[str, str] = {}
    reviews: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for account, seq, event, occurred in recorded_steps(db, cut):
        steps[account][event] = (seq, occurred)
        if event in ("Won", "Lost", "Reopened"):
            results[account] = event
        elif event == "Reviewed":
            reviews[account].append((seq, occurred))
    deadlines = _deadlines(db, cut)
    changed = changes_recorded(db, cut)
    rows = []
    accounts = sorted(steps, key=lambda a: (names.get(a) or "", a))
    shown = {a: names.get(a) for a in accounts}
    note = conformance_note(db, cut, shown, backdating or Backdating())
    for account in accounts:
        seen = steps[account]
        result = results.get(account)
        for rule in RULES:
            if rule == "R14":
                status, evidence = _record(seen, result, reviews[account], changed.get(account))
            else:
                status, evidence = _judge(rule, seen, result, deadlines.get(account, []), cut)
            if (account, rule) in questioned:
                status, evidence = BREACHED, questioned[(account, rule)]
            rows.append([account, names.get(account), rule, status, evidence])
    columns = ["account", "name", "rule", "status", "evidence"]
    return [{"title": "conformance", "columns": columns, "rows": rows, "recording": note}]


def _questioned(db: Any, cut: Cut, directory: Any) -> dict[tuple[str, str], str]:
    """Meetings chaired (R4) and visits led (R6) by someone who, by the directory as
    since corrected, was not a development manager or above when they took place."""
    found: dict[tuple[str, str], str] = {}
    for account, seq, kind, person, occurred in meetings_and_visits(db, cut):
        role = directory.role_of(person, datetime.fromisoformat(occurred))
        if not at_least_manager(role):
            rule, event = (
                ("R4", "ApproachDecided") if kind == "meeting" else ("R6", "VisitRecorded")
            )
            found.setdefault(
                (account, rule),
                f"{event} #{seq} ({occurred[:10]}): {person} held role "
                f"'{role or 'none'}' then, by the directory as corrected",
            )
    return found


def _cite(seen: dict[str, tuple[int, str]], event: str) -> str:
    seq, occurred = seen[event]
    return f"{event} #{seq} ({occurred[:10]})"


def _judge(
    rule: str,
    seen: dict[str, tuple[int, str]],
    result: str | None,
    deadlines: list[dict[str, Any]],
    cut: Cut,
) -> tuple[str, str]:
    closed = result in ("Won", "Lost")
    if rule in SHOWN_BY:
        event = SHOWN_BY[rule]
        if event in seen:
            return MET, _cite(seen, event)
        # Closed before the step was due: it never will be.
        return (NOT_APPLICABLE, _cite(seen, str(result))) if closed else (NOT_DUE, "")
    if rule == "R11":
        status, evidence = _follow_ups(deadlines, cut)
        if status == NOT_DUE and closed:
            return NOT_APPLICABLE, _cite(seen, str(result))
        return status, evidence
    ending = {"R12": "Won", "R13": "Lost"}.get(rule)
    if ending is not None:
        if result == ending:
            return MET, _cite(seen, ending)
        return (NOT_APPLICABLE, _cite(seen, str(result))) if closed else (NOT_DUE, "")
    raise AssertionError(f"{rule} is judged by its own function")


def _record(
    seen: dict[str, tuple[int, str]],
    result: str | None,
    reviews: list[tuple[int, str]],
    changed: list[float] | None,
) -> tuple[str, str]:
    """R14: the record, summarised when won or lost, then reviewed (审核), and not
    changed (corrected, its account edited) since: a change asks for a new review."""
    if result not in ("Won", "Lost"):
        return NOT_DUE, ""
    ended, ended_at = seen[result]
    at = datetime.fromisoformat
    # Recorded after the result, and not dated before it (a review given ``--at``).
    after = [r for r in reviews if r[0] > ended and at(r[1]) >= at(ended_at)]
    if not after:
        return NOT_DUE, f"{_cite(seen, result)}; awaiting its review"
    seq, occurred = max(after, key=lambda r: (at(r[1]), r[0]))
    review = f"Reviewed #{seq} ({occurred[:10]})"
    since = [t for t in changed or [] if t > at(occurred).timestamp()]
    if since:
        last = datetime.fromtimestamp(max(since), UTC).date().isoformat()
        return NOT_DUE, f"{review}; changed since ({len(since)}, the last {last}): review again"
    return MET, review


def _deadlines(db: Any, cut: Cut) -> dict[str, list[dict[str, Any]]]:
    """Each account's deadlines opened inside the cut, in the order of their visits."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(deadlines_as_of(db, cut), key=lambda d: (d["deadline"], d["account_id"])):
        found[row["account_id"]].append(row)
    return found


def _follow_ups(deadlines: list[dict[str, Any]], cut: Cut) -> tuple[str, str]:
    met = cancelled = ""
    for d in deadlines:
        closed = d["closed"]
        if d["missed"]:
            return BREACHED, f"FollowUpOverdue, visit {d['deadline']} (due {d['due_at'][:16]})"
        if not closed and d["passed"]:
            return BREACHED, f"visit {d['deadline']} not followed up (due {d['due_at'][:16]})"
        if closed and d["closed_by"] != "lost":
            how = "a follow-up" if d["closed_by"] == "follow_up" else "the next visit"
            met = f"visit {d['deadline']} followed up by {how} ({d['closed_at'][:10]})"
        elif closed:
            cancelled = f"visit {d['deadline']}: the account was lost before it was due"
    if met:
        return MET, met
    return (NOT_APPLICABLE, cancelled) if cancelled else (NOT_DUE, "")
