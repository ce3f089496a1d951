"""The development record of one account (R14, 大客户开发备案表), read from the ``ledger``
view, as data and as a document laid out like the company's form."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any
from uuid import UUID

from kaflow.aggregates.record import CUSTOMER_FACING
from kaflow.errors import NotFoundError
from kaflow.projections.ledger import record
from kaflow.projections.runner import Views
from kaflow.reporting.export import Document, Section, label, value
from kaflow.reporting.text import span

ENTRY_COLUMNS = ("entry", "occurred_at", "kind", "person", "channel", "attitude", "notes")
# Progress notes composed of several fields: their parts, labelled in the document's language.
COMPOSED = {
    "visit": ("place", "points", "next_steps"),
    "material": ("customer_data", "analysis", "sales_materials"),
}


def ledger(views: Views, account_id: UUID, now: datetime) -> dict[str, Any]:
    with views.reading() as cursor:
        found = record(cursor, account_id.hex)
    if found is None:
        raise NotFoundError(f"no account with id {account_id}")
    a, entries, changes = found.account, found.entries, found.changes
    end = datetime.fromisoformat(a["result_at"]) if a["result_at"] else now
    elapsed = int((end - datetime.fromisoformat(a["first_at"])).total_seconds())
    kinds = [e["kind"] for e in entries]
    return {
        "account": {
            "id": str(account_id),
            "name": a["name"],
            "category": a["category"],
            "nature": a["nature"],
            "product_line": a["product_line"],
            "service": a["service"],
            "classification": a["classification"],
            "development_value": a["development_value"],
            "state": a["state"],
        },
        "entries": [
            {
                **{k: e[k] for k in (*ENTRY_COLUMNS, "recorded_at", "actor")},
                "details": json.loads(e["details"]),
            }
            for e in entries
        ],
        "totals": {
            "result": a["result"],
            "first_at": a["first_at"],
            "result_at": a["result_at"],
            "development_seconds": elapsed,
            "contacts": sum(kinds.count(k) for k in CUSTOMER_FACING),
            "visits": kinds.count("visit"),
        },
        "summary": a["summary"],
        "loss_reason": a["loss_reason"],
        "remarks": a["remarks"],
        "compiled_at": a["compiled_at"],
        "reviewed_at": a["reviewed_at"],
        "reviewed_by": a["reviewed_by"],
        "changes": [dict(c) for c in changes],
    }


def document(data: dict[str, Any], lang: str, zone: tzinfo) -> Document:
    """The record laid out as the form: header, dated entries, totals, summary, dates."""

    def when(text: str | None) -> str:
        if not text:
            return ""
        return datetime.fromisoformat(text).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    def day(text: str | None) -> str:
        return when(text)[:10]

    a, t = data["account"], data["totals"]
    header = [
        (label("customer_name", lang), a["name"]),
        (label("category", lang), value(a["category"], lang)),
        (label("nature", lang), a["nature"]),
        (label("product_line", lang), a["product_line"]),
        (label("service", lang), a["service"]),
        (label("classification", lang), a["classification"] or ""),
        (label("development_value", lang), a["development_value"] or ""),
    ]
    rows = [
        [
            e["entry"],
            when(e["occurred_at"]),
            value(e["kind"], lang),
            e["person"],
            value(e["channel"], lang),
            value(e["attitude"], lang) if e["kind"] == "contact" else e["attitude"],
            _notes(e, lang),
        ]
        for e in data["entries"]
    ]
    totals = [
        (label("result", lang), value(t["result"], lang)),
        (label("development_time", lang), span(t["development_seconds"], lang)),
        (label("contacts", lang), t["contacts"]),
        (label("visits", lang), t["visits"]),
    ]
    closing = [
        (label("summary", lang), data["summary"] or ""),
        *(
            [(label("loss_reason", lang), value(data["loss_reason"], lang))]
            if data["loss_reason"]
            else []
        ),
        (label("remarks", lang), data["remarks"] or ""),
        (label("compiled_at", lang), day(data["compiled_at"])),
        (label("reviewed_at", lang), day(data["reviewed_at"])),
        (label("reviewed_by", lang), data["reviewed_by"] or ""),
        (label("changes", lang), len(data["changes"])),
        (label("changed_at", lang), ", ".join(day(c["changed_at"]) for c in data["changes"])),
    ]
    sections = [
        Section(None, [], [list(p) for p in header], pairs=True),
        Section(label("entries", lang), [label(c, lang) for c in ENTRY_COLUMNS], rows),
        Section(None, [], [list(p) for p in totals], pairs=True),
        Section(None, [], [list(p) for p in closing], pairs=True),
    ]
    if data["changes"]:
        columns = ("change", "entry", "field", "old", "new", "reason", "changed_on")
        sections.append(
            Section(
                label("change_log", lang),
                [label(c, lang) for c in columns],
                [
                    [
                        c["change"],
                        c["entry"],
                        value(c["field"], lang),
                        c["old"],
                        c["new"],
                        c["reason"],
                        when(c["changed_at"]),
                    ]
                    for c in data["changes"]
                ],
            )
        )
    return Document(label("title", lang), sections)


def _notes(entry: dict[str, Any], lang: str) -> str:
    parts = COMPOSED.get(entry["kind"])
    if lang != "zh" or parts is None:
        return str(entry["notes"])
    fields = entry["details"]
    return "; ".join(f"{value(p.replace('_', '-'), lang)}: {fields[p]}" for p in parts)
