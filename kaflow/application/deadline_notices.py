"""What is due on an account's follow-up deadline (R11): the scheduler's notices,
and the miss a late follow-up records first, each exactly once."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from kaflow.aggregates.directory import UserDirectory
from kaflow.aggregates.prospect import Prospect
from kaflow.application.actor import SCHEDULER
from kaflow.application.keeping import RETRIES
from kaflow.application.steps import owner_of
from kaflow.application.users import Users
from kaflow.errors import ConflictError
from kaflow.policies.follow_up_within import escalation, is_missed, told


class DeadlineNotices(Users):
    """Mixed into ``Kaflow``."""

    def notice_due(self, prospect_id: UUID, number: int, now: datetime) -> str | None:
        """The scheduler's command: record what is due on the follow-up deadline
        ``number`` of an account at ``now``, "overdue" or "reminder", or None if nothing
        is (it was settled, or recorded already by another process: exactly once)."""
        for _ in range(RETRIES):
            prospect = self.get_prospect(prospect_id)
            deadline = prospect.open_deadline(number)
            if deadline is None:
                return None
            directory = self.directory()
            if self.notice_overdue(prospect, directory, now, now, by=SCHEDULER.name):
                kind = "overdue"
            elif prospect.remind(number, now, told(deadline["lead"], self._owner_of(prospect))):
                kind = "reminder"
            else:
                return None
            if self._save(prospect):
                return kind
        raise ConflictError("the account kept changing under the scheduler; it will try again")

    def notice_overdue(
        self,
        prospect: Prospect,
        directory: UserDirectory,
        settled_at: datetime,
        now: datetime,
        by: str,
    ) -> bool:
        """Record that the open follow-up deadline was missed if it was by
        ``settled_at``, and whom it is escalated to; False if there is nothing to record."""
        deadline = prospect.deadline
        if deadline is None or deadline["overdue_at"] is not None:
            return False
        if not is_missed(deadline["due_at"], settled_at):
            return False
        notified = escalation(deadline["lead"], directory, now, self._owner_of(prospect))
        return prospect.notice_overdue(deadline["deadline"], now, notified, by)

    def _owner_of(self, prospect: Prospect) -> str:
        return owner_of(prospect, self.events.get)
