"""The composition root: settings and store in, a ready application out."""

from __future__ import annotations

import contextlib
import os

from kaflow import settings as settings_module
from kaflow.application.service import Kaflow
from kaflow.clock import Clock, parse_duration
from kaflow.errors import WorkspaceError
from kaflow.policies.follow_up_within import FollowUpPolicy
from kaflow.settings import Settings
from kaflow.storage.url import sqlite_path, store_env


def open_app(settings: Settings, clock: Clock | None = None) -> Kaflow:
    env = store_env(settings.store, settings.root, lock_timeout=settings.lock_timeout)
    policy = follow_up_policy(settings)
    return Kaflow(env=env, clock=clock, zone=settings.timezone, policy=policy)


def follow_up_policy(settings: Settings) -> FollowUpPolicy:
    remind = settings.remind_before
    return FollowUpPolicy(
        within=parse_duration(settings.follow_up_within),
        remind_before=None if remind is None else parse_duration(remind),
        written=(settings.follow_up_within, remind),
    )


def init_workspace(
    root: settings_module.StrPath,
    owner: str | None,
    store: str,
    timezone: str,
    clock: Clock | None = None,
) -> Settings:
    """Write kaflow.toml, then create the store and its first user, a process owner.
    Without an owner, join a store that holds a workspace already: only kaflow.toml.

    All or nothing: if any part fails, kaflow.toml and a store file this call created
    are removed again.
    """
    zone = settings_module.zone(timezone)
    if os.path.exists(os.path.join(root, settings_module.CONFIG_NAME)):
        raise WorkspaceError(f"{root} is a workspace already")
    if store == "memory://":
        raise WorkspaceError("memory:// keeps nothing between commands; use sqlite:///PATH")
    if owner is None:
        Kaflow(env=store_env(store, root), clock=clock, zone=zone).close()
        settings_module.write(root, store, timezone)
        return settings_module.load(root, environ={})
    env = store_env(store, root, create=True)
    path = sqlite_path(store, root)
    created = path is not None and not os.path.exists(path)
    # kaflow.toml is written first under another name, and named so last: an init that
    # fails or is killed leaves no workspace whose store holds none. (A store it left
    # with its first user is joined with --join; tables it left empty are no obstacle.)
    partial = settings_module.CONFIG_NAME + ".partial"
    config = settings_module.write(root, store, timezone, name=partial)
    try:
        if path is not None:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        app = Kaflow(env=env, clock=clock, zone=zone)
        try:
            app.create_directory(owner)
        finally:
            app.close()
        os.replace(config, os.path.join(root, settings_module.CONFIG_NAME))
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(config)
        if created and path is not None:
            for leftover in (path, f"{path}-wal", f"{path}-shm"):
                if os.path.exists(leftover):
                    os.remove(leftover)
        raise
    # The workspace just made, as written: KAFLOW_STORE may name another store.
    return settings_module.load(root, environ={})
