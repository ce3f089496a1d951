"""The composition root: settings and store in, a ready application out."""

from __future__ import annotations

from pathlib import Path

from kaflow import settings as settings_module
from kaflow.application import Kaflow
from kaflow.clock import Clock
from kaflow.errors import WorkspaceError
from kaflow.settings import Settings
from kaflow.store import sqlite_path, store_env


def open_app(settings: Settings, clock: Clock | None = None) -> Kaflow:
    env = store_env(settings.store, settings.root, lock_timeout=settings.lock_timeout)
    return Kaflow(env=env, clock=clock, zone=settings.timezone)


def init_workspace(
    root: Path, owner: str, store: str, timezone: str, clock: Clock | None = None
) -> Settings:
    """Write kaflow.toml, create the store and its first user, a process owner."""
    settings_module.zone(timezone)
    if settings_module.find_root(root) == root:
        raise WorkspaceError(f"{root} is a workspace already")
    env = store_env(store, root, create=True)
    path = sqlite_path(store, root)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    app = Kaflow(env=env, clock=clock)
    app.create_directory(owner)
    settings_module.write(root, store, timezone)
    return settings_module.load(root)
