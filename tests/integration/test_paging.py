"""A page of accounts is paged in the views, not after: its accounts only are loaded,
and the total counts every match; on every store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from kaflow.application.queries import Queries
from kaflow.application.service import Kaflow
from kaflow.errors import BadInputError
from kaflow.projections.runner import Views
from tests.builders import OLGA, SAM, advance, identify

COUNT = 12


@pytest.fixture
def queries(app: Kaflow) -> Iterator[Queries]:
    for n in range(COUNT):
        pid = identify(app, f"Paged {n:02d}")
        if n % 3 == 0:
            advance(app, pid, "analysed")
    views = Views(app)
    views.catch_up()
    yield Queries(app, lambda: views)
    views.close()


@pytest.fixture
def loads(app: Kaflow, monkeypatch: pytest.MonkeyPatch) -> list[UUID]:
    """The accounts loaded from the store, as they are loaded."""
    loaded: list[UUID] = []
    load = app.get_prospect

    def counted(pid: UUID, *args: Any, **kwargs: Any) -> Any:
        loaded.append(pid)
        return load(pid, *args, **kwargs)

    monkeypatch.setattr(app, "get_prospect", counted)
    return loaded


def test_a_page_holds_limit_accounts_and_loads_only_them(
    queries: Queries, loads: list[UUID]
) -> None:
    page = queries.accounts(SAM, limit=5, offset=5)
    assert (page["total"], page["offset"], page["limit"]) == (COUNT, 5, 5)
    assert [a["name"] for a in page["accounts"]] == [f"Paged {n:02d}" for n in range(5, 10)]
    assert len(loads) == 5  # the page's accounts, not every match
    assert sorted(str(i) for i in loads) == sorted(a["id"] for a in page["accounts"])


def test_pages_cover_the_list_in_its_order_with_filters_and_sorts(queries: Queries) -> None:
    for options in ({}, {"sort": "name"}, {"state": "analysed"}, {"search": "paged 1"}):
        whole = queries.accounts(OLGA, **options)
        pages = [queries.accounts(OLGA, **options, limit=4, offset=o) for o in range(0, 16, 4)]
        assert {p["total"] for p in pages} == {len(whole)}
        assert [a["id"] for p in pages for a in p["accounts"]] == [a["id"] for a in whole]
    assert queries.accounts(OLGA, state="analysed", limit=2)["total"] == 4
    assert queries.accounts(OLGA, search="paged 1", limit=1)["total"] == 2


def test_past_the_end_an_empty_page_with_the_total(queries: Queries, loads: list[UUID]) -> None:
    assert queries.accounts(SAM, limit=10, offset=50) == {
        "total": COUNT,
        "offset": 50,
        "limit": 10,
        "accounts": [],
    }
    assert queries.accounts(SAM, limit=0)["total"] == COUNT
    assert loads == []


def test_without_a_limit_the_list_as_before(queries: Queries) -> None:
    everything = queries.accounts(SAM)
    assert isinstance(everything, list) and len(everything) == COUNT
    assert queries.accounts(SAM, offset=10) == everything[10:]


@pytest.mark.parametrize(("limit", "offset", "name"), [(-1, 0, "limit"), (5, -1, "offset")])
def test_a_negative_limit_or_offset_is_bad_input(
    queries: Queries, limit: int, offset: int, name: str
) -> None:
    with pytest.raises(BadInputError) as refused:
        queries.accounts(SAM, limit=limit, offset=offset)
    assert refused.value.field == name
