"""Small helpers shared by tests: register a case, find and complete tasks through the services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from webapp.cases import service as cases
from webapp.extensions import db
from webapp.models import Case, HumanTask, Instance, User
from webapp.tasks import service as tasks

GRIEVANCE: dict[str, Any] = {
    "channel": "phone", "kind": "grievance", "customer": {"name": "Li Lei", "phone": "13800000001",
                                                          "email": "li.lei@example.test"},
    "category": "staff_attitude", "subject": "Service point 7", "description": "Rude staff at reception",
}


def user(name: str) -> User:
    """A user by name."""
    return db.session.scalars(select(User).where(User.username == name)).one()


def register(body: dict[str, Any] | None = None, actor: str = "agent") -> Case:
    """Register a case through the service layer."""
    return cases.register(db.session, body or dict(GRIEVANCE), actor)


def open_task(case: Case, title: str | None = None) -> HumanTask:
    """The (only, or titled) open task of a case."""
    rows = cases.open_tasks(db.session, case)
    if title is not None:
        rows = [t for t in rows if t.title == title]
    assert len(rows) == 1, [t.title for t in rows]
    return rows[0]


def complete(case: Case, title: str, data: dict[str, Any], actor: str) -> HumanTask:
    """Complete the titled open task of a case as a user."""
    return tasks.complete(db.session, open_task(case, title).id, data, user(actor))


def instance_of(case: Case) -> Instance:
    """The case's instance, fresh from the database."""
    db.session.expire_all()
    inst = db.session.get(Instance, case.instance_id)
    assert inst is not None
    return inst


def deploy_assessment_process(folder: Path) -> None:
    """Deploy the pack's real `assessment` process beside a fixture pack (assessment rows then run as tasks)."""
    import shutil

    from webapp.extensions import db
    from webapp.workflow.definitions import deploy_directory

    root = Path(__file__).resolve().parent.parent
    shutil.copy(root / "processes" / "assessment.bpmn", folder / "assessment.bpmn")
    deploy_directory(db.session, folder, root / "forms", "test")
