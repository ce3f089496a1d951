"""``kaflow projections run``: a long-running worker that keeps the views current.

On PostgreSQL it follows the log through the library's subscription: the database
notifies every append (LISTEN/NOTIFY), the subscription reads the new events in pages,
and the worker applies each page in one transaction (``Views.apply``), exactly as a
catch-up would. Readers on other machines then find the views current and their own
catch-up has nothing to do. SQLite has no notifications: there the worker looks every
``poll`` seconds.

Several workers, and readers catching up, may run at once: each page is applied under
the views' lock after re-reading the positions, so nothing is applied twice. If a view
is rebuilt under the worker by this version of kaflow, the worker starts again from the
view's new position; if by another version, it stops (exit 4), as the scheduler does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from kaflow.projections import StaleViewError
from kaflow.projections.db import errors
from kaflow.projections.runner import BATCH, Views

Say = Callable[[str], None]


@dataclass
class Progress:
    applied: int = 0  # view updates made
    pages: int = 0  # transactions
    position: int = 0  # the lowest view position reached


class Worker:
    def __init__(
        self, views: Views, say: Say, warn: Say, poll: float = 1.0, batch: int = BATCH
    ) -> None:
        self.views, self.say, self.warn = views, say, warn
        self.poll, self.batch = poll, batch
        self.stopping = threading.Event()
        self.progress = Progress()
        self._subscription: Any = None
        self.ready = False  # caught up once

    def stop(self) -> None:
        """Finish the page under way, then return from ``run`` (thread-safe)."""
        self.stopping.set()
        subscription = self._subscription
        if subscription is not None:
            subscription.stop()

    def run(self) -> Progress:
        """Follow the log until stopped; raises StaleViewError if another version of
        kaflow rebuilt a view. A lost connection is reported and tried again."""
        subscribe = getattr(self.views.app.recorder, "subscribe", None)
        follows = self.views.database.kind == "postgresql" and subscribe is not None
        while not self.stopping.is_set():
            try:
                self._catch_up()
                if not self.ready:
                    self.ready = True
                    self.say(f"views current at position {self.progress.position}")
                if follows:
                    self._follow()
                else:
                    self.stopping.wait(self.poll)
            except StaleViewError:
                raise
            except Exception as e:
                if not isinstance(e, (OSError, *errors(), *_library_errors())):
                    raise
                said = str(e).strip()  # libpq adds hints on more lines
                self.warn(f"will try again: {said.splitlines()[0] if said else type(e).__name__}")
                self.stopping.wait(min(self.poll * 5, 5))
                self.views.reconnect_if_broken()
        return self.progress

    def _catch_up(self) -> None:
        applied = self.views.catch_up(batch=self.batch)
        if applied:
            self.progress.applied += applied
        self.progress.position = min(self.views.positions().values(), default=0)

    def _follow(self) -> None:
        """Apply pages as the subscription brings them, until stopped or a view is
        reset (then the caller catches up and subscribes again)."""
        position = self.progress.position
        with self.views.app.recorder.subscribe(gt=position) as subscription:
            self._subscription = subscription
            if self.stopping.is_set():
                subscription.stop()
            try:
                for page in pages(subscription, self.batch):
                    done = self.views.apply(page, position + 1, page[-1].id)
                    if done is None:  # a view was reset: catch up, then follow again
                        return
                    position = page[-1].id
                    self.progress.applied += done
                    self.progress.pages += 1
                    self.progress.position = position
            finally:
                self._subscription = None


def pages(subscription: Any, most: int) -> Iterator[Sequence[Any]]:
    """The subscription's notifications in pages: what it has at hand (up to ``most``)
    is applied together, so a burst of appends costs one transaction, not one each.

    What is at hand is read from the subscription's own buffers (eventsourcing 9.5.6,
    the version pinned): the page it is serving, and the pages queued behind it."""
    page: list[Any] = []
    for notification in subscription:
        page.append(notification)
        if len(page) >= most or not _at_hand(subscription):
            yield page
            page = []


def _at_hand(subscription: Any) -> bool:
    """Whether the subscription has more notifications without waiting; without the
    buffers this looks for (another version of the library), none: pages of one."""
    try:
        serving = subscription._notifications_index < len(subscription._notifications)
        return bool(serving or subscription._notifications_queue.qsize())
    except AttributeError:
        return False


def _library_errors() -> tuple[type[Exception], ...]:
    from eventsourcing.persistence import PersistenceError

    return (PersistenceError,)
