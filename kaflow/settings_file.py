"""Writing ``kaflow.toml``: a new workspace's (``kaflow init``), and the audit's signing
key named in an existing one, the rest of the file kept as it is. Reading it is
``kaflow.settings``'s."""

from __future__ import annotations

import os
from typing import TextIO

from kaflow.errors import WorkspaceError
from kaflow.settings import CONFIG_NAME, StrPath
from kaflow.settings_values import zone


def write(root: StrPath, store: str, timezone: str, name: str = CONFIG_NAME) -> str:
    """Write a new kaflow.toml (or, under another ``name``, one to be renamed so)."""
    path = os.path.join(root, name)
    if name != CONFIG_NAME and os.path.exists(path):
        os.remove(path)  # left by an init that was killed: never a workspace's own
    if os.path.exists(path):
        raise WorkspaceError(f"{path} exists already: this folder is a workspace already")
    zone(timezone)
    # A password in the store's URL stays readable by its owner only.
    from kaflow.storage.url import holds_secret

    secret = holds_secret(store)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if secret else 0o644)
    with open(descriptor, "w", encoding="utf-8") as config:
        try:
            _write(config, store, timezone)
        except BaseException:
            os.remove(path)
            raise
    return path


def _write(config: TextIO, store: str, timezone: str) -> None:
    config.write(
        "# kaflow workspace. Commands run in this folder or below use it.\n"
        f"store = {_quote(store)}  # KAFLOW_STORE overrides\n"
        f"timezone = {_quote(timezone)}  # for dates and times given without a zone\n"
        "lock_timeout = 10  # seconds a command waits for another writer\n"
        "\n[policies]\n"
        'follow_up_within = "P7D"  # R11: ISO 8601 duration after a visit\n'
        '# remind_before = "P2D"  # remind the visit\'s lead this long before it is due\n'
        '# late_entry_after = "P3D"  # mark a step recorded longer after it happened\n'
        '# max_backdate = "P30D"  # only a manager or above dates a step further back\n'
        "\n[notify]\n"
        'outbox = "outbox.jsonl"  # reminders and overdue notices, one JSON line each\n'
    )


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def name_signing_key(root: StrPath, key_file: str) -> None:
    """Name the audit's signing key in kaflow.toml (``[audit] signing_key``), keeping the
    rest of the file as it is."""
    path = os.path.join(root, CONFIG_NAME)
    with open(path, encoding="utf-8") as config:
        lines = config.read().splitlines()
    entry = f"signing_key = {_quote(key_file)}  # signs checkpoints (kaflow audit seal)"
    if "[audit]" in (line.strip() for line in lines):
        at = [line.strip() for line in lines].index("[audit]")
        lines.insert(at + 1, entry)
    else:
        lines += ["", "[audit]", entry]
    temporary = path + ".partial"
    with open(temporary, "w", encoding="utf-8") as config:
        config.write("\n".join(lines) + "\n")
    os.chmod(temporary, os.stat(path).st_mode & 0o777)
    os.replace(temporary, path)
