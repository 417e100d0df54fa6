"""A stop signal is honoured wherever the main thread is: the handler takes no lock that thread may hold."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

# SIGTERM arrives while the loop's thread is inside `wakeup.clear()` or `wakeup.wait()` (holding the Event's lock):
# a handler that set the Event there would wait forever for its own thread's lock.
SCRIPT = """
import logging, signal, threading
logging.basicConfig(level=logging.INFO)
from webapp.worker.loop import install_signal_handlers, wakeup
stop = threading.Event()
install_signal_handlers(stop)
with wakeup._cond:
    signal.raise_signal(signal.SIGTERM)  # the handler runs here, before raise_signal returns
assert stop.wait(30) and wakeup.wait(30)
print("stopped")
"""


def test_sigterm_while_the_loop_holds_the_wakeup_lock_still_stops_the_worker():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "stopped", done.stderr
    assert "received SIGTERM; finishing the current item" in done.stderr
