"""What the case summary shows (task page and case page): links, deadlines, grade reasons, timeline rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.cases import service as cases
from webapp.cases import sofar
from webapp.cases.event_words import details, moment, value_words
from webapp.cases.sofar import readable
from webapp.deadlines.service import for_case
from webapp.engine.clock import now
from webapp.models import Case, Event, HumanTask, Instance
from webapp.tasks.service import form_schema
from webapp.web.i18n import deadline_name, group_name, pack_text
from webapp.web.labels import LABELS, label

HIDDEN_EVENT_DATA = {"data"}  # task form data is shown as its own block


@dataclass
class DeadlineRow:
    """A named deadline with its state: met, missed, at risk, running, paused or cancelled."""

    name: str
    due_at: datetime | None
    state: str
    finished_at: datetime | None
    duration: str | None = None
    business_time: bool = False


def deadlines(session: Session, case: Case) -> list[DeadlineRow]:
    """The case's SLA clocks (from the deadline table, when the worker's clocks are deployed)."""
    at = now()
    rows = []
    for row in for_case(session, case.id):
        state = row.state
        if state == "running" and row.due_at and row.due_at < at:
            state = "missed"
        elif state == "running" and row.warn_at and row.warn_at <= at:
            state = "at_risk"
        rows.append(DeadlineRow(row.name, row.due_at, state, row.stopped_at or row.breached_at, row.duration,
                                row.business_time))
    return rows


def grade_reasons(case: Case, events: list[Event] | None = None) -> list[str]:
    """Why the case has its grade: record['grade_reasons'] (list or text), else the last 'graded' event."""
    record = case.record or {}
    found = record.get("grade_reasons") or record.get("grade_reason") or record.get("reasons")
    if not found and events:
        for event in reversed(events):
            if event.kind == "graded" and event.data:
                found = event.data.get("reasons") or event.data.get("reason") or event.data.get("rules")
                break
    if isinstance(found, str):
        found = [found]
    if isinstance(found, list):
        return [label("rule", item) if str(item) in LABELS["rule"] else str(item) for item in found]
    return []


def form_fields_shown(session: Session, case: Case, lang: str) -> dict[str, list[tuple[str, str]]]:
    """For each completed task of the case: its submitted data as (field title, readable value) in form order."""
    rows = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id,
                                                   HumanTask.state == "completed")).all()
    instance = session.get(Instance, case.instance_id) if case.instance_id else None
    schemas = {r.task_id: (form_schema(instance, r) if instance else None) or {} for r in rows}
    shown: dict[str, list[tuple[str, str]]] = {}
    for event in cases.history(session, case):
        submitted = (event.data or {}).get("data")
        if event.kind != "task_completed" or not event.task_id or not isinstance(submitted, dict):
            continue
        props = (schemas.get(event.task_id) or {}).get("properties") or {}
        lines = []
        for key, value in submitted.items():
            sub = props.get(key) or {}
            title = sub.get(f"x-title-{lang}") or sub.get("title") or key.replace("_", " ")
            lines.append((str(title), _words(sofar.choice_title(sub, value, lang))))
        shown[event.task_id] = lines
    return shown


def summary(session: Session, case: Case, with_events: bool = False, lang: str = "en") -> dict[str, Any]:
    """Template context of a case summary and its "case so far" panel."""
    events = cases.history(session, case) if with_events else None
    return {"case": case, "linked": cases.linked(session, case), "deadlines": deadlines(session, case),
            "reasons": grade_reasons(case, events or cases.history(session, case, limit=200)),
            "events": events, "now": now(), "sofar": sofar.assemble(session, case, lang)}


def event_line(event: Event, technical: bool = False) -> str:
    """One sentence for a timeline event, in words (task names translated, dates short, no raw codes); `technical`
    (administrators) adds an error's technical text."""
    data = event.data or {}
    kind = event.kind
    task = pack_text(event.task_name or data.get("title"))
    if kind == "task_ready":
        who = data.get("assignee") or group_name(data.get("group")) or ""
        return _("%(task)s, for %(who)s", task=task, who=who)
    if kind in ("task_claimed", "task_completed", "task_unclaimed"):
        return task
    if kind == "task_assigned":
        return _("%(task)s: from %(old)s to %(new)s", task=task, old=data.get("from") or "—", new=data.get("to"))
    if kind == "status_changed":
        return f"{label('status', data.get('from'))} → {label('status', data.get('to'))}"
    if kind == "notice_queued":
        return _("%(notice)s to %(to)s by %(channel)s", notice=value_words("template", data.get("template")),
                 to=value_words("to", data.get("to")), channel=value_words("channel", data.get("channel")))
    if kind == "case_registered":
        return f"{label('channel', data.get('channel'))} · {label('kind', data.get('kind'))}"
    if kind == "error":
        return error_text(str(data.get("message", "")), technical)
    if kind == "graded":
        rule = data.get("rule")
        text = label("rule", rule) if rule and str(rule) in LABELS["rule"] else str(data.get("grade", ""))
        return f"{data.get('previous')} → {text}" if data.get("previous") else text
    if kind == "routed":
        return _("to %(group)s (tier %(tier)s)", group=group_name(data.get("group")), tier=data.get("tier", ""))
    if kind.startswith("clock_") or kind.startswith("deadline_"):
        name = deadline_name(data.get("name"), data.get("duration"), bool(data.get("business_time")))
        parts = [name, moment(data.get("due")), label("deadline", data.get("state"))]
        return " · ".join(p for p in parts if p)
    return details(data, HIDDEN_EVENT_DATA)


def error_text(message: str, technical: bool) -> str:
    """What staff read of a process error: the explanation in their language; administrators (`technical`) also
    get the technical text (the admin instance page keeps it whole)."""
    told = _("A rule of the process could not be worked out with this case’s data; the administrators repair it.")
    return f"{told} ({message})" if technical and message else told


def _words(value: Any) -> str:
    """A value as words: dates short, snake_case codes spaced, lists joined."""
    if isinstance(value, str):
        return moment(value) or (value.replace("_", " ") if value.replace("_", "").isalnum() else value)
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value)
    return readable(value)
