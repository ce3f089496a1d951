"""The follow-ups done (R11), read from the development record's entries and the
deadlines their visits opened: who recorded each, and whether it settled its deadline
late."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from kaflow.aggregates.deadline import is_missed
from kaflow.projections import Cut, period
from kaflow.projections.db import Cursor


class FollowUpDone(NamedTuple):
    account_id: str
    actor: str  # who recorded it
    late: bool  # it settled its deadline after the due time (R11: ``is_missed``)


# Each follow-up entry with the number of the visit before it (the deadline that visit
# opened) and its place among the follow-ups since: only the first can settle it.
_FOLLOW_UPS = """
SELECT f.account_id, f.actor, d.due_at, d.closed_at FROM (
    SELECT *, row_number() OVER (PARTITION BY account_id, visit ORDER BY seq) AS nth FROM (
        SELECT account_id, seq, kind, actor, occurred_ts, sum(CASE WHEN kind = 'visit'
            THEN 1 ELSE 0 END) OVER (PARTITION BY account_id ORDER BY seq) AS visit
        FROM ledger_entries WHERE kind IN ('visit', 'follow_up')
            AND occurred_ts <= ? AND recorded_ts <= ?
    ) numbered WHERE kind = 'follow_up'
) f LEFT JOIN follow_up_deadlines d ON d.account_id = f.account_id AND d.deadline = f.visit
    AND f.nth = 1 AND d.closed_by = 'follow_up' AND d.closed_at_ts <= ? AND d.closed_ts <= ?
"""


def follow_ups(
    cursor: Cursor, cut: Cut, since: datetime | None = None, until: datetime | None = None
) -> list[FollowUpDone]:
    """The follow-ups inside ``cut`` that happened between ``since`` and ``until``
    (if given), each late if it settled its visit's deadline after the due time; one that
    settled none (a second follow-up) is in time."""
    within, params = period("f.occurred_ts", since, until)
    rows = cursor.execute(
        f"{_FOLLOW_UPS} WHERE f.kind = 'follow_up'{within}", (*cut, *cut, *params)
    )
    found = []
    for account, actor, due_at, closed_at in rows.fetchall():
        late = closed_at is not None and is_missed(
            datetime.fromisoformat(due_at), datetime.fromisoformat(closed_at)
        )
        found.append(FollowUpDone(account, actor, late))
    return found
