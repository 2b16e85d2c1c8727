"""The built site in a real browser: Debian's Chromium, driven by Playwright.

Every page is opened from a server on 127.0.0.1 that sends the same security
headers as the nginx configs in deploy/ (so a page that needs an inline script
or an outside file fails here). No request may go to any other host, the
reports page must show its charts, and search must find a policy word. A
screenshot of the reports page is saved under test-artifacts/.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]


def security_headers() -> list[tuple[str, str]]:
    """The add_header lines of deploy/nginx/security-headers.conf."""
    text = (ROOT / "deploy" / "nginx" / "security-headers.conf").read_text()
    found = re.findall(r'^add_header\s+(\S+)\s+"([^"]*)"\s+always;', text, re.M)
    assert any(name == "Content-Security-Policy" for name, _ in found)
    return found


class Handler(SimpleHTTPRequestHandler):
    headers_to_send: list[tuple[str, str]] = []

    def end_headers(self) -> None:
        for name, value in self.headers_to_send:
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def served(marked_site):
    Handler.headers_to_send = security_headers()
    handler = functools.partial(Handler, directory=str(marked_site.site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", marked_site.site
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser_context():
    assert Path(CHROMIUM).is_file(), (
        "Debian's chromium is needed for this test: apt-get install chromium "
        "(.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="sv-chromium-", dir="/tmp")
    try:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS,
                viewport={"width": 1280, "height": 900})
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_every_page_loads_from_this_site_only(served, browser_context) -> None:
    base, site = served
    origin = urlsplit(base).netloc
    requests: list[str] = []
    problems: list[str] = []
    page = browser_context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(f"{page.url}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    paths = sorted(p.relative_to(site).as_posix() for p in site.rglob("index.html"))
    assert len(paths) > 20
    for rel in paths:
        url = f"{base}/{rel[: -len('index.html')]}"
        response = page.goto(url, wait_until="networkidle")
        assert response is not None and response.status == 200, url
    page.close()
    others = sorted({u for u in requests if urlsplit(u).scheme not in ("data", "blob")
                     and urlsplit(u).netloc != origin})
    assert others == [], others
    assert problems == [], problems  # includes any Content-Security-Policy violation
    assert len(requests) > len(paths)


def test_reports_page_shows_its_charts(served, browser_context) -> None:
    base, _site = served
    page = browser_context.new_page()
    page.goto(f"{base}/reports/2025-26/", wait_until="networkidle")
    charts = page.locator("img.sv-chart")
    # each chart section has its chart, or says its numbers are too small to publish
    without = page.content().count("so there is no chart")
    assert charts.count() >= 4 and charts.count() + without >= 7, (charts.count(), without)
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        width = chart.evaluate("img => img.complete ? img.naturalWidth : 0")
        assert width > 100, chart.get_attribute("src")
        assert chart.get_attribute("alt")
    # each chart sits beside its table
    assert page.locator(".sv-pair .sv-pair-table table").count() >= charts.count()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-page.png"), full_page=True)
    assert (ARTIFACTS / "reports-page.png").stat().st_size > 10_000
    page.close()


def test_search_finds_a_policy_word(served, browser_context) -> None:
    base, _site = served
    page = browser_context.new_page()
    page.goto(f"{base}/", wait_until="networkidle")
    page.locator("input.md-search__input").click(force=True)
    page.keyboard.type("Gibbs")
    links = page.locator("a.md-search-result__link")
    # The search index loads in a web worker: slow on a busy two-core machine.
    links.first.wait_for(state="attached", timeout=45_000)
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    assert any("policy" in href for href in hrefs), hrefs
    page.close()
