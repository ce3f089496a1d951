"""Which guard policies apply to which command, in the order they are checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kaflow import commands as c
from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.policies import (
    Violation,
    approach_chaired_by_manager,
    conference_before_visit,
    contact_after_approach,
    contact_recorded,
    follow_up_heard,
    loss_analysed,
    material_before_visit,
    record_summarised,
    visit_face_to_face,
    visit_led_by_manager,
    visit_record_complete,
    win_registered,
)

Guard = Callable[[Any, Prospect, UserDirectory], Violation | None]

GUARDS: dict[type[c.ProspectCommand], tuple[Guard, ...]] = {
    c.DecideApproach: (approach_chaired_by_manager.check,),
    c.RecordContact: (contact_after_approach.check, contact_recorded.check),
    c.HoldConference: (conference_before_visit.check,),
    c.PrepareMaterial: (material_before_visit.check,),
    c.RecordVisit: (
        visit_led_by_manager.check,
        visit_face_to_face.check,
        conference_before_visit.check,
        material_before_visit.check,
        visit_record_complete.check,
    ),
    c.RecordFollowUp: (follow_up_heard.check,),
    c.WinAccount: (win_registered.check, record_summarised.check),
    c.LoseAccount: (loss_analysed.check,),
}


def violation(
    cmd: c.ProspectCommand, prospect: Prospect, directory: UserDirectory
) -> Violation | None:
    """The first rule ``cmd`` breaks, or None."""
    for guard in GUARDS.get(type(cmd), ()):
        found = guard(cmd, prospect, directory)
        if found is not None:
            return found
    return None
