"""The analysis an account was last given (R2, R3), read back from its ``Analysed`` event:
whole, in the form ``analyse`` reads (to edit and record again), and in a few words."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic, resolve_topic

from kaflow.aggregates.prospect import Prospect
from kaflow.application.service import Kaflow
from kaflow.errors import NotFoundError, step

ANALYSED: type = Prospect.Analysed  # type: ignore[attr-defined]
ANALYSED_TOPIC = get_topic(ANALYSED)


BATCH = 64  # stored events read at a time, newest first


def latest(app: Kaflow, prospect_id: UUID) -> Any | None:
    """The account's latest ``Analysed`` event; None if it was never analysed. Its
    events are read newest first a batch at a time, and only an ``Analysed`` one is
    decoded (a stored event's topic is in clear): an account's hundredth contact does
    not make reading its analysis slower. On a store with SQL, one indexed read finds
    it (the batches only for an account with no ``Analysed`` event by this topic)."""
    from kaflow.storage.lookup import latest_with_topic

    kept = latest_with_topic(app, prospect_id, ANALYSED_TOPIC)
    if kept is not None:
        return app.mapper.to_domain_event(kept)
    found = False
    below: int | None = None
    while below is None or below > 0:
        batch = app.recorder.select_events(prospect_id, lte=below, desc=True, limit=BATCH)
        for stored_event in batch:
            found = True
            if _analysed(stored_event.topic):
                return app.mapper.to_domain_event(stored_event)
        if len(batch) < BATCH:
            break
        below = batch[-1].originator_version - 1
    if not found:
        raise NotFoundError(f"no account with id {prospect_id}")
    return None


@functools.cache
def _analysed(topic: str) -> bool:
    return isinstance(resolve_topic(topic), type) and issubclass(resolve_topic(topic), ANALYSED)


def stored(app: Kaflow, prospect_id: UUID) -> dict[str, Any]:
    """The latest analysis, as ``analyse`` reads it, with when and by whom it was recorded."""
    domain_event = latest(app, prospect_id)
    if domain_event is None:
        name = app.get_prospect(prospect_id).name
        raise NotFoundError(
            f"account {name!r} ({prospect_id}) has not been analysed yet: record its "
            f"analysis with {step('analyse')} (a template: {step('template_analysis')})",
            field="prospect_id",
        )
    return {
        "id": str(prospect_id),
        "analysed_at": domain_event.occurred_at.astimezone(app.zone).isoformat(),
        "recorded_at": domain_event.timestamp.astimezone(app.zone).isoformat(),
        "actor": domain_event.actor,
        "development_value": str(domain_event.development_value),
        "analysis": readable(domain_event.analysis),
    }


def readable(analysis: dict[str, Any]) -> dict[str, Any]:
    """The stored analysis with its amounts and ratios as numbers where a reader reads
    them back exactly (else as text, which ``analyse`` reads as exactly)."""
    from pydantic import ValidationError  # the models: only to print it whole

    from kaflow.application.analysis import Analysis

    try:
        model = Analysis.model_validate(analysis)
    except ValidationError:
        return analysis  # recorded under an earlier form of the analysis: as it was
    plain: dict[str, Any] = _numbers(model.model_dump(mode="python"))
    return plain


def _numbers(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, Decimal):
        number = float(value)
        return number if Decimal(repr(number)) == value else str(value)
    return value


def summary(app: Kaflow, prospect_id: UUID) -> dict[str, Any] | None:
    """The analysis in a few words: its value, the decision makers, the competitors."""
    domain_event = latest(app, prospect_id)
    return None if domain_event is None else summary_of(domain_event, app.zone)


def summary_of(domain_event: Any, zone: Any) -> dict[str, Any]:
    """``summary`` of the analysis an ``Analysed`` event recorded."""
    analysis: dict[str, Any] = domain_event.analysis
    return {
        "analysed_at": domain_event.occurred_at.astimezone(zone).isoformat(),
        "development_value": str(domain_event.development_value),
        "decision_makers": [
            {"name": d.get("name"), "position": d.get("position")}
            for d in analysis.get("decision_makers", [])
        ],
        "competitors": [
            c.get("name") for c in analysis.get("competition", {}).get("competitors", [])
        ],
    }
