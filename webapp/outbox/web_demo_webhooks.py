"""Demo mode only: a receiver for the pack's webhooks (scripts/run points webhook:sales here), so leads arrive."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, request

from webapp.extensions import csrf

bp = Blueprint("demo_webhooks", __name__, url_prefix="/demo/webhooks")
log = logging.getLogger("closeloop.demo_webhooks")


@bp.post("/<name>")
def receive(name: str) -> tuple[str, int]:
    """Accept a webhook delivery and log it (a stand-in for the sales system a company would connect)."""
    log.info("demo webhook %s received %d bytes", name, len(request.get_data()))
    return "", 204


def init_demo_webhooks(app: Flask) -> None:
    """Serve the receiver only in demo mode (CLOSELOOP_DEMO=1); signed deliveries carry no CSRF token."""
    if app.config.get("DEMO_MODE"):
        app.register_blueprint(bp)
        csrf.exempt(bp)
