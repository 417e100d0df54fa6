"""Real worker processes: killed with SIGKILL at random points, stopped with SIGTERM; nothing lost, nothing doubled."""

from __future__ import annotations

import json
import os
import random
import select as io_select
import signal
import subprocess
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT, database_url
from tests.helpers import register
from tests.worker.children import RUN_WORKER, Children
from tests.worker.conftest import HOOK_SECRET, start_sla
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Event, Outbox, Timer
from webapp.outbox.delivery.mail import message_id

HANDLERS = "tests.fixtures.handlers,tests.worker.fixture_handlers"
MINI, SLA = 100, 40  # 140 timers, 120 e-mails, 40 webhooks, 340 in-app notices


def worker_env(url: str, smtp_port: int, hook_url: str, **extra: str) -> dict[str, str]:
    """Environment of a `closeloop worker` subprocess pointed at the test database and servers."""
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": url, "PYTHONPATH": str(ROOT), "SECRET_KEY": "worker-test",
        "MAIL_HOST": "127.0.0.1", "MAIL_PORT": str(smtp_port),
        "MAIL_DOMAIN": "test.closeloop", "WEBHOOKS": json.dumps({"crm": {"url": hook_url, "secret": HOOK_SECRET}}),
        "OUTBOX_LEASE_SECONDS": "1", "OUTBOX_BACKOFF_BASE": "0.2", "WORKER_POLL_SECONDS": "0.2",
        "HANDLER_MODULES": HANDLERS, "CLOSELOOP_PROCESSES": str(ROOT / "tests" / "fixtures" / "processes"),
    })
    env.update(extra)
    return env


# A fork server: it does a worker's imports (handler modules included) once, then forks one `python -m webapp worker`
# per "fork" line on stdin and reaps it on "wait <pid>", answering on the reply pipe. Each forked worker is a real
# process (its own pid, database connections and signal handlers, made after the fork) running python -m webapp's
# main, SIGKILLed for real; only the ~1 s of CPU for Python start-up and imports is not paid again for each of the
# kill loop's up to 61 workers (it used to be, in a standby process per round).
FORK_SERVER = """
import importlib
import webapp.app, webapp.workflow.transitions, webapp.worker
from handlers.registry import load_all
load_all()
for module in os.environ["HANDLER_MODULES"].split(","):
    importlib.import_module(module)
_replies = os.fdopen(int(os.environ["FORK_SERVER_REPLY_FD"]), "w", buffering=1)
_server = os.getpid()
for _line in sys.stdin:
    _command, _, _arg = _line.strip().partition(" ")
    if _command == "wait":
        _replies.write(f"{os.waitstatus_to_exitcode(os.waitpid(int(_arg), 0)[1])}\\n")
        continue
    sys.stdout.flush()
    sys.stderr.flush()
    _pid = os.fork()
    if _pid == 0:  # the worker: asks to die with the fork server (so with the test run) as its first act
        if sys.platform.startswith("linux"):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        else:
            def _watch_server():
                while os.getppid() == _server:
                    time.sleep(0.5)
                os._exit(1)
            threading.Thread(target=_watch_server, daemon=True).start()
        if os.getppid() != _server:
            os._exit(1)
        sys.stdin.close()
        _replies.close()
        break
    _replies.write(f"{_pid}\\n")
else:
    sys.exit(0)  # stdin closed: no more workers wanted
""" + RUN_WORKER


class ForkedWorker:
    """A worker process forked by the fork server: signalled directly, reaped (exit code) through the server."""

    def __init__(self, server: ForkServer, pid: int) -> None:
        self.server = server
        self.pid = pid

    def send_signal(self, sig: int) -> None:
        """Send `sig` to the worker."""
        os.kill(self.pid, sig)

    def wait(self, timeout: float) -> int:
        """Its exit code once it has ended (-N: killed by signal N), like Popen.wait."""
        return int(self.server.ask(f"wait {self.pid}", timeout))


