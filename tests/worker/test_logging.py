"""The worker's log: SpiffWorkflow's per-task chatter only when asked for at DEBUG."""

from __future__ import annotations

import logging

from webapp.worker.commands import configure_logging


def test_spiff_task_state_changes_stay_out_of_the_worker_log_at_info() -> None:
    """At INFO (the default) Spiff's task loggers let warnings pass and drop INFO records; DEBUG lets them in."""
    spiff = logging.getLogger("spiff")
    try:
        configure_logging("INFO")
        assert logging.getLogger("spiff.task").getEffectiveLevel() == logging.WARNING
        configure_logging("DEBUG")
        assert logging.getLogger("spiff.task").getEffectiveLevel() == logging.DEBUG
    finally:
        spiff.setLevel(logging.NOTSET)
