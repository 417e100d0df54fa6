"""A worker process a test started dies with the process that started it (a killed test run leaves no worker
polling a database), and the `children` fixture ends the workers of a test however the test ends."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT, database_url
from tests.worker.children import Children, alive
from tests.worker.test_kill import wait_started, worker_env

# a stand-in for a test run: starts a real worker through Children, and a plain child without the guard, then
# waits to be killed
RUN = """
import json, os, subprocess, sys, time
from pathlib import Path
from tests.worker.children import Children
worker = Children().worker(json.loads(os.environ["WORKER_ENV"]), Path(sys.argv[1]))
plain = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
print(worker.pid, plain.pid, flush=True)
time.sleep(120)
"""


def _gone(pid: int, seconds: float = 10) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_a_worker_dies_when_the_test_run_that_started_it_is_killed(app, users, smtp, hooks, tmp_path):
    env = worker_env(database_url(tmp_path), smtp.port, hooks.url)
    log = tmp_path / "worker.log"
    run = subprocess.Popen([sys.executable, "-c", RUN, str(log)], env={**env, "WORKER_ENV": json.dumps(env)},
                           cwd=ROOT, stdout=subprocess.PIPE)
    assert run.stdout is not None
    worker, plain = (int(p) for p in run.stdout.readline().split())
    try:
        wait_started(log)
        assert alive(worker) and alive(plain)
        run.kill()  # SIGKILL: no fixture, no finally runs in the killed test run
        run.wait(timeout=10)
        assert _gone(worker), "the worker outlived the test run that started it"
        assert alive(plain)  # the control: a child started without the guard does outlive it
    finally:
        for pid in (worker, plain):
            if alive(pid):
                subprocess.run(["kill", "-9", str(pid)], check=False)
        run.stdout.close()


def test_the_children_fixture_kills_the_workers_a_test_leaves_running(app, users, smtp, hooks, tmp_path: Path):
    env = worker_env(database_url(tmp_path), smtp.port, hooks.url)
    kids = Children()
    procs = [kids.worker(env, tmp_path / f"w{i}.log") for i in range(2)]
    for i in range(2):
        wait_started(tmp_path / f"w{i}.log")
    kids.kill_all()  # what the fixture's teardown does after a failed assertion
    assert [p.returncode for p in procs] == [-9, -9] and not any(alive(p.pid) for p in procs)
