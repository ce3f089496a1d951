"""The JSON API through the real app: each step, each refusal's status with nothing
written, access by token, ETag/If-Match and Idempotency-Key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kaflow.bootstrap import Services
from kaflow.clock import FixedClock
from kaflow.errors import UnavailableError
from tests.web.conftest import SAM, VISIT, Api, bearer, new_account


def version(api: Api, account: str) -> int:
    return int(api("get", f"/accounts/{account}").json()["version"])


def error_of(answer: Any, kind: str, rule: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = answer.json()
    assert set(body) == {"error", "kind", "rule", "field"}
    assert body["kind"] == kind
    assert body["rule"] == rule
    return body


def test_healthz_answers_without_a_login(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"


def test_no_token_bad_scheme_or_unknown_token_is_401(client: TestClient) -> None:
    assert client.get("/api/v1/accounts").status_code == 401
    assert client.get("/api/v1/accounts", headers={"Authorization": "Basic x"}).status_code == 401
    answer = client.get("/api/v1/accounts", headers=bearer("kf_000000000000_nothing"))
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_or_expired_token_is_401(
    client: TestClient, services: Services, clock: FixedClock, tokens: dict[str, str]
) -> None:
    short = services.credentials.issue_token(SAM, "short", expires="P1D")
    assert client.get("/api/v1/accounts", headers=bearer(short["token"])).status_code == 200
    clock.advance(timedelta(days=2))
    assert client.get("/api/v1/accounts", headers=bearer(short["token"])).status_code == 401
    answer = client.delete(f"/api/v1/tokens/{tokens['sam'][3:15]}", headers=bearer(tokens["sam"]))
    assert answer.json()["revoked_at"] is not None
    assert client.get("/api/v1/accounts", headers=bearer(tokens["sam"])).status_code == 401


def test_every_step_through_the_api_to_won(api: Api) -> None:
    account = new_account(api, upto="prepare")
    refused = api("post", f"/accounts/{account}/visit", json={**VISIT, "lead": "sam"}, status=422)
    assert error_of(refused, "refused", "R6")["error"].startswith("R6:")
    before = version(api, account)
    api("post", f"/accounts/{account}/visit", json=VISIT)
    assert api("get", "/deadlines").json()[0]["account"]["id"] == account
    api("post", f"/accounts/{account}/follow-up", json={"channel": "phone", "feedback": "yes"})
    won = api("post", f"/accounts/{account}/win", json={"classification": "A", "summary": "won"})
    assert won.json()["state"] == "won"
    assert version(api, account) > before + 2
    events = api("get", f"/accounts/{account}/history").json()["events"]
    assert {e["actor"] for e in events} - {None} == {"sam"}
    assert all(e["recorded_at"] and e["occurred_at"] for e in events)
    record = api("get", f"/accounts/{account}/record").json()
    assert record["account"]["id"] == account
    for fmt, media in (("xlsx", "spreadsheetml"), ("csv", "text/csv"), ("md", "markdown")):
        answer = api("get", f"/accounts/{account}/record?format={fmt}&lang=zh")
        assert media in answer.headers["content-type"]
        assert "attachment" in answer.headers["content-disposition"]
    assert "大客户开发备案表" in api("get", f"/accounts/{account}/record?format=md&lang=zh").text


def test_the_lifecycle_refuses_with_422_and_writes_nothing(api: Api) -> None:
    account = new_account(api)
    before = version(api, account)
    answer = api("post", f"/accounts/{account}/win", json={"classification": "A",
                                                           "summary": "x"}, status=422)  # fmt: skip
    error_of(answer, "refused", "lifecycle")
    assert version(api, account) == before


def test_a_salespersons_token_cannot_do_an_owners_work(api: Api) -> None:
    answer = api("post", "/users", json={"name": "zoe", "role": "sales"}, status=403)
    error_of(answer, "refused", "access")
    account = new_account(api)
    body = {"to": "mia", "reason": "swap"}
    error_of(api("post", f"/accounts/{account}/assign", json=body, status=403), "refused", "access")
    api("post", f"/accounts/{account}/assign", json=body, as_="mia")
    assert api("get", f"/accounts/{account}").json()["owner"] == "mia"
    api("post", "/users", json={"name": "zoe", "role": "sales"}, as_="olga", status=201)


def test_a_read_only_token_reads_and_cannot_write(api: Api) -> None:
    assert api("get", "/accounts", as_="sam-read").json()["total"] == 0
    body = {"name": "Acme", "category": "potential", "nature": "x"}
    error_of(api("post", "/accounts", json=body, as_="sam-read", status=403), "refused", "access")
    assert api("get", "/accounts").json()["total"] == 0


def test_bad_input_is_400_naming_the_field(api: Api) -> None:
    account = new_account(api, upto="approach")
    body = {"channel": "pigeon", "person": "W", "attitude": "positive", "notes": "x"}
    assert api("post", f"/accounts/{account}/contact", json=body, status=400).json()["field"]
    later = {**body, "channel": "phone", "at": "2999-01-01"}
    found = error_of(api("post", f"/accounts/{account}/contact", json=later, status=400),
                     "bad_input")  # fmt: skip
    assert found["field"] == "at"
    named = {**body, "channel": "phone", "actor": "olga"}  # no request names its actor
    assert api("post", f"/accounts/{account}/contact", json=named, status=400).json()["field"]
    assert api("get", f"/accounts/{account}").json()["contacts"] == 0


def test_not_found_is_404(api: Api) -> None:
    error_of(api("get", "/accounts/" + "0" * 32, status=404), "not_found")
    account = new_account(api, upto="prepare")
    answer = api("post", f"/accounts/{account}/visit", json={**VISIT, "lead": "nobody"},
                 status=404)  # fmt: skip
    error_of(answer, "not_found")


def test_a_store_unavailable_is_503(api: Api, services: Services, monkeypatch: Any) -> None:
    account = new_account(api, upto="approach")

    def unavailable(*args: Any) -> None:
        raise UnavailableError("the store is read-only for this user: nothing was written")

    monkeypatch.setattr(services.app, "handle", unavailable)
    body = {"channel": "phone", "person": "W", "attitude": "positive", "notes": "x"}
    error_of(api("post", f"/accounts/{account}/contact", json=body, status=503), "unavailable")


def test_if_match_with_a_stale_version_is_412_and_writes_nothing(api: Api) -> None:
    account = new_account(api, upto="approach")
    read = api("get", f"/accounts/{account}")
    etag = read.headers["ETag"]
    assert etag == f'"{read.json()["version"]}"'
    body = {"channel": "phone", "person": "W", "attitude": "positive", "notes": "x"}
    done = api("post", f"/accounts/{account}/contact", json=body, headers={"If-Match": etag})
    assert done.headers["ETag"] != etag
    stale = api("post", f"/accounts/{account}/contact", json=body, headers={"If-Match": etag},
                status=412)  # fmt: skip
    error_of(stale, "conflict", "version")
    assert api("get", f"/accounts/{account}").json()["contacts"] == 1


def test_an_idempotency_key_records_a_retried_step_once(api: Api) -> None:
    account = new_account(api, upto="approach")
    body = {"channel": "phone", "person": "W", "attitude": "positive", "notes": "x"}
    key = {"Idempotency-Key": "contact-1"}
    first = api("post", f"/accounts/{account}/contact", json=body, headers=key)
    again = api("post", f"/accounts/{account}/contact", json=body, headers=key)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api("get", f"/accounts/{account}").json()["contacts"] == 1
    other = {**body, "notes": "another"}
    assert api("post", f"/accounts/{account}/contact", json=other, headers=key, status=400)
    # Another user's key of the same name is theirs.
    api("post", f"/accounts/{account}/contact", json=body, headers=key, as_="mia")
    assert api("get", f"/accounts/{account}").json()["contacts"] == 2


def test_a_refused_step_leaves_its_key_free_and_one_under_way_is_409(
    api: Api, services: Services
) -> None:
    account = new_account(api, upto="prepare")
    key = {"Idempotency-Key": "visit-1"}
    api("post", f"/accounts/{account}/visit", json={**VISIT, "lead": "sam"}, headers=key,
        status=422)  # fmt: skip
    api("post", f"/accounts/{account}/visit", json=VISIT, headers=key)
    services.credentials.tables.run(
        "INSERT INTO {idempotency} VALUES ('sam', 'busy', 'x', 0, NULL, NULL)"
    )
    body = {"channel": "phone", "feedback": "ok"}
    answer = api("post", f"/accounts/{account}/follow-up", json=body,
                 headers={"Idempotency-Key": "busy"}, status=409)  # fmt: skip
    error_of(answer, "conflict")
    assert api("get", f"/accounts/{account}").json()["follow_ups"] == 0


def test_accounts_list_takes_the_clis_filters_and_pages(api: Api) -> None:
    for name in ("华东建材有限公司", "Huadong Supplies", "Acme (Shanghai) Co., Ltd."):
        new_account(api, name)
    assert [a["name"] for a in api("get", "/accounts?search=华东").json()["accounts"]] == [
        "华东建材有限公司"
    ]
    assert api("get", "/accounts?search=hua%20dong").json()["total"] == 1
    page = api("get", "/accounts?limit=2&offset=2").json()
    assert (page["total"], len(page["accounts"])) == (3, 1)
    assert api("get", "/accounts?mine=true&state=identified").json()["total"] == 3
    assert api("get", "/accounts?sort=bogus", status=400)


@pytest.mark.parametrize("name", ["funnel", "conformance", "visits", "activity"])
def test_reports_take_both_kinds_of_as_of(api: Api, name: str, clock: FixedClock) -> None:
    new_account(api, upto="approach")
    clock.advance(timedelta(minutes=1))  # past the events' own (real) recording times
    today = datetime.now(UTC).date().isoformat()
    found = api("get", f"/reports/{name}?as_of=2025-06-30&recorded_by={today}").json()
    assert found["report"] == name and found["recorded_by"] is not None
    assert api("get", f"/reports/{name}?format=csv").headers["content-type"].startswith("text/csv")
    assert api("get", f"/reports/{name}?as_of=2999-01-01", status=400)


def test_users_tokens_and_views(api: Api) -> None:
    assert {u["name"] for u in api("get", "/users").json()} == {"olga", "mia", "sam"}
    assert api("get", "/users/SAM").json()["name"] == "sam"
    made = api("post", "/tokens", json={"name": "bot", "read_only": True}, status=201).json()
    assert made["token"].startswith("kf_") and made["read_only"]
    listed = api("get", "/tokens").json()
    assert made["id"] in {t["id"] for t in listed}
    assert all("token" not in t for t in listed)
    assert api("get", "/tokens?all=true", status=403)
    assert len(api("get", "/tokens?all=true", as_="olga").json()) >= 5
    assert api("get", "/projections").json()[0]["view"]
    api("put", "/users/mia/password", json={"password": "x" * 12}, status=403)
    api("put", "/users/sam/password", json={"password": "x" * 12})


def test_the_openapi_document_lists_every_step(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for step in ("contact", "visit", "follow-up", "approach", "conference", "prepare",
                 "analyse", "win", "lose", "reopen"):  # fmt: skip
        assert f"/api/v1/accounts/{{account}}/{step}" in paths
    assert client.get("/api/docs").status_code == 200