class ForkServer:
    """The FORK_SERVER process; `fork()` starts one more real worker."""

    def __init__(self, children: Children, env: dict[str, str], log: Path) -> None:
        read, write = os.pipe()
        try:
            self.proc = children.start(FORK_SERVER, {**env, "FORK_SERVER_REPLY_FD": str(write)}, log, stdin=True,
                                       pass_fds=(write,))
        finally:
            os.close(write)
        self.replies = os.fdopen(read, "rb", buffering=0)

    def ask(self, command: str, timeout: float) -> str:
        """Send one command line; its one-line answer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{command}\n".encode())
        self.proc.stdin.flush()
        answer = b""
        end = time.monotonic() + timeout
        while not answer.endswith(b"\n"):
            if not io_select.select([self.replies], [], [], max(end - time.monotonic(), 0))[0]:
                raise subprocess.TimeoutExpired(command, timeout)
            chunk = self.replies.read(1)
            assert chunk, "the fork server ended"
            answer += chunk
        return answer.decode().strip()

    def fork(self) -> ForkedWorker:
        """A new worker process running `python -m webapp worker`'s main (the server's imports may come first)."""
        return ForkedWorker(self, int(self.ask("fork", 60)))

    def close(self) -> None:
        """No more workers: the server exits (else the children fixture kills it when the test ends)."""
        self.replies.close()
        if self.proc.stdin is not None:
            self.proc.stdin.close()


def wait_started(log: Path, count: int = 1, timeout: float = 30) -> None:
    """Wait until `count` workers have logged their start (signal handlers are installed by then)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if log.exists() and log.read_text().count("worker started") >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"worker did not start: {log.read_text() if log.exists() else ''}")


def _pending_work() -> int:
    db.session.rollback()
    timers = db.session.scalar(select(func.count()).select_from(Timer).where(Timer.state == "waiting")) or 0
    messages = db.session.scalar(select(func.count()).select_from(Outbox).where(
        Outbox.status.in_(("pending", "sending")))) or 0
    return timers + messages


def _make_due_work(mini_cases: int, sla_cases: int) -> None:
    real = clock.now()
    clock.freeze(real - timedelta(hours=5))  # registered 5 hours ago: every 4-hour timer and 10-minute clock is due
    for _ in range(mini_cases):
        register()
    for _ in range(sla_cases):
        start_sla("T3-notice", "PT10M", False)
    clock.reset()


@pytest.mark.slow
def test_sigkill_at_random_points_loses_nothing_and_fires_each_timer_once(app, users, mini, sla, smtp, hooks,
                                                                            tmp_path, children):
    _make_due_work(mini_cases=MINI, sla_cases=SLA)
    smtp.box.delay = 0.03  # the mail is taken before the 250 reply: a kill in between is a crash after sending
    timers_total = db.session.scalar(select(func.count()).select_from(Timer))
    assert timers_total == MINI + SLA
    env = worker_env(database_url(tmp_path), smtp.port, hooks.url)
    log = tmp_path / "worker.log"
    seed = int(os.environ.get("KILL_SEED", time.time()))
    rng = random.Random(seed)
    kills = 0
    server = ForkServer(children, env, log)
    for round_ in range(60):
        proc = server.fork()
        wait_started(log, round_ + 1)
        time.sleep(rng.uniform(0.0, 0.6))  # killed at a random point of its work
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        kills += 1
        if _pending_work() == 0:
            break
    proc = server.fork()  # a last, undisturbed run finishes what the kills left
    wait_started(log, kills + 1)
    deadline = time.monotonic() + 240  # a wait limit, not a speed check: a loaded CI machine is slow
    while _pending_work() and time.monotonic() < deadline:
        time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    server.close()
    print(f"seed={seed} kills={kills}")
    assert _pending_work() == 0, log.read_text()[-3000:]

    # every timer fired exactly once
    fired = Counter(db.session.scalars(select(Event.task_id).where(Event.kind == "timer_fired")))
    assert len(fired) == timers_total and set(fired.values()) == {1}
    assert db.session.scalar(select(func.count()).select_from(Timer).where(Timer.state == "fired")) == timers_total
    late = db.session.execute(select(Outbox.instance_id, func.count()).where(
        Outbox.template.in_(("deadline_missed", "escalated")), Outbox.channel == "in_app",
        Outbox.idempotency_key.not_like("deadline:%")).group_by(Outbox.instance_id)).all()
    assert len(late) == timers_total and {n for _, n in late} == {1}  # one firing -> one notice per instance
    breaches = Counter(db.session.scalars(select(Event.case_id).where(Event.kind == "deadline_missed")))
    assert len(breaches) == SLA and set(breaches.values()) == {1}

    # every message delivered; each distinct message arrived, duplicates only where an interrupted attempt was recorded
    rows = db.session.scalars(select(Outbox)).all()
    assert {r.status for r in rows} <= {"sent", "delivered"}
    mails = [r for r in rows if r.channel == "email"]
    hooks_rows = [r for r in rows if r.channel == "webhook"]
    assert len(mails) == SLA * 3 and len(hooks_rows) == SLA
    assert kills >= 5
    got_mail = Counter(smtp.box.ids())
    assert set(got_mail) == {message_id(r.idempotency_key, "test.closeloop") for r in mails}
    got_hooks = Counter(h["headers"]["Idempotency-Key"] for h in hooks.requests)
    assert set(got_hooks) == {r.idempotency_key for r in hooks_rows}
    resent = {r.idempotency_key for r in rows if r.last_error and "ended without a result" in r.last_error}
    for key, count in [*((k, c) for k, c in got_hooks.items()),
                       *((r.idempotency_key, got_mail[message_id(r.idempotency_key, "test.closeloop")])
                         for r in mails)]:
        assert count == 1 or key in resent, f"{key} arrived {count} times without a recorded interrupted attempt"
    print(f"mails {sum(got_mail.values())} for {len(mails)} messages, webhooks {sum(got_hooks.values())} "
          f"for {len(hooks_rows)}; resent after interruption: {len(resent)}")


