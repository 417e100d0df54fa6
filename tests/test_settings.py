"""One settings reader, one precedence for every environment variable: CLOSELOOP_X, then X, then the default."""

from __future__ import annotations

import pytest

from webapp import config
from webapp.outbox.delivery.settings import load_settings
from webapp.settings import env


def test_prefixed_name_wins_then_plain_then_default() -> None:
    assert env("MAIL_HOST", "d", {"CLOSELOOP_MAIL_HOST": "a", "MAIL_HOST": "b"}) == "a"
    assert env("MAIL_HOST", "d", {"MAIL_HOST": "b"}) == "b"
    assert env("MAIL_HOST", "d", {"CLOSELOOP_MAIL_HOST": "", "MAIL_HOST": "b"}) == "b", "empty counts as unset"
    assert env("MAIL_HOST", "d", {}) == "d"
    assert env("MAIL_HOST", None, {}) is None


@pytest.mark.parametrize("prefixed", [True, False])
def test_config_load_and_worker_settings_read_the_same_way(monkeypatch: pytest.MonkeyPatch, prefixed: bool) -> None:
    for name in ("MAIL_HOST", "BUSINESS_HOURS", "TIMEZONE", "OUTBOX_MAX_ATTEMPTS", "STUCK_IDLE_HOURS"):
        monkeypatch.setenv(name, "plain")
        monkeypatch.delenv(f"CLOSELOOP_{name}", raising=False)
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("STUCK_IDLE_HOURS", "5")
    if prefixed:
        for name in ("MAIL_HOST", "BUSINESS_HOURS", "TIMEZONE"):
            monkeypatch.setenv(f"CLOSELOOP_{name}", "prefixed")
        monkeypatch.setenv("CLOSELOOP_OUTBOX_MAX_ATTEMPTS", "9")
        monkeypatch.setenv("CLOSELOOP_STUCK_IDLE_HOURS", "10")
    want = "prefixed" if prefixed else "plain"
    loaded = config.load()
    assert loaded["BUSINESS_HOURS"] == want and loaded["DEFAULT_TIMEZONE"] == want
    assert loaded["STUCK_IDLE_HOURS"] == (10.0 if prefixed else 5.0)
    settings = load_settings({})
    assert settings.mail.host == want and settings.max_attempts == (9 if prefixed else 4)
    assert load_settings({"MAIL_HOST": "from-app-config"}).mail.host == "from-app-config", "app config comes first"
