"""The web layer's CPU per API request, in-process: thread CPU of the WSGI call minus the service-layer completion.

The app is built as bench/wsgi_bench.py builds it for gunicorn (environment config, not the tests'), on a scratch
database with the real default pack; one client per group works grievances to closure through `app.wsgi_app`
(no sockets, no gunicorn). Per operation it prints the thread CPU per request, and for completions the part
inside `tasks.complete_with_instance` and the rest (the HTTP layer: Flask, token check, input and body checks,
headers, next tasks, JSON). `--profile FILE` writes a cProfile of the measured requests.

Run: .venv/bin/python bench/webcost.py [--cases 20] [--pg] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parent.parent)  # bench/http.py must not shadow the stdlib package

from bench.common import PG_URL  # noqa: E402

served: Any = None  # bench.wsgi_bench, imported once the database is ready


class Wsgi:
    """Calls the app's WSGI callable with a prepared environ; times the thread CPU of each call by operation."""

    def __init__(self, app: Any) -> None:
        from werkzeug.test import EnvironBuilder

        self.app, self.builder = app, EnvironBuilder
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.profiler: cProfile.Profile | None = None
        self.measuring = False
        self.only: str | None = None
        self.split: Split | None = None

    def call(self, op: str, method: str, path: str, token: str | None, body: Any = None) -> tuple[int, Any]:
        """One request; (status, JSON body)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        data = json.dumps(body) if body is not None else None
        environ = self.builder(path=path.split("?")[0], query_string=path.partition("?")[2], method=method,
                               headers=headers, data=data,
                               content_type="application/json" if data is not None else None).get_environ()
        environ["REMOTE_ADDR"] = "127.0.0.1"
        status: list[str] = []

        def start_response(s: str, h: Any, exc_info: Any = None) -> Any:
            status.append(s)
            return lambda chunk: None

        measuring = self.measuring and (self.only is None or self.only == op)
        profiling = measuring and self.profiler is not None
        if self.split is not None:
            self.split.on = measuring
        if profiling:
            self.profiler.enable()  # type: ignore[union-attr]
        c0 = time.thread_time()
        result = self.app(environ, start_response)
        chunks = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        spent = time.thread_time() - c0
        if profiling:
            self.profiler.disable()  # type: ignore[union-attr]
        if measuring:
            self.cpu[op].append(spent)
        return int(status[0].split()[0]), json.loads(chunks or b"{}")


def drive(wsgi: Wsgi, tokens: dict[str, str], n: int) -> None:
    """Register grievance n and work it to closure: before each completion the group worklist and the task."""
    from bench.realpack import PATH, WORKER_OF, intake

    status, case = wsgi.call("register", "POST", "/api/v1/cases", tokens["agent"], intake(n))
    assert status == 201, case
    tasks = case["open_tasks"]
    for spec, data in PATH:
        task = next(t for t in tasks if t["task_spec"] == spec)
        tok = tokens[WORKER_OF[task["group"]]]
        status, body = wsgi.call("worklist", "GET", "/api/v1/tasks?scope=group", tok)
        assert status == 200, body
        status, body = wsgi.call("open", "GET", f"/api/v1/tasks/{task['id']}", tok)
        assert status == 200, body
        status, body = wsgi.call("complete", "POST", f"/api/v1/tasks/{task['id']}/complete", tok, {"data": data})
        assert status == 200, body
        tasks = body["next_tasks"]


class Split:
    """Thread CPU spent in named parts of the request (wrapped where Flask and the views look them up)."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.on = False

    def wrap(self, name: str, fn: Any) -> Any:
        """fn, timed under `name` while measuring (not re-entrant: wrap parts that do not nest)."""
        def timed(*a: Any, **kw: Any) -> Any:
            if not self.on:
                return fn(*a, **kw)
            c0 = time.thread_time()
            try:
                return fn(*a, **kw)
            finally:
                self.spent[name] += time.thread_time() - c0
        return timed

    def install(self, app: Any) -> None:
        """Wrap the request hooks, the session interface, the token check and the completion view's helpers."""
        import flask.ctx

        from webapp.accounts import service as users
        from webapp.tasks import api as tasks_api

        for hooks in (app.before_request_funcs, app.after_request_funcs):
            hooks[None] = [self.wrap(getattr(f, "__qualname__", str(f)), f) for f in hooks[None]]
        app.teardown_appcontext_funcs[:] = [self.wrap("teardown " + f.__qualname__, f)
                                            for f in app.teardown_appcontext_funcs]
        iface = app.session_interface
        iface.open_session = self.wrap("session open", iface.open_session)
        iface.save_session = self.wrap("session save", iface.save_session)
        users.user_for_token = self.wrap("user_for_token", users.user_for_token)
        tasks_api.reads_only = self.wrap("next tasks: reads_only", tasks_api.reads_only)
        for name in ("next_task_rows", "next_tasks"):  # (next_tasks before the rows)
            if hasattr(tasks_api.tasks, name):
                setattr(tasks_api.tasks, name, self.wrap("next tasks: SELECT", getattr(tasks_api.tasks, name)))
        tasks_api.task_json = self.wrap("task_json", tasks_api.task_json)
        tasks_api.instance_json = self.wrap("instance_json", tasks_api.instance_json)
        app.make_response = self.wrap("make_response (JSON)", app.make_response)
        app.request_context = self.wrap("request_context()", app.request_context)
        app.create_url_adapter = self.wrap("create_url_adapter", app.create_url_adapter)
        for name in ("match_request",):
            setattr(flask.ctx.RequestContext, name, self.wrap(name, getattr(flask.ctx.RequestContext, name)))
        app.do_teardown_request = self.wrap("do_teardown_request", app.do_teardown_request)


