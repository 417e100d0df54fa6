"""Where the deploy checks read the configured webhooks and service points from: the app's config, else env."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context


def settings_source() -> Mapping[str, Any]:
    """The running app's config (WEBHOOKS, SERVICE_POINT_EMAILS ...); outside an app nothing, so that
    load_settings reads the environment with the one precedence of webapp.settings (CLOSELOOP_X, then X)."""
    return current_app.config if has_app_context() else {}
