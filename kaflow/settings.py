"""The workspace: ``kaflow.toml`` found upwards from the current folder.

Paths are handled with ``os.path``: every command starts here, and ``pathlib`` would
add to each command's start-up what a whole rule check costs many times over.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from functools import cached_property
from typing import TYPE_CHECKING

from kaflow import settings_values as check
from kaflow.errors import WorkspaceError, step

if TYPE_CHECKING:
    from kaflow.scheduling.channels.config import NotifySettings
    from kaflow.scheduling.ladder_config import Escalation
    from kaflow.storage.url import StoreURL

CONFIG_NAME = "kaflow.toml"
DEFAULT_STORE = "sqlite:///kaflow.db"


StrPath = str | os.PathLike[str]


@dataclass(frozen=True)
class Settings:
    root: str
    store: str
    timezone: tzinfo
    follow_up_within: str = "P7D"
    remind_before: str | None = None  # R11: remind the lead this long before the deadline
    lock_timeout: int = 10  # seconds a writer waits for another before giving up
    outbox: str = "outbox.jsonl"  # where notices go: JSON lines, relative to the root
    currency: str = "CNY"  # ISO 4217: the amounts people read are shown in it
    late_entry_after: str = "P3D"  # a step recorded longer after it happened is marked
    max_backdate: str | None = None  # dating a step further back needs a manager or above
    signing_key: str | None = None  # [audit]: the Ed25519 key checkpoints are signed with
    seal_every: str = "P1D"  # [audit]: how often the scheduler signs a checkpoint
    language: str = "en"  # the CLI's messages: "en", or "zh" (KAFLOW_LANG overrides)
    sales_see: str = "all"  # [access]: "own": salespeople see the accounts they took part in
    notify: NotifySettings | None = None  # [notify]: channels beside the outbox, if any
    escalation: Escalation | None = None  # [notify]: the ladder and the digest, if set

    @cached_property
    def store_url(self) -> StoreURL:
        """The store's URL, parsed once."""
        from kaflow.storage.url import StoreURL

        return StoreURL.parse(self.store, self.root)

    def own_files(self) -> list[str]:
        """The workspace's own files, which no export may write over: kaflow.toml, the
        outbox, and an SQLite store with its journal files."""
        paths = [os.path.join(self.root, CONFIG_NAME), self.outbox_path()]  # in this order
        paths.append(os.path.join(self.root, "kaflow.key"))  # the master key (privacy)
        if self.signing_key is not None:  # the audit's signing key
            paths.append(os.path.join(self.root, os.path.expanduser(self.signing_key)))
        store = self.store_url.path
        if store is not None:
            paths += [store, *(store + suffix for suffix in ("-wal", "-shm", "-journal"))]
        return paths

    def outbox_path(self) -> str:
        return os.path.join(self.root, self.outbox)


def find_root(start: StrPath) -> str | None:
    folder = os.path.abspath(start)
    while True:
        if os.path.isfile(os.path.join(folder, CONFIG_NAME)):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def load(start: StrPath, environ: Mapping[str, str] = os.environ) -> Settings:
    root = find_root(os.path.realpath(start))
    if root is None:
        raise WorkspaceError(
            f"no {CONFIG_NAME} in {start} or any folder above it; "
            f"create a workspace with {step('init_owner')}"
        )
    path = os.path.join(root, CONFIG_NAME)
    try:
        with open(path, encoding="utf-8") as config:
            text = config.read()
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as e:
        raise WorkspaceError(f"cannot read {path}: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise WorkspaceError(f"{path} is not valid TOML: {check.toml_problem(e, text)}") from None
    check.known_keys(data, path)
    policies, audit, notices = (
        check.table_of(data, t, path) for t in ("policies", "audit", "notify")
    )
    escalation, notify = _escalation(notices, path)
    settings = Settings(
        root=root,
        store=environ.get("KAFLOW_STORE") or str(data.get("store", DEFAULT_STORE)),
        timezone=check.zone(str(data.get("timezone", "UTC"))),
        follow_up_within=check.duration(policies.get("follow_up_within", "P7D"), path),
        remind_before=check.reminder(policies, path),
        late_entry_after=check.duration(
            policies.get("late_entry_after", "P3D"), path, "late_entry_after"
        ),
        max_backdate=check.optional_duration(policies, "max_backdate", path),
        lock_timeout=check.lock_timeout(data.get("lock_timeout", 10), path),
        outbox=check.outbox_name(notices.get("outbox", "outbox.jsonl"), path),
        currency=check.currency(data.get("currency", "CNY"), path),
        signing_key=check.signing_key(audit.get("signing_key"), path),
        language=check.language(data.get("language", "en"), path),
        sales_see=check.sales_see(
            check.table_of(data, "access", path).get("sales_see", "all"), path
        ),
        seal_every=check.seal_every(audit.get("seal_every", "P1D"), path),
        notify=notify,
        escalation=escalation,
    )
    _outbox_of_its_own(settings, path)
    return settings


def _outbox_of_its_own(settings: Settings, path: str) -> None:
    """The outbox is appended to (and a line a crash cut short is cut off): never the
    store, its journal files or kaflow.toml."""
    outbox = os.path.realpath(settings.outbox_path())
    for own in settings.own_files()[:1] + settings.own_files()[2:]:  # all but the outbox
        if os.path.realpath(own) == outbox:
            raise WorkspaceError(
                f"{path}: [notify] outbox names {os.path.basename(own)}, one of the "
                "workspace's own files; name a file of its own (default outbox.jsonl)"
            )


def _channels(notify: dict[str, object], path: str) -> NotifySettings | None:
    """[notify]'s channels (docs/notifications.md), validated only in a workspace that
    names some: the others never load their models."""
    if not {"channels", "park_after", "retry_after"} & set(notify):
        return None
    from kaflow.scheduling.channels.config import parse

    return parse(notify, path)


def _escalation(
    notify: dict[str, object], path: str
) -> tuple[Escalation | None, NotifySettings | None]:
    """[notify]'s ladder and digest (docs/notifications.md), and its channels."""
    if not {"ladder", "digest_at"} & set(notify):
        return None, _channels(notify, path)
    from kaflow.scheduling.ladder_config import parse

    return parse(notify, path, lambda table: _channels(table, path))