def _print_statements(wsgi: Wsgi, tokens: dict[str, str]) -> None:
    """Run one more grievance with every statement printed, under the request that sent it."""
    from sqlalchemy import event

    from webapp.extensions import db

    with served.app.app_context():
        engine = db.engine

    def show(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        print("    SQL", " ".join(statement.split())[:int(os.environ.get("SQL_WIDTH", "150"))])

    original = wsgi.call

    def call(op: str, method: str, path: str, *rest: Any) -> tuple[int, Any]:
        print(f"  {op} {method} {path}")
        return original(op, method, path, *rest)

    event.listen(engine, "before_cursor_execute", show)
    wsgi.call = call  # type: ignore[method-assign]
    try:
        drive(wsgi, tokens, 200_000)
    finally:
        wsgi.call = original  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", show)


def main() -> None:
    """Prepare the database, build the app like gunicorn does, warm up, measure."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (BENCH_PG_URL) instead of a temp SQLite")
    parser.add_argument("--profile", help="write a cProfile of the measured requests (without the completion "
                        "service inside them) to this file")
    parser.add_argument("--statements", action="store_true", help="print the SQL statements of one request per op")
    parser.add_argument("--split", action="store_true", help="time the named parts of the HTTP layer")
    parser.add_argument("--only", help="measure (and profile) only this operation: register, worklist, open, complete")
    args = parser.parse_args()
    url = PG_URL if args.pg else f"sqlite:///{tempfile.mkdtemp(prefix='clweb')}/bench.db"

    from bench.realpack import PASSWORD, STAFF, make_pack_app

    make_pack_app(url)
    os.environ.update({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    global served
    import bench.wsgi_bench as served
    from webapp.tasks import service as tasks

    wsgi = Wsgi(served.app)
    tokens = {}
    for name, _, _ in STAFF:
        status, body = wsgi.call("token", "POST", "/api/v1/auth/token", None,
                                 {"username": name, "password": PASSWORD})
        assert status == 201, body
        tokens[name] = body["token"]
    for n in range(2):
        drive(wsgi, tokens, 100_000 + n)  # warm-up: the pack parsed, scripts compiled, statements prepared

    if args.statements:
        _print_statements(wsgi, tokens)
    original = tasks.complete_with_instance
    service: list[float] = []

    def timed(*a: Any, **kw: Any) -> Any:
        if wsgi.profiler:
            wsgi.profiler.disable()  # the profile is of the HTTP layer only
        c0 = time.thread_time()
        try:
            return original(*a, **kw)
        finally:
            service.append(time.thread_time() - c0)
            if wsgi.profiler:
                wsgi.profiler.enable()

    tasks.complete_with_instance = timed  # type: ignore[assignment]
    split = Split()
    if args.split:
        split.install(served.app)
        wsgi.split = split
    wsgi.measuring, wsgi.only = True, args.only
    if args.profile:
        wsgi.profiler = cProfile.Profile()
    for n in range(args.cases):
        drive(wsgi, tokens, n)
    tasks.complete_with_instance = original  # type: ignore[assignment]
    wsgi.split = None
    requests = sum(len(v) for v in wsgi.cpu.values())
    for name, spent in sorted(split.spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:40} {spent / requests * 1e3:6.3f} ms per request")
    if wsgi.profiler:
        wsgi.profiler.dump_stats(args.profile)
    for op, values in wsgi.cpu.items():
        print(f"{op:9} {len(values):4} requests: thread CPU per request median "
              f"{statistics.median(values) * 1e3:6.2f} ms, mean {statistics.fmean(values) * 1e3:6.2f} ms")
    done = wsgi.cpu["complete"]
    if not done:
        return
    outside = [w - s for w, s in zip(done, service, strict=True)]
    print(f"complete: service (tasks.complete_with_instance) median {statistics.median(service) * 1e3:.2f} ms; "
          f"HTTP layer around it median {statistics.median(outside) * 1e3:.3f} ms, "
          f"mean {statistics.fmean(outside) * 1e3:.3f} ms (load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
