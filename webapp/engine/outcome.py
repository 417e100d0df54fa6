"""What one engine call produced (Outcome) and runs for (RunContext): plain values, no SpiffWorkflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.registry import HistoryPort, Notice


class TaskNotReady(LookupError):
    """The task does not exist in this instance or is no longer waiting for a person."""

    def __init__(self, task_id: str, state: str | None) -> None:
        super().__init__(f"task {task_id} is {state or 'unknown'}")
        self.task_id, self.state = task_id, state


@dataclass
class HumanTaskInfo:
    """A READY user task as the store needs it."""

    task_id: str
    spec_id: str
    title: str
    lane: str | None
    group: str | None
    assignee: str | None
    form: str | None
    due_in: str | None
    clock: str | None
    process_key: str


@dataclass
class TimerInfo:
    """A waiting timer event and when it is due."""

    task_id: str
    spec_id: str
    name: str
    due_at: datetime | None


@dataclass
class ErrorInfo:
    """Why an attempt failed: message, element, line and trace."""

    message: str
    task_id: str | None = None
    task_name: str | None = None
    element: str | None = None
    line: int | None = None
    error_line: str | None = None
    trace: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(self.__dict__)


@dataclass
class Outcome:
    """Everything one engine call produced; the store writes it in one transaction."""

    state: bytes | None
    status: str
    data: dict[str, Any]
    human_tasks: list[HumanTaskInfo] = field(default_factory=list)
    timers: list[TimerInfo] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    case_updates: dict[str, Any] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)
    completed: list[tuple[str, str, str]] = field(default_factory=list)
    error: ErrorInfo | None = None
    timers_before: list[TimerInfo] | None = None  # the waiting timers of the state the call started from, if known


@dataclass
class RunContext:
    """Who and what an engine call runs for."""

    instance_id: str
    case_number: str
    actor: str
    history: HistoryPort | None = None
