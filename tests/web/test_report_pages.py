"""The pages added beside the account pages: deadlines, each report with both kinds of
"as of" and its downloads, the conformance matrix, users, tokens (create, shown once,
revoke; an owner sees everyone's), and adding an account by its form."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from kaflow.application.queries import REPORTS
from kaflow.clock import FixedClock
from tests.web.conftest import Api, new_account
from tests.web.test_sessions import page_csrf, sign_in


@pytest.fixture
def signed(client: TestClient) -> TestClient:
    assert sign_in(client) == 303
    return client


def test_the_deadlines_page_shows_time_left_and_overdue(
    signed: TestClient, api: Api, clock: FixedClock
) -> None:
    account = new_account(api, "Huadong Supplies", upto="visit")
    page = signed.get("/deadlines")
    assert page.status_code == 200
    assert f"/accounts/{account}" in page.text and "7 d 0 h left" in page.text
    assert "Huadong Supplies" not in signed.get("/deadlines?overdue=true").text
    clock.advance(timedelta(days=8))
    assert sign_in(signed) == 303  # the first session ended, unused for days
    late = signed.get("/deadlines?overdue=true")
    assert "Huadong Supplies" in late.text and "overdue by 1 d 0 h" in late.text
    assert signed.get("/api/v1/deadlines?overdue=true").json()[0]["overdue"] is True


@pytest.mark.parametrize("name", REPORTS)
def test_every_report_has_a_page_with_both_as_ofs_and_downloads(
    signed: TestClient, api: Api, clock: FixedClock, name: str
) -> None:
    new_account(api, "Huadong Supplies", upto="visit")
    clock.advance(timedelta(days=2))
    assert sign_in(signed) == 303  # the first session ended, unused for days
    today = clock.now().date().isoformat()
    page = signed.get(f"/reports/{name}")
    assert page.status_code == 200, page.text
    assert 'type="date" name="as_of"' in page.text and 'type="date" name="recorded_by"' in page.text
    dated = signed.get(f"/reports/{name}?as_of={today}&recorded_by={today}")
    assert dated.status_code == 200, dated.text
    assert "the record as it stood at" in dated.text
    links = re.findall(r'href="([^"]*/api/v1/reports/[^"]+)"', dated.text)
    assert {link.rsplit("format=", 1)[1] for link in links} == {"xlsx", "csv", "md"}
    xlsx = next(link.replace("&amp;", "&") for link in links if link.endswith("xlsx"))
    assert "as_of=" + today in xlsx and "recorded_by=" + today in xlsx
    got = signed.get(xlsx)
    assert got.status_code == 200 and got.content[:2] == b"PK"
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(got.content)).active is not None


def test_a_report_before_anything_happened_and_a_bad_date(
    signed: TestClient, api: Api, clock: FixedClock
) -> None:
    new_account(api, "Huadong Supplies", upto="visit")
    clock.advance(timedelta(seconds=5))
    before = signed.get("/reports/visits?as_of=2025-06-30")
    assert before.status_code == 200 and "Huadong Supplies" not in before.text
    assert "Huadong Supplies" in signed.get("/reports/visits").text
    bad = signed.get("/reports/funnel?as_of=yesterday-ish")
    assert bad.status_code == 400 and 'id="refusal"' in bad.text
    assert signed.get("/reports/nothing").status_code == 400
    assert "/reports/conformance" in signed.get("/reports").text


def test_the_conformance_matrix_is_a_grid_of_rules(
    signed: TestClient, api: Api, clock: FixedClock
) -> None:
    visited = new_account(api, "Huadong Supplies", upto="visit")
    new_account(api, "Xinan Trading")
    clock.advance(timedelta(seconds=5))
    page = signed.get("/reports/conformance")
    assert page.status_code == 200
    matrix = page.text.split('id="matrix"', 1)[1].split("</table>", 1)[0]
    assert all(f">R{n}</th>" in matrix for n in range(1, 15))
    assert matrix.count("<tr>") == 3  # the header and one line per account
    line = matrix.split(f"/accounts/{visited}", 1)[1].split("</tr>", 1)[0]
    assert line.count('class="cell met"') == 10 and line.count('class="cell not-yet-due"') == 4
    data = signed.get("/api/v1/reports/conformance").json()["sections"][0]["rows"]
    assert sum(1 for row in data if row[0] == visited and row[3] == "met") == 10


def test_users_page_lists_roles(signed: TestClient) -> None:
    page = signed.get("/users")
    assert page.status_code == 200
    for name, role in (("olga", "owner"), ("mia", "manager"), ("sam", "sales")):
        assert re.search(rf"<td>{name}</td>\s*<td>{role}</td>", page.text)


def test_tokens_are_created_shown_once_and_revoked(signed: TestClient, api: Api) -> None:
    form = {"name": "wecom-bot", "expires": "P90D", "read_only": "true",
            "csrf": page_csrf(signed, "/tokens")}  # fmt: skip
    made = signed.post("/tokens", data=form)
    assert made.status_code == 200
    token = re.search(r'id="new-token">.*?<code>([^<]+)</code>', made.text, re.S)
    assert token
    assert signed.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token[1]}"}
                      ).status_code == 200  # fmt: skip
    listed = signed.get("/tokens")
    assert "wecom-bot" in listed.text and token[1] not in listed.text
    mine = [t for t in api("get", "/tokens").json() if t["name"] == "wecom-bot"]
    assert mine and mine[0]["read_only"] and mine[0]["expires_at"]
    revoke = {"csrf": page_csrf(signed, "/tokens")}
    gone = signed.post(f"/tokens/{mine[0]['id']}/revoke", data=revoke, follow_redirects=False)
    assert gone.status_code == 303
    assert "revoked" in signed.get("/tokens").text
    assert signed.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token[1]}"}
                      ).status_code == 401  # fmt: skip
    assert signed.post("/tokens", data={"name": "x"}).status_code == 403  # no CSRF token


def test_only_an_owner_sees_everyones_tokens(client: TestClient, api: Api) -> None:
    assert sign_in(client) == 303
    refused = client.get("/tokens?all=true")
    assert refused.status_code == 403 and 'id="refusal"' in refused.text
    assert "Everyone&#39;s" not in refused.text
    client.cookies.clear()
    assert sign_in(client, "olga") == 303
    everyone = client.get("/tokens?all=true")
    assert everyone.status_code == 200 and "<td>sam</td>" in everyone.text


def test_an_account_is_added_by_its_form(signed: TestClient, api: Api) -> None:
    assert signed.get("/accounts/new").status_code == 200
    form = {"name": "华东建材有限公司", "category": "potential", "nature": "distributor",
            "product_line": "", "service": "", "owner": "", "at": "",
            "csrf": page_csrf(signed, "/accounts/new")}  # fmt: skip
    added = signed.post("/accounts/new", data=form, follow_redirects=False)
    assert added.status_code == 303
    account = added.headers["location"].rsplit("/", 1)[1]
    assert api("get", f"/accounts/{account}").json()["name"] == "华东建材有限公司"
    again = signed.post("/accounts/new", data=form)
    assert again.status_code == 422 and "duplicate" in again.text
    assert api("get", "/accounts?search=华东").json()["total"] == 1
    missing = signed.post("/accounts/new", data={**form, "name": "Other", "nature": ""})
    assert missing.status_code in (400, 422) and 'id="refusal"' in missing.text
    assert api("get", "/accounts?search=Other").json()["total"] == 0


def test_the_new_pages_are_in_chinese(signed: TestClient, api: Api, clock: FixedClock) -> None:
    new_account(api, "Huadong Supplies", upto="visit")
    clock.advance(timedelta(seconds=5))
    signed.get("/lang/zh_CN")
    assert "合规矩阵" in signed.get("/reports/conformance").text
    assert "回访期限" in signed.get("/deadlines").text
    assert "历任角色" in signed.get("/users").text and "新令牌" in signed.get("/tokens").text
