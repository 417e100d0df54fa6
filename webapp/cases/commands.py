"""`closeloop mailin`: the SMTP/LMTP receiver an MTA forwards the complaint address to."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import click
from flask import Flask, current_app

from webapp.cases.mailin import MailinSettings, Received, receive, start
from webapp.extensions import db
from webapp.outbox.delivery.settings import load_settings
from webapp.worker import install_signal_handlers
from webapp.worker.commands import configure_logging


def mailin_settings(config: Any) -> MailinSettings:
    """Settings from the app config or the environment (CLOSELOOP_MAILIN_ADDRESS, _HOST, _PORT, _LMTP)."""
    def get(key: str, default: str) -> str:
        return str(config.get(f"MAILIN_{key}") or os.environ.get(f"CLOSELOOP_MAILIN_{key}") or default)

    return MailinSettings(address=get("ADDRESS", "complaints@localhost"), host=get("HOST", "127.0.0.1"),
                          port=int(get("PORT", "2525")), lmtp=get("LMTP", "0").lower() in ("1", "true", "yes"),
                          domain=load_settings(config).mail.domain, upload_dir=str(config["UPLOAD_DIR"]),
                          max_bytes=int(config.get("MAX_CONTENT_LENGTH") or 20 * 1024 * 1024))


def deliverer(app: Flask, settings: MailinSettings) -> Callable[[bytes], Received]:
    """A function that registers one raw mail in its own app context (called from the receiver's thread)."""
    def deliver(raw: bytes) -> Received:
        with app.app_context():
            try:
                return receive(db.session, raw, settings)
            except Exception:
                db.session.rollback()
                raise

    return deliver


def register_mailin_command(app: Flask) -> None:
    """Attach `closeloop mailin` to the app's CLI."""
    @app.cli.command("mailin")
    @click.option("--host", default=None, help="default: MAILIN_HOST (127.0.0.1)")
    @click.option("--port", default=None, type=int, help="default: MAILIN_PORT (2525)")
    @click.option("--address", default=None, help="the complaint address (default: MAILIN_ADDRESS)")
    @click.option("--lmtp", is_flag=True, default=None, help="speak LMTP instead of SMTP")
    def mailin_cmd(host: str | None, port: int | None, address: str | None, lmtp: bool | None) -> None:
        """Receive mail for the complaint address: new cases, or customer messages on the case named."""
        configure_logging()
        application: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        settings = mailin_settings(application.config)
        settings.host, settings.port = host or settings.host, port or settings.port
        settings.address, settings.lmtp = address or settings.address, bool(lmtp) or settings.lmtp
        stop = threading.Event()
        install_signal_handlers(stop)
        controller = start(settings, deliverer(application, settings))
        click.echo(f"mailin ({'LMTP' if settings.lmtp else 'SMTP'}) on {settings.host}:{settings.port} "
                   f"for {settings.address}")
        try:
            stop.wait()
        finally:
            controller.stop()
