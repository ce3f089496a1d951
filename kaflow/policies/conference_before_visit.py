from __future__ import annotations

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.commands import HoldConference, RecordVisit
from kaflow.policies import Violation

RULE = "R7"
STATEMENT = "Before the visit a pre-visit conference is held to hear other developers' opinions."


def check(
    cmd: RecordVisit | HoldConference, prospect: Prospect, directory: UserDirectory
) -> Violation | None:
    if isinstance(cmd, HoldConference):
        for name in cmd.participants:
            directory.timeline(name)  # an unknown participant is refused by name
        if not cmd.notes.strip():
            return Violation(RULE, "a pre-visit conference needs notes (--notes is empty)")
        return None
    assert cmd.occurred_at is not None
    held = prospect.conference_at
    if held is None or held > cmd.occurred_at:
        return Violation(
            RULE, "a pre-visit conference must be held before each visit (run 'kaflow conference')"
        )
    return None
