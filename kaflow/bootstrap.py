"""The composition root: the only code that builds kaflow's object graph. Settings in,
``Services`` out: the application, its queries, the views, the outbox, the scheduler and
the projections worker, safe to share between a server's threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kaflow import settings as settings_module
from kaflow.application.service import Kaflow
from kaflow.clock import Clock, parse_duration
from kaflow.errors import KaflowError
from kaflow.policies.backdating import Backdating
from kaflow.policies.follow_up_within import FollowUpPolicy
from kaflow.settings import CONFIG_NAME, DEFAULT_STORE, Settings
from kaflow.storage.switch import switch_store
from kaflow.storage.url import holds_secret, safe_url
from kaflow.workspace import init_workspace, owner_name

if TYPE_CHECKING:
    from pathlib import Path

    from kaflow.application.actor import Actor
    from kaflow.application.audit import Audit
    from kaflow.application.contacts import Contacts
    from kaflow.application.credentials import Credentials
    from kaflow.application.importing import Importer
    from kaflow.application.people import People
    from kaflow.application.projections import Projections
    from kaflow.application.queries import Queries
    from kaflow.projections import View
    from kaflow.projections.runner import Views
    from kaflow.projections.worker import Worker
    from kaflow.scheduling.daemon import DeadlineScheduler
    from kaflow.scheduling.delivery import ChannelDelivery
    from kaflow.scheduling.notifications import Notifications
    from kaflow.scheduling.notify import Notifier, Outbox
    from kaflow.scheduling.tick import Step, TickReport

__all__ = [
    "CONFIG_NAME",
    "DEFAULT_STORE",
    "Services",
    "Settings",
    "backup_store",
    "check_store",
    "copy_store",
    "holds_secret",
    "init_workspace",
    "load_settings",
    "owner_name",
    "protect_store",
    "safe_url",
    "switch_store",
]


def copy_store(*args: Any, master_key: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """``kaflow.storage.copy.copy_store``, loaded when used; with ``master_key`` (a key
    file, made if missing), the copy's data keys are wrapped by that master key instead of
    the workspace's (``root``, the third argument, says whose)."""
    from kaflow.storage.copy import copy_store as copy

    if master_key is not None:
        from kaflow.application.privacy import key_from_file, rewrapper
        from kaflow.application.privacy import master_key as workspace_key

        root = args[2] if len(args) > 2 else kwargs["root"]
        kwargs["rewrap"] = rewrapper(workspace_key(str(root)), key_from_file(master_key, True))
    return copy(*args, **kwargs)


def load_settings(folder: str, *, own_store: bool = False) -> Settings:
    """The workspace's settings: the nearest kaflow.toml in ``folder`` or above; with
    ``own_store``, its own store whatever KAFLOW_STORE says."""
    return settings_module.load(folder, environ={} if own_store else os.environ)


def open_app(settings: Settings, clock: Clock | None = None) -> Kaflow:
    env = settings.store_url.library_env(lock_timeout=settings.lock_timeout)
    policy = follow_up_policy(settings)
    return Kaflow(
        env=env,
        clock=clock,
        zone=settings.timezone,
        policy=policy,
        backdating=backdating_policy(settings),
    )


def keyring(app: Kaflow, settings: Settings) -> Any:
    """What seals and reveals the application's personal fields: the store's data keys,
    wrapped by the workspace's master key (read when first needed; made then only for a
    store that holds no key yet, as one made before keys were)."""
    from kaflow.application.privacy import Keyring, master_key
    from kaflow.errors import UnavailableError
    from kaflow.storage.keys import key_store

    keys = key_store(app)

    def master() -> bytes:
        try:
            return master_key(settings.root)
        except UnavailableError:
            if keys.all():
                raise
            return master_key(settings.root, create=True)

    return Keyring(keys, master)


def check_store(settings: Settings) -> dict[str, Any]:
    """The workspace's store checked, reading only: its file (SQLite) and its log."""
    from kaflow.storage.check import check_store as check

    return check(lambda: open_app(settings), settings.store_url.safe)


def backup_store(settings: Settings, target: str) -> dict[str, Any]:
    """A consistent copy of the workspace's SQLite store at ``target``, then checked as
    ``store check`` and ``audit verify`` check (its file, its log, its hash chain)."""
    import dataclasses

    from kaflow.errors import WorkspaceError
    from kaflow.storage.audit import Log
    from kaflow.storage.backup import backup_sqlite

    source = settings.store_url.path
    if source is None:
        raise WorkspaceError(
            "store backup copies an SQLite store; back a PostgreSQL store up with its own "
            "tools (pg_dump, or a base backup), as docs/storage.md says"
        )
    size = backup_sqlite(source, target, settings.lock_timeout)
    copy = dataclasses.replace(settings, store=f"sqlite:///{os.path.abspath(target)}")
    report = check_store(copy)
    app = open_app(copy)
    try:
        walked, _ = Log(app.recorder, "sqlite").walk(set())
    finally:
        app.close()
    broken = walked.broken
    report.update(
        backup=os.path.abspath(target),
        bytes=size,
        position=walked.position,
        chain=walked.hash.hex() if walked.position else None,
        chain_intact=broken is None,
        chain_problem=None if broken is None else f"{broken.kind} at {broken.position}",
        verified=report["intact"] and broken is None,
    )
    return report


