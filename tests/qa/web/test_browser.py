"""The review web app in a real browser (Debian's Chromium driven by playwright): two
reviewers score their items, one by clicks and one by keyboard shortcuts, with a planted
disagreement; the adjudicator resolves it; the run signs off and the candidate publishes."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from typer.testing import CliRunner

from mhds.cli import app
from mhds.qa.review import run_status
from mhds.qa.web.app import WebSettings, server_config
from mhds.records import codec
from mhds.release.version import list_versions
from tests.qa.web.conftest import GOOD, LOW, PLACEHOLDER, QA, SCRIPT, ReviewSite, make_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = "MHDS_SCREENSHOT_DIR"


@dataclass
class Served:
    """The running app: its site and base URL, and what the browser reported."""

    site: ReviewSite
    base: str
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must run the browser tests")
        pytest.skip(f"{CHROMIUM} is missing")
    site = make_site(tmp_path_factory.mktemp("browser"))
    port = free_port()
    settings = WebSettings(site.store, site.run.name, qa_prefix=QA, port=port)
    server = uvicorn.Server(server_config(settings, configure_logging=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield Served(site, f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser: Browser, served: Served) -> Page:
    """A page in a fresh context (its own cookies) that records console errors and dialogs."""
    page = browser.new_context().new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            served.console_errors.append(message.text)

    def on_dialog(dialog: Dialog) -> None:
        served.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda error: served.console_errors.append(str(error)))
    page.on("dialog", on_dialog)
    return page


def log_in(page: Page, served: Served, name: str) -> None:
    page.goto(f"{served.base}/login")
    page.fill("#token", served.site.tokens[name])
    with page.expect_navigation():
        page.click("#login")
    assert page.url == f"{served.base}/"
    assert f"{name} (" in page.inner_text("header")


def item_id_of(page: Page) -> str:
    return page.url.rsplit("/", 1)[-1]


def criteria_of(page: Page) -> list[str]:
    ids: list[str] = page.locator("fieldset.criterion").evaluate_all("els => els.map(e => e.id)")
    return [i.removeprefix("criterion-") for i in ids]


def review_by_clicks(page: Page, served: Served, low_on: str) -> None:
    """Score every item 9 by clicking, except ``low_on``, which gets a 3 on one criterion."""
    with page.expect_navigation():
        page.click("#next-todo")
    while "/items/" in page.url:
        item_id = item_id_of(page)
        for key in criteria_of(page):
            low = item_id == low_on and key == "clinical_appropriateness"
            page.check(f"#score-{key}-{LOW if low else GOOD}")
        page.check("#pii-no")
        page.fill("#notes", "too directive" if item_id == low_on else "")
        if item_id == low_on:
            assert page.locator(".messages mark").all_inner_texts() == [PLACEHOLDER]
            assert SCRIPT in page.inner_text(".messages")  # shown as text, never run
            folder = os.environ.get(SCREENSHOT_DIR)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(Path(folder) / "review-page.png"), full_page=True)
        with page.expect_navigation():
            page.click("#submit")
        assert "/items/" not in page.url or item_id_of(page) != item_id
    assert page.url == f"{served.base}/"


def review_by_keyboard(page: Page, served: Served) -> None:
    """Score every item 9 with the digit shortcuts and submit with Ctrl+Enter; try n and p
    on the way."""
    with page.expect_navigation():
        page.click("#next-todo")
    first = item_id_of(page)
    with page.expect_navigation():
        page.keyboard.press("n")
    assert item_id_of(page) != first
    with page.expect_navigation():
        page.keyboard.press("p")
    assert item_id_of(page) == first
    page.keyboard.press("?")
    assert page.is_visible("#help")
    page.keyboard.press("Escape")
    assert page.is_hidden("#help")
    while "/items/" in page.url:
        item_id = item_id_of(page)
        keys = criteria_of(page)
        for _ in keys:
            page.keyboard.press(str(GOOD))
        for key in keys:
            assert page.is_checked(f"#score-{key}-{GOOD}")
        page.keyboard.press("Space")  # the privacy question has focus after the last score
        assert page.is_checked("#pii-no")
        with page.expect_navigation():
            page.keyboard.press("Control+Enter")
        assert "/items/" not in page.url or item_id_of(page) != item_id
    assert page.url == f"{served.base}/"


def test_review_adjudicate_sign_off_and_publish(
    browser: Browser, served: Served, tmp_path: Path
) -> None:
    site = served.site
    alice = open_page(browser, served)
    log_in(alice, served, "alice")
    review_by_clicks(alice, served, low_on=site.planted)
    assert f"{len(site.run.items)} of {len(site.run.items)} reviewed" in alice.inner_text("main")

    bob = open_page(browser, served)
    log_in(bob, served, "bob")
    review_by_keyboard(bob, served)

    status = run_status(site.store, QA, site.run)
    assert [s.item.item_id for s in status.queue()] == [site.planted]
    assert all(d.decision.source == "web" for s in status.items for d in s.reviews.values())

    carol = open_page(browser, served)
    log_in(carol, served, "carol")
    queue = carol.inner_text("table.queue")
    assert site.planted in queue and "pass_fail" in queue
    assert "score_gap:clinical_appropriateness" in queue
    with carol.expect_navigation():
        carol.click(f"a[href='/adjudicate/{site.planted}']")
    headers = carol.locator("#compare thead th").all_inner_texts()
    assert headers == ["Criterion", "alice", "bob"]
    assert carol.locator("#compare tr.gap").count() == 1
    assert "too directive" in carol.inner_text("#compare")
    carol.check("#outcome-pass")
    carol.check("#pii-no")
    carol.fill("#notes", "within guidance")
    with carol.expect_navigation():
        carol.click("#submit")
    assert carol.url == f"{served.base}/"
    assert "0 item(s) wait for adjudication" in carol.inner_text("main")

    # Then the commands a clinical lead runs: mhds qa signoff, mhds release publish.
    registry = tmp_path / "registry.yaml"
    registry.write_text(codec.dumps(site.registry.model_dump(mode="json")).decode())
    root = site.store.root  # type: ignore[attr-defined]
    where = ["--store", str(root), "--registry", str(registry)]
    runner = CliRunner()
    signed = runner.invoke(app, ["qa", "signoff", site.run.name, "--by", "carol", *where])
    assert signed.exit_code == 0, signed.output
    assert "0 record(s) excluded by review" in " ".join(signed.output.split())
    published = runner.invoke(app, ["release", "publish", site.build_id, *where])
    assert published.exit_code == 0, published.output
    [version] = list_versions(site.store, site.registry.layout.releases)
    assert f"published {version} from candidate {site.build_id}" in published.output

    csp = [e for e in served.console_errors if "Content Security Policy" in e]
    assert csp == [] and served.console_errors == []
    assert served.dialogs == []  # the planted script never ran
