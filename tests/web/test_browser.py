"""A real browser (Debian's chromium, driven by Playwright; never a downloaded build)
against a real ``kaflow serve``: sign in, record a contact through its form, see a
refusal by R6 in Chinese, at a phone's width. A failing page is saved as a screenshot."""

from __future__ import annotations

import json
import os
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_serve_process import free_port, kaflow, serving, wait_until_up

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a long password"
SHOTS = Path(os.environ.get("KAFLOW_SCREENSHOTS", tempfile.gettempdir())) / "kaflow-screenshots"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, Any]]:
    kaflow(tmp_path, "init", "--owner", "olga")
    kaflow(tmp_path, "user", "add", "mia", "--role", "manager", "--since", "2025-01-01")
    kaflow(tmp_path, "user", "add", "sam", "--role", "sales", "--since", "2025-01-01")
    kaflow(tmp_path, "user", "password", "sam", "--password-stdin", input=PASSWORD + "\n")
    account = kaflow(tmp_path, "prospect", "add", "华东建材有限公司", "--category", "potential",
                     "--nature", "distributor", user="sam").strip()  # fmt: skip
    analysis = tmp_path / "analysis.yaml"
    analysis.write_text(kaflow(tmp_path, "template", "analysis"), encoding="utf-8")
    steps = [
        ["analyse", account, "--file", str(analysis)],
        ["approach", account, "--method", "visit", "--chair", "mia", "--notes", "visit"],
    ]
    for step in steps:
        kaflow(tmp_path, *step, user="sam")
    token = json.loads(kaflow(tmp_path, "token", "create", "--name", "t", "--json", user="sam"))
    port = free_port()
    process = serving(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield {"base": base, "account": account, "token": token["token"]}
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield found
        found.close()


def shot_on_failure(page: Any, name: str) -> Any:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


@pytest.mark.parametrize("width", [1280, 375])
def test_sign_in_and_record_a_contact_by_its_form(
    server: dict[str, Any], browser: Any, width: int
) -> None:
    import httpx

    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-US")
    page = context.new_page()
    try:
        base, account = server["base"], server["account"]
        page.goto(f"{base}/accounts/{account}")
        assert "/login" in page.url
        page.fill("input[name=user]", "sam")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/accounts/{account}")
        page.click(f"a[href$='/accounts/{account}/steps/contact']")
        page.select_option("select[name=channel]", "phone")
        page.fill("input[name=person]", "王丽")
        page.select_option("select[name=attitude]", "positive")
        page.fill("textarea[name=notes], input[name=notes]", "同意下周拜访")
        page.click("form.step button[type=submit]")
        page.wait_for_url(f"{base}/accounts/{account}")
        assert "ContactRecorded" in page.content()
        headers = {"Authorization": f"Bearer {server['token']}"}
        found = httpx.get(f"{base}/api/v1/accounts/{account}", headers=headers).json()
        assert found["contacts"] == 1 and found["state"] == "contacted"
        for step, body in (
            ("conference", {"participants": "mia,sam", "notes": "service first"}),
            ("prepare", {"customer_data": "org", "analysis": "cost", "sales_materials": "cases"}),
        ):
            done = httpx.post(f"{base}/api/v1/accounts/{account}/{step}", json=body,
                              headers=headers)  # fmt: skip
            assert done.status_code == 200, done.text
        # R6, refused and shown in Chinese beside the form.
        page.goto(f"{base}/lang/zh_CN?next=/accounts/{account}/steps/visit")
        page.fill("input[name=lead]", "sam")
        page.fill("input[name=place]", "总部")
        page.select_option("select[name=manner]", "face-to-face")
        for name in ("points", "views", "next_steps"):
            page.fill(f"textarea[name={name}]", "内容")
        page.click("form.step button[type=submit]")
        refusal = page.locator("#refusal").inner_text()
        assert "R6" in refusal and "拜访须由开发经理或以上带队" in refusal
        width_used = page.evaluate("document.documentElement.scrollWidth")
        assert width_used <= width + 1  # nothing wider than a phone's screen
    except BaseException:
        page.screenshot(path=str(shot_on_failure(page, f"contact-{width}")), full_page=True)
        raise
    finally:
        context.close()
