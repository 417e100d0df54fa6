"""Assessments go to real groups (car-maker rules 4.3-4.4: integrated management and finance carry them out);
a notice to a group with no active member shows in the admin console as a stuck rule (domain §8b)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.helpers import register
from webapp.admin import stuck
from webapp.engine.clock import now
from webapp.extensions import db
from webapp.models import Instance, Outbox, User


def _notice(case: Any, recipient: str) -> None:
    db.session.add(Outbox(instance_id=case.instance_id, case_id=case.id, channel="in_app", recipient=recipient,
                          template="assessment_proposed", payload={}, idempotency_key=f"t:{case.id}:{recipient}"))
    db.session.commit()


def _stuck(case: Any) -> list[str]:
    settings = stuck.StuckSettings()
    hits = db.session.scalars(select(Instance.id).where(
        Instance.id == case.instance_id, stuck.rule_condition("notice_to_nobody", now(), settings)))
    if not list(hits):
        return []
    reasons = stuck.reasons_for(db.session, [case.instance_id], now(), settings)[case.instance_id]
    return [r.text for r in reasons if r.rule == "notice_to_nobody"]


def test_assessment_groups_have_members_and_empty_groups_are_flagged(users: Any, mini: Any) -> None:
    """group:integrated_management and group:finance reach people; a notice to an empty group is stuck."""
    case = register()
    _notice(case, "group:integrated_management")
    _notice(case, "group:finance")
    assert _stuck(case) == []
    _notice(case, "group:quality_office")  # no such group
    texts = _stuck(case)
    assert len(texts) == 1 and "group:quality_office" in texts[0]
    other = register()
    _notice(other, "group:finance")
    fiona = db.session.scalars(select(User).where(User.username == "finance")).one()
    fiona.is_active = False  # the only member left
    db.session.commit()
    assert "group:finance" in _stuck(other)[0]


def test_admin_console_lists_the_rule(web: Any, mini: Any) -> None:
    """The admin console counts and explains the rule."""
    case = register()
    _notice(case, "group:quality_office")
    web.login("admin")
    html = web.text("/admin/instances?stuck=1&rule=notice_to_nobody")
    assert "notice_to_nobody" in html and case.number in html
