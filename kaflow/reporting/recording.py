"""Backdating made visible on the record and in conformance: entries recorded late (补录)
and meetings or visits recorded for whoever chaired or led them (代录)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any
from uuid import UUID

from kaflow.policies.backdating import Backdating, recorded_by_other
from kaflow.projections import Cut
from kaflow.projections.ledger_reads import entries_recorded
from kaflow.reporting.export import Section, label

# The form's section, in its two languages (the other labels are the form's own).
LABELS: dict[str, tuple[str, str]] = {
    "recording": ("Entries recorded late or for another", "补录与代录"),
    "recorded_late": ("Recorded late, on", "补录日期"),
    "recorded_by_other": ("Recorded for the chair or lead by", "代录人"),
}
NOTE_COLUMNS = ["account", "name", "late_entries", "recorded_for_others"]


def marks(entry: dict[str, Any], backdating: Backdating) -> dict[str, Any]:
    """An entry's two marks: recorded late (past ``late_entry_after``), and who recorded
    a meeting or visit someone else chaired or led (None: its chair or lead, or neither)."""
    details = entry["details"]
    fields = json.loads(details) if isinstance(details, str) else details
    return {
        "late_entry": backdating.is_late(entry["occurred_ts"], entry["recorded_ts"]),
        "recorded_by_other": recorded_by_other(entry["kind"], fields, entry["actor"]),
    }


def form_section(
    entries: list[dict[str, Any]], lang: str, when: Callable[[str | None], str]
) -> Section | None:
    """The form's list of entries recorded late or for another, or None if none was."""
    rows = [
        [
            e["entry"],
            when(e["occurred_at"]),
            when(e["recorded_at"]) if e["late_entry"] else "",
            e["recorded_by_other"] or "",
        ]
        for e in entries
        if e["late_entry"] or e["recorded_by_other"]
    ]
    if not rows:
        return None
    columns = [label("entry", lang), label("occurred_at", lang)]
    columns += [_label(key, lang) for key in ("recorded_late", "recorded_by_other")]
    return Section(_label("recording", lang), columns, rows)


def _label(key: str, lang: str) -> str:
    en, zh = LABELS[key]
    return zh if lang == "zh" else en


def conformance_note(
    db: Any, cut: Cut, names: dict[str, Any], backdating: Backdating
) -> list[list[Any]]:
    """Per account (hex id), its entries inside ``cut`` recorded late, and for another."""
    late: Counter[str] = Counter()
    for_others: Counter[str] = Counter()
    for e in entries_recorded(db, cut):
        found = marks(e._asdict(), backdating)
        late[e.account_id] += found["late_entry"]
        for_others[e.account_id] += found["recorded_by_other"] is not None
    return [[a, names.get(a), late[a], for_others[a]] for a in names]


def keep_shown(section: dict[str, Any]) -> None:
    """The conformance note for the accounts the report shows (after archived or other
    owners' accounts were left out), as rows of named values, ids as UUIDs."""
    note = section.get("recording")
    if note is None:
        return
    shown = {str(row[0]) for row in section["rows"]}
    rows = [[str(UUID(r[0])), *r[1:]] for r in note]
    section["recording"] = [dict(zip(NOTE_COLUMNS, r, strict=True)) for r in rows if r[0] in shown]
