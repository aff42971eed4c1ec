"""/docs (Swagger UI) and /redoc (ReDoc) in a real headless browser with every request off this
machine refused: their scripts and styles come from the package (fastapi-offline), so the pages
render the API's operations with no internet."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_review_page import CHROMIUM, CHROMIUM_ARGS

REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")


@pytest.fixture()
def offline_page(tmp_path):
    """A page whose requests to any host but 127.0.0.1 fail (recorded), as on a machine with no internet."""
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    problems: list[str] = []

    def only_local(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(20_000)
        page.route("**/*", only_local)
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        try:
            yield page, outside, problems
        finally:
            page.screenshot(path=str(tmp_path / "last.png"), full_page=False)
            browser.close()


def operations(base_url: str) -> list[tuple[str, str]]:
    import httpx

    doc = httpx.get(base_url + "/openapi.json").json()
    return [(method.upper(), path) for path, item in doc["paths"].items() for method in item]


def test_swagger_ui_renders_every_operation_offline(sqlite_stack, offline_page):
    from playwright.sync_api import expect

    page, outside, problems = offline_page
    ops = operations(sqlite_stack.base_url)
    page.goto(sqlite_stack.base_url + "/docs")
    expect(page.locator(".opblock")).to_have_count(len(ops))
    for method, path in ops:
        block = page.locator(f".opblock-{method.lower()}").filter(
            has=page.locator(f'.opblock-summary-path[data-path="{path}"]'))
        expect(block).to_have_count(1)
    expect(page.locator(".info .title")).to_contain_text("docparse")
    # an operation opens with its parameters: the page works, not only its list
    results = page.locator('.opblock-summary-path[data-path="/v1/extractions/{extraction_id}/batches/{batch_id}/results"]')
    results.click()
    expect(page.locator(".parameters-col_name").filter(has_text="format")).to_be_visible()
    assert outside == [] and problems == []


def test_redoc_renders_offline(sqlite_stack, offline_page):
    from playwright.sync_api import expect

    page, outside, problems = offline_page
    page.goto(sqlite_stack.base_url + "/redoc")
    expect(page.locator("h1").first).to_contain_text("docparse")
    expect(page.get_by_role("heading", name="Batch Results").first).to_be_attached()
    expect(page.get_by_role("heading", name="Delete Extraction").first).to_be_attached()
    assert page.locator("[data-section-id^='operation/']").count() == len(operations(sqlite_stack.base_url))
    # ReDoc's "API docs by Redocly" footer asks its CDN for a logo and hides it when that fails:
    # the one request off the machine, decorative; everything the page needs came from the API.
    assert set(outside) <= {REDOCLY_LOGO} and problems == []
