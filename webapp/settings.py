"""The one settings reader: every environment variable of Closeloop is read here, with one precedence.

For a setting NAME: `CLOSELOOP_NAME` if it is set and not empty, else `NAME` if set and not empty, else the
default. (App config keys given to `create_app(test_config)` come before both; see outbox/delivery/settings.py.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping

PREFIX = "CLOSELOOP_"


def env(name: str, default: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The setting `name` from the environment: CLOSELOOP_<name>, then <name>, then `default`."""
    source = os.environ if environ is None else environ
    for key in (PREFIX + name, name):
        value = source.get(key)
        if value:
            return value
    return default


def env_str(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """Like env, never None."""
    return env(name, default, environ) or default
