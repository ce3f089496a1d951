"""The server's own tables (passwords, tokens, sessions, failures, idempotency keys) on
a PostgreSQL store, through the real app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kaflow.application import commands as c
from kaflow.bootstrap import Services, init_workspace
from tests.web.conftest import OLGA, PASSWORD, SAM, bearer
from tests.web.test_sessions import login_csrf
from web.app import create_app


@pytest.fixture
def served(tmp_path: Path, pg_url: str) -> Iterator[tuple[TestClient, Services]]:
    settings = init_workspace(tmp_path, "olga", pg_url, "UTC", since="2025-01-01")
    services = Services(settings)
    since = datetime(2025, 1, 1, tzinfo=UTC)
    services.app.add_user(OLGA, c.AddUser(name="sam", role=c.Role.SALES, effective_from=since))
    services.credentials.set_password(OLGA, "sam", PASSWORD)
    with TestClient(create_app(services)) as client:
        yield client, services
    services.close()


def test_tokens_steps_idempotency_and_sessions_on_postgresql(
    served: tuple[TestClient, Services],
) -> None:
    client, services = served
    headers = bearer(services.credentials.issue_token(SAM, "t")["token"])
    body = {"name": "Acme", "category": "potential", "nature": "x"}
    made = client.post("/api/v1/accounts", json=body, headers=headers)
    assert made.status_code == 201, made.text
    account = made.json()["id"]
    key = {**headers, "Idempotency-Key": "k1", "If-Match": made.headers["ETag"]}
    reason = {"reason": "lost interest"}
    lost = client.post(f"/api/v1/accounts/{account}/reopen", json=reason, headers=key)
    assert lost.status_code == 422 and lost.json()["rule"] == "lifecycle"
    loss = {"reason": "price", "analysis": "too dear"}
    first = client.post(f"/api/v1/accounts/{account}/lose", json=loss, headers=key)
    again = client.post(f"/api/v1/accounts/{account}/lose", json=loss, headers=key)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    for _ in range(5):
        form = {"user": "sam", "password": "wrong", "csrf": login_csrf(client)}
        assert client.post("/login", data=form).status_code == 401
    form = {"user": "sam", "password": PASSWORD, "csrf": login_csrf(client)}
    assert client.post("/login", data=form).status_code == 429
