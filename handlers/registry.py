"""Registry of service-task handlers and the context they are given."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

Handler = Callable[..., Any]
_REGISTRY: dict[str, Handler] = {}


def handler(operation: str) -> Callable[[Handler], Handler]:
    """Register a function as the handler of a `spiffworkflow:serviceTaskOperator` id."""

    def register(fn: Handler) -> Handler:
        if operation in _REGISTRY and _REGISTRY[operation] is not fn:
            raise ValueError(f"handler for operation {operation!r} registered twice")
        _REGISTRY[operation] = fn
        return fn

    return register


def load_all() -> None:
    """Import every module of the handlers package so their decorators run."""
    import handlers  # lazy: the package imports this module (circle)

    for info in pkgutil.iter_modules(handlers.__path__):
        if info.name != "registry":
            importlib.import_module(f"handlers.{info.name}")


def get_handler(operation: str) -> Handler | None:
    """Return the handler registered for an operation, or None."""
    if not _REGISTRY:
        load_all()
    return _REGISTRY.get(operation)


def registered_operations() -> set[str]:
    """Names of all registered operations."""
    load_all()
    return set(_REGISTRY)


class HistoryPort(Protocol):
    """Read access to earlier cases and to the instance's SLA clocks, provided by the store (fake in process tests)."""

    def distinct_complainants(self, category: str, subject: str, since: datetime, exclude: str) -> list[str]:
        """Case numbers of other complainants' cases about the same issue (category + object/subject) since a date."""
        ...

    def repeats_after_closure(self, customer_key: str, category: str, subject: str, exclude: str) -> int:
        """How many cases of the same issue were closed after handling (malicious closures not counted)."""
        ...

    def clock(self, instance_id: str, name: str) -> dict[str, Any] | None:
        """The newest SLA clock of that name on the instance: {'state', 'due' (aware datetime or None)}, or None."""
        ...

    def deadline_rule(self, category: str) -> str | None:
        """The deadline rule (K1, K2, none) the category stores in master data, or None when it is not kept."""
        ...

    def unit_kept(self, address: str) -> bool:
        """Whether master data keeps (active) the department or service point of `department:<key>` etc."""
        ...


@dataclass
class Notice:
    """A message a handler asks to send; the store turns it into an outbox row."""

    channel: str
    recipient: str
    template: str
    payload: dict[str, Any]
    key: str


@dataclass
class HandlerContext:
    """Everything a handler may use: the case data, the actor, and writers for notices and records."""

    instance_id: str
    case_number: str
    data: dict[str, Any]
    actor: str
    now: datetime
    task_id: str
    task_name: str
    history: HistoryPort | None = None
    timer: str | None = None  # the ISO duration/date of the timer event whose branch runs this task, if any
    notices: list[Notice] = field(default_factory=list)
    records: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    case_updates: dict[str, Any] = field(default_factory=dict)
    links: list[str] = field(default_factory=list)

    def send(self, channel: str, recipient: str, template: str, payload: dict[str, Any] | None = None) -> str:
        """Queue a notice in the outbox (written in the same transaction); returns its idempotency key."""
        key = f"{self.instance_id}:{self.task_id}:{len(self.notices)}"
        self.notices.append(Notice(channel, recipient, template, dict(payload or {}), key))
        return key

    def record(self, kind: str, **details: Any) -> None:
        """Append an event to the case timeline."""
        self.records.append((kind, details))

    def update_case(self, **fields: Any) -> None:
        """Set case-record columns (grade, tier, kind, status, ...)."""
        self.case_updates.update(fields)

    def link_cases(self, numbers: list[str]) -> None:
        """Link this case with other cases (one issue, many complainants)."""
        self.links.extend(n for n in numbers if n not in self.links)
