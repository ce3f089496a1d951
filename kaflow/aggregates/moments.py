"""When an event happened, as against when it was recorded (the library's ``timestamp``).

Every question "as of" asks one or both: as the work stood at a moment (what had happened
by then, including what was recorded later) and as the record stood at a moment (what had
been recorded by then). A step says when it happened (``occurred_at``); a deadline's
events happen when the visit that opened it took place, when it was noticed, or when the
step that closed it took place; anything else happened when it was recorded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

_WHEN = ("occurred_at", "noticed_at", "at", "visit_at")


def happened_at(event: Any) -> datetime:
    """When ``event`` happened (a step dated back: its date, not its recording)."""
    fields = vars(event)
    for name in _WHEN:
        moment = fields.get(name)
        if moment is not None:
            return moment  # type: ignore[no-any-return]
    return event.timestamp  # type: ignore[no-any-return]
