"""`closeloop run` (what scripts/run starts) says where mail goes: the demo mail sink only when it really listens,
the configured SMTP server when MAIL_HOST is set, and a clear refusal when the sink's port is taken (issue 14)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from webapp.worker import commands


@pytest.fixture
def no_serving(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """`run` without the web server and the worker (they would block); yields the served hosts."""
    served: list[str] = []
    monkeypatch.setattr(commands, "run_simple", lambda host, *a, **k: served.append(host))
    monkeypatch.setattr(commands, "_worker_thread", lambda *a, **k: None)
    monkeypatch.setattr(commands, "watch_commits", lambda *a, **k: None)
    yield served


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(app: Flask, monkeypatch: pytest.MonkeyPatch, **config: Any) -> Any:
    """`closeloop run` with some mail settings (and no MAIL_HOST from the environment)."""
    for key in ("MAIL_HOST", "CLOSELOOP_MAIL_HOST"):
        monkeypatch.delenv(key, raising=False)
    app.config.update(config)
    return app.test_cli_runner().invoke(args=["run", "--port", "0"])


def test_mail_host_set_means_no_sink_is_announced(app: Flask, no_serving: list[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(app, monkeypatch, MAIL_HOST="smtp.example.test", MAIL_PORT=587)
    assert result.exit_code == 0, result.output
    assert "mail sink" not in result.output.replace("no demo mail sink", "")
    assert "mail goes to the SMTP server smtp.example.test:587" in result.output
    assert no_serving == ["127.0.0.1"]


def test_the_sink_is_announced_once_it_listens(app: Flask, no_serving: list[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    app.config.pop("MAIL_HOST", None)
    result = run(app, monkeypatch, MAIL_PORT=port)
    assert result.exit_code == 0, result.output
    assert f"mail sink on 127.0.0.1:{port}" in result.output
    assert no_serving == ["127.0.0.1"]


def test_a_taken_sink_port_is_refused_not_announced(app: Flask, no_serving: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        app.config.pop("MAIL_HOST", None)
        result = run(app, monkeypatch, MAIL_PORT=port)
    assert result.exit_code != 0
    assert "mail sink on" not in result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "MAIL_HOST" in result.output
    assert no_serving == []  # nothing started
    assert not [t for t in threading.enumerate() if t.name == "closeloop-mailsink"]
