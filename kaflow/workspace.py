"""A new workspace: kaflow.toml written, and its store created with the first user (a
process owner), all or nothing; or kaflow.toml alone, to join a store that holds one."""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, tzinfo

from kaflow import settings as settings_module
from kaflow import settings_file, settings_values
from kaflow.application.service import Kaflow
from kaflow.clock import Clock
from kaflow.errors import WorkspaceError
from kaflow.settings import Settings
from kaflow.storage.url import StoreURL


def owner_name(text: str) -> str:
    """The first user's name as it will be kept: a new user's name, by its rules."""
    from kaflow.application.commands import AddUser, Role

    return AddUser.validate({"name": text, "role": Role.OWNER}, "owner").name


def init_workspace(
    root: settings_module.StrPath,
    owner: str | None,
    store: str,
    timezone: str,
    clock: Clock | None = None,
    since: str | None = None,
) -> Settings:
    """Write kaflow.toml, then create the store and its first user, a process owner
    from ``since`` (default: now; earlier, for the work they did before the workspace
    existed). Without an owner, join a store that holds a workspace already: only
    kaflow.toml.

    All or nothing: if any part fails, kaflow.toml and a store file this call created
    are removed again. The owner's name is a new user's name (its rules checked here,
    for every front end).
    """
    if owner is not None:
        owner = owner_name(owner)
    zone = settings_values.zone(timezone)
    start = None if since is None else _owner_since(since, zone, clock)
    if os.path.exists(os.path.join(root, settings_module.CONFIG_NAME)):
        raise WorkspaceError(f"{root} is a workspace already")
    url = StoreURL.parse(store, root)
    if url.engine == "memory":
        raise WorkspaceError("memory:// keeps nothing between commands; use sqlite:///PATH")
    if owner is None:
        Kaflow(env=url.library_env(), clock=clock, zone=zone).close()
        settings_file.write(root, store, timezone)
    else:
        _create_workspace(root, url, owner, timezone, clock=clock, zone=zone, since=start)
        from kaflow.application.privacy import master_key

        master_key(str(root), create=True)  # personal data is sealed under it
    # The workspace just made, as written: KAFLOW_STORE may name another store.
    return settings_module.load(root, environ={})


def _create_workspace(
    root: settings_module.StrPath,
    url: StoreURL,
    owner: str,
    timezone: str,
    *,
    clock: Clock | None,
    zone: tzinfo,
    since: datetime | None = None,
) -> None:
    """The store created with its first user, and kaflow.toml, all or nothing."""
    env = url.library_env(create=True)
    path = url.path
    created = path is not None and not os.path.exists(path)
    # kaflow.toml is written first under another name, and named so last: an init that
    # fails or is killed leaves no workspace whose store holds none. (A store it left
    # with its first user is joined with --join; tables it left empty are no obstacle.)
    partial = settings_module.CONFIG_NAME + ".partial"
    config = settings_file.write(root, url.text, timezone, name=partial)
    try:
        if path is not None:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        app = Kaflow(env=env, clock=clock, zone=zone)
        try:
            app.create_directory(owner, since)
        finally:
            app.close()
        os.replace(config, os.path.join(root, settings_module.CONFIG_NAME))
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(config)
        if created and path is not None:
            _remove_store_file(path)
        raise


def _owner_since(text: str, zone: tzinfo, clock: Clock | None) -> datetime:
    """When the first owner's role starts, as a user writes it; never in the future."""
    from kaflow.clock import SystemClock, fixed_offset, parse_when
    from kaflow.errors import BadInputError, field

    now = fixed_offset((clock or SystemClock()).now().astimezone(zone))
    try:
        moment = fixed_offset(parse_when(text, zone, today=now.date()))
    except ValueError as e:
        raise BadInputError(f"{field('effective_from')}: {e}", field="effective_from") from None
    if moment > now:
        raise BadInputError(
            f"{field('effective_from')} {text} is in the future: the owner must hold the role "
            "from now on",
            field="effective_from",
        )
    return moment


def _remove_store_file(path: str) -> None:
    """An SQLite store this init created, with the files beside it."""
    for leftover in (path, f"{path}-wal", f"{path}-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
