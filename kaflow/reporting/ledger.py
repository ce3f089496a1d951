"""The development record of one account (R14, 大客户开发备案表), read from the ``ledger``
view, as data and as a document laid out like the company's form."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any
from uuid import UUID

from kaflow.aggregates.record import CUSTOMER_FACING
from kaflow.errors import NotFoundError
from kaflow.policies.backdating import Backdating
from kaflow.projections.folded import Folded
from kaflow.projections.ledger_reads import Record, record
from kaflow.projections.runner import Views
from kaflow.reporting.export import Document, Money, Section, label, value
from kaflow.reporting.money import DEFAULT_CURRENCY
from kaflow.reporting.recording import form_section, marks
from kaflow.reporting.text import span

# An entry as data: ``person`` as earlier releases gave it (the person reached, the
# participants or the lead); ``reached`` and ``led_by`` are the two sides apart.
ENTRY_KEYS = ("entry", "occurred_at", "kind", "person", "reached", "led_by", "channel")
ENTRY_COLUMNS = ("entry", "occurred_at", "kind", "person", "led_by", "channel", "attitude", "notes")
# Progress notes composed of several fields: their parts, labelled in the document's language.
COMPOSED = {
    "visit": ("place", "points", "next_steps"),
    "material": ("customer_data", "analysis", "sales_materials"),
}
CUT = ("as_of", "recorded_by")  # a record read as of a moment says so in its title
# Codes a change of the record may hold, shown in the document's language.
CODED_FIELDS = ("attitude", "category")


def ledger(
    views: Views | Folded,
    account_id: UUID,
    now: datetime,
    backdating: Backdating | None = None,
) -> dict[str, Any]:
    """The record as data: each entry marked recorded late (after ``late_entry_after``)
    or recorded by someone other than the meeting's chair or the visit's lead."""
    backdating = backdating or Backdating()
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
                **{k: e[k] for k in (*ENTRY_KEYS, "attitude", "notes", "recorded_at", "actor")},
                "details": json.loads(e["details"]),
                **marks(e, backdating),
            }
            for e in entries
        ],
        "outcomes": _outcomes(found),
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
        "compiled_by": a["compiled_by"],
        "reviewed_at": a["reviewed_at"],
        "reviewed_by": a["reviewed_by"],
        "changed_since_review": _changed_since_review(a["reviewed_at"], changes),
        "changes": [dict(c) for c in changes],
        "late_entry_after": backdating.written[0],
    }


def _outcomes(found: Record) -> list[dict[str, Any]]:
    """The losses and reopenings, each after the entry it followed (0: before any)."""
    seqs = [e["seq"] for e in found.entries]
    return [
        {
            "kind": o["kind"],
            "after_entry": sum(1 for seq in seqs if seq < o["seq"]),
            **{k: o[k] for k in ("occurred_at", "recorded_at", "actor", "reason")},
            **({k: o[k] for k in ("analysis", "lost_in")} if o["kind"] == "loss" else {}),
        }
        for o in found.outcomes
    ]


def _changed_since_review(reviewed_at: str | None, changes: list[dict[str, Any]]) -> bool | None:
    """Whether the record changed after its review (None: never reviewed)."""
    if reviewed_at is None:
        return None
    reviewed = datetime.fromisoformat(reviewed_at).timestamp()
    return any(c["changed_ts"] > reviewed for c in changes)


def document(
    data: dict[str, Any], lang: str, zone: tzinfo, currency: str = DEFAULT_CURRENCY
) -> Document:
    """The record laid out as the form: header, dated entries, totals, summary, dates;
    its development value in the workspace's ``currency``."""
    form = _Form(lang, zone, currency)
    sections = [
        Section(None, [], form.header(data["account"]), pairs=True),
        Section(
            label("entries", lang), [label(c, lang) for c in ENTRY_COLUMNS], form.entries(data)
        ),
        Section(None, [], form.totals(data["totals"]), pairs=True),
        Section(None, [], form.closing(data), pairs=True),
    ]
    recording = form_section(data["entries"], lang, form.when)
    if recording is not None:
        sections.append(recording)
    if data["changes"]:
        columns = ("change", "entry", "field", "old", "new", "reason", "changed_on", "changed_by")
        sections.append(
            Section(
                label("change_log", lang), [label(c, lang) for c in columns], form.changes(data)
            )
        )
    cut = [
        f"{label(k, lang)} {form.when(data[k])}" for k in ("as_of", "recorded_by") if data.get(k)
    ]
    title = label("title", lang) + (f" ({'; '.join(cut)})" if cut else "")
    return Document(title, sections, empty=label("none", lang), log=data.get("log"), lang=lang)


