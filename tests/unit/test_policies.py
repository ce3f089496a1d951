"""Each guard policy, on aggregates held in memory (no store)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.application import commands as c
from kaflow.policies import guards, prospect_classified
from kaflow.policies.follow_up_within import FollowUpPolicy
from tests.builders import T0, at, visit_cmd

META: dict[str, Any] = {"actor": "sam", "actor_role": "sales"}


def directory() -> UserDirectory:
    d = UserDirectory(owner="olga", effective_from=T0)
    d.add_user("sam", "sales", T0, by="olga", now=T0)
    d.add_user("mia", "manager", T0, by="olga", now=T0)
    d.change_role("sam", "manager", at(10), by="olga", now=T0)  # promoted on day 10
    return d


def analysed() -> Prospect:
    p = Prospect(name="A", category="potential", nature="d", product_line="", service="",
                 occurred_at=T0, **META)  # fmt: skip
    p.analyse({}, Decimal(1), occurred_at=at(1), **META)
    return p


def contacted(*, conference: bool = True, material: bool = True) -> Prospect:
    p = analysed()
    p.decide_approach("visit", "mia", "n", occurred_at=at(2), **META)
    p.record_contact("phone", "Wang", "positive", "n", occurred_at=at(3), **META)
    if conference:
        p.hold_conference(["sam"], "n", occurred_at=at(4), **META)
    if material:
        p.prepare_material("d", "a", "s", occurred_at=at(4), **META)
    return p


def rule(cmd: c.ProspectCommand, prospect: Prospect | None = None) -> str | None:
    found = guards.violation(cmd, prospect or contacted(), directory())
    return found.rule if found else None


def test_a_complete_visit_led_by_a_manager_passes() -> None:
    assert rule(visit_cmd(uuid4(), lead="mia", when=at(5))) is None


def test_r6_uses_the_role_the_lead_held_when_the_visit_took_place() -> None:
    assert rule(visit_cmd(uuid4(), lead="sam", when=at(5))) == "R6"
    assert rule(visit_cmd(uuid4(), lead="sam", when=at(10))) is None


def test_r6_message_names_the_person_role_and_date() -> None:
    found = guards.violation(visit_cmd(uuid4(), lead="sam", when=at(5)), contacted(), directory())
    assert str(found) == (
        "R6: a visit must be led by a development manager or above; sam is 'sales' on 2026-03-07"
    )


def test_r7_a_conference_before_each_visit() -> None:
    assert rule(visit_cmd(uuid4(), when=at(5)), contacted(conference=False)) == "R7"


def test_r7_and_r8_are_needed_again_after_a_visit() -> None:
    p = contacted()
    p.record_visit({"lead": "mia"}, FollowUpPolicy().deadline(at(5)), occurred_at=at(5), **META)
    assert rule(visit_cmd(uuid4(), when=at(6)), p) == "R7"
    p.hold_conference(["sam"], "n", occurred_at=at(6), **META)
    assert rule(visit_cmd(uuid4(), when=at(7)), p) == "R8"


def test_r8_material_before_the_visit() -> None:
    assert rule(visit_cmd(uuid4(), when=at(5)), contacted(material=False)) == "R8"


def test_r9_only_face_to_face_is_a_visit() -> None:
    assert rule(visit_cmd(uuid4(), when=at(5), manner="video")) == "R9"


@pytest.mark.parametrize("field", ["place", "points", "views", "next_steps"])
def test_r10_the_visit_record_is_complete(field: str) -> None:
    assert rule(visit_cmd(uuid4(), when=at(5), **{field: "  "})) == "R10"


def test_r4_chair_is_a_manager_or_above_and_notes_are_kept() -> None:
    def approach(chair: str, notes: str = "n") -> c.DecideApproach:
        return c.DecideApproach(
            prospect_id=uuid4(),
            method=c.ApproachMethod.SEMINAR,
            chair=chair,
            notes=notes,
            occurred_at=at(5),
        )

    assert rule(approach("sam")) == "R4"
    assert rule(approach("mia")) is None
    assert rule(approach("mia", notes="")) == "R4"


def test_r4_no_contact_before_an_approach_and_r5_complete_contacts() -> None:
    p = analysed()

    def contact(person: str = "Wang") -> c.RecordContact:
        return c.RecordContact(
            prospect_id=p.id,
            channel=c.ContactChannel.EMAIL,
            person=person,
            attitude=c.Attitude.NEUTRAL,
            notes="n",
            occurred_at=at(2),
        )

    assert rule(contact(), p) == "R4"
    p.decide_approach("materials", "mia", "n", occurred_at=at(2), **META)
    assert rule(contact(), p) is None
    assert rule(contact(person=""), p) == "R5"


def test_r12_r13_r14_outcomes_are_classified_and_summarised() -> None:
    pid = uuid4()
    assert (
        rule(c.WinAccount(prospect_id=pid, classification="", summary="s", occurred_at=at(9)))
        == "R12"
    )
    assert (
        rule(c.WinAccount(prospect_id=pid, classification="A", summary="", occurred_at=at(9)))
        == "R14"
    )
    assert (
        rule(
            c.LoseAccount(
                prospect_id=pid,
                reason=c.LossReason.PRICE,
                analysis=" ",
                occurred_at=at(9),
            )
        )
        == "R13"
    )


def test_r1_a_prospect_is_classified_when_identified() -> None:
    cmd = c.IdentifyProspect(name="A", category=c.Category.EXISTING, nature=" ")
    found = prospect_classified.check(cmd)
    assert found is not None and found.rule == "R1"


def test_every_policy_module_states_its_rule() -> None:
    import importlib
    import pkgutil

    import kaflow.policies as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name in ("guards", "backdating"):  # the table; a workspace's own policy
            continue
        module = importlib.import_module(f"kaflow.policies.{info.name}")
        assert module.RULE.startswith("R"), info.name
        assert len(module.STATEMENT) > 20, info.name


def test_the_role_timeline_is_directory_time_not_recording_time() -> None:
    d = directory()
    assert d.role_of("sam", at(9) + timedelta(hours=23)) == "sales"


def test_r6_names_a_lead_who_holds_no_role_yet() -> None:
    d = directory()
    d.add_user("new", "manager", at(20), by="olga", now=T0)
    found = guards.violation(visit_cmd(uuid4(), lead="new", when=at(5)), contacted(), d)
    assert found is not None and "new holds no role on 2026-03-07" in found.message
