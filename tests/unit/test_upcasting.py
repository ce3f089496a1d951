"""Versions of what is stored: events and snapshots written today are version 1 (stored
without a version, as before versions were declared), and a later release that adds a
required field, as ``Prospect``'s comment says to, loads them with the field's default.

The later release is played here by ``ProspectV2``, declared by that recipe; the stored
topics are pointed at it, as if the code had changed under an existing store. Stored
bytes are real: written by kaflow's own mapper and transcoder into a store."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import CanMutateAggregate, Snapshot, event
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import _topic_cache, get_topic

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.application.service import Kaflow, replay
from tests.builders import T0

META: dict[str, Any] = {"actor": "mia", "actor_role": "manager"}


class ProspectV2(Prospect):
    """The next release: a review carries a score (required), and the account keeps it."""

    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["score"] = None

    class Reviewed(Prospect.Event):
        remarks: str
        actor: str
        actor_role: str
        occurred_at: datetime
        score: int

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["score"] = 0

    @event(Reviewed)
    def _reviewed(
        self, remarks: str, actor: str, actor_role: str, occurred_at: datetime, score: int
    ) -> None:
        self.reviewed_at = occurred_at
        self.score = score


def event_classes(aggregate: type[Any]) -> dict[str, type[Any]]:
    return {
        name: value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, CanMutateAggregate)
    }


@pytest.fixture
def app() -> Kaflow:
    return Kaflow(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def reviewed_account(app: Kaflow) -> UUID:
    """An account identified and reviewed by this release, saved in ``app``'s store."""
    prospect = Prospect(
        name="Acme",
        category="potential",
        nature="distributor",
        product_line="",
        service="",
        occurred_at=T0,
        **META,
    )
    prospect.review("complete", occurred_at=T0 + timedelta(days=1), **META)
    app.save(prospect)
    return prospect.id


def stored_state(stored: StoredEvent) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(stored.state)
    return decoded


def next_release(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, the stored topics of the account and its review name ``ProspectV2``'s
    classes: the code changed under the store."""
    for old, new in ((Prospect, ProspectV2), (Prospect.Reviewed, ProspectV2.Reviewed)):  # type: ignore[attr-defined]
        monkeypatch.setitem(_topic_cache, get_topic(old), new)


# Events that gained a field since versions were declared, by the recipe above: the
# customer's people met on a visit or a follow-up (issue 11).
VERSIONED = {"VisitRecorded": 2, "FollowUpRecorded": 2}


def test_everything_stored_today_is_version_1() -> None:
    for aggregate in (Prospect, UserDirectory):
        assert aggregate.class_version == 1
        classes = event_classes(aggregate)
        assert len(classes) > 2
        versions = {name: c.class_version for name, c in classes.items()}
        expected = {name: VERSIONED.get(name, 1) for name in classes}
        assert versions == expected


def test_version_1_is_stored_as_before_without_a_version(app: Kaflow) -> None:
    """Today's bytes are those of stores written before versions were declared."""
    pid = reviewed_account(app)
    states = [stored_state(s) for s in app.recorder.select_events(pid)]
    assert [s.get("remarks") for s in states] == [None, "complete"]
    assert all("class_version" not in s for s in states)
    app.take_snapshot(pid, projector_func=replay)
    (snapshot,) = app.snapshots.recorder.select_events(pid)  # type: ignore[union-attr]
    assert "class_version" not in stored_state(snapshot)["state"]


def test_an_event_stored_before_a_field_was_added_loads_with_its_default(
    app: Kaflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = reviewed_account(app)
    next_release(monkeypatch)
    stored = app.recorder.select_events(pid)
    assert "score" not in stored_state(stored[1])  # the old bytes, as stored
    events = [app.mapper.to_domain_event(s) for s in stored]
    assert type(events[1]) is ProspectV2.Reviewed
    assert events[1].score == 0  # type: ignore[attr-defined]
    account = replay(None, events)
    assert isinstance(account, ProspectV2)
    assert account.score == 0
    assert account.reviewed_at == T0 + timedelta(days=1)


def test_without_its_upcaster_the_old_event_does_not_load(
    app: Kaflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The failure the upcaster prevents: the new required field is missing."""
    pid = reviewed_account(app)
    next_release(monkeypatch)
    monkeypatch.setattr(ProspectV2.Reviewed, "class_version", 1)
    events = [app.mapper.to_domain_event(s) for s in app.recorder.select_events(pid)]
    with pytest.raises(TypeError, match="score"):
        replay(None, events)


def test_an_event_of_the_new_version_is_stored_with_it_and_not_upcast_again(
    app: Kaflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = reviewed_account(app)
    next_release(monkeypatch)
    account = replay(None, [app.mapper.to_domain_event(s) for s in app.recorder.select_events(pid)])
    account._reviewed("again", occurred_at=T0 + timedelta(days=2), score=4, **META)
    (new,) = account.collect_events()
    stored = app.mapper.to_stored_event(new)
    assert stored_state(stored)["class_version"] == 2
    again = app.mapper.to_domain_event(stored)
    assert again.score == 4  # type: ignore[attr-defined]


def test_a_snapshot_taken_before_an_attribute_was_added_loads_with_its_default(
    app: Kaflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = reviewed_account(app)
    stored = app.mapper.to_stored_event(Snapshot.take(app.repository.get(pid)))
    assert "score" not in stored_state(stored)["state"]
    next_release(monkeypatch)
    loaded = app.mapper.to_domain_event(stored).mutate(None)  # type: ignore[attr-defined]
    assert isinstance(loaded, ProspectV2)
    assert loaded.score is None
    assert loaded.name == "Acme"
    assert loaded.version == 2
