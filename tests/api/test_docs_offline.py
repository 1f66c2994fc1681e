"""The API docs work on an intranet with no internet: the app served by uvicorn on a free port,
Debian's Chromium with every host but the test server unreachable, Swagger UI and ReDoc rendering
from the files the package ships, not one request leaving for another host. Screenshots of both
pages go to test-artifacts/. No database: the docs need none."""

from __future__ import annotations

import asyncio
import os
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page, Request, Route, async_playwright

from depotshare.api.app import create_app
from depotshare.api.docs import ASSET_CACHE_CONTROL, ASSETS_VERSION
from depotshare.config import Settings
from tests.support.paths import REPO

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The network is off: no name resolves but the loopback address the test server listens on.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
PAGE_TIMEOUT_MS = 60_000  # generous: a loaded 2-core machine parses Swagger UI in seconds
ASSETS = f"/api/v1/docs-assets/{ASSETS_VERSION}"
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """http://127.0.0.1:PORT serving the whole app; lifespan off, so no database is opened."""
    db = tmp_path_factory.mktemp("docs") / "unused.db"
    app = create_app(Settings(database_url=f"sqlite+aiosqlite:///{db}", secret_key="x" * 48))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(10):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    await asyncio.wait_for(task, 10)
    sock.close()
    await app.state.runtime.close()
    assert not db.exists(), "serving the docs opened the database"


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        reason = f"*** {CHROMIUM} is missing: the offline API docs test needs Debian's chromium ***"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI must have it; .ci/run installs it)")
        pytest.skip(f"{reason} (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    return CHROMIUM


@pytest.fixture(scope="module")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        yield browser
        await browser.close()


class Offline:
    """A page whose requests reach only the test server; any other is aborted and remembered."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.elsewhere: list[str] = []
        self.failed: list[str] = []
        self.refused: list[str] = []  # by the page's Content-Security-Policy: never sent
        self.errors: list[str] = []
        page.on("requestfailed", self.request_failed)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("websocket", lambda ws: self.elsewhere.append(ws.url))

    def request_failed(self, request: Request) -> None:
        if request.failure == "csp":
            self.refused.append(request.url)
        else:
            self.failed.append(f"{request.url}: {request.failure}")

    async def route(self, route: Route, request: Request) -> None:
        parts = urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" == self.origin or parts.scheme in ("data", "blob"):
            await route.continue_()
        else:
            self.elsewhere.append(request.url)
            await route.abort("internetdisconnected")

    async def attempted(self, url: str) -> None:
        """Until the page has asked for `url` and been refused it (by its policy or by us)."""
        if url not in self.refused + self.elsewhere:
            await self.page.wait_for_event("requestfailed", lambda r: r.url == url)

    def assert_stayed_home(self, refused: tuple[str, ...] = ()) -> None:
        """No request left for another host; the page's own policy refused exactly `refused`."""
        assert self.elsewhere == [], f"the page tried to reach other hosts: {self.elsewhere}"
        assert self.failed == [], f"requests to the test server failed: {self.failed}"
        assert self.errors == [], f"the page raised: {self.errors}"
        assert sorted(set(self.refused)) == sorted(refused), "the docs' policy refused other files"


@pytest.fixture
async def offline_page(browser: Browser, server: str) -> AsyncIterator[Offline]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    offline = Offline(page, server)
    await context.route("**/*", offline.route)
    yield offline
    await context.close()


async def screenshot(page: Page, name: str) -> None:
    await page.screenshot(path=ARTIFACTS / name)


async def test_swagger_ui_renders_the_operations_offline(offline_page: Offline, server: str) -> None:
    page = offline_page.page
    response = await page.goto(f"{server}/", wait_until="load")  # `/` leads to the docs for now
    assert response is not None and response.ok
    assert page.url == f"{server}/api/v1/docs"
    await page.locator(".opblock").first.wait_for()
    assert await page.locator(".opblock").count() > 20
    await page.locator(".opblock-summary-path", has_text="/api/v1/organisations").first.wait_for()

    # The Authorize dialog offers the OAuth2 password flow against our token endpoint.
    await page.locator("button.authorize").first.click()
    await page.locator(".auth-container input#oauth_username").wait_for()
    assert "/api/v1/auth/token" in await page.locator(".auth-container").first.inner_text()
    await page.locator(".dialog-ux button.close-modal").click()
    await page.locator(".dialog-ux").wait_for(state="detached")
    await page.wait_for_load_state("networkidle")
    await screenshot(page, "api-docs-swagger-ui.png")
    offline_page.assert_stayed_home()


async def test_redoc_renders_the_api_offline(offline_page: Offline, server: str) -> None:
    page = offline_page.page
    response = await page.goto(f"{server}/api/v1/redoc", wait_until="load")
    assert response is not None and response.ok
    await page.locator("h1", has_text="DepotShare").wait_for()
    operation = page.locator("[data-section-id^='operation/']")
    await operation.first.wait_for()
    assert await operation.count() > 20
    await page.wait_for_load_state("networkidle")
    await screenshot(page, "api-docs-redoc.png")
    # ReDoc 2.5 always shows Redocly's logo from its CDN; the docs' policy refuses it (api/docs.py).
    await offline_page.attempted(REDOCLY_LOGO)
    offline_page.assert_stayed_home(refused=(REDOCLY_LOGO,))


async def test_no_served_page_names_another_host(server: str) -> None:
    """Every HTML page, and the assets it loads: from this server, typed, cached for long."""
    own_host = urlsplit(server).netloc
    async with httpx.AsyncClient(base_url=server) as http:
        for path in ("/api/v1/docs", "/api/v1/redoc", "/api/v1/docs/oauth2-redirect"):
            page = await http.get(path)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            hosts = set(re.findall(r"(?:https?:)?//([\w.-]+(?::\d+)?)", page.text)) - {own_host}
            assert hosts == set(), f"{path} names other hosts: {hosts}"

        for name, kind in (
            ("swagger-ui-bundle.js", "text/javascript"),
            ("swagger-ui.css", "text/css"),
            ("redoc.standalone.js", "text/javascript"),
            ("favicon.png", "image/png"),
        ):
            asset = await http.get(f"{ASSETS}/{name}")
            assert asset.status_code == 200, name
            assert asset.headers["content-type"].split(";")[0] == kind, name
            assert asset.headers["cache-control"] == ASSET_CACHE_CONTROL, name
            again = await http.get(f"{ASSETS}/{name}", headers={"If-None-Match": asset.headers["etag"]})
            assert again.status_code == 304, name

        missing = await http.get(f"{ASSETS}/nothing.js")
        assert missing.status_code == 404

        # OCPI serves no HTML docs (none to load from anywhere), only its OpenAPI document.
        assert (await http.get("/ocpi/openapi.json")).status_code == 200
        for path in ("/ocpi/docs", "/ocpi/redoc"):
            assert (await http.get(path)).status_code == 404, path
