"""The development record's entries (R14) as the account's events make them: which
steps are entries, their fields, and what a correction may change. Pure: the record's
view and the correction command both read it."""

from __future__ import annotations

from typing import Any

# The steps that are entries of the record, and what each is called on the form.
ENTRY_KINDS = {
    "ApproachDecided": "meeting",
    "ContactRecorded": "contact",
    "ConferenceHeld": "conference",
    "MaterialPrepared": "material",
    "VisitRecorded": "visit",
    "FollowUpRecorded": "follow_up",
}
# The customer-facing entries, counted as the record's total contacts (接触总次数).
CUSTOMER_FACING = ("contact", "visit", "follow_up")
# What a correction may change, per kind of entry, as the CLI's options spell it. Who
# led a visit, who chaired a meeting and when anything happened are checked by rules
# when recorded: they are not corrected here but by recording the step again.
CORRECTABLE = {
    "meeting": ("notes",),
    "contact": ("person", "attitude", "notes"),
    "conference": ("notes",),
    "material": ("customer-data", "analysis", "sales-materials"),
    "visit": ("person", "place", "points", "views", "next-steps"),
    "follow_up": ("person", "feedback"),
}


_FIELDS = {
    "ApproachDecided": ("method", "chair", "notes"),
    "ContactRecorded": ("channel", "person", "attitude", "notes"),
    "ConferenceHeld": ("participants", "notes"),
    "MaterialPrepared": ("customer_data", "analysis", "sales_materials"),
    "FollowUpRecorded": ("channel", "feedback", "person"),
}


def details(event: Any) -> dict[str, Any]:
    """An entry's own fields, from its event."""
    name = type(event).__name__
    if name == "VisitRecorded":
        return dict(event.visit)
    fields = vars(event)
    return {field: fields[field] for field in _FIELDS[name]}


def columns(kind: str, d: dict[str, Any]) -> tuple[str, str, str, str]:
    """The form's columns for an entry: person reached (or who took part), channel or
    manner, the customer's attitude, progress notes."""
    if kind == "meeting":
        return d["chair"], d["method"], "", d["notes"]
    if kind == "contact":
        return d["person"], d["channel"], d["attitude"], d["notes"]
    if kind == "conference":
        return ", ".join(d["participants"]), "", "", d["notes"]
    if kind == "material":
        return (
            "",
            "",
            "",
            (
                f"customer data: {d['customer_data']}; analysis: {d['analysis']}; "
                f"sales materials: {d['sales_materials']}"
            ),
        )
    if kind == "visit":
        notes = f"place: {d['place']}; points: {d['points']}; next steps: {d['next_steps']}"
        return d["lead"], d["manner"], d["views"], notes
    return "", d["channel"], d["feedback"], ""


def sides(kind: str, d: dict[str, Any]) -> tuple[str, str]:
    """Who was there on each side: the customer's people reached (接触对象), and our own
    who chaired, led or took part (主持/带队). Entries recorded before the customer's
    people were asked for name none."""
    if kind == "meeting":
        return "", d["chair"]
    if kind == "contact":
        return d["person"], ""
    if kind == "conference":
        return "", ", ".join(d["participants"])
    if kind == "visit":
        return d.get("person", ""), d["lead"]
    if kind == "follow_up":
        return d.get("person", ""), ""
    return "", ""


def entries(events: Any) -> list[tuple[str, dict[str, Any]]]:
    """An account's record entries (kind, fields as corrected), folded from its events:
    entry N of the record is ``entries(...)[N - 1]``."""
    found: list[tuple[str, dict[str, Any]]] = []
    for e in events:
        name = type(e).__name__
        if name in ENTRY_KINDS:
            found.append((ENTRY_KINDS[name], details(e)))
        elif name == "EntryCorrected":
            found[e.entry - 1][1][e.field.replace("-", "_")] = e.new
    return found


def authors(events: Any) -> list[str]:
    """Who recorded each entry of the record, in order."""
    return [e.actor for e in events if type(e).__name__ in ENTRY_KINDS]
