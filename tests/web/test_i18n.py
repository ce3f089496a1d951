"""Every message the pages show has its Chinese translation in the catalog, and pages
follow the user's choice, else the browser's Accept-Language."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from kaflow.bootstrap import Services
from tests.web.conftest import Api, new_account
from tests.web.test_sessions import page_csrf, sign_in
from web.i18n import CATALOG

ROOT = Path(__file__).resolve().parents[2]
WEB, WORDS = ROOT / "web", ROOT / "kaflow" / "application"
METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "N_": None}


def messages() -> set[str]:
    """Every message marked in the web front end's templates and code, and the words
    every front end shows (kaflow/application/words.py)."""
    found = [
        *extract_from_dir(
            str(WEB),
            METHODS,
            keywords=KEYWORDS,
            options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        ),
        *extract_from_dir(str(WORDS), [("words.py", "python")], keywords=KEYWORDS),
    ]
    return {message if isinstance(message, str) else message[0] for _, _, message, *_ in found}


def test_every_message_has_a_chinese_translation() -> None:
    with CATALOG.open("rb") as po:
        catalog = read_po(po)
    translated = {m.id for m in catalog if m.id and m.string}
    marked = messages()
    assert len(marked) > 50  # the extraction found the pages' messages
    missing = sorted(marked - translated)
    assert not missing, f"no zh_CN translation in {CATALOG.name} for: {missing}"


def test_the_check_finds_a_message_without_translation(tmp_path: Path) -> None:
    assert "Sign in" in messages() and "A message nobody translated" not in messages()


def test_pages_follow_accept_language_and_the_switch(client: TestClient, api: Api) -> None:
    assert "登录" in client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "en-US"}).text
    client.get("/lang/zh_CN", follow_redirects=False)
    assert "登录" in client.get("/login", headers={"Accept-Language": "en-US"}).text


def test_a_refusal_is_shown_in_the_users_language(client: TestClient, api: Api) -> None:
    account = new_account(api, upto="prepare")
    client.get("/lang/zh_CN")
    assert sign_in(client) == 303
    form = {"lead": "sam", "place": "HQ", "manner": "face-to-face", "points": "p",
            "views": "v", "next_steps": "n", "csrf": page_csrf(client)}  # fmt: skip
    page = client.post(f"/accounts/{account}/steps/visit", data=form)
    assert page.status_code == 422
    assert "R6" in page.text and "拜访须由开发经理或以上带队" in page.text
    assert api("get", f"/accounts/{account}").json()["visits"] == 0


def test_the_users_own_language_follows_them_to_another_browser(
    client: TestClient, services: Services
) -> None:
    """The switch, signed in, records the user's choice: on another device (an English
    browser, no cookies) their pages are in it once they sign in; signed out, the
    browser decides again."""
    english = {"Accept-Language": "en-US"}
    assert sign_in(client, headers=english) == 303  # type: ignore[arg-type]
    assert "Dashboard" in client.get("/", headers=english).text
    without = client.post("/lang/zh_CN", data={"next": "/"}, follow_redirects=False)
    assert without.status_code == 403  # a form of the session's: its CSRF token
    assert services.credentials.language_of("sam") is None
    chosen = client.post("/lang/zh_CN", data={"csrf": page_csrf(client), "next": "/accounts"},
                         follow_redirects=False)  # fmt: skip
    assert chosen.status_code == 303 and chosen.headers["location"] == "/accounts"
    assert services.credentials.language_of("sam") == "zh_CN"
    with TestClient(client.app) as other:  # type: ignore[arg-type]
        assert "Sign in" in other.get("/login", headers=english).text
        assert sign_in(other, headers=english) == 303  # type: ignore[arg-type]
        assert "概览" in other.get("/", headers=english).text
        assert "概览" in other.get("/accounts", headers=english).text
    assert "Sign in" in TestClient(client.app).get("/login", headers=english).text


def test_the_language_by_the_api(api: Api, services: Services) -> None:
    mine = api("patch", "/users/sam", json={"language": "zh-CN"}).json()
    assert mine == {"name": "sam", "contacts": {}, "language": "zh_CN"}
    both = api("patch", "/users/mia", as_="olga",
               json={"email": "mia@example.com", "language": "en"}).json()  # fmt: skip
    assert both == {"name": "mia", "contacts": {"email": "mia@example.com"}, "language": "en"}
    refused = api("patch", "/users/mia", json={"language": "zh"}, status=403).json()
    assert refused["kind"] == "refused" and services.credentials.language_of("mia") == "en"
    bad = api("patch", "/users/sam", json={"language": "fr"}, status=400).json()
    assert bad["field"] == "language"
    assert api("patch", "/users/sam", json={}, status=400).json()["field"] == "email"
    assert api("get", "/users/sam").json()["language"] == "zh_CN"
