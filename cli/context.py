"""The context object every command receives: settings, application, actor, clock."""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

import click

from kaflow.clock import Clock, SystemClock, parse_when
from kaflow.errors import BadInputError
from kaflow.settings import Settings, load

if TYPE_CHECKING:
    from kaflow.application.service import Kaflow
    from kaflow.projections.runner import Views


@dataclass
class Env:
    actor: str | None = None
    clock: Clock = field(default_factory=SystemClock)
    cwd: str | None = None
    _settings: Settings | None = None
    _app: Kaflow | None = None
    _views: Views | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load(self.cwd or os.getcwd())
        return self._settings

    @property
    def app(self) -> Kaflow:
        if self._app is None:
            from kaflow.bootstrap import open_app

            app = open_app(self.settings, clock=self.clock)
            # Everywhere, the acting user must be known and hold a role now.
            app.actor_role(self.user(), app.directory(), app.now())
            self._app = app
        return self._app

    @property
    def service_app(self) -> Kaflow:
        """The application for a service that acts as nobody (the scheduler)."""
        if self._app is None:
            from kaflow.bootstrap import open_app

            self._app = open_app(self.settings, clock=self.clock)
        return self._app

    @property
    def views(self) -> Views:
        """The store's views, caught up with the log once, when a command first reads them:
        every read sees the writes made before it."""
        if self._views is None:
            from kaflow.projections.runner import Views

            self._views = Views(self._app or self.app, lock_timeout=self.settings.lock_timeout)
            self._views.catch_up()
        return self._views

    def close(self) -> None:
        """Give back the store's connections (a PostgreSQL server counts them)."""
        views, app = self._views, self._app
        self._views = self._app = None
        if views is not None:
            views.close()
        if app is not None:
            app.close()

    def user(self) -> str:
        actor = (self.actor or "").strip()
        if not actor:
            raise click.UsageError(
                "who is acting? give --as USER before the command, or set KAFLOW_USER"
            )
        return actor

    def when(
        self, text: str | None, option: str = "--at", *, end_of_day: bool = False
    ) -> datetime | None:
        if text is None:
            return None
        try:
            return parse_when(
                text,
                self.settings.timezone,
                end_of_day=end_of_day,
                today=self.clock.now().astimezone(self.settings.timezone).date(),
            )
        except ValueError as e:
            raise BadInputError(f"{option}: {e}") from None

    def account(self, text: str) -> UUID:
        from kaflow.application.accounts import resolve_id

        return resolve_id(self.app, text)

    def local(self, moment: datetime) -> str:
        """A time for people: the workspace's zone, to the minute."""
        return moment.astimezone(self.settings.timezone).strftime("%Y-%m-%d %H:%M")


pass_env = click.make_pass_decorator(Env)


def stop_on_signals() -> threading.Event:
    """Set by SIGINT or SIGTERM: a service finishes the work under way, then exits 0.
    Taken first, before the store is opened, so a stop asked for at start is heeded."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop
