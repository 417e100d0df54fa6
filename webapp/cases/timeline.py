"""The case page's timeline: events grouped by the step they belong to, newest step first, newest event first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from webapp.models import Event

# events that say nothing a reader of the case needs once the step is done (they stay in the audit data)
QUIET = {"task_claimed", "task_unclaimed", "instance_started"}


@dataclass
class StepGroup:
    """One step of the case: its task name (or '' for the registration), its events and who finished it."""

    name: str
    task_id: str | None
    events: list[Event] = field(default_factory=list)
    completed_by: str = ""
    started: datetime | None = None
    ended: datetime | None = None
    has_error: bool = False


def _owner(event: Event, open_groups: dict[str, StepGroup]) -> str | None:
    if event.task_id and event.task_id in open_groups:
        return event.task_id
    return None


def group_by_step(events: list[Event], with_quiet: bool = False) -> list[StepGroup]:
    """Events (oldest first) grouped by step; groups and their events newest first."""
    groups: list[StepGroup] = [StepGroup("", None)]
    by_task: dict[str, StepGroup] = {}
    for event in events:
        if event.kind in QUIET and not with_quiet:
            continue
        key = _owner(event, by_task)
        if key is None and event.kind == "task_ready" and event.task_id:
            group = StepGroup(event.task_name or "", event.task_id)
            groups.append(group)
            by_task[event.task_id] = group
        else:
            group = by_task[key] if key else groups[-1]
        group.events.append(event)
        group.started = group.started or event.at
        group.ended = event.at
        if event.kind == "task_completed":
            group.completed_by = event.actor
        if event.kind == "error":
            group.has_error = True
    for group in groups:
        group.events.reverse()
    return [g for g in reversed(groups) if g.events]
