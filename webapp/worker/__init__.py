"""The background worker: timers, SLA clocks and outbox delivery (`closeloop worker`, `closeloop run`)."""

from webapp.worker.loop import Worker, install_signal_handlers, run_forever, wakeup, watch_commits

__all__ = ["Worker", "install_signal_handlers", "run_forever", "wakeup", "watch_commits"]