class _Form:
    """The form's parts in one language, times in the workspace's zone."""

    def __init__(self, lang: str, zone: tzinfo, currency: str = DEFAULT_CURRENCY) -> None:
        self.lang, self.zone, self.currency = lang, zone, currency

    def when(self, text: str | None) -> str:
        if not text:
            return ""
        return datetime.fromisoformat(text).astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def day(self, text: str | None) -> str:
        return self.when(text)[:10]

    def labels(self, keys: Sequence[str]) -> list[str]:
        return [label(key, self.lang) for key in keys]

    def pairs(self, *items: tuple[str, Any]) -> list[list[Any]]:
        return [[label(key, self.lang), shown] for key, shown in items]

    def header(self, a: dict[str, Any]) -> list[list[Any]]:
        return self.pairs(
            ("customer_name", a["name"]),
            ("category", value(a["category"], self.lang)),
            ("nature", a["nature"]),
            ("product_line", a["product_line"]),
            ("service", a["service"]),
            ("classification", a["classification"] or ""),
            ("development_value", Money.of(a["development_value"], self.currency) or ""),
        )

    def entries(self, data: dict[str, Any]) -> list[list[Any]]:
        """The numbered entries, and the losses and reopenings among them, unnumbered:
        they are not entries a correction can change."""
        lang = self.lang
        after: dict[int, list[list[Any]]] = {}
        for o in data["outcomes"]:
            after.setdefault(o["after_entry"], []).append(self.outcome(o))
        rows = list(after.get(0, []))
        for e in data["entries"]:
            attitude = value(e["attitude"], lang) if e["kind"] == "contact" else e["attitude"]
            rows.append(
                [
                    e["entry"],
                    self.when(e["occurred_at"]),
                    value(e["kind"], lang),
                    e["reached"],
                    e["led_by"],
                    value(e["channel"], lang),
                    attitude,
                    _notes(e, lang),
                ]
            )
            rows += after.get(e["entry"], [])
        return rows

    def outcome(self, o: dict[str, Any]) -> list[Any]:
        lang = self.lang
        if o["kind"] == "loss":
            notes = "; ".join(
                [
                    f"{label('loss_reason', lang)}: {value(o['reason'], lang)}",
                    f"{label('lost_in', lang)}: {value(o['lost_in'], lang)}",
                    f"{label('loss_analysis', lang)}: {o['analysis']}",
                ]
            )
        else:
            notes = f"{label('reopen_reason', lang)}: {o['reason']}"
        return ["", self.when(o["occurred_at"]), value(o["kind"], lang), "", "", "", "", notes]

    def totals(self, t: dict[str, Any]) -> list[list[Any]]:
        return self.pairs(
            ("result", value(t["result"], self.lang)),
            ("development_time", span(t["development_seconds"], self.lang)),
            ("contacts", t["contacts"]),
            ("visits", t["visits"]),
        )

    def closing(self, data: dict[str, Any]) -> list[list[Any]]:
        loss = (
            [("loss_reason", value(data["loss_reason"], self.lang))] if data["loss_reason"] else []
        )
        changed = data["changed_since_review"]
        return self.pairs(
            ("summary", data["summary"] or ""),
            *loss,
            ("remarks", data["remarks"] or ""),
            ("compiled_at", self.day(data["compiled_at"])),
            ("compiled_by", data["compiled_by"]),
            ("reviewed_at", self.day(data["reviewed_at"])),
            ("reviewed_by", data["reviewed_by"] or ""),
            ("changed_since_review", "" if changed is None else self.yes_no(changed)),
            ("changes", len(data["changes"])),
            ("changed_at", ", ".join(self.day(c["changed_at"]) for c in data["changes"])),
        )

    def yes_no(self, flag: bool) -> str:
        return label("yes" if flag else "no", self.lang)

    def changes(self, data: dict[str, Any]) -> list[list[Any]]:
        rows = []
        for c in data["changes"]:
            coded = c["field"] in CODED_FIELDS
            old, new = (value(c[k], self.lang) if coded else c[k] for k in ("old", "new"))
            rows.append(
                [
                    c["change"],
                    c["entry"],
                    value(c["field"], self.lang),
                    old,
                    new,
                    c["reason"],
                    self.when(c["changed_at"]),
                    c["changed_by"],
                ]
            )
        return rows


def _notes(entry: dict[str, Any], lang: str) -> str:
    parts = COMPOSED.get(entry["kind"])
    if lang != "zh" or parts is None:
        return str(entry["notes"])
    fields = entry["details"]
    return "; ".join(f"{value(p.replace('_', '-'), lang)}: {fields[p]}" for p in parts)
