"""CPU-time and memory budgets of engine steps.

A step (starting an instance, completing a task, firing timers) runs inside `step_budget()`. One watchdog thread
measures the CPU clock of each stepping thread (time.pthread_getcpuclockid) and the process's resident memory
above what it was when the step began; past a budget it raises TimeBudgetExceeded / MemoryBudgetExceeded into
that thread (PyThreadState_SetAsyncExc), which interrupts Python-level loops such as `while True: pass`.
Single C-level calls that could run away (`10**10**10`, `'x' * 10**10`, `sum(range(10**12))`) are refused
beforehand by the sandbox's size guards, so the thread always comes back to the interpreter soon.
"""

from __future__ import annotations

import ctypes
import gc
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_TICK = 0.025  # watchdog period while steps run (seconds)
_QUIET_TICKS = 40  # after this many ticks without a step the watchdog sleeps until a step wakes it
_REFIRE_CPU = 0.2  # raise again if the step is still running this much CPU time later
_PAGE = os.sysconf("SC_PAGE_SIZE")
_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc


class BudgetExceeded(BaseException):  # noqa: N818 - BaseException so no `except Exception` swallows it
    """A step ran past its budget; `kind` is 'time' or 'memory'."""

    kind = "time"


class TimeBudgetExceeded(BudgetExceeded):  # noqa: N818
    """The step used more CPU time than its budget."""

    kind = "time"


class MemoryBudgetExceeded(BudgetExceeded):  # noqa: N818
    """The process grew by more memory than the step's budget while it ran."""

    kind = "memory"


class Overrun(RuntimeError):
    """What an engine step raises after a budget interrupted it: the instance's error message and element."""

    def __init__(self, message: str, element: str | None) -> None:
        super().__init__(message)
        self.element = element


@dataclass
class Limits:
    """Budgets of one engine step."""

    cpu_seconds: float = 2.0
    memory_bytes: int = 256 * 1024 * 1024


@dataclass
class _Step:
    clock: int
    cpu_end: float
    rss_limit: int
    fired_cpu: float | None = None
    kind: str | None = None
    gc_since: float | None = None  # the thread's CPU clock when a garbage collection it runs began


_limits = Limits()
_active: dict[int, _Step] = {}
_lock = threading.Lock()
_wake = threading.Event()
_local = threading.local()
_watchdog: threading.Thread | None = None
_idle = False  # the watchdog waits on _wake; only then does a new step pay for waking it
_statm: tuple[int, int] = (-1, -1)  # (pid, fd): /proc/self is resolved when opened, so reopen after a fork


def configure(cpu_seconds: float | None = None, memory_mb: float | None = None) -> None:
    """Set the budgets of every later step (app start: settings SCRIPT_CPU_SECONDS, SCRIPT_MEMORY_MB)."""
    global _limits
    _limits = Limits(
        cpu_seconds=float(cpu_seconds) if cpu_seconds else _limits.cpu_seconds,
        memory_bytes=int(float(memory_mb) * 1024 * 1024) if memory_mb else _limits.memory_bytes,
    )


def limits() -> Limits:
    """The budgets in force."""
    return _limits


def _rss() -> int:
    """Resident memory of this process in bytes (0 where /proc is missing)."""
    global _statm
    pid, fd = _statm
    if pid != os.getpid():
        try:
            fd = os.open("/proc/self/statm", os.O_RDONLY)
        except OSError:
            fd = -1
        _statm = (os.getpid(), fd)
    if fd < 0:
        return 0
    return int(os.pread(fd, 64, 0).split()[1]) * _PAGE


def note_element(element: str | None) -> None:
    """Remember which diagram element the current thread is running (named in a budget error)."""
    _local.element = element


def current_element() -> str | None:
    """The diagram element the current thread ran last."""
    return getattr(_local, "element", None)


@contextmanager
def step_budget() -> Iterator[None]:
    """Run the body under the CPU-time and memory budgets (Overrun past them); nesting joins the outer step."""
    tid = threading.get_ident()
    if tid in _active:
        yield
        return
    _local.element = None
    clock = time.pthread_getcpuclockid(tid)
    step = _Step(clock, time.clock_gettime(clock) + _limits.cpu_seconds, _rss() + _limits.memory_bytes)
    with _lock:
        _active[tid] = step
    _ensure_watchdog()
    if _idle:
        _wake.set()
    try:
        try:
            yield
        finally:
            _leave(tid, step)
    except (BudgetExceeded, MemoryError) as exc:
        element = current_element()
        raise Overrun(budget_message(exc, element), element) from None


def _gc_pause(phase: str, info: dict[str, int]) -> None:
    """Garbage collection is the process's work, not the script's: a stepping thread's GC pause extends its budget.

    A full collection in a long-running process (a worker, a gunicorn process) can take most of a second of the
    thread's CPU time; counted against a step, it failed an innocent script."""
    step = _active.get(threading.get_ident())
    if step is None:
        return
    if phase == "start":
        step.gc_since = time.clock_gettime(step.clock)
    elif step.gc_since is not None:
        step.cpu_end += time.clock_gettime(step.clock) - step.gc_since
        step.gc_since = None


gc.callbacks.append(_gc_pause)


def _leave(tid: int, step: _Step) -> None:
    late: BudgetExceeded | None = None
    while True:
        try:
            with _lock:
                _active.pop(tid, None)
                if step.fired_cpu is not None:
                    _async_exc(ctypes.c_ulong(tid), None)  # drop an exception raised but not yet delivered
            break
        except BudgetExceeded as exc:  # delivered while leaving: the step did overrun
            late = exc
    if late is not None:
        raise late


def _ensure_watchdog() -> None:
    global _watchdog
    if _watchdog is None or not _watchdog.is_alive():
        with _lock:
            if _watchdog is None or not _watchdog.is_alive():
                _watchdog = threading.Thread(target=_watch, name="closeloop-budget-watchdog", daemon=True)
                _watchdog.start()


def _watch() -> None:
    global _idle
    quiet = 0
    while True:
        quiet = 0 if _active else quiet + 1
        if quiet > _QUIET_TICKS:
            _idle = True
            if not _active:  # checked after _idle is set: a step registering now will wake us
                _wake.wait()
            _wake.clear()
            _idle, quiet = False, 0
            continue
        time.sleep(_TICK)
        with _lock:
            rss = _rss()
            for tid, step in list(_active.items()):
                _check(tid, step, rss)


def _check(tid: int, step: _Step, rss: int) -> None:
    try:
        cpu = time.clock_gettime(step.clock)
    except OSError:  # the thread is gone
        return
    exc: type[BudgetExceeded] | None = None
    if step.gc_since is not None:  # collecting garbage: judged when the collection is over
        return
    if cpu > step.cpu_end:
        exc = TimeBudgetExceeded
    elif rss > step.rss_limit:
        exc = MemoryBudgetExceeded
    if exc is None or (step.fired_cpu is not None and cpu < step.fired_cpu + _REFIRE_CPU):
        return
    step.fired_cpu, step.kind = cpu, exc.kind
    _async_exc(ctypes.c_ulong(tid), ctypes.py_object(exc))


def budget_message(exc: BaseException, element: str | None) -> str:
    """The error an instance shows when a step ran past a budget."""
    kind = "memory" if isinstance(exc, (MemoryBudgetExceeded, MemoryError)) else "time"
    return f"script exceeded its {kind} budget at {element or 'an unknown element'}"
