"""Where the deploy checks read the configured webhooks and service points from: the app's config, else env."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context


def settings_source() -> Mapping[str, Any]:
    """The running app's config (WEBHOOKS, SERVICE_POINT_EMAILS ...), or the environment outside an app."""
    return current_app.config if has_app_context() else os.environ
