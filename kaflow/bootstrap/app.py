"""The application as the settings make it: its store, its policies, its keyring."""

from __future__ import annotations

import os
from typing import Any

from kaflow import settings as settings_module
from kaflow.application.service import Kaflow
from kaflow.clock import Clock, parse_duration
from kaflow.policies.backdating import Backdating
from kaflow.policies.follow_up_within import FollowUpPolicy
from kaflow.settings import Settings


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