def test_sigterm_finishes_cleanly(app, users, mini, smtp, hooks, tmp_path, children):
    _make_due_work(mini_cases=3, sla_cases=0)
    env = worker_env(database_url(tmp_path), smtp.port, hooks.url)
    log = tmp_path / "worker.log"
    proc = children.worker(env, log)
    wait_started(log)
    deadline = time.monotonic() + 30
    while _pending_work() and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    text = log.read_text()
    assert "received SIGTERM" in text and "worker stopped" in text
    assert text.count("fired timers of instance") == 3 and text.count("delivered in_app") == 3


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                    reason="two workers side by side need PostgreSQL (SKIP LOCKED)")
def test_two_workers_on_postgresql_fire_each_of_1000_timers_exactly_once(app, users, mini, smtp, hooks, tmp_path,
                                                                         children):
    real = clock.now()
    clock.freeze(real - timedelta(hours=5))
    from tests.helpers import GRIEVANCE
    from webapp.cases import service as cases

    for _ in range(1000):
        cases.register(db.session, dict(GRIEVANCE), "agent")
    clock.reset()
    env = worker_env(database_url(tmp_path), smtp.port, hooks.url)
    procs = [children.worker(env, tmp_path / f"worker{i}.log") for i in range(2)]
    for i in range(2):
        wait_started(tmp_path / f"worker{i}.log")
    deadline = time.monotonic() + 240
    while _pending_work() and time.monotonic() < deadline:
        time.sleep(0.5)
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    assert [p.wait(timeout=30) for p in procs] == [0, 0]
    assert _pending_work() == 0
    fired = Counter(db.session.scalars(select(Event.task_id).where(Event.kind == "timer_fired")))
    assert len(fired) == 1000 and set(fired.values()) == {1}
    per_instance = db.session.execute(select(Outbox.instance_id, func.count()).where(
        Outbox.template == "deadline_missed").group_by(Outbox.instance_id)).all()
    assert len(per_instance) == 1000 and {n for _, n in per_instance} == {1}
    logs = [(tmp_path / f"worker{i}.log").read_text().count("fired timers of instance") for i in range(2)]
    assert sum(logs) == 1000 and min(logs) > 0, logs  # both workers took part, none fired anything twice
    print(f"worker shares: {logs}")
