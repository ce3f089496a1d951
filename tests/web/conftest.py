"""A workspace served in process: olga (owner), mia (manager), sam (sales), each with a
password and a token; a movable clock; FastAPI's TestClient against the real app."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.bootstrap import Services, init_workspace
from kaflow.clock import FixedClock
from tests.builders import ANALYSIS
from web.app import create_app

PASSWORD = "correct horse battery"
OLGA, MIA, SAM = Actor("olga"), Actor("mia"), Actor("sam")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def services(tmp_path: Path, clock: FixedClock) -> Iterator[Services]:
    settings = init_workspace(
        tmp_path, "olga", "sqlite:///kaflow.db", "UTC", clock=clock, since="2025-01-01"
    )
    found = Services(settings, clock)
    since = datetime(2025, 1, 1, tzinfo=UTC)
    for name, role in (("mia", c.Role.MANAGER), ("sam", c.Role.SALES)):
        found.app.add_user(OLGA, c.AddUser(name=name, role=role, effective_from=since))
    for actor in (OLGA, MIA, SAM):
        found.credentials.set_password(OLGA, actor.name, PASSWORD)
    yield found
    found.close()


@pytest.fixture
def tokens(services: Services) -> dict[str, str]:
    made = {a.name: services.credentials.issue_token(a, "tests")["token"] for a in (OLGA, MIA, SAM)}
    made["sam-read"] = services.credentials.issue_token(SAM, "reader", read_only=True)["token"]
    return made


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services, follow=False)) as found:
        yield found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


Api = Callable[..., Any]


@pytest.fixture
def api(client: TestClient, tokens: dict[str, str]) -> Api:
    """``api("post", path, as_="sam", json=..., status=200)``: the answer, its status
    checked."""

    def call(method: str, path: str, as_: str = "sam", status: int | None = 200, **kw: Any) -> Any:
        headers = {**bearer(tokens[as_]), **kw.pop("headers", {})}
        answer = client.request(method, "/api/v1" + path, headers=headers, **kw)
        if status is not None:
            assert answer.status_code == status, answer.text
        return answer

    return call


STEPS_TO_VISIT: list[tuple[str, dict[str, Any]]] = [
    ("analyse", {"analysis": json.loads(json.dumps(ANALYSIS, default=str))}),
    ("approach", {"method": "visit", "chair": "mia", "notes": "visit them"}),
    ("contact", {"channel": "phone", "person": "Wang Li", "attitude": "positive", "notes": "ok"}),
    ("conference", {"participants": "mia,sam", "notes": "lead with service"}),
    ("prepare", {"customer_data": "org chart", "analysis": "costs", "sales_materials": "cases"}),
]
VISIT = {"lead": "mia", "place": "HQ", "manner": "face-to-face", "points": "offer",
         "views": "keen", "next_steps": "quote"}  # fmt: skip


def new_account(api: Api, name: str = "Huadong Supplies", upto: str = "identified") -> str:
    """An account added through the API, then taken through the steps up to ``upto``."""
    body = {"name": name, "category": "potential", "nature": "distributor",
            "allow_duplicate": True}  # fmt: skip
    account = str(api("post", "/accounts", json=body, status=201).json()["id"])
    if upto == "identified":
        return account
    for step, fields in STEPS_TO_VISIT:
        api("post", f"/accounts/{account}/{step}", json=fields)
        if step == upto:
            return account
    api("post", f"/accounts/{account}/visit", json=VISIT)
    return account
