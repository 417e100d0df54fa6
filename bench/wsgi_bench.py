"""WSGI entry for bench/http.py: the app plus the fixture handlers the fixture diagram calls."""

import tests.fixtures.handlers  # noqa: F401
from webapp.app import create_app

app = create_app()
