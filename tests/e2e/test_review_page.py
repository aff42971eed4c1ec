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
# the confidence badge: below the review threshold (red) or not (green); none (grey)
LEVEL_COLOURS = {"low": "rgb(198, 40, 40)", "high": "rgb(46, 125, 50)", "none": "rgb(107, 114, 128)"}
FIELD_LEVELS = {"low", "high", "flag", "none"}  # flag: confidence passes but a reason names the field


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


@pytest.fixture(scope="module")
def browser():
    """One chromium for the file (starting it costs a second or two); each test gets a fresh context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def browser_page(browser, tmp_path):
    context = browser.new_context(viewport={"width": 1440, "height": 900})  # its own storage and cookies
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e} {e.stack}"))
    page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
    try:
        yield page, problems
    finally:
        page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
        context.close()


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
    assert field.get_attribute("data-level") in FIELD_LEVELS
    badge = field.locator(".conf")
    level = badge.get_attribute("data-level")
    expect(badge).to_have_text(re.compile(r"^\d\.\d{2,4}$"))
    assert 0 <= detail["confidence"]["invoice_number"] - float(badge.inner_text()) < 0.01  # cut, not rounded up
    assert badge.evaluate("b => getComputedStyle(b).backgroundColor") == LEVEL_COLOURS[level]
    leaf = page.locator('td.cell[data-path="line_items[0].qty"]')
    assert leaf.get_attribute("data-level") in FIELD_LEVELS
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


def _sign_in(page, base_url: str, key: str) -> None:
    page.goto(base_url + "/review")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Use key").click()


def _upload_waiting(stack, http, ext: str, names: list[str], batch_name: str, seed: int) -> list[str]:
    files = [("files", (n, make_invoice(seed=seed + i)[0], "application/pdf")) for i, n in enumerate(names)]
    r = http.post(f"/v1/extractions/{ext}/batches", files=files, data={"name": batch_name})
    assert r.status_code == 202, r.text
    body = stack.wait_terminal(http, ext, r.json()["batch"]["id"])
    assert {f["status"] for f in body["files"]} == {"needs_review"}, body
    by_name = {f["file_name"]: f["id"] for f in body["files"]}
    return [by_name[n] for n in names]


def test_a_days_queue_filter_next_file_and_shortcuts(sqlite_stack, browser_page, tmp_path):
    """Files of the same name from two extractions are told apart by the extraction and batch
    columns; the filter narrows the queue; after each decision the next file of the filter opens;
    Alt+N skips to the next file and Ctrl+Enter approves."""
    from playwright.sync_api import expect

    key = sqlite_stack.create_key(name="day-reviewer")
    page, problems = browser_page
    with sqlite_stack.client(key) as http:
        ext_a = http.post("/v1/extractions", json={**STRICT, "name": "Invoices A"}).json()["extraction"]["id"]
        ext_b = http.post("/v1/extractions", json={**STRICT, "name": "Invoices B"}).json()["extraction"]["id"]
        a_same, a_other = _upload_waiting(sqlite_stack, http, ext_a, ["same.pdf", "other.pdf"], "monday", 200)
        (b_same,) = _upload_waiting(sqlite_stack, http, ext_b, ["same.pdf"], "tuesday", 300)

        _sign_in(page, sqlite_stack.base_url, key)
        rows = page.locator("#queue-body tr")
        expect(rows).to_have_count(3)
        row_a = page.locator(f'#queue-body tr[data-file-id="{a_same}"]')
        row_b = page.locator(f'#queue-body tr[data-file-id="{b_same}"]')
        expect(row_a.locator("td.ext")).to_contain_text("Invoices A")
        expect(row_b.locator("td.ext")).to_contain_text("Invoices B")
        expect(row_a.locator("td.batch")).to_contain_text("monday")
        expect(row_b.locator("td.batch")).to_contain_text("tuesday")
        page.screenshot(path=str(tmp_path / "queue-day.png"))

        # the filter: by extraction (its batches only in the batch list), by batch, by file name
        page.get_by_label("Extraction").select_option(ext_a)
        expect(rows).to_have_count(2)
        expect(page.locator("#queue-count")).to_have_text("(2 of 3)")
        batch_options = page.locator("#filter-batch option").all_inner_texts()
        assert len(batch_options) == 2 and "monday" in batch_options[1], batch_options
        page.get_by_label("File").fill("same")
        expect(rows).to_have_count(1)
        expect(page.locator(f'#queue-body tr[data-file-id="{a_same}"]')).to_have_count(1)
        page.get_by_label("File").fill("")
        expect(rows).to_have_count(2)

        # review the filter from its first file (the queue is oldest first); Alt+N skips to the next
        first, second = rows.nth(0).get_attribute("data-file-id"), rows.nth(1).get_attribute("data-file-id")
        assert {first, second} == {a_same, a_other}
        name = {a_same: "same.pdf", a_other: "other.pdf"}
        page.get_by_role("button", name="Review first →").click()
        expect(page.locator("#review-view")).to_have_attribute("data-file-id", first)
        expect(page.locator("#review-context")).to_contain_text("Invoices A")
        expect(page.locator("#review-context")).to_contain_text("monday")
        expect(page.locator("#review-position")).to_have_text("1 of 2 (filtered)")
        page.keyboard.press("Alt+n")
        expect(page.locator("#review-view")).to_have_attribute("data-file-id", second)
        expect(page.locator("#review-position")).to_have_text("2 of 2 (filtered)")

        # Ctrl+Enter approves from inside a field; the next file of the filter opens by itself
        page.get_by_label("invoice_number", exact=True).focus()
        page.keyboard.press("Control+Enter")
        expect(page.locator("#review-view")).to_have_attribute("data-file-id", first)
        expect(page.locator("#notice")).to_contain_text(f"Approved {name[second]}")
        expect(page.locator("#notice")).to_contain_text(f"Next: {name[first]}")
        expect(page.locator("#review-position")).to_have_text("1 of 1 (filtered)")

        # the last of the filter: back to the queue, which says so; the other extraction's file waits
        page.get_by_label("Reason / note").fill("looked right")
        page.get_by_role("button", name="Approve").click()
        expect(page.locator("#queue-view")).to_be_visible()
        expect(page.locator("#notice")).to_contain_text("Nothing more is waiting for review in this filter")
        page.get_by_label("Extraction").select_option("")
        expect(rows).to_have_count(1)
        expect(page.locator(f'#queue-body tr[data-file-id="{b_same}"]')).to_have_count(1)

        for fid in (a_same, a_other):
            assert http.get(f"/v1/extractions/{ext_a}/files/{fid}/result").json()["review"]["decision"] == "approved"
        assert http.get(f"/v1/extractions/{ext_b}/files/{b_same}/review").json()["status"] == "needs_review"
    assert problems == []


def test_page_zoom_pan_and_wrapping_text(sqlite_stack, waiting_file, browser_page, tmp_path):
    from playwright.sync_api import expect

    key, http, ext, fid = waiting_file
    page, problems = browser_page
    detail = http.get(f"/v1/extractions/{ext}/files/{fid}/review").json()
    _sign_in(page, sqlite_stack.base_url, key)
    page.locator(f'#queue-body tr[data-file-id="{fid}"] a.file-link').click()
    page.wait_for_function("document.getElementById('page-img-1')?.naturalWidth > 0")
    img, pages = page.locator("#page-img-1"), page.locator("#pages")
    expect(page.locator("#zoom-level")).to_have_text("100%")
    width = img.bounding_box()["width"]

    # zoom in: the page grows, the cited box stays on its words
    page.get_by_role("button", name="zoom in").click()
    page.get_by_role("button", name="zoom in").click()
    expect(page.locator("#zoom-level")).to_have_text("150%")
    assert abs(img.bounding_box()["width"] / width - 1.5) < 0.02
    page.get_by_label("invoice_number", exact=True).focus()
    cite = detail["citations"]["invoice_number"]
    hl = page.locator(f"#cite-box-{cite['page']}")
    expect(hl).to_be_visible()
    page.wait_for_timeout(500)  # the smooth scroll to the box
    box, im = hl.bounding_box(), page.locator(f"#page-img-{cite['page']}").bounding_box()
    assert abs(box["x"] - (im["x"] + (cite["bbox"][0] - 0.004) * im["width"])) < 6
    assert abs(box["y"] - (im["y"] + (cite["bbox"][1] - 0.004) * im["height"])) < 6

    # pan: dragging the page scrolls the pane the other way
    page.locator("#zoom-bar").click(position={"x": 5, "y": 5})  # out of the field: keys go to the page
    left, top = pages.evaluate("p => [p.scrollLeft = (p.scrollWidth - p.clientWidth) / 2,"
                               " p.scrollTop = (p.scrollHeight - p.clientHeight) / 2].map(Math.round)")
    assert left > 120 and top > 90  # room to pan both ways
    pane = pages.bounding_box()
    x, y = pane["x"] + pane["width"] / 2, pane["y"] + pane["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 120, y - 90, steps=6)
    page.mouse.up()
    after = pages.evaluate("p => [p.scrollLeft, p.scrollTop]")
    assert abs(after[0] - left - 120) <= 2 and abs(after[1] - top - 90) <= 2, (left, top, after)

    # Ctrl+wheel zooms at the pointer, "0" fits the width again, "-" zooms out
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    expect(page.locator("#zoom-level")).to_have_text("200%")
    page.keyboard.press("0")
    expect(page.locator("#zoom-level")).to_have_text("100%")
    page.keyboard.press("-")
    expect(page.locator("#zoom-level")).to_have_text("75%")
    page.keyboard.press("0")
    page.screenshot(path=str(tmp_path / "zoomed.png"))

    # a long description wraps inside its cell and shows whole
    cell = page.get_by_label("line_items[0].description")
    one_line = cell.evaluate("t => t.clientHeight")
    long_text = "Quarterly maintenance of the cooling units in building C, spare parts and travel included " * 2
    cell.fill(long_text)
    sizes = cell.evaluate("t => [t.clientHeight, t.scrollHeight, t.clientWidth, t.scrollWidth]")
    assert sizes[0] > 2 * one_line, sizes
    assert sizes[1] <= sizes[0] + 2 and sizes[3] <= sizes[2] + 2, sizes  # nothing hidden, no sideways scroll
    assert cell.input_value() == long_text  # one line of text, wrapped for display only
    expect(page.locator("#changed-count")).to_have_text("corrected: line_items")
    page.screenshot(path=str(tmp_path / "wrapped.png"))
    assert problems == []


def test_confidence_badges_agree_with_the_threshold(sqlite_stack, waiting_file, browser_page):
    """Red below the extraction's review threshold, green at or above it, and the number is cut,
    never rounded up, with the decimals it takes to show its side of the threshold: 0.998 is a
    green 0.99, not an orange 1.00; under 0.955, 0.9549 is a red 0.95 and 0.9555 a green 0.955."""
    from playwright.sync_api import expect

    key, http, ext, fid = waiting_file
    page, problems = browser_page
    real = http.get(f"/v1/extractions/{ext}/files/{fid}/review").json()
    _sign_in(page, sqlite_stack.base_url, key)
    page.goto(f"{sqlite_stack.base_url}/review#/review/{ext}/{fid}")
    expect(page.locator("#review-title")).to_have_text("page-review.pdf")
    t = real["review_threshold"]
    badges = page.locator("#fields .conf")
    assert badges.count() >= 5
    for n in range(badges.count()):
        b = badges.nth(n)
        raw = b.get_attribute("data-conf")
        if raw == "":
            assert b.get_attribute("data-level") == "none"
            continue
        c, shown = float(raw), float(b.inner_text())
        assert b.get_attribute("data-level") == ("low" if c < t else "high")
        assert (shown < t) == (c < t) and 0 <= c - shown < 0.01, (c, shown, t)
        assert b.evaluate("e => getComputedStyle(e).backgroundColor") == LEVEL_COLOURS["low" if c < t else "high"]

    # the case from the issue, and its neighbours, on the same page (the review detail edited in flight)
    def edited(route):
        body = route.fetch().json()
        body["review_threshold"] = 0.955
        body["confidence"].update({"invoice_number": 0.998, "total_amount": 0.9549, "currency": 1.0,
                                   "issue_date": 0.9555})
        route.fulfill(json=body)

    page.route(f"**/v1/extractions/{ext}/files/{fid}/review", edited)
    page.reload()
    expect(page.locator("#review-title")).to_have_text("page-review.pdf")
    for key_, text, level in (("invoice_number", "0.99", "high"), ("total_amount", "0.95", "low"),
                              ("currency", "1.00", "high"), ("issue_date", "0.955", "high")):
        badge = page.locator(f"#field-{key_} .conf")
        expect(badge).to_have_text(text)
        assert badge.get_attribute("data-level") == level, key_
        assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == LEVEL_COLOURS[level]
    expect(page.locator("#legend")).to_contain_text("below 0.955: review")
    assert problems == []


def test_an_error_never_hides_the_decision_buttons(sqlite_stack, waiting_file, browser_page, tmp_path):
    from playwright.sync_api import expect

    key, http, ext, fid = waiting_file
    page, problems = browser_page
    page.set_viewport_size({"width": 1280, "height": 620})
    page.route(f"**/v1/extractions/{ext}/files/{fid}/review", lambda route: route.fulfill(
        status=409, json={"error": "the file changed meanwhile: " + "reload it and look again; " * 120,
                          "code": "review_stale", "retryable": False})
        if route.request.method == "POST" else route.continue_())
    _sign_in(page, sqlite_stack.base_url, key)
    page.goto(f"{sqlite_stack.base_url}/review#/review/{ext}/{fid}")
    expect(page.locator("#review-title")).to_have_text("page-review.pdf")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error-text")).to_contain_text("the file changed meanwhile")
    page.screenshot(path=str(tmp_path / "error.png"))
    for name in ("Approve", "Reject"):
        button = page.get_by_role("button", name=name)
        expect(button).to_be_in_viewport(ratio=1)
        centre = button.evaluate("b => { const r = b.getBoundingClientRect();"
                                 " return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === b; }")
        assert centre, f"{name} is covered"
    # a long list of fields scrolls in its own pane; the buttons stay put
    page.locator("#fields-scroll").evaluate("s => s.scrollTop = s.scrollHeight")
    expect(page.get_by_role("button", name="Approve")).to_be_in_viewport(ratio=1)
    assert [p for p in problems if "409" not in p] == []


def test_a_refused_signal_is_shown_with_its_reason(sqlite_stack, waiting_file, browser_page):
    """A `review` signal (the Temporal UI's way) cannot answer its sender; the page shows why it was refused."""
    import asyncio
    import time
    from concurrent.futures import ThreadPoolExecutor

    from playwright.sync_api import expect

    from core.temporal import connect

    key, http, ext, fid = waiting_file
    page, problems = browser_page
    batch = http.get(f"/v1/extractions/{ext}/files/{fid}").json()["file"]["batch_id"]

    async def stale_signal() -> None:
        client = await connect(sqlite_stack.settings)
        await client.get_workflow_handle(f"batch-{batch}").signal(
            "review", {"file_id": fid, "action": "approve", "revision": 0, "reviewer": "ops@ui"})

    with ThreadPoolExecutor(1) as pool:  # playwright's sync API holds this thread's event loop
        pool.submit(asyncio.run, stale_signal()).result()
    deadline = time.monotonic() + 30
    while not http.get(f"/v1/extractions/{ext}/files/{fid}/review").json()["refused"]:
        assert time.monotonic() < deadline, "the refusal never reached the review record"
        time.sleep(0.3)

    _sign_in(page, sqlite_stack.base_url, key)
    page.goto(f"{sqlite_stack.base_url}/review#/review/{ext}/{fid}")
    expect(page.locator("#review-title")).to_have_text("page-review.pdf")
    expect(page.locator("#refused-box")).to_be_visible()
    expect(page.locator("#refused-signals li")).to_have_count(1)
    expect(page.locator("#refused-signals li")).to_contain_text(
        "approve revision 0 by ops@ui: stale review: you saw revision 0, the file is at revision 1")
    expect(page.get_by_role("button", name="Approve")).to_be_enabled()  # still waiting: a decision can be made
    assert problems == []
