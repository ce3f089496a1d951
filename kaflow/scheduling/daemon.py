"""``scheduler run``: a long-running process that does the deadline work as it falls due.

APScheduler only wakes the process: a poll job looks at the ``deadlines`` view every
``poll`` seconds, does at once whatever fell due while nobody looked, and keeps one date
job for each deadline due within the horizon (two polls ahead), so that each fires at
its time. The jobs are not a second source of truth: each one just runs a tick, which
re-reads the log and records only what is still due.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from eventsourcing.persistence import PersistenceError

from kaflow.application.service import Kaflow
from kaflow.errors import KaflowError, first_line
from kaflow.projections import StaleViewError
from kaflow.projections.db import errors
from kaflow.projections.runner import Views
from kaflow.scheduling.notify import Notifier
from kaflow.scheduling.tick import Step, TickReport, pending_count, tick, upcoming

POLL = "poll"


class DeadlineScheduler:
    def __init__(
        self,
        app: Kaflow,
        views: Views,
        notifier: Notifier,
        poll: float,
        report: Callable[[TickReport], None],
        warn: Callable[[str], None],
        ready: Callable[[int, int], None] = lambda planned, pending: None,
        store_path: str | None = None,
    ) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self.app, self.views, self.notifier = app, views, notifier
        self.poll_every = poll
        self.horizon = timedelta(seconds=2 * poll)
        self.report, self.warn, self.ready = report, warn, ready
        self.looked = False
        self.stale = False  # the store is gone, or its views were rebuilt by another version
        self.store_path = store_path
        # Signs a checkpoint of the log when one is due (kaflow.application.audit).
        self.seal: Callable[[datetime], dict[str, Any] | None] | None = None
        self.steps: list[Step] = []  # the ladder's and the digest's parts of each tick
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        # One worker: polls and deadline jobs never overlap. A job late for any reason
        # still runs (the default would drop it after one second), once.
        self.scheduler: Any = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(1)},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        self.planned: dict[str, float] = {}

    def start(self) -> None:
        self.scheduler.add_job(
            self.poll,
            "interval",
            seconds=self.poll_every,
            id=POLL,
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.start()

    def stop(self) -> None:
        """Stop taking new work and wait for the work under way to finish."""
        self.scheduler.shutdown(wait=True)

    def poll(self) -> None:
        now = self.app.now()
        if not self.run_tick(now):
            return
        wanted = {
            f"{account}:{number}": when
            for account, number, when in upcoming(self.views, now + self.horizon)
        }
        for job_id in set(self.planned) - set(wanted):  # settled meanwhile
            with contextlib.suppress(JobLookupError):  # already handed to the worker
                self.scheduler.remove_job(job_id)
            del self.planned[job_id]
        for job_id, when in wanted.items():
            if self.planned.get(job_id) != when:
                # Just after its time: a deadline is missed once its due time has passed.
                run_at = datetime.fromtimestamp(when, UTC) + timedelta(milliseconds=1)
                self.scheduler.add_job(
                    self.fire, "date", run_date=run_at, id=job_id, replace_existing=True
                )
                self.planned[job_id] = when
        if not self.looked:
            self.looked = True
            self.ready(len(self.planned), pending_count(self.views))

    def fire(self) -> None:
        self.run_tick(self.app.now())

    def run_tick(self, now: datetime) -> bool:
        expected: tuple[type[Exception], ...] = (KaflowError, OSError, PersistenceError)
        expected += errors()
        if self.store_path is not None and not os.path.exists(self.store_path):
            self.warn(f"the store {self.store_path} is gone; stopping")
            self.stale = True
            return False
        try:
            done = tick(self.app, self.views, self.notifier, now, self.steps)
        except StaleViewError as e:  # upgraded under it: only a restart can rebuild the view
            self.warn(f"{e}; stopping")
            self.stale = True
            return False
        except Exception as e:
            if not isinstance(e, expected):
                raise
            # The store is busy or away, the outbox unwritable ...: the next poll retries.
            self.warn(f"{now.isoformat(timespec='seconds')} will try again: {first_line(e)}")
            self.views.reconnect_if_broken()
            return False
        self.planned = {k: v for k, v in self.planned.items() if self._pending(k)}
        if self.seal is not None:
            try:
                done.sealed = self.seal(now)
            except Exception as e:
                if not isinstance(e, expected):
                    raise
                self.warn(f"{now.isoformat(timespec='seconds')} checkpoint not signed: {e}")
        if (
            done.reminded
            or done.overdue
            or done.delivered
            or done.undelivered
            or done.failed
            or done.sealed
            or any(c["sent"] or c["skipped"] or c["parked"] or c["failed"] for c in done.channels)
        ):
            self.report(done)
        return True

    def _pending(self, job_id: str) -> bool:
        return bool(self.scheduler.get_job(job_id))
