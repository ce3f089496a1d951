"""Reading the log itself, for what no view keeps: events of some topics, in order, in
batches (the library's default section of ten is slow for a whole log)."""

from __future__ import annotations

from typing import Any


def notifications_with_topic(recorder: Any, *topics: str, batch: int = 500) -> Any:
    """Every notification of the given topics, in log order, read in batches."""
    start = 1
    while True:
        page = recorder.select_notifications(start, limit=batch, topics=list(topics))
        yield from page
        if len(page) < batch:
            return
        start = page[-1].id + 1
