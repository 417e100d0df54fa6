"""The app loads every handler at start: none is imported lazily by concurrent first requests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PROBE = """
import json, sys
from handlers import registry
from webapp.app import create_app
create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1], "SECRET_KEY": "t"})
loaded = sorted(registry._REGISTRY)  # before anything asked for the operations
registry.load_all()
print(json.dumps([loaded, sorted(registry._REGISTRY)]))
"""


def test_a_new_app_process_has_every_handler_registered_before_its_first_request(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HANDLER_MODULES")}
    out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "t.db")], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    loaded, everything = json.loads(out.strip().splitlines()[-1])
    assert loaded == everything and {"notify", "record_closure", "clock_start"} <= set(loaded)
