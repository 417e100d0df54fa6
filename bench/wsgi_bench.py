"""WSGI entry for bench/http.py: the app plus the fixture diagram's handlers (the real pack needs none)."""

import tests.fixtures.handlers  # noqa: F401
from webapp.app import create_app

app = create_app()
