"""Worker processes the tests start, made to die with the test run: a killed pytest must not leave a worker polling
a database another test run uses next.

Each child first asks the kernel to SIGKILL it when its parent dies (Linux prctl PR_SET_PDEATHSIG; elsewhere a
thread watches the parent pid), and exits at once if the parent is already gone. This runs as the child's first
Python code rather than as Popen's preexec_fn, which is unsafe while the test process runs server threads (SMTP,
webhooks). The `children` fixture kills whatever is still running when a test ends, passed or failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PARENT_VARIABLE = "CLOSELOOP_TEST_PARENT_PID"
DIE_WITH_PARENT = f"""
import os, signal, sys, threading, time
_parent = int(os.environ["{PARENT_VARIABLE}"])
if sys.platform.startswith("linux"):
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
else:
    def _watch():
        while os.getppid() == _parent:
            time.sleep(0.5)
        os._exit(1)
    threading.Thread(target=_watch, daemon=True).start()
if os.getppid() != _parent:  # the parent died before the request above took effect
    os._exit(1)
"""
RUN_WORKER = """
import runpy
sys.argv = ["closeloop", "worker"]
runpy.run_module("webapp", run_name="__main__", alter_sys=True)
"""


class Children:
    """The processes one test started; `kill_all` ends those still running."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, code: str, env: dict[str, str], log: Path, stdin: bool = False,
              pass_fds: tuple[int, ...] = ()) -> subprocess.Popen[bytes]:
        """Run Python `code` (after DIE_WITH_PARENT) in a child process, output appended to `log`."""
        out = log.open("ab")
        proc = subprocess.Popen([sys.executable, "-c", DIE_WITH_PARENT + code],
                                env={**env, PARENT_VARIABLE: str(os.getpid())}, cwd=ROOT, pass_fds=pass_fds,
                                stdin=subprocess.PIPE if stdin else None, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        self.procs.append(proc)
        return proc

    def worker(self, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        """Start `closeloop worker` (as `python -m webapp worker` does)."""
        return self.start(RUN_WORKER, env, log)

    def kill_all(self) -> None:
        """SIGKILL and reap every child still running."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=30)
            if proc.stdin is not None:
                proc.stdin.close()
        self.procs.clear()


@pytest.fixture
def children() -> Iterator[Children]:
    """Start worker processes that are killed when the test ends, however it ends."""
    kids = Children()
    try:
        yield kids
    finally:
        kids.kill_all()


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting to be reaped does not count)."""
    if not Path("/proc/self").exists():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")
