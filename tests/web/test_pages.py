"""The pages, signed in: the dashboard, the accounts (filters, search, paging, the htmx
fragment), an account with its timeline and record, a form for every step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import Api, new_account
from tests.web.test_sessions import page_csrf, sign_in
from web.pages.views import STEP_PAGES


@pytest.fixture
def signed(client: TestClient) -> TestClient:
    assert sign_in(client) == 303
    return client


def test_the_dashboard_shows_the_funnel_and_deadlines(signed: TestClient, api: Api) -> None:
    account = new_account(api, upto="visit")
    page = signed.get("/")
    assert page.status_code == 200
    assert 'class="bar"' in page.text and "follow-ups due this week" in page.text
    assert f"/accounts/{account}" not in page.text  # sam did not lead the visit
    mia = signed.get("/api/v1/deadlines").json()
    assert mia[0]["lead"] == "mia"


def test_every_link_in_the_header_is_a_page_and_names_are_unique(signed: TestClient) -> None:
    """The pages find each other by route name: a name the API also used sent the
    header's Dashboard link to the JSON twin."""
    import re
    from collections import Counter

    def named(routes: list[Any]) -> Iterator[str]:
        for route in routes:
            if getattr(route, "name", None):
                yield route.name
            inner = getattr(route, "original_router", None) or getattr(route, "router", None)
            yield from named(getattr(inner, "routes", None) or [])

    names = Counter(named(signed.app.routes))  # type: ignore[attr-defined]
    assert names["dashboard"] and names["login_page"]
    assert [n for n, count in names.items() if count > 1] == []
    header = signed.get("/").text.split("<main>")[0]
    for link in re.findall(r'<a[^>]* href="([^"]+)"', header):
        page = signed.get(link)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"], link


def test_accounts_search_filters_and_pages(signed: TestClient, api: Api) -> None:
    for n in range(27):
        new_account(api, f"Shop {n}")
    new_account(api, "华东建材有限公司")
    page = signed.get("/accounts?search=华东")
    assert "华东建材有限公司" in page.text and "Shop 1" not in page.text
    first = signed.get("/accounts")
    assert "28 accounts" in first.text and "Page 1 of 2" in first.text
    assert "Page 2 of 2" in signed.get("/accounts?page=2").text
    fragment = signed.get("/accounts?search=shop", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and "27 accounts" in fragment.text
    assert "Please check" in signed.get("/accounts?search=%21%21").text


def test_an_account_page_shows_state_steps_timeline_and_record(
    signed: TestClient, api: Api
) -> None:
    account = new_account(api, upto="visit")
    page = signed.get(f"/accounts/{account}")
    assert page.status_code == 200
    text = page.text
    assert "visited" in text and "Follow-up due" in text and "visit led by mia" in text
    assert f"/accounts/{account}/steps/follow-up" in text
    assert "VisitRecorded" in text and "<td>sales</td>" in text  # the timeline: event, role
    assert "?format=xlsx" in text and "Development record" in text
    xlsx = signed.get(f"/api/v1/accounts/{account}/record?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


@pytest.mark.parametrize("step", STEP_PAGES)
def test_every_step_has_a_form(signed: TestClient, api: Api, step: str) -> None:
    account = new_account(api)
    page = signed.get(f"/accounts/{account}/steps/{step}")
    assert page.status_code == 200
    assert 'name="csrf"' in page.text and 'name="at"' in page.text


def test_a_step_by_its_form_is_recorded(signed: TestClient, api: Api) -> None:
    account = new_account(api, upto="approach")
    form = {"channel": "email", "person": "Wang", "attitude": "neutral", "notes": "sent",
            "at": "", "csrf": page_csrf(signed)}  # fmt: skip
    done = signed.post(f"/accounts/{account}/steps/contact", data=form, follow_redirects=False)
    assert done.status_code == 303
    history = api("get", f"/accounts/{account}/history").json()["events"]
    assert history[-1]["type"] == "ContactRecorded" and history[-1]["actor"] == "sam"
