"""The review page in a real headless browser (Debian's chromium driven by playwright).

A real upload stops at needs_review; a reviewer pastes a key, opens the file from the queue,
sees the page image, confidence colours and the cited box, corrects a value and approves; the
result then shows the correction through the API.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.support.invoices import make_invoice, schema_invoice

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed")

STRICT = {**schema_invoice(), "name": "strict-page", "review_threshold": 1.0}
LEVEL_COLOURS = {"low": "rgb(198, 40, 40)", "near": "rgb(178, 106, 0)", "high": "rgb(46, 125, 50)"}


@pytest.fixture()
def waiting_file(sqlite_stack):
    """A key, an extraction that reviews everything, and one uploaded invoice waiting for review."""
    key = sqlite_stack.create_key(name="page-reviewer")
    http = sqlite_stack.client(key)
    ext = http.post("/v1/extractions", json=STRICT).json()["extraction"]["id"]
    r = http.post(f"/v1/extractions/{ext}/batches",
                  files=[("files", ("page-review.pdf", make_invoice(seed=123)[0], "application/pdf"))])
    assert r.status_code == 202, r.text
    body = sqlite_stack.wait_terminal(http, ext, r.json()["batch"]["id"])
    (f,) = body["files"]
    assert f["status"] == "needs_review", body
    yield key, http, ext, f["id"]
    http.close()


@pytest.fixture()
def browser_page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(15_000)
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
        page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        try:
            yield page, problems
        finally:
            page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
            browser.close()


def test_reviewer_corrects_and_approves_in_the_browser(sqlite_stack, waiting_file, browser_page, tmp_path):
    from playwright.sync_api import expect

    key, http, ext, fid = waiting_file
    page, problems = browser_page
    detail = http.get(f"/v1/extractions/{ext}/files/{fid}/review").json()
    assert detail["citations"].get("invoice_number"), detail["citations"]
    original_number = detail["extracted"]["invoice_number"]

    # the static files need no key
    for path in ("/review", "/review/static/review.js", "/review/static/review.css"):
        assert httpx.get(sqlite_stack.base_url + path).status_code == 200, path
    page.goto(sqlite_stack.base_url + "/review")
    expect(page.locator("#queue-view")).to_be_hidden()
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Use key").click()

    row = page.locator(f'#queue-body tr[data-file-id="{fid}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("page-review.pdf")
    page.screenshot(path=str(tmp_path / "queue-before.png"))
    row.get_by_role("link", name="review page-review.pdf").click()

    # page image fetched with the key and shown
    expect(page.locator("#review-title")).to_have_text("page-review.pdf")
    img = page.locator("#page-img-1")
    page.wait_for_function("document.getElementById('page-img-1')?.naturalWidth > 0")
    assert img.evaluate("i => i.naturalWidth") > 100

    # confidence colouring, with the number shown
    field = page.locator("#field-invoice_number")
    level = field.get_attribute("data-level")
    assert level in LEVEL_COLOURS
    badge = field.locator(".conf")
    expect(badge).to_have_text(re.compile(r"^\d\.\d{2,3}$"))
    assert abs(float(badge.inner_text()) - detail["confidence"]["invoice_number"]) < 0.006
    assert badge.evaluate("b => getComputedStyle(b).backgroundColor") == LEVEL_COLOURS[level]
    leaf = page.locator('td.cell[data-path="line_items[0].qty"]')
    assert leaf.get_attribute("data-level") in LEVEL_COLOURS
    expect(page.get_by_label("line_items[0].qty")).to_have_value(re.compile(r"\d"))

    # focusing a cited field highlights its box on the right page, inside the image
    number = page.get_by_label("invoice_number", exact=True)
    expect(number).to_have_value(str(original_number))
    number.focus()
    cite = detail["citations"]["invoice_number"]
    hl = page.locator(f"#cite-box-{cite['page']}")
    expect(hl).to_be_visible()
    assert hl.get_attribute("data-path") == "invoice_number"
    page.wait_for_timeout(400)  # let the smooth scroll settle before measuring
    box, im = hl.bounding_box(), page.locator(f"#page-img-{cite['page']}").bounding_box()
    assert box["width"] > 4 and box["height"] > 4
    x0, y0, x1, y1 = cite["bbox"]
    assert abs(box["x"] - (im["x"] + x0 * im["width"])) < 12
    assert abs(box["y"] - (im["y"] + y0 * im["height"])) < 12
    assert box["x"] + box["width"] <= im["x"] + im["width"] + 1
    assert im["y"] - 1 <= box["y"] and box["y"] + box["height"] <= im["y"] + im["height"] + 1
    page.screenshot(path=str(tmp_path / "review.png"))
    if "line_items[0].qty" in detail["citations"]:  # a list leaf highlights its own box
        page.get_by_label("line_items[0].qty").focus()
        leaf_page = detail["citations"]["line_items[0].qty"]["page"]
        expect(page.locator(f"#cite-box-{leaf_page}")).to_have_attribute("data-path", "line_items[0].qty")
        page.wait_for_timeout(400)
        page.screenshot(path=str(tmp_path / "review-items.png"))

    # an invalid value is refused by the API and the error is shown
    total = page.get_by_label("total_amount", exact=True)
    total_before = total.input_value()
    total.fill("lots")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-text")).to_contain_text("400")
    expect(page.locator("#error-text")).to_contain_text("total_amount")
    total.fill(total_before)

    # correct one value and approve: only that value is sent
    number.fill("PAGE-FIX-7")
    expect(page.locator("#changed-count")).to_have_text("corrected: invoice_number")
    page.get_by_label("Reason / note").fill("checked against the scan")
    page.get_by_role("button", name="Approve").click()

    expect(page.locator("#queue-view")).to_be_visible()
    expect(page.locator("#notice")).to_contain_text("Approved page-review.pdf")
    expect(page.locator("#error")).to_be_hidden()
    expect(page.locator(f'#queue-body tr[data-file-id="{fid}"]')).to_have_count(0)
    page.get_by_role("button", name="Refresh").click()  # straight from the server this time
    expect(page.locator("#queue-view")).to_have_attribute("aria-busy", "false")
    expect(page.locator(f'#queue-body tr[data-file-id="{fid}"]')).to_have_count(0)
    page.screenshot(path=str(tmp_path / "queue.png"))

    out = http.get(f"/v1/extractions/{ext}/files/{fid}/result").json()
    assert out["result"]["invoice_number"] == "PAGE-FIX-7"
    assert out["extracted"]["invoice_number"] == original_number
    assert out["review"]["decision"] == "approved"
    assert out["review"]["corrected"] == ["invoice_number"]
    assert out["review"]["reason"] == "checked against the scan"
    assert "page-reviewer" in out["review"]["reviewer"]
    assert [p for p in problems if "400" not in p] == []
