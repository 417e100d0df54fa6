"""Diagram helpers naming the queue of a department or service point from process data (a lane's assignGroup or a
notice's `to`): `department_queue(responsible_department)` -> 'department:<key>'. Who is in it comes from master data
(webapp.masterdata.units) when the task is listed, not from the diagram."""

from __future__ import annotations

from typing import Any

UNIT_KINDS = ("department", "service_point")


def unit_queue(kind: Any, key: Any, fallback: str | None = None) -> str | None:
    """'<kind>:<key>' (members and head of that unit), or the fallback when no unit is named."""
    if not key:
        return fallback
    if kind not in UNIT_KINDS:
        raise ValueError(f"unit kind must be one of {', '.join(UNIT_KINDS)}, not {kind!r}")
    return f"{kind}:{key}"


def unit_head(kind: Any, key: Any, fallback: str | None = None) -> str | None:
    """'<kind>_head:<key>' (the head of that unit only), or the fallback when no unit is named."""
    queue = unit_queue(kind, key)
    return fallback if queue is None else queue.replace(":", "_head:", 1)


def department_queue(key: Any, fallback: str | None = "responsible_department") -> str | None:
    """The named department's queue, else the generic responsible-department group."""
    return unit_queue("department", key, fallback)


def department_head(key: Any, fallback: str | None = "department_head") -> str | None:
    """The named department's head, else the generic department-head group."""
    return unit_head("department", key, fallback)


def service_point_queue(key: Any, fallback: str | None = "responsible_department") -> str | None:
    """The named service point's queue (its members), else the generic responsible-department group."""
    return unit_queue("service_point", key, fallback)


HELPERS = {"unit_queue": unit_queue, "unit_head": unit_head, "department_queue": department_queue,
           "department_head": department_head, "service_point_queue": service_point_queue}
