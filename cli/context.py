"""The context object every command receives: the services, the acting user, the clock.

On the CLI against a local store the acting user is who ``--as`` (before or after the
command) or ``KAFLOW_USER`` names: whoever can write the store's file is trusted there
(README, "Everywhere").
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import click

from kaflow.application.actor import Actor

if TYPE_CHECKING:
    from kaflow.application.people import People
    from kaflow.application.queries import Queries
    from kaflow.application.service import Kaflow
    from kaflow.bootstrap import Services, Settings


@dataclass
class Env:
    actor_name: str | None = None
    actor_given: str | None = None  # --as before the command (not $KAFLOW_USER)
    clock: Any = None  # tests give a fixed clock; None: the system's
    cwd: str | None = None
    _services: Services | None = None
    _actor: Actor | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            from kaflow.bootstrap import Services, load_settings

            self._services = Services(load_settings(self.cwd or os.getcwd()), self.clock)
        return self._services

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def app(self) -> Kaflow:
        return self.services.app

    @property
    def queries(self) -> Queries:
        return self.services.queries

    @property
    def people(self) -> People:
        return self.services.people

    def wrote(self) -> bool:
        """Whether this command has committed a write to the store."""
        services = self._services
        return services is not None and services.wrote()

    def close(self) -> None:
        """Give back the store's connections (a PostgreSQL server counts them)."""
        services, self._services = self._services, None
        if services is not None:
            services.close()

    def actor(self) -> Actor:
        """The acting user, who must be known and hold a role now."""
        name = (self.actor_name or "").strip()
        if not name:
            raise click.UsageError("who is acting? give --as USER, or set KAFLOW_USER")
        if self._actor is None or self._actor.name != name:
            actor = Actor(name)
            self.app.authorise(actor)  # known, and holding a role now
            self._actor = actor
        return self._actor

    def when(
        self, text: str | None, name: str = "occurred_at", *, end_of_day: bool = False
    ) -> datetime | None:
        """A time given on the command line, for the field ``name``."""
        return self.queries.moment(text, name, end_of_day=end_of_day)

    def account(self, text: str) -> UUID:
        return self.queries.account_id(self.actor(), text)

    def local(self, moment: datetime | str) -> str:
        """A time for people: the workspace's zone, to the minute."""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return moment.astimezone(self.settings.timezone).strftime("%Y-%m-%d %H:%M")


pass_env = click.make_pass_decorator(Env)


def stop_on_signals() -> threading.Event:
    """Set by SIGINT or SIGTERM: a service finishes the work under way, then exits 0.
    Taken first, before the store is opened, so a stop asked for at start is heeded."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    return stop
