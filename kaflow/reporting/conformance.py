"""``report conformance``: for each account and each rule R1-R14, met, breached, not yet
due or not applicable, with the event that shows it -- what an auditor asks for.

The guards refuse any command that would break a rule, so most rules are met by the
step that shows them; R11 can be breached, since time passes without a command."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from kaflow.aggregates.directory import at_least_manager
from kaflow.projections.accounts import account_names
from kaflow.projections.deadlines import deadlines_as_of
from kaflow.projections.ledger import meetings_and_visits
from kaflow.projections.pipeline import steps as recorded_steps

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


def conformance(db: Any, as_of: float, directory: Any = None) -> list[dict[str, Any]]:
    """``directory``, as recorded by then, re-judges who chaired (R4) and led (R6): a
    role corrected after the step can put it in question."""
    names = account_names(db)
    questioned = _questioned(db, as_of, directory) if directory is not None else {}
    steps: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    results: dict[str, str] = {}
    for account, seq, event, occurred in recorded_steps(db, as_of):
        steps[account][event] = (seq, occurred)
        if event in ("Won", "Lost", "Reopened"):
            results[account] = event
    deadlines = _deadlines(db, as_of)
    rows = []
    for account in sorted(steps, key=lambda a: (names.get(a) or "", a)):
        seen = steps[account]
        result = results.get(account)
        for rule in RULES:
            status, evidence = _judge(rule, seen, result, deadlines.get(account, []), as_of)
            if (account, rule) in questioned:
                status, evidence = BREACHED, questioned[(account, rule)]
            rows.append([account, names.get(account), rule, status, evidence])
    columns = ["account", "name", "rule", "status", "evidence"]
    return [{"title": "conformance", "columns": columns, "rows": rows}]


def _questioned(db: Any, as_of: float, directory: Any) -> dict[tuple[str, str], str]:
    """Meetings chaired (R4) and visits led (R6) by someone who, by the directory as
    since corrected, was not a development manager or above when they took place."""
    found: dict[tuple[str, str], str] = {}
    for account, seq, kind, person, occurred in meetings_and_visits(db, as_of):
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
    as_of: float,
) -> tuple[str, str]:
    closed = result in ("Won", "Lost")
    if rule in SHOWN_BY:
        event = SHOWN_BY[rule]
        if event in seen:
            return MET, _cite(seen, event)
        # Closed before the step was due: it never will be.
        return (NOT_APPLICABLE, _cite(seen, str(result))) if closed else (NOT_DUE, "")
    if rule == "R11":
        status, evidence = _follow_ups(deadlines, as_of)
        if status == NOT_DUE and closed:
            return NOT_APPLICABLE, _cite(seen, str(result))
        return status, evidence
    ending = {"R12": "Won", "R13": "Lost"}.get(rule)
    if ending is not None:
        if result == ending:
            return MET, _cite(seen, ending)
        return (NOT_APPLICABLE, _cite(seen, str(result))) if closed else (NOT_DUE, "")
    # R14: the record, summarised when won or lost, then reviewed (审核).
    if not closed:
        return NOT_DUE, ""
    review = seen.get("Reviewed")
    if review is not None and review[0] > seen[str(result)][0]:
        return MET, _cite(seen, "Reviewed")
    return NOT_DUE, f"{_cite(seen, str(result))}; awaiting its review"


def _deadlines(db: Any, as_of: float) -> dict[str, list[dict[str, Any]]]:
    """Each account's deadlines opened by then, in the order of their visits."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(deadlines_as_of(db, as_of), key=lambda d: (d["deadline"], d["account_id"])):
        found[row["account_id"]].append(row)
    return found


def _follow_ups(deadlines: list[dict[str, Any]], as_of: float) -> tuple[str, str]:
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
