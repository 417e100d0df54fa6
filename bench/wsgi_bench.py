"""WSGI entry for bench/http.py: the app plus the fixture diagram's handlers (the real pack needs none).

BENCH_SWITCH_INTERVAL sets the interpreter's GIL switch interval (sys.setswitchinterval) in each gunicorn process.
With BENCH_STATS_DIR set (bench/scale.py), each gunicorn process also records, per request, its start time, the
operation of the mix it was, its wall time in the app and the CPU time of the thread that ran it, with the
workflow cache's hit and miss counters; it writes them to BENCH_STATS_DIR/web-<pid>.json when it exits.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import sys
import time
from typing import Any

import tests.fixtures.handlers  # noqa: F401
from webapp.app import create_app
from webapp.engine import wfcache

app = create_app()
if os.environ.get("BENCH_SWITCH_INTERVAL"):  # seconds a thread may hold the GIL while others wait (default 0.005)
    sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
_TASK = re.compile(r"^/api/v1/tasks/\d+$")


def operation(method: str, path: str) -> str:
    """The operation of the mix a request is (bench/scale.py's names), or 'other'."""
    if path == "/api/v1/cases" and method == "POST":
        return "register"
    if path == "/api/v1/tasks":
        return "worklist"
    if method == "GET" and _TASK.match(path):
        return "open"
    if method == "POST" and path.endswith("/complete"):
        return "complete"
    return "other"


class Recorder:
    """WSGI middleware timing each request's wall and thread CPU (the response is built before it returns)."""

    def __init__(self, wsgi: Any, out_dir: str) -> None:
        self.wsgi, self.out_dir, self.rows = wsgi, out_dir, list[tuple]()
        atexit.register(self.dump)

    def __call__(self, environ: dict, start_response: Any) -> Any:
        started, c0, t0 = time.time(), time.thread_time(), time.perf_counter()
        body = self.wsgi(environ, start_response)
        body = list(body)  # Flask's JSON bodies: materialise inside the timing
        cache = wfcache.CACHE
        self.rows.append((started, operation(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")),
                          time.perf_counter() - t0, time.thread_time() - c0, cache.hits, cache.misses))
        return body

    def dump(self) -> None:
        """Write this process's rows."""
        with open(os.path.join(self.out_dir, f"web-{os.getpid()}.json"), "w") as f:
            json.dump(self.rows, f)


if os.environ.get("BENCH_STATS_DIR"):
    app.wsgi_app = Recorder(app.wsgi_app, os.environ["BENCH_STATS_DIR"])  # type: ignore[method-assign]
