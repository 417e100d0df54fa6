"""Sign-in, sign-out, lockout, CSRF, password change, language switcher, role pages."""

from __future__ import annotations

from typing import Any

from webapp.accounts.web_access import role_required
from webapp.extensions import db
from webapp.models import User


def test_login_page_and_redirect_when_signed_out(web: Any) -> None:
    r = web.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert "Sign in" in web.text("/login")


def test_login_logout_round_trip(web: Any) -> None:
    web.login("handler1")
    page = web.text("/")
    assert "Worklist" in page and "handler1" in page
    r = web.post("/logout")
    assert r.status_code == 302
    assert web.get("/").status_code == 302


def test_wrong_password_says_so_and_locks_after_five(web: Any) -> None:
    web.get("/login")
    for _ in range(5):
        r = web.post("/login", {"username": "agent", "password": "wrong-password"})
        assert r.status_code == 401
        assert "Wrong username or password" in r.get_data(as_text=True)
    r = web.post("/login", {"username": "agent", "password": "test-pass-123"})
    assert r.status_code == 401, "the right password must not open a locked account"


def test_login_without_csrf_token_is_rejected(web: Any) -> None:
    r = web.post("/login", {"username": "agent", "password": "test-pass-123"}, csrf=False)
    assert r.status_code == 400
    assert "form expired" in r.get_data(as_text=True).lower()


def test_open_redirect_is_refused(web: Any) -> None:
    web.get("/login")
    r = web.post("/login?next=https://evil.example/", {"username": "agent", "password": "test-pass-123"})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_change_password_signs_out_other_sessions(web_factory: Any) -> None:
    first, second = web_factory().login("agent"), web_factory().login("agent")
    first.get("/account")
    r = first.post("/account", {"current_password": "nope-nope", "new_password": "new-pass-456",
                                "new_password_again": "new-pass-456"})
    assert r.status_code == 422 and "not your current password" in r.get_data(as_text=True)
    r = first.post("/account", {"current_password": "test-pass-123", "new_password": "new-pass-456",
                                "new_password_again": "new-pass-456"})
    assert r.status_code == 302
    assert first.get("/").status_code == 200, "the session that changed the password stays signed in"
    assert second.get("/").status_code == 302, "other sessions of the old password are signed out"
    web_factory().login("agent", "new-pass-456")


def test_language_switcher_is_remembered_on_the_user(web: Any, app: Any) -> None:
    web.login("handler1")
    r = web.post("/language", {"language": "zh", "next": "/"})
    assert r.status_code == 302
    assert "工作清单" in web.text("/")
    user = db.session.scalars(db.select(User).where(User.username == "handler1")).one()
    db.session.refresh(user)
    assert user.language == "zh"
    web.post("/logout")
    web.client._cookies.clear()
    web.login("handler1")
    assert "工作清单" in web.text("/"), "a new session uses the saved language"


def test_role_required_shows_a_clear_403(app: Any, web: Any) -> None:
    @app.get("/_only_admins")
    @role_required("admin")
    def only_admins() -> str:
        return "secret admin page"

    web.login("handler1")
    r = web.get("/_only_admins")
    assert r.status_code == 403
    page = r.get_data(as_text=True)
    assert "needs one of these roles: admin" in page and "Traceback" not in page
    web.login("admin")
    assert "secret admin page" in web.text("/_only_admins")


def test_unknown_page_is_a_404_page_and_api_stays_json(web: Any) -> None:
    web.login("agent")
    assert "nothing at this address" in web.text("/no/such/page", 404)
    r = web.client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.is_json


def test_many_failures_from_one_address_are_throttled(web: Any, app: Any) -> None:
    app.config["LOGIN_IP_FAILURES"] = 3
    web.get("/login")
    for name in ("agent", "handler1", "handler2"):  # different accounts: no account lockout yet
        assert web.post("/login", {"username": name, "password": "wrong-password"}).status_code == 401
    r = web.post("/login", {"username": "handler3", "password": "test-pass-123"})
    assert r.status_code == 429 and "Too many failed sign-ins" in r.get_data(as_text=True)
