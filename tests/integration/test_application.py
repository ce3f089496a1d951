"""The application service, the same cases on the in-memory store and on SQLite."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from kaflow.aggregates.errors import AccessError, LifecycleError, UnknownUserError
from kaflow.aggregates.prospect import Prospect
from kaflow.application import commands as c
from kaflow.application.accounts import history, list_prospects, resolve_id
from kaflow.application.actor import Actor
from kaflow.application.service import SNAPSHOT_EVERY, Kaflow
from kaflow.errors import BadInputError, ConflictError, NotFoundError, RuleViolationError
from tests.builders import MIA, OLGA, SAM, advance, at, event_count, identify, staff, visit_cmd


def test_a_full_development_to_won(app: Kaflow) -> None:
    pid = identify(app)
    advance(app, pid, "followed_up")
    app.handle(
        MIA, c.WinAccount(prospect_id=pid, classification="A", summary="ok", occurred_at=at(7))
    )
    prospect = app.get_prospect(pid)
    assert prospect.state == "won"
    assert (prospect.contacts, prospect.visits, prospect.follow_ups) == (1, 1, 1)
    assert str(prospect.development_value) == "140000.00"
    assert prospect.outcome is not None and prospect.outcome["classification"] == "A"


def test_every_event_records_actor_role_and_both_times(app: Kaflow) -> None:
    pid = identify(app)
    advance(app, pid, "visited")
    for event in app.events.get(pid):
        fields = vars(event)
        if type(event).__name__.startswith("FollowUpDeadline"):
            continue  # the deadline a step opens or closes: recorded with the step
        assert fields["actor"] == "sam" and fields["actor_role"] == "sales"
        assert fields["occurred_at"].tzinfo is not None
        assert event.timestamp.tzinfo is not None  # type: ignore[attr-defined]
    visit = list(app.events.get(pid))[-2]
    assert vars(visit)["occurred_at"] == at(5)


@pytest.mark.parametrize(
    ("upto", "cmd", "error"),
    [
        ("analysed", lambda pid: visit_cmd(pid), LifecycleError),
        ("prepared", lambda pid: visit_cmd(pid, lead="sam"), RuleViolationError),
        ("prepared", lambda pid: visit_cmd(pid, manner="phone"), RuleViolationError),
        ("contacted", lambda pid: visit_cmd(pid), RuleViolationError),
        ("prepared", lambda pid: visit_cmd(pid, lead="zed"), UnknownUserError),
    ],
)
def test_a_refused_command_writes_nothing(app: Kaflow, upto: str, cmd: Any, error: type) -> None:
    pid = identify(app)
    advance(app, pid, upto)
    before = event_count(app, pid)
    with pytest.raises(error):
        app.handle(SAM, cmd(pid))
    assert event_count(app, pid) == before


def test_win_only_after_a_follow_up_and_lose_from_any_open_state(app: Kaflow) -> None:
    pid = identify(app)
    advance(app, pid, "visited")
    win = c.WinAccount(prospect_id=pid, classification="A", summary="s")
    with pytest.raises(LifecycleError, match=r"allowed now: .*follow-up"):
        app.handle(MIA, win)
    app.handle(
        MIA, c.LoseAccount(prospect_id=pid, reason=c.LossReason.TIMING, analysis="budget frozen")
    )
    prospect = app.get_prospect(pid)
    assert prospect.state == "lost" and prospect.outcome is not None
    assert prospect.outcome["lost_in"] == "visited"
    app.handle(MIA, c.ReopenAccount(prospect_id=pid, reason="new budget"))
    assert app.get_prospect(pid).state == "analysed"


def test_loops_after_a_follow_up_need_a_new_conference_and_material(app: Kaflow) -> None:
    pid = identify(app)
    advance(app, pid, "followed_up")
    with pytest.raises(RuleViolationError, match=r"^R7"):
        app.handle(SAM, visit_cmd(pid, when=at(8)))
    base = {"prospect_id": pid, "occurred_at": at(7)}
    app.handle(SAM, c.HoldConference(participants=["mia"], notes="again", **base))
    app.handle(SAM, c.PrepareMaterial(customer_data="d", analysis="a", sales_materials="s", **base))
    app.handle(SAM, visit_cmd(pid, when=at(8)))
    assert app.get_prospect(pid).visits == 2


def test_a_visit_or_contact_dated_before_what_it_needs_is_refused(app: Kaflow) -> None:
    pid = identify(app)
    advance(app, pid, "approach")  # approach on day 2
    contact = c.RecordContact(
        prospect_id=pid,
        channel=c.ContactChannel.PHONE,
        person="W",
        attitude=c.Attitude.NEUTRAL,
        notes="n",
        occurred_at=at(1.5),
    )
    with pytest.raises(LifecycleError, match="'analysed' was on 2026-03-04"):
        app.handle(SAM, contact)
    pid = identify(app, "B")
    advance(app, pid, "prepared")  # conference and material on day 4
    with pytest.raises(LifecycleError, match="'contacted' was on 2026-03-06"):
        app.handle(SAM, visit_cmd(pid, when=at(3.5)))


def test_role_at_the_time_of_the_visit(app: Kaflow) -> None:
    app.change_role(OLGA, c.ChangeRole(name="sam", role=c.Role.MANAGER, effective_from=at(5)))
    pid = identify(app)
    advance(app, pid, "prepared")
    with pytest.raises(RuleViolationError, match="sam is 'sales' on 2026-03-06"):
        app.handle(SAM, visit_cmd(pid, lead="sam", when=at(4)))
    app.handle(SAM, visit_cmd(pid, lead="sam", when=at(5)))


def test_users_are_managed_by_owners_only(app: Kaflow) -> None:
    with pytest.raises(AccessError):
        app.add_user(MIA, c.AddUser(name="eve", role=c.Role.SALES))
    with pytest.raises(UnknownUserError):
        app.add_user(Actor("nobody"), c.AddUser(name="eve", role=c.Role.SALES))
    app.add_user(OLGA, c.AddUser(name="eve", role=c.Role.SALES))
    assert "eve" in app.directory().names()


def test_dates_in_the_future_are_bad_input_and_before_identification_refused(
    app: Kaflow,
) -> None:
    pid = identify(app, when=at(1))
    lose = {"prospect_id": pid, "reason": "price", "analysis": "a"}
    with pytest.raises(BadInputError, match="in the future"):
        app.handle(SAM, c.LoseAccount.validate({**lose, "occurred_at": at(60)}))
    with pytest.raises(LifecycleError, match="while 'identified' was on 2026-03-03 09:00 UTC"):
        app.handle(SAM, c.LoseAccount.validate({**lose, "occurred_at": at(0)}))
    assert event_count(app, pid) == 1


def test_unknown_ids_and_prefixes(app: Kaflow) -> None:
    first = identify(app, "A")
    assert resolve_id(app, str(first)) == first
    assert resolve_id(app, first.hex[:6]) == first
    assert resolve_id(app, str(first)[:10].upper()) == first
    with pytest.raises(BadInputError, match="too short"):
        resolve_id(app, first.hex[:5])
    with pytest.raises(BadInputError, match="not an account id"):
        resolve_id(app, "hello!")
    missing = "0" * 6 if not first.hex.startswith("000000") else "f" * 6
    with pytest.raises(NotFoundError):
        resolve_id(app, missing)
    with pytest.raises(NotFoundError):
        app.get_prospect(app.directory().id)  # the directory is no account


def test_an_ambiguous_prefix_lists_the_candidates(
    app: Kaflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = iter(UUID(f"abcdef00-0000-4000-8000-00000000000{n}") for n in (1, 2))
    monkeypatch.setattr(Prospect, "create_id", staticmethod(lambda **_: next(ids)))
    identify(app, "P1")
    second = identify(app, "P2")
    with pytest.raises(BadInputError, match=r"ambiguous: abcdef00-.*1, abcdef00-.*2"):
        resolve_id(app, "abcdef")
    assert resolve_id(app, "abcdef00-0000-4000-8000-000000000002") == second
    assert resolve_id(app, "ABCDEF00000040008000000000000002") == second


def test_list_and_filter_by_state(app: Kaflow) -> None:
    a, b = identify(app, "A"), identify(app, "B")
    advance(app, b, "analysed")
    assert {r["name"] for r in list_prospects(app)} == {"A", "B"}
    assert [r["id"] for r in list_prospects(app, "analysed")] == [str(b)]
    assert [r["id"] for r in list_prospects(app, "identified")] == [str(a)]


def test_history_and_as_of(app: Kaflow) -> None:
    pid = identify(app)
    advance(app, pid, "approach")
    middle = list(app.events.get(pid))[1].timestamp  # type: ignore[attr-defined]
    advance_more = c.RecordContact(
        prospect_id=pid,
        channel=c.ContactChannel.LETTER,
        person="Wang",
        attitude=c.Attitude.NEUTRAL,
        notes="n",
        occurred_at=at(3),
    )
    app.handle(SAM, advance_more)
    full = history(app, pid)
    assert [e["type"] for e in full["events"]] == [
        "Identified",
        "Analysed",
        "ApproachDecided",
        "ContactRecorded",
    ]
    assert full["events"][3]["details"]["channel"] == "letter"
    then = history(app, pid, recorded_by=middle)
    assert len(then["events"]) == 2 and then["account"]["state"] == "analysed"
    with pytest.raises(NotFoundError, match="had not been identified"):
        history(app, pid, recorded_by=at(-100))


def test_snapshots_load_the_same_state_as_a_full_replay(durable: Callable[..., Kaflow]) -> None:
    app = durable()
    staff(app)
    pid = identify(app)
    advance(app, pid, "analysed")
    for n in range(SNAPSHOT_EVERY + 5):
        app.handle(
            SAM,
            c.DecideApproach(
                prospect_id=pid,
                method=c.ApproachMethod.SEMINAR,
                chair="mia",
                notes=f"meeting {n}",
                occurred_at=at(2),
            ),
        )
    assert app.snapshots is not None and list(app.snapshots.get(pid))
    fresh = Kaflow(env=dict(app.env.items()))  # no cache: snapshot plus later events
    loaded = fresh.get_prospect(pid)
    replayed: Prospect | None = None
    for event in app.events.get(pid):
        replayed = event.mutate(replayed)  # type: ignore[attr-defined]
    assert replayed is not None and vars(replayed) == vars(loaded)


def test_a_concurrent_writer_is_retried_and_nothing_is_lost(durable: Callable[..., Kaflow]) -> None:
    first = durable()
    staff(first)
    pid = identify(first)
    advance(first, pid, "approach")
    second = Kaflow(env=dict(first.env.items()), clock=first.clock)
    real_directory = first.directory
    interleaved = []

    def directory_then_interleave() -> Any:
        found = real_directory()
        if not interleaved:  # another process writes between our load and our save
            interleaved.append(1)
            second.handle(
                MIA,
                c.DecideApproach(
                    prospect_id=pid,
                    method=c.ApproachMethod.SEMINAR,
                    chair="mia",
                    notes="changed",
                    occurred_at=at(2),
                ),
            )
        return found

    first.directory = directory_then_interleave  # type: ignore[method-assign]
    first.handle(
        SAM,
        c.RecordContact(
            prospect_id=pid,
            channel=c.ContactChannel.PHONE,
            person="W",
            attitude=c.Attitude.POSITIVE,
            notes="n",
            occurred_at=at(3),
        ),
    )
    types = [type(e).__name__ for e in first.events.get(pid)]
    assert types[-2:] == ["ApproachDecided", "ContactRecorded"]
    assert first.get_prospect(pid).approach["method"] == "seminar"  # type: ignore[index]


def _replayed(app: Kaflow, pid: UUID) -> dict[str, Any]:
    found: Prospect | None = None
    for event in app.events.get(pid):
        found = event.mutate(found)  # type: ignore[attr-defined]
    assert found is not None
    return vars(found)


def test_the_account_a_process_keeps_is_the_one_the_store_replays(
    durable: Callable[..., Kaflow],
) -> None:
    """What a long-lived process acts on first, without reading the store, is exactly
    what the store's events make of the account, after every step."""
    app = durable()
    staff(app)
    pid = identify(app)
    for upto in ("analysed", "approach", "contacted", "prepared", "visited", "followed_up"):
        fresh = Kaflow(env=dict(app.env.items()), clock=app.clock)
        if upto != "analysed":
            advance_from(app, pid, upto)
        else:
            advance(app, pid, upto)
        kept = app._kept_prospect(pid)
        assert kept is not None and vars(kept) == _replayed(app, pid)
        assert vars(fresh.get_prospect(pid)) == vars(kept)


