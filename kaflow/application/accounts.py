"""What users read: an account's summary, the list of accounts, the full history.

These read the event store directly. The reporting projections (the development record,
pipeline reports) are built in ``kaflow.projections``.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from kaflow.aggregates.lifecycle import allowed_triggers
from kaflow.aggregates.moments import happened_at
from kaflow.aggregates.prospect import Prospect
from kaflow.application.service import Kaflow
from kaflow.application.steps import owner_of
from kaflow.errors import BadInputError, NotFoundError
from kaflow.projections.log import notifications_with_topic
from kaflow.storage.lookup import originators_with_prefix

MIN_PREFIX = 6
IDENTIFIED_TOPIC = get_topic(Prospect.Identified)  # type: ignore[attr-defined]
_META = {"originator_id", "originator_version", "timestamp", "originator_topic"}
_WHO = {"actor", "actor_role", "occurred_at"}


def resolve_id(app: Kaflow, text: str) -> UUID:
    """An account id from its full form or a unique prefix of at least 6 characters."""
    wanted = text.strip().lower().replace("-", "")
    if not wanted or set(wanted) - set(string.hexdigits.lower()):
        raise BadInputError(
            f"'{text}' is not an account id (hexadecimal, as 'prospect list' shows)"
        )
    if len(wanted) == 32:
        return UUID(wanted)
    if len(wanted) < MIN_PREFIX:
        raise BadInputError(
            f"id prefix '{text}' is too short: give at least {MIN_PREFIX} characters"
        )
    found = originators_with_prefix(app, wanted, IDENTIFIED_TOPIC, limit=6)
    if not found:
        raise NotFoundError(f"no account id starts with '{text}'")
    if len(found) > 1:
        shown = ", ".join(str(UUID(f)) for f in found[:5])
        raise BadInputError(f"id prefix '{text}' is ambiguous: {shown}; give more characters")
    return UUID(found[0])


def summary(
    prospect: Prospect, zone: tzinfo = UTC, events: Callable[..., Iterable[Any]] | None = None
) -> dict[str, Any]:
    """``events`` reads the owner of an account snapshotted before owners existed."""
    return {
        "id": str(prospect.id),
        "name": prospect.name,
        "owner": owner_of(prospect, events) if events else prospect.owner,
        "archived": _plain(prospect.archived),
        "category": prospect.category,
        "nature": prospect.nature,
        "product_line": prospect.product_line,
        "service": prospect.service,
        "state": prospect.state,
        "development_value": _plain(prospect.development_value),
        "approach": _plain(prospect.approach),
        "contacts": prospect.contacts,
        "visits": prospect.visits,
        "follow_ups": prospect.follow_ups,
        "last_visit": _plain(prospect.last_visit),
        "follow_up_deadline": _plain(prospect.deadline),
        "outcome": _plain(prospect.outcome),
        "next": [t.replace("_", "-") for t in _next(prospect)],
        "identified_at": prospect.identified_at.isoformat(),
        "version": prospect.version,
        "last_recorded_at": prospect.modified_on.astimezone(zone).isoformat(),
    }


def _next(prospect: Prospect) -> list[str]:
    """What the account may take next: nothing once archived."""
    return [] if prospect.archived else allowed_triggers(prospect.state)


def list_prospects(app: Kaflow, state: str | None = None) -> list[dict[str, Any]]:
    rows = []
    for notification in notifications_with_topic(app.recorder, IDENTIFIED_TOPIC):
        prospect = app.get_prospect(notification.originator_id)
        if state is None or prospect.state == state:
            rows.append(summary(prospect, app.zone, app.events.get))
    return rows


def summaries(app: Kaflow, ids: Iterable[UUID]) -> list[dict[str, Any]]:
    """The accounts ``ids`` as they stand now, in that order."""
    return [summary(app.get_prospect(i), app.zone, app.events.get) for i in ids]


def named(app: Kaflow, text: str, found: list[str]) -> UUID:
    """The one account in ``found`` (ids, as the views keep them) called ``text``."""
    if len(found) > 1:
        shown = ", ".join(str(UUID(f)) for f in found[:5])
        raise BadInputError(f"more than one account is called '{text}': {shown}; give its id")
    return UUID(found[0])


def history(
    app: Kaflow,
    prospect_id: UUID,
    as_of: datetime | None = None,
    recorded_by: datetime | None = None,
) -> dict[str, Any]:
    """Every event of an account; with ``as_of``, only those that had happened by then
    (recorded later too), with ``recorded_by`` only those recorded by then; the account
    as those events leave it."""
    events = list(app.events.get(prospect_id))
    if not events:
        raise NotFoundError(f"no account with id {prospect_id}")
    kept = inside(events, as_of, recorded_by)
    prospect = as_it_stood(prospect_id, kept, as_of, recorded_by)
    account = summary(prospect, app.zone, app.events.get)
    return {
        "account": account,
        "as_of": _plain(as_of),
        "recorded_by": _plain(recorded_by),
        "events": _imported([_entry(e, app.zone) for e in kept], kept),
    }


def _imported(entries: list[dict[str, Any]], events: list[Any]) -> list[dict[str, Any]]:
    """Each event an import recorded says so: from which file and row, by whom."""
    rows: dict[int, dict[str, Any]] = {}
    for e in events:
        if type(e).__name__ == "Imported":
            for r in e.rows:
                for sequence in range(r["first"], r["last"] + 1):
                    rows[sequence] = {"file": e.file, "row": r["row"], "by": e.actor}
    for entry in entries:
        if entry["sequence"] in rows:
            entry["imported"] = rows[entry["sequence"]]
    return entries


def inside(
    events: Iterable[Any], as_of: datetime | None, recorded_by: datetime | None
) -> list[Any]:
    """The events that had happened by ``as_of`` and been recorded by ``recorded_by``
    (None: no limit), in order."""
    return [
        e
        for e in events
        if (as_of is None or happened_at(e) <= as_of)
        and (recorded_by is None or e.timestamp <= recorded_by)
    ]


def as_it_stood(
    prospect_id: UUID, events: list[Any], as_of: datetime | None, recorded_by: datetime | None
) -> Prospect:
    """The account as ``events`` (some of its events, in order) leave it. Those left out
    (recorded later than asked, or dated later) leave gaps in the versions: each event is
    applied as the next one all the same."""
    if not events or events[0].originator_version != 1:
        moment = " and ".join(
            f"{label} {m.isoformat(sep=' ', timespec='minutes')}"
            for label, m in (("happened by", as_of), ("recorded by", recorded_by))
            if m is not None
        )
        raise NotFoundError(f"account {prospect_id} had not been identified ({moment})")
    prospect: Any = None
    for domain_event in events:
        if prospect is not None:
            prospect.version = domain_event.originator_version - 1
        prospect = domain_event.mutate(prospect)
    return prospect  # type: ignore[no-any-return]


def _entry(domain_event: Any, zone: tzinfo) -> dict[str, Any]:
    fields = vars(domain_event)
    return {
        "sequence": domain_event.originator_version,
        "recorded_at": domain_event.timestamp.astimezone(zone).isoformat(),
        # A deadline's events happen when it opened, was noticed or was closed; the
        # scheduler notices without an actor.
        "occurred_at": _plain(happened_at(domain_event)),
        "actor": fields.get("actor") or fields.get("by"),
        "actor_role": fields.get("actor_role"),
        "type": type(domain_event).__name__,
        "details": {k: _plain(v) for k, v in fields.items() if k not in _META | _WHO},
    }


def _plain(value: Any) -> Any:
    """JSON-ready: datetimes as ISO 8601, decimals as strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
