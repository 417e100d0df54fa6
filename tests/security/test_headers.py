"""Security headers on every page type, no inline script or style, tojson escaping, diagram as attachment."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.helpers import instance_of, register
from webapp.extensions import db
from webapp.security.web_startup import InsecureConfiguration

PAGES = ["/login", "/public/complaint", "/public/status", "/", "/cases/", "/cases/new", "/notices/", "/account",
         "/admin/", "/admin/instances", "/admin/messages", "/admin/audit", "/no-such-page"]


def _assert_headers(r: Any) -> None:
    csp = r.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, csp
    assert "frame-ancestors 'none'" in csp and "style-src 'self'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"


def test_every_page_type_has_the_headers_and_no_inline_script_or_style(web: Any, mini: None) -> None:
    case = register()
    web.login("admin")
    pages = [*PAGES, f"/cases/{case.number}", f"/admin/instances/{case.instance_id}", "/api/v1/openapi.json"]
    for url in pages:
        r = web.get(url)
        assert r.status_code < 500, url
        _assert_headers(r)
        html = r.get_data(as_text=True)
        if r.mimetype == "text/html":
            assert not re.search(r"<script(?![^>]*\b(src|type=\"application/json\")=?)[^>]*>", html), url
            assert " style=" not in html and "<style" not in html, url
            assert not re.search(r"\son[a-z]+=\"", html), url


def test_hsts_only_over_https(web: Any) -> None:
    assert "Strict-Transport-Security" not in web.get("/login").headers
    r = web.client.get("/login", base_url="https://closeloop.example")
    assert "max-age=" in r.headers["Strict-Transport-Security"]


def test_element_id_with_script_end_tag_stays_inside_the_json(web: Any, mini: None) -> None:
    case = register()
    inst = instance_of(case)
    web.login("admin")
    from webapp.admin import web_instances as page

    original = page.page_context

    def evil(info: Any) -> Any:
        context = original(info)
        context["trace"]["current"] = ["</script><script>alert(1)</script>"]
        return context

    page.page_context = evil
    try:
        html = web.text(f"/admin/instances/{inst.id}")
    finally:
        page.page_context = original
    assert "</script><script>alert(1)" not in html
    assert "\\u003c/script\\u003e" in html


def test_diagram_is_a_nosniff_attachment(web: Any, mini: None) -> None:
    case = register()
    web.login("admin")
    r = web.get(f"/admin/instances/{case.instance_id}/diagram.bpmn")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]


def test_default_secret_key_refused_outside_debug_testing_demo(tmp_path: Any, monkeypatch: Any) -> None:
    from webapp.app import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CLOSELOOP_DEMO", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(InsecureConfiguration, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": url})
    assert create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    monkeypatch.setenv("CLOSELOOP_DEMO", "1")  # what scripts/run sets
    assert create_app({"SQLALCHEMY_DATABASE_URI": url})
    monkeypatch.delenv("CLOSELOOP_DEMO")
    assert create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "a-real-secret"})


def test_session_cookie_secure_is_configurable(tmp_path: Any, app: Flask) -> None:
    from webapp.app import create_app

    assert app.config["SESSION_COOKIE_SECURE"] is False
    secure = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'y.db'}", "TESTING": True,
                         "SESSION_COOKIE_SECURE": True})
    assert secure.config["SESSION_COOKIE_SECURE"] is True
    with secure.app_context():
        db.create_all()
        r = secure.test_client().get("/login")
        assert "Secure" in r.headers.get("Set-Cookie", "")
