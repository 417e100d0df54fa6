"""Security-test fixtures (kept here, apart from the shared tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.web.conftest import Web


@pytest.fixture
def web(app: Flask, users: dict[str, Any]) -> Web:
    """A signed-out browser-like client with all test users present."""
    return Web(app.test_client())


@pytest.fixture
def web_factory(app: Flask, users: dict[str, Any]) -> Any:
    """Make several independent clients."""
    return lambda: Web(app.test_client())