def advance_from(app: Kaflow, pid: UUID, upto: str) -> None:
    """The one step ``upto`` names, on an account at the step before it."""
    order = ["analysed", "approach", "contacted", "prepared", "visited", "followed_up"]
    scratch = Kaflow(env=dict(app.env.items()), clock=app.clock)
    steps: list[Any] = []
    scratch.handle = lambda actor, cmd: steps.append((actor, cmd))  # type: ignore[assignment,method-assign,return-value]
    advance(scratch, pid, upto)
    done = len(steps) - (2 if upto == "prepared" else 1)
    assert order.index(upto) > 0
    for actor, cmd in steps[done:]:
        app.handle(actor, cmd)


def test_a_step_on_a_kept_account_another_process_moved_on_is_judged_on_the_store(
    durable: Callable[..., Kaflow],
) -> None:
    """A process that kept the account before another process's steps: a step the kept
    copy would refuse but the store allows is recorded; one it would allow but the
    store refuses is refused, and it writes nothing."""
    first = durable()
    staff(first)
    pid = identify(first)
    advance(first, pid, "contacted")
    assert first._kept_prospect(pid) is not None
    other = Kaflow(env=dict(first.env.items()), clock=first.clock)
    advance_from(other, pid, "prepared")
    advance_from(other, pid, "visited")
    follow_up = c.RecordFollowUp(
        prospect_id=pid, channel=c.FollowUpChannel.PHONE, feedback="good", occurred_at=at(6)
    )
    first.handle(SAM, follow_up)  # the kept copy (contacted) would refuse it
    assert first.get_prospect(pid).state == "followed_up"
    assert vars(first._kept_prospect(pid)) == _replayed(first, pid)  # type: ignore[arg-type]

    second = first
    pid = identify(second)
    advance(second, pid, "approach")
    other.handle(MIA, c.LoseAccount(prospect_id=pid, reason=c.LossReason.OTHER, analysis="a"))
    before = event_count(second, pid)
    with pytest.raises(LifecycleError):  # the kept copy (approach decided) would allow it
        second.handle(
            SAM,
            c.RecordContact(
                prospect_id=pid,
                channel=c.ContactChannel.PHONE,
                person="W",
                attitude=c.Attitude.POSITIVE,
                notes="n",
                occurred_at=at(3),
            ),
        )
    assert event_count(second, pid) == before


