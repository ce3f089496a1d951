"""Which guard policies apply to which step (by lifecycle trigger), in the order they
are checked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.policies import (
    Dated,
    Violation,
    approach_chaired_by_manager,
    conference_before_visit,
    contact_after_approach,
    contact_recorded,
    follow_up_heard,
    loss_analysed,
    material_before_visit,
    prospect_classified,
    record_reviewed,
    record_summarised,
    visit_face_to_face,
    visit_led_by_manager,
    visit_record_complete,
    win_registered,
)

Guard = Callable[[Any, Prospect, UserDirectory], Violation | None]

GUARDS: dict[str, tuple[Guard, ...]] = {
    "approach": (approach_chaired_by_manager.check,),
    "contact": (contact_after_approach.check, contact_recorded.check),
    "conference": (conference_before_visit.check_conference,),
    "prepare": (material_before_visit.check_material,),
    "visit": (
        visit_led_by_manager.check,
        visit_face_to_face.check,
        conference_before_visit.check_visit,
        material_before_visit.check_visit,
        visit_record_complete.check,
    ),
    "follow_up": (follow_up_heard.check,),
    "win": (win_registered.check, record_summarised.check),
    "lose": (loss_analysed.check,),
    "review": (record_reviewed.check_review,),
    "correct": (record_reviewed.check_correction,),
    "edit": (prospect_classified.check_edit,),
}


def violation(cmd: Dated, prospect: Prospect, directory: UserDirectory) -> Violation | None:
    """The first rule the step ``cmd`` breaks, or None."""
    for guard in GUARDS.get(cmd.trigger, ()):
        found = guard(cmd, prospect, directory)
        if found is not None:
            return found
    return None
