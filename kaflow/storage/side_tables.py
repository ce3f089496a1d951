"""The tables beside the log that go with it in a store's copy: the hash chain, the
checkpoints and their public keys, the accounts' (wrapped) data keys, the server's
sign-ins, the notification channels' state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kaflow.storage.rows import Store


def side_tables(pg: bool) -> list[tuple[str, str, str]]:
    """The tables beside the log that go with it: the hash chain, the checkpoints and
    their public keys, the accounts' (wrapped) data keys."""
    from kaflow.scheduling.channel_book import SCHEMA as CHANNEL_TABLES
    from kaflow.scheduling.channel_book import STATE_COLUMNS
    from kaflow.storage import audit, chain, keys
    from kaflow.storage import credentials as c

    engine = "postgresql" if pg else "sqlite"
    checkpoints, public_keys = audit.side_tables()
    made = dict(zip((c.PASSWORDS, c.TOKENS, c.SESSIONS), c.create_statements(), strict=False))
    made[c.IDEMPOTENCY], made[c.PREFERENCES] = c.create_statements()[-2:]
    channels = [t.strip() for t in CHANNEL_TABLES.split(";") if t.strip()]
    return [
        (chain.TABLE, chain.Dialect(engine, "").create, "position, digest, hash, login"),
        (audit.CHECKPOINTS, checkpoints, "position, hash, at, public_key, signature"),
        (audit.KEYS, public_keys, "public_key, created_at"),
        (keys.TABLE, keys.create_statement(engine), "key_id, account_id, wrapped"),
        # The server's sign-ins and the notification channels' state go with the store.
        (c.PASSWORDS, made[c.PASSWORDS], "user_name, hash, set_at"),
        (c.TOKENS, made[c.TOKENS],
         "token_id, user_name, label, digest, read_only, created_at, expires_at, revoked_at"),
        (c.SESSIONS, made[c.SESSIONS], "digest, user_name, csrf, created_at, seen_at, revoked_at"),
        (c.IDEMPOTENCY, made[c.IDEMPOTENCY],
         "user_name, idem_key, fingerprint, created_at, status, body"),
        (c.PREFERENCES, made[c.PREFERENCES], "user_name, language, set_at"),
        ("kaflow_channel_state", channels[0], "channel, " + STATE_COLUMNS),
        ("kaflow_channel_parked", channels[1],
         "channel, position, notice, subject, failures, error, parked_at"),
    ]  # fmt: skip


def rewrapped(rewrap: Callable[[str, str, bytes], bytes], row: tuple[Any, ...]) -> tuple[Any, ...]:
    key_id, account, wrapped = row
    return key_id, account, None if wrapped is None else rewrap(key_id, account, wrapped)


def plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def chain_head(store: Store) -> tuple[int, str]:
    from kaflow.storage import chain

    if not store.has_table(chain.TABLE):
        return 0, ""
    sql = f"SELECT position, hash FROM {chain.TABLE} ORDER BY position DESC LIMIT 1"
    found = list(store.rows(sql))
    return (int(found[0][0]), bytes(found[0][1]).hex()) if found else (0, "")
