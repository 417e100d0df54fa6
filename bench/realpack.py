"""The default pack's grievance path for the benchmarks: register → first response → … → closure.

The path is story 1 of tests/api/test_stories.py (a G4 phone grievance about rude staff, tier 1, apology,
follow-up, closed), driven through the service layer (bench/runtime.py) or the JSON API (bench/http.py)
with valid form data for every task, as the staff member of the task's group.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask

from bench.common import ROOT, fresh_app
from tests.process import answers as a

PASSWORD = "bench-pass-1"
# (username, groups, supervised groups): one worker per group the path visits
STAFF: list[tuple[str, list[str], list[str]]] = [
    ("agent", ["customer_service"], []), ("handler1", ["tier_1_handler"], []),
    ("depthead", ["department_head", "responsible_department"], []), ("caller", ["callback_staff"], []),
]
WORKER_OF = {"customer_service": "agent", "tier_1_handler": "handler1", "department_head": "depthead",
             "responsible_department": "depthead", "callback_staff": "caller"}
INTAKE: dict[str, Any] = {
    "channel": "phone", "kind": "grievance",
    "customer": {"name": "Li Lei", "phone": "13800000001", "email": "li.lei@example.test"},
    "category": "staff_attitude", "subject": "Service point 7",
    "description": "The receptionist was rude to me", "demand": "An apology",
}
# (task spec, form data) in the order the path opens them; MIDWAY is the index after which state is "mid-way"
PATH: list[tuple[str, dict[str, Any]]] = [
    ("prejudgement", a.prejudgement()), ("fact_finding", a.fact_finding()),
    ("internal_facts", a.internal_facts()), ("responsibility_step", a.responsibility()),
    ("solution_step", a.solution()),
    ("communicate", {"customer_choice": "accept", "customer_response": "Accepted the apology"}),
    ("execute", a.execution()), ("signoff", a.signoff()), ("follow_up", a.followup(5)),
]
MIDWAY = 3  # after judging responsibility (step 3 of 6): four of nine tasks done


def make_pack_app(url: str | None = None) -> Flask:
    """A fresh app and schema (temp SQLite or the URL) with the REAL default pack and one user per group."""
    from webapp.accounts.service import create_user
    from webapp.extensions import db

    app = fresh_app(url, ROOT)
    with app.app_context():
        for username, groups, supervises in STAFF:
            create_user(db.session, username, PASSWORD, groups, username.title(), f"{username}@example.test",
                        supervises)
        db.session.commit()
    return app


def state_bytes(session: Any, instance_id: int) -> int:
    """Bytes of the instance's stored state as the database holds it (the column's length)."""
    from webapp.models import Instance

    session.expire_all()
    state = session.get(Instance, instance_id).state
    if state is None:
        return 0
    return len(state.encode() if isinstance(state, str) else state)


def intake(n: int) -> dict[str, Any]:
    """The intake of grievance n: its own customer and subject, so no case counts as a repeat or a cluster."""
    return {**INTAKE, "customer": {**INTAKE["customer"], "phone": f"138{n:08d}", "email": f"c{n}@example.test"},
            "subject": f"Service point {n}"}


def drive_case(session: Any, users: dict[str, Any], samples: list[float], sizes: dict[str, list[int]],
               n: int = 0) -> None:
    """Register one grievance and work it to closure through the services, timing each completion."""
    from sqlalchemy import select

    from webapp.cases import service as case_service
    from webapp.models import Case, HumanTask
    from webapp.tasks import service as tasks

    case = case_service.register(session, intake(n), "agent")
    case_id, instance_id = case.id, case.instance_id
    sizes["registration"].append(state_bytes(session, instance_id))
    for index, (spec, data) in enumerate(PATH):
        task = session.scalars(select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.state == "open",
                                                       HumanTask.spec_id == spec)).one()
        user = users[WORKER_OF[task.group_key]]
        t0 = time.perf_counter()
        tasks.complete(session, task.id, data, user)
        samples.append(time.perf_counter() - t0)
        if index == MIDWAY:
            sizes["mid-way"].append(state_bytes(session, instance_id))
    session.expire_all()
    status = session.get(Case, case_id).status
    assert status == "closed", f"the grievance ended {status}, not closed"
    sizes["closure"].append(state_bytes(session, instance_id))


def service_run(url: str | None, cases: int) -> tuple[float, float, dict[str, int]]:
    """(completions/s, p50 ms, mean state bytes at registration/mid-way/closure) of `cases` grievances."""
    from sqlalchemy import select

    from bench.common import percentiles
    from webapp.extensions import db
    from webapp.models import User

    app = make_pack_app(url)
    samples: list[float] = []
    sizes: dict[str, list[int]] = {"registration": [], "mid-way": [], "closure": []}
    with app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        for n in range(cases):
            drive_case(db.session, users, samples, sizes, n)
        db.session.remove()
        db.engine.dispose()
    mean = {k: round(sum(v) / len(v)) for k, v in sizes.items()}
    return len(samples) / sum(samples), percentiles(samples)[0], mean
