"""Tokens (revoke, expiry, password change, deactivation), the shared sign-in throttle, equal work, backoff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import update

from tests.conftest import PASSWORD
from tests.helpers import user
from webapp.accounts import signin as accounts
from webapp.extensions import db
from webapp.models import ApiToken

TOKEN = "/api/v1/auth/token"


def _token(client: Any, username: str = "handler1", password: str = PASSWORD, addr: str = "10.0.0.1") -> Any:
    return client.post(TOKEN, json={"username": username, "password": password}, environ_base={"REMOTE_ADDR": addr})


def _bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def test_delete_revokes_the_presented_token_only(app: Flask, users: Any) -> None:
    c = app.test_client()
    one, two = _token(c).get_json()["token"], _token(c).get_json()["token"]
    assert c.get("/api/v1/tasks", headers=_bearer(one)).status_code == 200
    assert c.delete(TOKEN, headers=_bearer(one)).status_code == 204
    assert c.get("/api/v1/tasks", headers=_bearer(one)).status_code == 401
    assert c.get("/api/v1/tasks", headers=_bearer(two)).status_code == 200


def test_token_has_a_short_configurable_life(app: Flask, users: Any) -> None:
    c = app.test_client()
    body = _token(c).get_json()
    assert app.config["API_TOKEN_HOURS"] == 12
    left = accounts.token_hash(body["token"])
    row = db.session.query(ApiToken).filter_by(token_hash=left).one()
    assert timedelta(hours=11) < row.expires_at - accounts.wall_now() <= timedelta(hours=12)
    db.session.execute(update(ApiToken).where(ApiToken.id == row.id)
                       .values(expires_at=accounts.wall_now() - timedelta(seconds=1)))
    db.session.commit()
    assert c.get("/api/v1/tasks", headers=_bearer(body["token"])).status_code == 401


def test_password_change_revokes_every_token(app: Flask, users: Any, web: Any) -> None:
    c = app.test_client()
    tokens = [_token(c).get_json()["token"] for _ in range(2)]
    web.login("handler1")
    web.get("/account")
    r = web.post("/account", {"current_password": PASSWORD, "new_password": "brand-new-pass-1",
                              "new_password_again": "brand-new-pass-1"})
    assert r.status_code == 302
    db.session.expire_all()  # the test's own session still holds the old row
    for value in tokens:
        assert c.get("/api/v1/tasks", headers=_bearer(value)).status_code == 401
    assert _token(c, password="brand-new-pass-1").status_code == 201


def test_deactivation_revokes_every_token(app: Flask, users: Any) -> None:
    c = app.test_client()
    value = _token(c, "caller").get_json()["token"]
    result = app.test_cli_runner().invoke(args=["deactivate-user", "caller"])
    assert result.exit_code == 0, result.output
    assert db.session.query(ApiToken).filter_by(user_id=user("caller").id).count() == 0
    assert c.get("/api/v1/tasks", headers=_bearer(value)).status_code == 401


def test_web_and_api_share_one_address_throttle_with_retry_after(app: Flask, users: Any, web: Any) -> None:
    app.config["LOGIN_IP_FAILURES"] = 4
    c = app.test_client()
    for _ in range(2):
        assert _token(c, "nobody", "wrong-password", addr="10.1.1.1").status_code == 401
    web.get("/login")
    for name in ("agent", "nobody"):
        r = web.post("/login", {"username": name, "password": "wrong-password"},
                     environ_base={"REMOTE_ADDR": "10.1.1.1"})
        assert r.status_code == 401
    r = _token(c, "handler1", PASSWORD, addr="10.1.1.1")  # right password, but the address is throttled
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    r = web.post("/login", {"username": "handler1", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert _token(c, "handler1", PASSWORD, addr="10.2.2.2").status_code == 201  # other addresses are fine


def test_same_work_whether_user_exists_is_locked_or_inactive(app: Flask, users: Any, monkeypatch: Any) -> None:
    calls: list[str] = []
    real = accounts.verify_password

    def counting(password_hash: str, password: str) -> bool:
        calls.append("dummy" if password_hash == accounts.dummy_hash() else "real")
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counting)
    assert accounts.authenticate(db.session, "no-such-user", "whatever-1") is None
    assert accounts.authenticate(db.session, "agent", "wrong-password") is None
    for _ in range(accounts.MAX_FAILED_LOGINS):
        accounts.authenticate(db.session, "caller", "wrong-password")
    calls.clear()
    assert accounts.authenticate(db.session, "caller", PASSWORD) is None  # locked: right password refused
    accounts.deactivate(db.session, user("outsider"))
    assert accounts.authenticate(db.session, "outsider", PASSWORD) is None
    assert accounts.authenticate(db.session, "no-such-user", "x" * 9) is None
    assert calls == ["dummy", "dummy", "dummy"], "one hash check on every path"


def test_lockout_backs_off_and_expires(app: Flask, users: Any) -> None:
    from webapp.engine import clock

    assert [accounts.lock_seconds(n) for n in (4, 5, 6, 7, 30)] == [0, 30, 60, 120, accounts.LOCK_CAP_SECONDS]
    for _ in range(accounts.MAX_FAILED_LOGINS):
        accounts.authenticate(db.session, "depthead", "wrong-password")
    assert accounts.authenticate(db.session, "depthead", PASSWORD) is None
    clock.advance(timedelta(seconds=accounts.LOCK_BASE_SECONDS + 1))
    assert accounts.authenticate(db.session, "depthead", PASSWORD) is not None  # not locked out for good
    assert user("depthead").failed_logins == 0
