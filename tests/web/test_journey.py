"""The whole journey in a real browser (Debian's chromium driven by Playwright, never a
downloaded build) against a real ``kaflow serve``: sign in, add an account, take it
through every step by the forms (a salesperson leading the visit refused by R6, shown
beside the form; then a manager leading it), see the deadline, record the follow-up,
win, read the record in Chinese, download the xlsx, open the conformance matrix, sign
out; at a desktop's width and a phone's (375 px). On failure the page under test is
saved as a screenshot (its path printed)."""

from __future__ import annotations

import io
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

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("journey")
    kaflow(folder, "init", "--owner", "olga")
    kaflow(folder, "user", "add", "mia", "--role", "manager", "--since", "2025-01-01")
    kaflow(folder, "user", "add", "sam", "--role", "sales", "--since", "2025-01-01")
    kaflow(folder, "user", "password", "sam", "--password-stdin", input=PASSWORD + "\n")
    port = free_port()
    process = serving(folder, port)
    found = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(found, process)
        yield found
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield found
        found.close()


def fill(page: Any, fields: dict[str, str]) -> None:
    """A form's fields by name: a choice selected, a line or a text typed."""
    for name, text in fields.items():
        field = page.locator(f"form.step [name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(text)
        else:
            field.fill(text)


STEPS: list[tuple[str, dict[str, str]]] = [
    ("analyse", {}),  # the form holds the analysis template, filled in
    ("approach", {"method": "visit", "chair": "mia", "notes": "visit them"}),
    ("contact", {"channel": "phone", "person": "王丽", "attitude": "positive", "notes": "同意"}),
    ("conference", {"participants": "mia,sam", "notes": "service first"}),
    ("prepare", {"customer_data": "org chart", "analysis": "costs", "sales_materials": "cases"}),
]
VISIT = {"place": "总部", "manner": "face-to-face", "points": "offer", "views": "keen",
         "next_steps": "quote"}  # fmt: skip


@pytest.mark.parametrize("width", [1280, 375])
def test_the_whole_journey_by_the_forms(base: str, browser: Any, width: int) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 800}, locale="en-US", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)

    def fits() -> None:
        used = page.evaluate("document.documentElement.scrollWidth")
        assert used <= width + 1, f"{page.url} is {used} px wide"

    def step(account: str, name: str, fields: dict[str, str]) -> None:
        page.click(f"a[href$='/accounts/{account}/steps/{name}']")
        page.wait_for_url(f"**/steps/{name}")
        fill(page, fields)
        fits()
        page.click("form.step button[type=submit]")
        page.wait_for_url(f"{base}/accounts/{account}")

    try:
        page.goto(f"{base}/")
        assert "/login" in page.url
        page.fill("input[name=user]", "sam")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        # Add an account by its form.
        page.click("header nav a[href$='/accounts/new']")
        name = f"华东建材 {width}"
        fill(page, {"name": name, "category": "potential", "nature": "distributor"})
        fits()
        page.click("form.step button[type=submit]")
        page.wait_for_url(f"{base}/accounts/*")
        account = page.url.rsplit("/", 1)[1]
        assert page.locator("h1").inner_text() == name
        for name_, fields in STEPS:
            step(account, name_, fields)
        assert "MaterialPrepared" in page.content()
        # The visit: a salesperson leading it is refused by R6, beside the form.
        page.click(f"a[href$='/accounts/{account}/steps/visit']")
        fill(page, {"lead": "sam", **VISIT})
        page.click("form.step button[type=submit]")
        refusal = page.locator("#refusal").inner_text()
        assert "R6" in refusal and "development manager" in refusal
        assert page.locator("input[name=place]").input_value() == "总部"  # kept
        fits()
        fill(page, {"lead": "mia"})
        page.click("form.step button[type=submit]")
        page.wait_for_url(f"{base}/accounts/{account}")
        assert "visit led by mia" in page.content()
        # The deadline.
        page.click("header nav a[href$='/deadlines']")
        row = page.locator("table.deadlines tr", has_text=name)
        assert "left" in row.inner_text() and "mia" in row.inner_text()
        fits()
        row.locator("a").click()
        page.wait_for_url(f"{base}/accounts/{account}")
        step(account, "follow-up", {"channel": "phone", "feedback": "signing next week"})
        step(account, "win", {"classification": "A", "summary": "won on service"})
        assert page.locator("dd.state").inner_text() == "won"
        # The record in Chinese, and its xlsx.
        page.click("header form[action*='/lang/zh_CN'] button")
        page.wait_for_url(f"{base}/accounts/{account}")
        assert "大客户开发备案表" in page.content() and "成功" in page.content()
        fits()
        with page.expect_download() as waiting:
            page.click("p.downloads a[href*='format=xlsx']")
        saved = waiting.value.path()
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(Path(saved).read_bytes())).active
        assert sheet is not None
        cells = {str(c) for row_ in sheet.iter_rows(values_only=True) for c in row_ if c}
        assert "大客户开发备案表" in cells and name in cells
        # The conformance matrix.
        page.click("header nav a[href$='/reports']")
        page.click("a[href$='/reports/conformance']")
        line = page.locator("#matrix tbody tr", has_text=name)
        assert line.locator("td.cell.met").count() >= 10
        assert line.locator("td.cell.breached").count() == 0
        assert "合规矩阵" in page.content()
        page.locator("#matrix").scroll_into_view_if_needed()
        fits()
        # Sign out: the pages ask for a sign-in again.
        page.click("header form[action$='/logout'] button")
        page.wait_for_url(f"{base}/login")
        page.goto(f"{base}/deadlines")
        assert "/login" in page.url
        # Chinese was sam's choice, not this browser's: on another device (an English
        # browser, no cookies), sam's pages are in Chinese once signed in.
        other = browser.new_context(viewport={"width": width, "height": 800}, locale="en-US")
        try:
            again = other.new_page()
            again.goto(f"{base}/login")
            assert "Sign in" in again.content()
            again.fill("input[name=user]", "sam")
            again.fill("input[name=password]", PASSWORD)
            again.click("button[type=submit]")
            again.wait_for_url(f"{base}/")
            assert "概览" in again.content()
            again.click("header form[action*='/lang/en'] button")  # back to English
            again.wait_for_url(f"{base}/")
            assert "Dashboard" in again.content() and "概览" not in again.content()
            again.click("header form[action$='/logout'] button")
            again.wait_for_url(f"{base}/login")
        finally:
            other.close()
    except BaseException:
        shots = Path(os.environ.get("KAFLOW_SCREENSHOTS", tempfile.gettempdir()))
        shots = shots / "kaflow-screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        shot = shots / f"journey-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of {page.url}: {shot}")
        raise
    finally:
        context.close()