def test_a_writer_that_keeps_losing_gives_up_with_a_conflict(
    durable: Callable[..., Kaflow],
) -> None:
    app = durable()
    staff(app)
    pid = identify(app)
    app._save = lambda *a: False  # type: ignore[method-assign]
    with pytest.raises(ConflictError):
        app.handle(SAM, c.LoseAccount(prospect_id=pid, reason=c.LossReason.OTHER, analysis="a"))
    assert event_count(app, pid) == 1


def test_init_refuses_a_store_that_has_users_already(durable: Callable[..., Kaflow]) -> None:
    from kaflow.errors import WorkspaceError

    app = durable()
    with pytest.raises(WorkspaceError):
        app.create_directory("someone")
    assert app.directory().names() == ["olga"]


def test_times_read_back_exactly_as_they_were_applied(durable: Callable[..., Kaflow]) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    app = durable()
    app.zone = berlin
    staff(app)
    pid = identify(app)
    advance(app, pid, "analysed")
    app.handle(
        MIA,
        c.DecideApproach(
            prospect_id=pid,
            method=c.ApproachMethod.VISIT,
            chair="mia",
            notes="n",
            occurred_at=datetime(2026, 3, 25, 10, 0, tzinfo=berlin),
        ),
    )
    live = app.get_prospect(pid)
    fresh = Kaflow(env=dict(app.env.items())).get_prospect(pid)
    for name in ("state_since", "latest_at"):
        assert repr(getattr(live, name)) == repr(getattr(fresh, name))
    assert repr(live.approach) == repr(fresh.approach)


