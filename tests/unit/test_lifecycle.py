from __future__ import annotations

import pytest

from kaflow.aggregates.errors import LifecycleError
from kaflow.aggregates.lifecycle import OPEN_STATES, TRIGGERS, State, allowed_triggers, next_state
from kaflow.aggregates.prospect import Prospect
from tests.builders import T0


def test_the_main_path_leads_from_identified_to_won() -> None:
    state = State.IDENTIFIED.value
    for trigger in [
        "analyse",
        "approach",
        "contact",
        "conference",
        "prepare",
        "visit",
        "follow_up",
        "win",
    ]:
        found = next_state(trigger, state)
        assert found is not None, f"{trigger} refused from {state}"
        state = found
    assert state == State.WON


@pytest.mark.parametrize("state", OPEN_STATES)
def test_lost_is_reachable_from_every_open_state(state: State) -> None:
    assert next_state("lose", state) == State.LOST


def test_won_is_final_and_lost_only_reopens() -> None:
    assert allowed_triggers(State.WON) == []
    assert allowed_triggers(State.LOST) == ["reopen"]
    assert next_state("reopen", State.LOST) == State.ANALYSED


def test_loops_after_a_follow_up() -> None:
    for trigger in ("contact", "conference", "prepare", "visit"):
        assert next_state(trigger, State.FOLLOWED_UP) is not None


@pytest.mark.parametrize(
    ("trigger", "state"),
    [
        ("contact", "identified"),
        ("visit", "analysed"),
        ("follow_up", "contacted"),
        ("win", "visited"),
        ("win", "contacted"),
        ("analyse", "won"),
        ("reopen", "analysed"),
    ],
)
def test_out_of_order_steps_are_refused(trigger: str, state: str) -> None:
    assert next_state(trigger, state) is None


def test_every_state_is_reachable_from_identified() -> None:
    seen, frontier = {State.IDENTIFIED.value}, [State.IDENTIFIED.value]
    while frontier:
        state = frontier.pop()
        for trigger in TRIGGERS:
            dest = next_state(trigger, state)
            if dest is not None and dest not in seen:
                seen.add(dest)
                frontier.append(dest)
    assert seen == {s.value for s in State}


def test_the_aggregate_refuses_a_trigger_and_records_nothing() -> None:
    prospect = Prospect(
        name="A",
        category="potential",
        nature="d",
        product_line="",
        service="",
        actor="sam",
        actor_role="sales",
        occurred_at=T0,
    )
    with pytest.raises(LifecycleError, match="cannot contact an account that is 'identified'"):
        prospect.record_contact(
            "phone", "x", "positive", "n", actor="sam", actor_role="sales", occurred_at=T0
        )
    assert len(prospect.collect_events()) == 1


def test_every_trigger_has_an_action_and_a_command() -> None:
    import dataclasses

    from kaflow.application import account_commands
    from kaflow.application import commands as c
    from kaflow.application.analysis import AnalyseProspect
    from kaflow.application.steps import STEPS

    ACTIONS = {k.trigger: s.act for k, s in STEPS.items()}
    RECORD_KEEPING = {k.trigger for k, s in STEPS.items() if not s.lifecycle}
    triggers = [*TRIGGERS, *RECORD_KEEPING]  # the record's own commands: outside the lifecycle
    assert sorted(ACTIONS) == sorted(triggers)
    commands = [
        AnalyseProspect,
        *(
            v
            for v in {**vars(c), **vars(account_commands)}.values()
            if isinstance(v, type)
            and issubclass(v, c.ProspectCommand)
            and v is not c.ProspectCommand
        ),
    ]
    assert sorted(k.trigger for k in commands) == sorted(triggers)
    assert all(dataclasses.is_dataclass(k) for k in commands)
