"""How each value in ``kaflow.toml`` is checked, and how a broken file is named: every
problem is one line naming the file, the table and the key (``kaflow.settings`` reads
the file with these)."""

from __future__ import annotations

import tomllib
from datetime import UTC, timedelta, tzinfo

from kaflow.clock import parse_duration
from kaflow.errors import WorkspaceError

MAX_WINDOW = timedelta(days=3650)


def toml_problem(error: tomllib.TOMLDecodeError, text: str) -> str:
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


def signing_key(value: object, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceError(f"{path}: [audit] signing_key must be a file name")
    return value


def sales_see(value: object, path: str) -> str:
    if value not in ("all", "own"):
        raise WorkspaceError(
            f'{path}: [access] sales_see {value!r}: "all" (every account) or "own" (the '
            "accounts a salesperson owns or took part in)"
        )
    return str(value)


def language(value: object, path: str) -> str:
    text = str(value).strip().lower().replace("-", "_")
    if text not in ("en", "zh", "zh_cn"):
        raise WorkspaceError(f'{path}: language {value!r}: "en" or "zh"')
    return "en" if text == "en" else "zh"


def seal_every(value: object, path: str) -> str:
    try:
        window(str(value))
    except (ValueError, OverflowError) as e:
        raise WorkspaceError(f"{path}: [audit] seal_every: {e}") from None
    return str(value)


def known_keys(data: dict[str, object], path: str) -> None:
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


def table_of(data: dict[str, object], name: str, path: str) -> dict[str, object]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise WorkspaceError(f"{path}: [{name}] must be a table")
    return table


def outbox_name(value: object, path: str) -> str:
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


def duration(value: object, path: str, key: str = "follow_up_within") -> str:
    try:
        window(str(value))
    except (ValueError, OverflowError) as e:
        raise WorkspaceError(f"{path}: [policies] {key}: {e}") from None
    return str(value)


def optional_duration(policies: dict[str, object], key: str, path: str) -> str | None:
    value = policies.get(key)
    return None if value is None or value == "" else duration(value, path, key)


def reminder(policies: dict[str, object], path: str) -> str | None:
    value = policies.get("remind_before")
    if value is None or value == "":
        return None
    remind = duration(value, path, "remind_before")
    if window(remind) >= window(duration(policies.get("follow_up_within", "P7D"), path)):
        raise WorkspaceError(
            f"{path}: [policies] remind_before must be shorter than follow_up_within"
        )
    return remind


def currency(value: object, path: str) -> str:
    if value == "CNY":
        return value  # the default: spare every command the Babel import
    from kaflow.reporting.money import currency_code

    try:
        return currency_code(value if isinstance(value, str) else repr(value))
    except ValueError as e:
        raise WorkspaceError(f"{path}: currency: {e}") from None


def lock_timeout(value: object, path: str) -> int:
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
