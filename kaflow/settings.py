"""The workspace: ``kaflow.toml`` found upwards from the current folder.

Paths are handled with ``os.path``: every command starts here, and ``pathlib`` would
add to each command's start-up what a whole rule check costs many times over.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, timedelta, tzinfo
from functools import cached_property
from typing import TYPE_CHECKING

from kaflow.clock import parse_duration
from kaflow.errors import WorkspaceError, step

if TYPE_CHECKING:
    from kaflow.scheduling.channels.config import NotifySettings
    from kaflow.scheduling.ladder_config import Escalation
    from kaflow.storage.url import StoreURL

CONFIG_NAME = "kaflow.toml"
DEFAULT_STORE = "sqlite:///kaflow.db"


StrPath = str | os.PathLike[str]
MAX_WINDOW = timedelta(days=3650)


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
        raise WorkspaceError(f"{path} is not valid TOML: {_toml_problem(e, text)}") from None
    _known_keys(data, path)
    policies = _table(data, "policies", path)
    escalation, notify = _escalation(_table(data, "notify", path), path)
    settings = Settings(
        root=root,
        store=environ.get("KAFLOW_STORE") or str(data.get("store", DEFAULT_STORE)),
        timezone=zone(str(data.get("timezone", "UTC"))),
        follow_up_within=_duration(policies.get("follow_up_within", "P7D"), path),
        remind_before=_reminder(policies, path),
        late_entry_after=_duration(
            policies.get("late_entry_after", "P3D"), path, "late_entry_after"
        ),
        max_backdate=_optional_duration(policies, "max_backdate", path),
        lock_timeout=_seconds(data.get("lock_timeout", 10), path),
        outbox=_text(_table(data, "notify", path).get("outbox", "outbox.jsonl"), path),
        currency=_currency(data.get("currency", "CNY"), path),
        signing_key=_optional_text(_table(data, "audit", path).get("signing_key"), path),
        language=_language(data.get("language", "en"), path),
        sales_see=_sales_see(_table(data, "access", path).get("sales_see", "all"), path),
        seal_every=_seal_every(_table(data, "audit", path).get("seal_every", "P1D"), path),
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


def _toml_problem(error: tomllib.TOMLDecodeError, text: str) -> str:
    """tomllib's 'Problem (at line L, column C)' as 'line L, column C: problem'; its
    'end of document' as the line and column where the file ends."""
    import re

    found = re.fullmatch(r"(.*) \(at (?:line (\d+), column (\d+)|end of document)\)", str(error))
    if found is None:
        return str(error)
    problem, line, column = found.groups()
    if line is None:
        line, column = str(text.count("\n") + 1), str(len(text.rsplit("\n", 1)[-1]) + 1)
        problem += " at the end of the file"
    # A key as tomllib shows it, a Python tuple ('a', 'b'), as it is written: 'a.b'.
    problem = re.sub(
        r"\(((?:'[^']*',? ?)+)\)",
        lambda m: "'" + ".".join(re.findall(r"'([^']*)'", m[1])) + "'",
        problem,
    )
    return f"line {line}, column {column}: {problem[:1].lower()}{problem[1:]}"


# Every key kaflow.toml may hold, by table ("" the top level): a key kaflow does not know
# is a typo that would otherwise silently fall back to a default (timzone -> UTC).
KNOWN_KEYS: dict[str, set[str]] = {
    "": {
        "store",
        "timezone",
        "lock_timeout",
        "currency",
        "language",
        "access",
        "policies",
        "notify",
        "audit",
    },
    "audit": {"signing_key", "seal_every"},
    "access": {"sales_see"},
    "policies": {"follow_up_within", "remind_before", "late_entry_after", "max_backdate"},
    "notify": {"outbox", "channels", "park_after", "retry_after", "ladder", "digest_at"},
}


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


def _optional_text(value: object, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceError(f"{path}: [audit] signing_key must be a file name")
    return value


def _sales_see(value: object, path: str) -> str:
    if value not in ("all", "own"):
        raise WorkspaceError(
            f'{path}: [access] sales_see {value!r}: "all" (every account) or "own" (the '
            "accounts a salesperson owns or took part in)"
        )
    return str(value)


def _language(value: object, path: str) -> str:
    text = str(value).strip().lower().replace("-", "_")
    if text not in ("en", "zh", "zh_cn"):
        raise WorkspaceError(f'{path}: language {value!r}: "en" or "zh"')
    return "en" if text == "en" else "zh"


def _seal_every(value: object, path: str) -> str:
    try:
        window(str(value))
    except (ValueError, OverflowError) as e:
        raise WorkspaceError(f"{path}: [audit] seal_every: {e}") from None
    return str(value)


def _known_keys(data: dict[str, object], path: str) -> None:
    for table, keys in KNOWN_KEYS.items():
        found = data if not table else data.get(table, {})
        if not isinstance(found, dict):
            continue
        unknown = sorted(set(found) - keys)
        if unknown:
            where = f"[{table}] " if table else ""
            raise WorkspaceError(
                f"{path}: unknown setting {where}{unknown[0]!r} "
                f"(known{' in [' + table + ']' if table else ''}: {', '.join(sorted(keys))})"
            )


def _table(data: dict[str, object], name: str, path: str) -> dict[str, object]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise WorkspaceError(f"{path}: [{name}] must be a table")
    return table


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceError(f"{path}: [notify] outbox must be a file name")
    return value


def window(text: str) -> timedelta:
    """A policy's duration: longer than nothing, at most ten years."""
    found = parse_duration(text)
    if found <= timedelta(0):
        raise ValueError("it must be longer than nothing")
    if found > MAX_WINDOW:
        raise ValueError("it must be at most ten years (P3650D)")
    return found


def _duration(value: object, path: str, key: str = "follow_up_within") -> str:
    try:
        window(str(value))
    except (ValueError, OverflowError) as e:
        raise WorkspaceError(f"{path}: [policies] {key}: {e}") from None
    return str(value)


def _optional_duration(policies: dict[str, object], key: str, path: str) -> str | None:
    value = policies.get(key)
    return None if value is None or value == "" else _duration(value, path, key)


def _reminder(policies: dict[str, object], path: str) -> str | None:
    value = policies.get("remind_before")
    if value is None or value == "":
        return None
    remind = _duration(value, path, "remind_before")
    if window(remind) >= window(_duration(policies.get("follow_up_within", "P7D"), path)):
        raise WorkspaceError(
            f"{path}: [policies] remind_before must be shorter than follow_up_within"
        )
    return remind


def _currency(value: object, path: str) -> str:
    if value == "CNY":
        return value  # the default: spare every command the Babel import
    from kaflow.reporting.money import currency_code

    try:
        return currency_code(value if isinstance(value, str) else repr(value))
    except ValueError as e:
        raise WorkspaceError(f"{path}: currency: {e}") from None


def _seconds(value: object, path: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise WorkspaceError(f"{path}: lock_timeout must be a whole number of seconds, at least 1")
    return value


def zone(name: str) -> tzinfo:
    if name == "UTC":
        return UTC  # the default: spare every command the zoneinfo import
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise WorkspaceError(f"unknown time zone '{name}' (e.g. UTC, Asia/Shanghai)") from None