def test_commands_built_directly_must_carry_zone_aware_times() -> None:
    from datetime import datetime

    with pytest.raises(ValueError, match="zone-aware"):
        c.AddUser(name="x", role=c.Role.SALES, effective_from=datetime(2026, 1, 1))


@pytest.mark.parametrize("written", [True, False])
def test_a_save_the_store_failed_under_says_whether_it_was_written(
    durable: Callable[..., Kaflow], written: bool
) -> None:
    """A connection lost around the commit: read again, never 'nothing was written'
    when it was (a retry would record the step twice)."""
    from eventsourcing.persistence import OperationalError

    app = durable()
    staff(app)
    pid = identify(app)
    real = app.recorder.insert_events

    def failing(*args: Any, **kwargs: Any) -> Any:
        if written:
            real(*args, **kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    app.recorder.insert_events = failing  # type: ignore[method-assign]
    lose = c.LoseAccount(prospect_id=pid, reason=c.LossReason.OTHER, analysis="a")
    if written:
        app.handle(SAM, lose)  # it was written: done
    else:
        with pytest.raises(ConflictError, match="nothing was written, retry"):
            app.handle(SAM, lose)
    app.recorder.insert_events = real  # type: ignore[method-assign]
    assert event_count(app, pid) == (2 if written else 1)
