"""An account copied out of the cache shares its attributes' values with the cached one
(``Prospect.__deepcopy__``): safe only while no event changes an attribute in place.
Every event is applied to copies here, and the original must not move."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from kaflow.aggregates.prospect import Prospect
from kaflow.policies.follow_up_within import FollowUpPolicy
from tests.builders import at

VISIT = {
    "lead": "mia",
    "place": "HQ",
    "manner": "face-to-face",
    "points": "p",
    "views": "v",
    "next_steps": "n",
}


def meta(day: float) -> dict[str, Any]:
    return {"actor": "mia", "actor_role": "manager", "occurred_at": at(day)}


def visited() -> Prospect:
    p = Prospect(name="A", category="potential", nature="d", product_line="", service="", **meta(0))
    p.analyse({"a": 1}, Decimal("1.00"), **meta(1))
    p.decide_approach("visit", "mia", "n", **meta(2))
    p.record_contact("phone", "Wang", "positive", "n", **meta(3))
    p.hold_conference(["mia"], "n", **meta(4))
    p.prepare_material("d", "a", "m", **meta(4))
    reminding = FollowUpPolicy(remind_before=timedelta(days=2))
    p.record_visit(dict(VISIT), reminding.deadline(at(5)), **meta(5))
    p.collect_events()
    return p


STEPS: dict[str, Callable[[Prospect], None]] = {
    "remind": lambda p: p.remind(1, at(10), ["mia"]),
    "overdue": lambda p: p.notice_overdue(1, at(13), ["mia", "olga"], "scheduler"),
    "follow_up": lambda p: p.record_follow_up("phone", "fine", **meta(6)),
    "visit again": lambda p: (
        p.hold_conference(["mia"], "again", **meta(6)),
        p.prepare_material("d2", "a2", "m2", **meta(6)),
        p.record_visit({**VISIT, "place": "Plant"}, FollowUpPolicy().deadline(at(7)), **meta(7)),
    ),
    "win": lambda p: (
        p.record_follow_up("phone", "fine", **meta(6)),
        p.win("A", "won on service", **meta(8)),
    ),
    "lose and reopen": lambda p: (
        p.lose("price", "too dear", **meta(6)),
        p.reopen("new budget", **meta(9)),
        p.decide_approach("seminar", "mia", "again", **meta(10)),
    ),
    "review and correct": lambda p: (
        p.review("complete", **meta(6)),
        p.correct(2, "notes", "n", "corrected", "typo", **meta(6)),
    ),
}


@pytest.mark.parametrize("name", list(STEPS))
def test_no_event_changes_the_account_it_was_copied_from(name: str) -> None:
    original = visited()
    before = pickle.dumps(vars(original))
    copied = copy.deepcopy(original)
    STEPS[name](copied)
    assert copied.pending_events, "the steps were applied to the copy"
    assert pickle.dumps(vars(original)) == before
    assert copied.version > original.version
