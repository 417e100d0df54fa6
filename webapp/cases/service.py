"""Register cases (first-contact duty: any staff member) and read them back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.cases.intake import DEFAULT_FACTS, intake_schema, rule_errors
from webapp.engine.clock import now
from webapp.errors import Invalid, NotFound
from webapp.masterdata import issues
from webapp.masterdata.choices import keys
from webapp.models import Case, CaseLink, Event, HumanTask, Instance, User
from webapp.workflow import transitions as runtime
from webapp.workflow.forms import validated
from webapp.workflow.store import add_event

CASE_PROCESS = "complaint"


def register(session: Session, body: Any, actor: str, process_key: str = CASE_PROCESS, commit: bool = True) -> Case:
    """Validate the intake, create the case and start its process; one transaction, nothing on error.

    `commit=False` leaves the transaction open for the caller to add to it (mail-in keeps the attachments in it).
    """
    data = validated(intake_schema(keys(session, "channel"), keys(session, "category")), body)
    data["object"] = issues.object_of(session, data.get("object"))
    errors = rule_errors(data)
    if errors:
        raise Invalid("the case does not follow the intake rules", errors)
    customer = data["customer"]
    facts = {**DEFAULT_FACTS, **(data.get("facts") or {})}
    at = now()
    issue, chosen = issues.issue_key(session, data.get("object"), data.get("subject"), data.get("same_issue_as"))
    case = Case(
        number=f"TMP-{at.timestamp()}-{id(data)}", channel=data["channel"], kind=data.get("kind"),
        category=data.get("category"), subject=data.get("subject"), object_key=data.get("object"),
        issue_key=issue, issue_chosen=chosen,
        customer_name=customer["name"].strip(),
        customer_phone=customer.get("phone"), customer_email=customer.get("email"),
        customer_address=customer.get("address"), description=data["description"], demand=data.get("demand"),
        customer_language=customer.get("language") or _language_of(session, actor),
        facts=facts, registered_by=actor, created_at=at, updated_at=at, status="open",
    )
    session.add(case)
    session.flush()
    case.number = f"CL-{at.year}-{case.id:06d}"
    add_event(session, None, case, actor, "case_registered", {"channel": case.channel, "kind": case.kind})
    if data.get("same_issue_as"):
        _link_same_issue(session, case, data["same_issue_as"].strip())
    process_data = {
        "case_number": case.number, "channel": case.channel, "kind": case.kind, "customer": customer,
        "category": case.category, "subject": case.subject, "object": case.object_key, "description": case.description,
        "demand": case.demand, "facts": facts, "registered_by": actor,
        "purchase_intent": bool(data.get("purchase_intent")),
        "solved_on_the_spot": bool(data.get("solved_on_the_spot")),
        "solution_on_the_spot": data.get("solution_on_the_spot"),
    }
    runtime.start_instance(session, process_key, process_data, actor, case)
    if commit:
        session.commit()
    return case


def _language_of(session: Session, actor: str) -> str:
    """The registering user's language (the customer's mail language when the registration names none)."""
    found = session.scalar(select(User.language).where(User.username == actor))
    return "zh" if str(found or "").lower().startswith("zh") else "en"


def _link_same_issue(session: Session, case: Case, number: str) -> None:
    other = session.scalars(select(Case).where(Case.number == number)).one()
    session.add(CaseLink(case_id=case.id, other_id=other.id, reason="same issue (chosen at intake)"))
    session.add(CaseLink(case_id=other.id, other_id=case.id, reason="same issue (chosen at intake)"))


def get_by_number(session: Session, number: str) -> Case:
    """A case by its number, or NotFound."""
    case = session.scalars(select(Case).where(Case.number == number)).first()
    if case is None:
        raise NotFound(f"case {number} not found")
    return case


def open_tasks(session: Session, case: Case) -> list[HumanTask]:
    """The case's tasks still waiting for a person."""
    stmt = select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")
    return list(session.scalars(stmt.order_by(HumanTask.id)))


def instance_status(session: Session, case: Case) -> str | None:
    """The status of the case's instance (None without one), read as one column: loading the instance would read
    its whole state (and join its definition) for it."""
    if not case.instance_id:
        return None
    return session.scalar(select(Instance.status).where(Instance.id == case.instance_id))


def history(session: Session, case: Case, limit: int = 1000) -> list[Event]:
    """The case's timeline, oldest first."""
    stmt = select(Event).where(Event.case_id == case.id).order_by(Event.id).limit(limit)
    return list(session.scalars(stmt))


def linked(session: Session, case: Case) -> list[Case]:
    """Cases linked to this one."""
    stmt = select(Case).join(CaseLink, CaseLink.other_id == Case.id).where(CaseLink.case_id == case.id)
    return list(session.scalars(stmt.order_by(Case.id)))


def completed_tasks(session: Session, case: Case) -> list[HumanTask]:
    """The case's completed human tasks."""

    stmt = select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "completed")
    return list(session.scalars(stmt))
