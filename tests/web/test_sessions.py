"""Signing in with a browser: the session cookie, CSRF on every form, idle and absolute
expiry, signing out, throttled failures, and what the log records of it (no secret)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from kaflow.bootstrap import Services
from kaflow.clock import FixedClock
from tests.web.conftest import PASSWORD, SAM, Api, new_account


def login_csrf(client: TestClient) -> str:
    page = client.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found[1]


def sign_in(client: TestClient, user: str = "sam", password: str = PASSWORD, **kw: str) -> int:
    form = {"user": user, "password": password, "csrf": login_csrf(client), "next": "/"}
    answer = client.post("/login", data=form, follow_redirects=False, **kw)  # type: ignore[arg-type]
    return answer.status_code


def page_csrf(client: TestClient, path: str = "/") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert found
    return found[1]


def events_of(services: Services, user: str) -> list[str]:
    from kaflow.aggregates.credentials import credentials_id

    return [type(e).__name__ for e in services.app.events.get(credentials_id(user))]


def test_a_page_without_a_session_goes_to_sign_in(client: TestClient) -> None:
    answer = client.get("/accounts", follow_redirects=False)
    assert answer.status_code == 303 and "/login?next=%2Faccounts" in answer.headers["location"]


def test_sign_in_sets_a_safe_cookie_and_is_recorded(client: TestClient, services: Services) -> None:
    form = {"user": "SAM", "password": PASSWORD, "csrf": login_csrf(client), "next": "/accounts"}
    answer = client.post("/login", data=form, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/accounts"
    cookie = answer.headers["set-cookie"]
    assert "kaflow_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie.replace("Lax", "lax") and "Secure" not in cookie
    assert client.get("/").status_code == 200
    assert "SignedIn" in events_of(services, "sam")
    logged = b"".join(n.state for n in services.app.recorder.select_notifications(1, 10_000))
    assert PASSWORD.encode() not in logged and b"$argon2" not in logged


def test_behind_tls_the_cookie_is_secure(client: TestClient) -> None:
    form = {"user": "sam", "password": PASSWORD, "csrf": login_csrf(client)}
    answer = client.post(
        "/login", data=form, headers={"X-Forwarded-Proto": "https"}, follow_redirects=False
    )
    assert "Secure" in answer.headers["set-cookie"]


def test_sign_in_without_its_csrf_token_is_403(client: TestClient) -> None:
    client.get("/login")
    form = {"user": "sam", "password": PASSWORD, "csrf": "forged"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 403


def test_a_wrong_password_is_401_and_failures_are_throttled(
    client: TestClient, services: Services, clock: FixedClock
) -> None:
    for _ in range(5):
        assert sign_in(client, password="wrong password") == 401
    assert sign_in(client) == 429  # the right password too, for now
    assert "SignInLockedOut" in events_of(services, "sam")
    assert sign_in(client, user="mia") == 429  # the same address
    clock.advance(timedelta(minutes=2))
    assert sign_in(client) == 303


def test_forms_need_the_sessions_csrf_token(client: TestClient, api: Api) -> None:
    account = new_account(api, upto="approach")
    assert sign_in(client) == 303
    form = {"channel": "phone", "person": "Wang", "attitude": "positive", "notes": "hello"}
    path = f"/accounts/{account}/steps/contact"
    assert client.post(path, data=form, follow_redirects=False).status_code == 403
    assert client.post(path, data={**form, "csrf": "forged"}).status_code == 403
    done = client.post(path, data={**form, "csrf": page_csrf(client)}, follow_redirects=False)
    assert done.status_code == 303
    assert api("get", f"/accounts/{account}").json()["contacts"] == 1


def test_the_api_with_a_session_needs_the_csrf_header(client: TestClient) -> None:
    assert sign_in(client) == 303
    body = {"name": "Acme", "category": "potential", "nature": "x"}
    assert client.post("/api/v1/accounts", json=body).status_code == 403
    headers = {"X-CSRF-Token": page_csrf(client)}
    assert client.post("/api/v1/accounts", json=body, headers=headers).status_code == 201
    assert client.get("/api/v1/accounts").json()["total"] == 1


def test_sessions_end_when_idle_or_too_old(client: TestClient, clock: FixedClock) -> None:
    assert sign_in(client) == 303
    clock.advance(timedelta(hours=1, minutes=50))
    assert client.get("/", follow_redirects=False).status_code == 200
    clock.advance(timedelta(hours=2, minutes=10))  # idle for more than two hours
    assert client.get("/", follow_redirects=False).status_code == 303
    assert sign_in(client) == 303
    for _ in range(7):  # used every 1 h 50 min: never idle, but 12 h is the most
        clock.advance(timedelta(hours=1, minutes=50))
        client.get("/")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session_for_good(client: TestClient, services: Services) -> None:
    assert sign_in(client) == 303
    cookie = client.cookies.get("kaflow_session")
    assert client.post("/logout", data={"csrf": "forged"}).status_code == 403
    answer = client.post("/logout", data={"csrf": page_csrf(client)}, follow_redirects=False)
    assert answer.status_code == 303
    assert "SignedOut" in events_of(services, "sam")
    assert cookie is not None
    client.cookies.set("kaflow_session", cookie)  # replayed after signing out
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_new_password_ends_the_users_sessions(client: TestClient, services: Services) -> None:
    assert sign_in(client) == 303
    services.credentials.set_password(SAM, "sam", "another long password")
    assert client.get("/", follow_redirects=False).status_code == 303
    assert sign_in(client, password="another long password") == 303
    assert events_of(services, "sam").count("PasswordSet") == 2
