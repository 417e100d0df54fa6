"""Web-test helpers: a browser-like client that signs in and sends the CSRF token of the page it came from."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD

TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


class Web:
    """A cookie-keeping client: `web.login('handler1')`, `web.get(url)`, `web.post(url, data)` with CSRF."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.app = client.application
        self.token: str | None = None

    def _fresh(self) -> Any:
        # The `app` fixture keeps one app context open for the whole test and Flask reuses it for every
        # request, so `g` (where Flask-WTF caches the CSRF token) would leak between requests. A fresh app
        # context per request behaves like a real server.
        return self.app.app_context()

    def get(self, url: str, **kw: Any) -> Any:
        """GET a page and remember its CSRF token."""
        with self._fresh():
            r = self.client.get(url, **kw)
        m = TOKEN.search(r.get_data(as_text=True))
        if m:
            self.token = m.group(1)
        return r

    def post(self, url: str, data: dict[str, Any] | None = None, csrf: bool = True, **kw: Any) -> Any:
        """POST a form with the last page's CSRF token (unless csrf=False)."""
        body = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/login")
            body["csrf_token"] = self.token
        with self._fresh():
            return self.client.post(url, data=body, **kw)

    def login(self, username: str, password: str = PASSWORD) -> Web:
        """Sign in as a user (fresh session)."""
        self.client._cookies.clear()
        self.get("/login")
        r = self.post("/login", {"username": username, "password": password})
        assert r.status_code == 302, r.get_data(as_text=True)[:500]
        self.get("/", follow_redirects=True)  # an admin lands on /admin, an owner on /processes
        return self

    def text(self, url: str, status: int = 200) -> str:
        """GET a page, check its status and return its HTML."""
        r = self.get(url)
        assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:800])
        return r.get_data(as_text=True)


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A signed-out browser-like client with all test users present."""
    return Web(app.test_client())


@pytest.fixture
def web_factory(app: Flask, users: dict[str, Any]) -> Any:
    """Make several independent clients (two people at once)."""
    return lambda: Web(app.test_client())
