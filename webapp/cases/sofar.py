"""The "case so far" panel: what a person deciding the next step needs, assembled from the case, its deadlines,
its events and the data of its completed tasks (titles and choice labels from the forms, in the user's language)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy.orm import Session

from webapp.cases import service as cases
from webapp.models import Case, Event, Instance
from webapp.tasks.service import form_schema
from webapp.workflow.thresholds import definition_limits

# which submitted fields belong to which part of the panel (the latest submission of a field wins)
FACTS = ("core_problem", "customer_wants", "demand_confirmed", "urgency", "promised_reply_at", "cause_told",
         "impact", "summary_problem", "summary_checks", "summary_result", "cause")
RESPONSIBILITY = ("responsibility", "responsible_department", "responsible_party_type", "responsible_person",
                  "responsibility_reasoning")
SOLUTION = ("solution_types", "solution_type", "solution_description", "compensation_amount", "solution_executor",
            "solution_deadline", "expected_effect", "bottom_line")
RESULT = ("work_done", "customer_confirmed", "compensation_received", "progress_note")
# decisions kept as a history: (choice field, comment field)
DECISIONS = {"approvals": ("approval_choice", "approval_comment"),
             "answers": ("customer_choice", "customer_response"),
             "signoffs": ("signoff_choice", "result_record"),
             "ratings": ("satisfaction", "satisfaction_comment")}
CURRENCY = "CNY"


@dataclass
class Decision:
    """One decision taken on the case: who, when, what was chosen and what they wrote."""

    actor: str
    at: datetime
    choice: str
    positive: bool
    comment: str


@dataclass
class SoFar:
    """The panel's content; every list is (field title, readable value) in form order."""

    facts: list[tuple[str, str]] = field(default_factory=list)
    responsibility: list[tuple[str, str]] = field(default_factory=list)
    solution: list[tuple[str, str]] = field(default_factory=list)
    result: list[tuple[str, str]] = field(default_factory=list)
    approvals: list[Decision] = field(default_factory=list)
    answers: list[Decision] = field(default_factory=list)
    signoffs: list[Decision] = field(default_factory=list)
    ratings: list[Decision] = field(default_factory=list)
    amount: str = ""
    limit: str = ""  # the compensation above which the next tier approves, from the deployed decision table

    def empty(self) -> bool:
        """True when no step has recorded anything yet."""
        return not any((self.facts, self.responsibility, self.solution, self.result, self.approvals,
                        self.answers, self.signoffs, self.ratings))


def _schemas(session: Session, case: Case) -> dict[str, dict[str, Any]]:
    """Form properties of every completed task of the case, by task id."""
    rows = cases.completed_tasks(session, case)
    instance = session.get(Instance, case.instance_id) if case.instance_id else None
    return {r.task_id: ((form_schema(instance, r) if instance else None) or {}).get("properties") or {}
            for r in rows}


def _title(sub: dict[str, Any], key: str, lang: str) -> str:
    return str(sub.get(f"x-title-{lang}") or sub.get("title") or key.replace("_", " "))


def choice_title(sub: dict[str, Any], value: Any, lang: str) -> Any:
    """The label of an enum value in the user's language (the value itself when the form has none)."""
    titles = sub.get(f"x-enum-titles-{lang}") or sub.get("x-enum-titles")
    values = sub.get("enum") or []
    if value in values and isinstance(titles, list) and values.index(value) < len(titles):
        return titles[values.index(value)]
    if isinstance(titles, dict) and str(value) in titles:
        return titles[str(value)]
    return value


def _value(sub: dict[str, Any], key: str, value: Any, lang: str) -> str:
    if key == "compensation_amount" and isinstance(value, int | float):
        return f"{value:,.2f} {CURRENCY}"
    if sub.get("format") == "date-time" and isinstance(value, str):
        return local_time(value)
    if sub.get("format") == "date" and isinstance(value, str):
        return _day(value, "date")
    if sub.get("type") == "array" and isinstance(value, list):
        items = sub.get("items") or {}
        return ", ".join(str(choice_title(items, v, lang)) for v in value)
    return readable(choice_title(sub, value, lang))


def _day(value: str, fmt: str) -> str:
    """A date or date-time field in the staff UI's one date format ('5 Mar', 'today 14:05')."""
    from webapp.web.i18n import human, human_date

    try:
        if fmt == "date":
            return human_date(date.fromisoformat(value[:10]))
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return human(moment)


def _completions(session: Session, case: Case) -> list[tuple[Event, dict[str, Any]]]:
    return [(e, (e.data or {})["data"]) for e in cases.history(session, case)
            if e.kind == "task_completed" and e.task_id and isinstance((e.data or {}).get("data"), dict)]


def _positive(key: str, value: Any) -> bool:
    if key == "satisfaction":
        return isinstance(value, int | float) and value >= 4
    return str(value) in ("approve", "accept", "sign_off")


def assemble(session: Session, case: Case, lang: str) -> SoFar:
    """Everything recorded on the case so far, latest values first-class, decisions as a history."""
    schemas = _schemas(session, case)
    latest: dict[str, tuple[str, str]] = {}
    result = SoFar()
    for event, submitted in _completions(session, case):
        props = schemas.get(event.task_id or "") or {}
        for key, value in submitted.items():
            if value in (None, "", []):
                continue
            sub = props.get(key) or {}
            latest[key] = (_title(sub, key, lang), _value(sub, key, value, lang))
        for part, (choice, comment) in DECISIONS.items():
            if choice in submitted and submitted[choice] is not None:
                sub = props.get(choice) or {}
                getattr(result, part).append(Decision(
                    event.actor, event.at, _value(sub, choice, submitted[choice], lang),
                    _positive(choice, submitted[choice]), str(submitted.get(comment) or "")))
    result.facts = [latest[k] for k in FACTS if k in latest]
    result.responsibility = [latest[k] for k in RESPONSIBILITY if k in latest]
    result.solution = [latest[k] for k in SOLUTION if k in latest]
    result.result = [latest[k] for k in RESULT if k in latest]
    result.amount = latest["compensation_amount"][1] if "compensation_amount" in latest else ""
    if result.amount:
        instance = session.get(Instance, case.instance_id) if case.instance_id else None
        limit = definition_limits(instance).get("compensation_amount")
        result.limit = f"{limit:,.0f} {CURRENCY}" if limit is not None else ""
    return result


def local_time(value: str) -> str:
    """A date-time answer (e.g. the reply time promised to the customer) in the user's zone, not as stored (UTC)."""
    from webapp.web.i18n import when

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return when(moment if moment.tzinfo else moment.replace(tzinfo=UTC), "yyyy-MM-dd HH:mm")


def readable(value: Any) -> str:
    """A form or event value as plain text (lists joined, booleans yes/no)."""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list):
        return ", ".join(readable(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {readable(v)}" for k, v in value.items())
    return "" if value is None else str(value)



# which part of the panel a decision task is about: shown next to its choice
DECIDING = {"approve": "solution", "communicate": "solution", "signoff": "result",
            "responsibility_step": "facts", "execute": "solution"}


def deciding(task_spec: str | None) -> str:
    """The part of the panel a task decides on ('' when the task is not a decision about earlier work)."""
    return DECIDING.get(task_spec or "", "")