def protect_store(settings: Settings, role: str) -> dict[str, Any]:
    """A PostgreSQL store set up for ``role`` to run kaflow on: appending to the log and
    reading it, never rewriting it (run as the store's owner)."""
    from kaflow.errors import WorkspaceError
    from kaflow.projections.db import engine_of
    from kaflow.storage.protect import protect

    app = open_app(settings)
    try:
        if engine_of(app) != "postgresql":
            raise WorkspaceError(
                "store protect sets up a PostgreSQL store's roles; an SQLite store is "
                "guarded by its file's permissions (and verified by its hash chain)"
            )
        return protect(app, role)
    finally:
        app.close()


def follow_up_policy(settings: Settings) -> FollowUpPolicy:
    remind = settings.remind_before
    return FollowUpPolicy(
        within=parse_duration(settings.follow_up_within),
        remind_before=None if remind is None else parse_duration(remind),
        written=(settings.follow_up_within, remind),
    )


def backdating_policy(settings: Settings) -> Backdating:
    limit = settings.max_backdate
    return Backdating(
        late_entry_after=parse_duration(settings.late_entry_after),
        max_backdate=None if limit is None else parse_duration(limit),
        written=(settings.late_entry_after, limit),
    )


class Services:
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
        from kaflow.projections.accounts import live_names

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
            configure=lambda key_file: settings_module.name_signing_key(root, key_file),
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
        from kaflow.projections.accounts import named
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

    def _all_views(self) -> list[View] | None:
        """Every view, with the ladder's and the digest's where kaflow.toml sets them up
        (None: the views every workspace has)."""
        found = self.settings.escalation
        if found is None:
            return None
        from kaflow.projections.escalations import escalation_views
        from kaflow.projections.runner import all_views

        return [*all_views(), *escalation_views(bool(found.ladder), found.digest_at is not None)]

    def outbox(self) -> Outbox:
        """The workspace's outbox, its position kept in the store as well."""
        from kaflow.scheduling.notify import Outbox
        from kaflow.scheduling.tick import OUTBOX, DeliveredIn, store_identity

        views = self._writable(self.views())
        return Outbox(
            self.settings.outbox_path(), DeliveredIn(views, OUTBOX), store_identity(self.app)
        )

    def notifier(self) -> Notifier:
        """Where notices go: the outbox, and beside it the channels kaflow.toml names."""
        outbox = self.outbox()
        delivery = self._channel_delivery(writable=True)
        if delivery is None:
            return outbox
        from kaflow.scheduling.delivery import Fanout
        from kaflow.scheduling.tick import OUTBOX, DeliveredIn

        position = DeliveredIn(self._writable(self.views()), OUTBOX).get
        return Fanout(outbox, delivery, position, self.app.now)

    def _channel_delivery(self, writable: bool = False) -> ChannelDelivery | None:
        notify = self.settings.notify
        if notify is None or not notify.channels:
            return None
        from kaflow.scheduling.channel_book import ChannelBook
        from kaflow.scheduling.delivery import ChannelDelivery
        from kaflow.scheduling.tick import store_identity

        views = self._writable(self.views()) if writable else self.views()
        identity = store_identity(self.app)
        return ChannelDelivery(ChannelBook(views), notify, identity, self._contacts, os.environ)

    def _contacts(self, name: str) -> dict[str, str]:
        """A user's e-mail address and IM handles (none for a name the directory lacks)."""
        from kaflow.errors import NotFoundError

        try:
            found = self.app.directory().contacts_of(name)
        except NotFoundError:
            return {}
        keyring = self.app.keyring  # sealed, as personal data (application.contacts)
        return found if keyring is None else dict(keyring.reveal(found))

    @property
    def contacts(self) -> Contacts:
        """Users' e-mail addresses and IM handles, in the user directory."""
        from kaflow.application.contacts import Contacts

        return Contacts(self.app)

    @property
    def notifications(self) -> Notifications:
        """The notification channels: their status, a test message, parked notices."""
        from kaflow.scheduling.notifications import Notifications
        from kaflow.scheduling.tick import OUTBOX, DeliveredIn, pending

        views = self.views()
        return Notifications(
            self.app,
            self.settings.outbox,
            self.settings.notify,
            self._channel_delivery(),
            DeliveredIn(views, OUTBOX).get,
            lambda after: pending(views, after),
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

    def _steps(self) -> list[Step]:
        """The ladder's and the digest's parts of a tick, those kaflow.toml sets up."""
        found = self.settings.escalation
        steps: list[Step] = []
        if found is not None and found.ladder:
            from kaflow.scheduling import ladder

            steps.append(ladder.step(found.ladder))
        if found is not None and found.digest_at is not None:
            from kaflow.scheduling import digest

            steps.append(digest.step(found.digest_at))
        return steps

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
