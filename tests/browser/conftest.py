"""Browser fixtures: the app served by a real werkzeug server thread, driven by Debian's headless Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip browser tests with a clear reason when Debian's chromium is not installed."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def live_server(app: Flask, users: dict[str, Any], mini: None) -> Iterator[str]:
    """Serve the app (fixture diagram deployed, test users created) on a free port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def session_chromium() -> Iterator[Any]:
    """One headless Chromium per session (per xdist worker): launching it per test cost ~1 s of CPU each time."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser(session_chromium: Any) -> Iterator[Any]:
    """The session's Chromium for one test; every context the test opened (cookies, pages) is closed after it."""
    assert session_chromium.contexts == [], "a previous test left a browser context open"
    try:
        yield session_chromium
    finally:
        for context in session_chromium.contexts:
            context.close()


class Shots:
    """Numbered screenshots of one test under tests/browser/screenshots/<test>/."""

    def __init__(self, name: str) -> None:
        self.folder = SHOTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.n = 0

    def __call__(self, page: Any, label: str) -> None:
        """Save a full-page screenshot."""
        self.n += 1
        page.screenshot(path=str(self.folder / f"{self.n:02d}-{label}.png"), full_page=True)

    def part(self, locator: Any, label: str) -> None:
        """Save a screenshot of one element (a part of a long page, readable at full size)."""
        self.n += 1
        locator.screenshot(path=str(self.folder / f"{self.n:02d}-{label}.png"))


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    """Screenshot saver named after the test."""
    return Shots(request.node.name.replace("[", "-").replace("]", ""))
