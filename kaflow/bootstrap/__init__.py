"""The composition root: the only code that builds kaflow's object graph. Settings in,
``Services`` out: the application, its queries, the views, the outbox, the scheduler and
the projections worker, safe to share between a server's threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kaflow import settings_file
from kaflow.application.service import Kaflow
from kaflow.bootstrap.app import (
    backdating_policy,
    follow_up_policy,
    keyring,
    load_settings,
    open_app,
)
from kaflow.bootstrap.notices import Notices
from kaflow.bootstrap.stores import backup_store, check_store, copy_store, protect_store
from kaflow.clock import Clock
from kaflow.errors import KaflowError
from kaflow.settings import CONFIG_NAME, DEFAULT_STORE, Settings
from kaflow.storage.switch import switch_store
from kaflow.storage.url import holds_secret, safe_url
from kaflow.workspace import init_workspace, owner_name

if TYPE_CHECKING:
    from pathlib import Path

    from kaflow.application.actor import Actor
    from kaflow.application.audit import Audit
    from kaflow.application.credentials import Credentials
    from kaflow.application.importing import Importer
    from kaflow.application.people import People
    from kaflow.application.projections import Projections
    from kaflow.application.queries import Queries
    from kaflow.projections.runner import Views
    from kaflow.projections.worker import Worker
    from kaflow.scheduling.daemon import DeadlineScheduler
    from kaflow.scheduling.notify import Outbox
    from kaflow.scheduling.tick import TickReport

__all__ = [
    "CONFIG_NAME",
    "DEFAULT_STORE",
    "Services",
    "Settings",
    "backdating_policy",
    "backup_store",
    "check_store",
    "copy_store",
    "follow_up_policy",
    "holds_secret",
    "init_workspace",
    "keyring",
    "load_settings",
    "open_app",
    "owner_name",
    "protect_store",
    "safe_url",
    "switch_store",
]


class Services(Notices):
    """What every front end uses, built once from the settings: each part on first use
    (a short command pays only for what it touches), each safe to share between threads."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self._lock = threading.RLock()
        self._app: Kaflow | None = None
        self._views: Views | None = None
        self._queries: Queries | None = None

    @property
    def app(self) -> Kaflow:
        """The application: every command, with the acting user beside it."""
        with self._lock:
            if self._app is None:
                self._app = open_app(self.settings, self.clock)
                self._app.account_names = self._account_names
                self._app.keyring = keyring(self._app, self.settings)
                self._app.sales_see = self.settings.sales_see
            return self._app

    def _account_names(self) -> list[tuple[str, str, str]]:
        """The names a new account is compared with (likely duplicates)."""
        from kaflow.projections.account_reads import live_names

        with self.views().reading() as cursor:
            return live_names(cursor)

    @property
    def queries(self) -> Queries:
        """Every read, with the acting user."""
        from kaflow.application.queries import Queries

        with self._lock:
            if self._queries is None:
                self._queries = Queries(self.app, self.views)
            return self._queries

    @property
    def audit(self) -> Audit:
        """The log's chain, checkpoints and their signing key."""
        from kaflow.application.audit import Audit

        root = self.settings.root
        return Audit(
            self.app,
            root,
            self.settings.signing_key,
            self.settings.seal_every,
            configure=lambda key_file: settings_file.name_signing_key(root, key_file),
        )

    @property
    def people(self) -> People:
        """Users who come and go, with the views their accounts are found in."""
        from kaflow.application.people import People

        return People(self.app, self.views)

    @property
    def credentials(self) -> Credentials:
        """Passwords and API tokens (their hashes in tables of their own beside the log),
        kept with the application they were built on."""
        from kaflow.application.credentials import Credentials

        app = self.app
        with self._lock:
            found = self.__dict__.get("_credentials")
            if found is None or found.app is not app:
                found = self.__dict__["_credentials"] = Credentials(app)
            return found

    @property
    def projections(self) -> Projections:
        """The views as users keep them: status, rebuild."""
        from kaflow.application.projections import Projections

        return Projections(self.app, self.views)

    def importer(self, actor: Actor, path: Path, allow_duplicates: bool = False) -> Importer:
        """An import of ``path`` by ``actor``: rows imported before, and accounts by
        name, read from the views."""
        from kaflow.application.importing import Importer
        from kaflow.projections.account_reads import named
        from kaflow.projections.imports import imported_rows

        def imported() -> dict[str, tuple[str, str]]:
            with self.views().reading() as cursor:
                return imported_rows(cursor)

        def called(name: str) -> list[str]:
            with self.views().reading() as cursor:
                return named(cursor, name)

        return Importer(
            self.app,
            actor,
            path,
            imported=imported,
            named=called,
            names=self._account_names,
            allow_duplicates=allow_duplicates,
        )

    def views(self, *, catch_up: bool = True) -> Views:
        """The store's views, caught up with the log at each call (every read sees the
        writes made before it, a server's included; cheap when they are current), or as
        they stand."""
        from kaflow.projections.runner import Views

        with self._lock:
            if self._views is None:
                self._views = Views(
                    self.app, self._all_views(), lock_timeout=self.settings.lock_timeout
                )
            views = self._views
        if catch_up:
            views.catch_up()
        return views

    def outbox(self) -> Outbox:
        """The workspace's outbox, its position kept in the store as well."""
        from kaflow.scheduling.notify import Outbox
        from kaflow.scheduling.tick import OUTBOX, DeliveredIn, store_identity

        views = self._writable(self.views())
        return Outbox(
            self.settings.outbox_path(), DeliveredIn(views, OUTBOX), store_identity(self.app)
        )

    def tick(self, now: datetime | None = None, allow_future: bool = False) -> TickReport:
        """The scheduler's work due at ``now`` (default: now), once; a warning about the
        moment, if any, is in the report."""
        from kaflow.scheduling.tick import checked_now, tick

        moment, warning = checked_now(self.app, now, allow_future)
        report = tick(
            self.app, self._writable(self.views()), self.notifier(), moment, self._steps()
        )
        report.warning = warning
        seal = self._seal()
        if seal is not None:
            report.sealed = seal(moment)
        return report

    def _seal(self) -> Callable[[datetime], dict[str, Any] | None] | None:
        """The scheduler's daily checkpoint, when a signing key is named."""
        if self.settings.signing_key is None:
            return None
        return self.audit.seal_if_due

    def scheduler(
        self,
        poll: float,
        report: Callable[[TickReport], None],
        warn: Callable[[str], None],
        ready: Callable[[int, int], None],
    ) -> DeadlineScheduler:
        from kaflow.scheduling.daemon import DeadlineScheduler

        store = self.settings.store_url.path
        views = self._writable(self.views())
        scheduler = DeadlineScheduler(
            self.app, views, self.notifier(), poll, report, warn, ready, store
        )
        scheduler.seal = self._seal()
        scheduler.steps = self._steps()
        return scheduler

    def worker(
        self, say: Callable[[str], None], warn: Callable[[str], None], poll: float
    ) -> Worker:
        from kaflow.projections.worker import Worker

        return Worker(self._writable(self.views(catch_up=False)), say, warn, poll=poll)

    @staticmethod
    def _writable(views: Views) -> Views:
        """The store's own views, for what keeps them (a worker, the scheduler): not views
        built in memory because the store takes no writes from this user."""
        if views.private:
            from kaflow.errors import UnavailableError

            raise UnavailableError(
                "the store is read-only for this user (its views cannot be written): "
                "nothing was written"
            )
        return views

    def wrote(self) -> bool:
        """Whether anything was committed to the store through these services."""
        return self._app is not None and self._app.commits > 0

    def close(self) -> None:
        """Give back the store's connections (a PostgreSQL server counts them)."""
        with self._lock:
            views, app = self._views, self._app
            self._views = self._app = self._queries = None
        if views is not None:
            views.close()
        if app is not None:
            app.close()


def known_error(error: BaseException) -> KaflowError | None:
    """Any error a front end may meet, as one of kaflow's own; None for a defect."""
    if isinstance(error, KaflowError):
        return error
    from kaflow.storage.errors import classify, store_errors

    if isinstance(error, store_errors()):
        return classify(error)
    if isinstance(error, OSError):
        from kaflow.errors import BadInputError

        where = f": {error.filename}" if error.filename else ""
        return BadInputError(f"cannot use the file system{where}: {error.strerror or error}")
    return None
