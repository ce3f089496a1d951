"""Every message the pages show has its Chinese translation in the catalog, and pages
follow the user's choice, else the browser's Accept-Language."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

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
