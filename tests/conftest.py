from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kaflow.application.service import Kaflow
from kaflow.clock import FixedClock
from tests import postgres
from tests.builders import make_app, staff

STORES = ["memory", "sqlite", "postgresql"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A case marked for one store only is not collected for the other."""
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        store = params.params.get("store_url", params.params.get("store")) if params else None
        if (store == "postgresql" and item.get_closest_marker("sqlite_only")) or (
            store in ("sqlite", "memory") and item.get_closest_marker("postgresql_only")
        ):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def pg_server() -> Iterator[postgres.Server]:
    """One PostgreSQL server for the whole run (pytest-postgresql's executor)."""
    server = postgres.start()
    yield server
    postgres.stop(server)


@pytest.fixture
def pg_url(pg_server: postgres.Server) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped after the test."""
    with pg_server.database() as url:
        yield url


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The same cases on every store: the fixture's parameter names it."""
    return str(request.param)


@pytest.fixture
def app(store: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Kaflow]:
    """The same cases on every store."""
    url = request.getfixturevalue("pg_url") if store == "postgresql" else None
    application = make_app(store, tmp_path, url=url)
    staff(application)
    yield application
    application.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def durable(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Kaflow]]:
    """Makes applications on one store that keeps its events (SQLite, then PostgreSQL):
    each call a new application on the same store, as another process would have."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    made: list[Kaflow] = []

    def make(clock: FixedClock | None = None) -> Kaflow:
        made.append(make_app(request.param, tmp_path, clock=clock, url=url))
        return made[-1]

    yield make
    for application in made:
        application.close()
