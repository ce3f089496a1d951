"""The store's administration, built from the settings: check it, back it up, copy it,
set it up for a runtime role."""

from __future__ import annotations

import os
from typing import Any

from kaflow.bootstrap.app import open_app
from kaflow.settings import Settings


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
