"""Notification channels through the CLI, against real servers on 127.0.0.1: the ``ws``
and ``run`` fixtures of the CLI tests (SQLite and PostgreSQL), a webhook stand-in and an
SMTP server, and kaflow.toml's ``[notify]`` written for each case."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import run, store_url, ws  # noqa: F401  (the CLI's fixtures)
from tests.notify.servers import Hooks, serve_hooks, serve_mail

SECRET = "s3cret-signing-key"
# new_account visits on 2026-03-06 (midnight, UTC): the follow-up is due 2026-03-13T00:00.
AFTER = "2026-03-13T00:00:01"


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    found, server = serve_hooks()
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def mail() -> Iterator[Any]:
    controller = serve_mail()
    yield controller
    controller.stop()


def toml(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, bool) else str(value).lower()


def channel(name: str, type: str, **keys: Any) -> str:
    lines = ["[[notify.channels]]", f"name = {toml(name)}", f"type = {toml(type)}"]
    lines += [f"{k.rstrip('_')} = {toml(v)}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


def configure(folder: Path, *channels: str, **notify: Any) -> None:
    """Channels (and [notify] keys) added to the workspace's kaflow.toml, whose last
    table is [notify]."""
    path = folder / "kaflow.toml"
    text = path.read_text()
    assert text.rstrip().splitlines()[-1].startswith("outbox =")  # [notify] comes last
    keys = "".join(f"{k} = {toml(v)}\n" for k, v in notify.items())
    path.write_text(text + keys + "\n" + "\n".join(channels))


def outbox(folder: Path) -> list[dict[str, Any]]:
    path = folder / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def hex_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def dingtalk_sign(timestamp: str, secret: str = SECRET) -> str:
    """As DingTalk's documentation computes it (before the query's url-encoding)."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def feishu_sign(timestamp: str, secret: str = SECRET) -> str:
    """As Feishu's documentation computes it: the key is "{timestamp}\\n{secret}"."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()
