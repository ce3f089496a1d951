"""One application, its views and its queries shared by the threads of a server: commands
and reads at once, the user directory changing under them, nothing lost or mixed up."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from kaflow.application import commands as c
from kaflow.application.actor import Actor
from kaflow.application.queries import Queries
from kaflow.application.service import Kaflow
from kaflow.bootstrap import Services, Settings
from kaflow.projections.runner import Views
from tests.builders import OLGA, SAM, T0, advance, dump, identify, make_app, staff

THREADS = 6
ACCOUNTS_EACH = 4


def test_threads_share_one_application_its_views_and_queries(
    durable: Callable[..., Kaflow],
) -> None:
    app = durable()
    staff(app)
    views = Views(app)
    queries = Queries(app, lambda: views)
    made: dict[int, list[UUID]] = {}
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS + 1)

    def writer(n: int) -> None:
        start.wait()
        mine = made.setdefault(n, [])
        for k in range(ACCOUNTS_EACH):
            pid = identify(app, f"T{n}-{k}")
            advance(app, pid, "contacted")
            mine.append(pid)
            views.catch_up()
            names = {a["name"] for a in queries.accounts(SAM)}
            assert f"T{n}-{k}" in names
            assert queries.ledger(SAM, pid)["account"]["name"] == f"T{n}-{k}"

    def roles() -> None:  # the directory changes while the writers read it
        start.wait()
        for k in range(8):
            name = f"temp{k}"
            since = T0 + timedelta(days=k)
            app.add_user(OLGA, c.AddUser(name=name, role=c.Role.SALES, effective_from=since))
            assert queries.user(Actor(name), name)["role"] == "sales"

    def guarded(work: Callable[..., None], *args: Any) -> Callable[[], None]:
        def run() -> None:
            try:
                work(*args)
            except BaseException as e:  # reported below
                failures.append(e)

        return run

    threads = [threading.Thread(target=guarded(writer, n)) for n in range(THREADS - 1)]
    threads.append(threading.Thread(target=guarded(roles)))
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join(120)
    try:
        assert not failures, failures
        views.catch_up()
        everything = {a["name"]: a["state"] for a in queries.accounts(SAM)}
        assert len(everything) == (THREADS - 1) * ACCOUNTS_EACH
        assert set(everything.values()) == {"contacted"}
        assert len(queries.users(OLGA)) == 4 + 8
        fresh = Views(Kaflow(env=dict(app.env.items())))
        try:
            fresh.rebuild()
            assert dump(fresh) == dump(views)  # what the threads applied, exactly once
        finally:
            fresh.close()
    finally:
        views.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    """The services of a workspace with staff, as a server builds them."""
    if request.param == "postgresql":
        url = str(request.getfixturevalue("pg_url"))
        staff_of = make_app("postgresql", url=url)
    else:
        url = "sqlite:///k.db"
        staff_of = make_app("sqlite", tmp_path)
    staff(staff_of)
    staff_of.close()
    built = Services(Settings(root=str(tmp_path), store=url, timezone=UTC))
    yield built
    built.close()


def test_a_read_through_the_services_sees_every_write_before_it(services: Services) -> None:
    queries = services.queries
    assert queries.report(SAM, "funnel")["sections"][0]["rows"][0][1] == 0
    identify(services.app, "Acme")
    funnel = queries.report(SAM, "funnel")["sections"][0]["rows"]
    assert funnel[0][:2] == ["identified", 1]
    identify(services.app, "Bolt")
    assert {a["name"] for a in queries.accounts(SAM)} == {"Acme", "Bolt"}
    assert queries.report(SAM, "funnel")["sections"][0]["rows"][0][1] == 2


def test_threads_that_end_leave_no_connection_open(services: Services) -> None:
    identify(services.app, "Acme")
    queries = services.queries
    for _ in range(4):
        batch = [threading.Thread(target=queries.deadlines, args=(SAM,)) for _ in range(25)]
        for thread in batch:
            thread.start()
        for thread in batch:
            thread.join(30)
    gc.collect()
    assert services.views(catch_up=False).open_connections() <= 2  # this thread's, at most
