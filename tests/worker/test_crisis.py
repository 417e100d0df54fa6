"""Level 1 (crisis) over the real pack, the real worker and a real SMTP server on loopback.

Domain §3 G1-a (seed 001 第三条 1: 引起或者可能引起媒体负面暴光 ... 一级投诉（危机事件）);
§4 "Level 1 goes straight to tier 3 and convenes a crisis team (report upward, team meeting ...)";
acceptance story 2: "the general manager and crisis team are notified within a minute";
seed 001 (BYD deck): 案情上报并召开小组会议. The seeds name no hours for the meeting; the pack's default is 4 hours
from the alert (docs/clocks.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.helpers import GRIEVANCE, register, user
from tests.process import answers as a
from webapp.deadlines.models import Deadline
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import Outbox
from webapp.outbox import inapp
from webapp.worker import Worker

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _drain(worker: Worker) -> None:
    while worker.run_once():
        pass


def test_G1_story_2_the_general_manager_and_crisis_team_are_mailed_and_a_late_meeting_is_escalated(
        app, users, pack, smtp, settings):
    clock.freeze(T0)
    try:
        case = register({**GRIEVANCE, "facts": a.facts(media_exposure="actual")})
        assert (case.grade, case.tier) == ("G1", 3)
        worker = Worker(db.session, settings)
        _drain(worker)
        alerts = [m for rcpts, m in smtp.box.messages if "gm@example.test" in rcpts
                  and str(m["Subject"]) == f"CRISIS (Level 1): case {case.number}"]
        # gm is in both groups the alert is addressed to: one mail, not two (the second group's row is closed)
        assert len(alerts) == 1 and "within 4 hours" in alerts[0].get_body(("plain",)).get_content()
        assert _statuses(case.id, "crisis_alert", "email") == {"group:general_manager": "sent",
                                                                "group:crisis_team": "cancelled"}
        bell = [n for n in inapp.recent(db.session, user("gm")) if n.template == "crisis_alert"]
        assert len(bell) == 1 and inapp.unread_count(db.session, user("gm")) == 1
        assert clock.now() - T0 < timedelta(minutes=1)  # within a minute of the registration
        row = db.session.scalars(select(Deadline).where(Deadline.case_id == case.id,
                                                        Deadline.name == "G1-crisis-meeting")).one()
        assert (row.state, row.due_at) == ("running", T0 + timedelta(hours=4))
        clock.advance(timedelta(hours=4, seconds=1))  # the meeting has not been held
        _drain(worker)
    finally:
        clock.reset()
    db.session.expire_all()
    assert db.session.get(Deadline, row.id).state == "missed"
    missed = {(o.channel, o.recipient) for o in db.session.scalars(select(Outbox).where(
        Outbox.case_id == case.id, Outbox.template == "deadline_missed"))}
    assert {("email", "group:general_manager"), ("email", "group:crisis_team"),
            ("in_app", "group:general_manager"), ("in_app", "group:crisis_team")} <= missed
    assert sum("gm@example.test" in r and "G1-crisis-meeting missed" in str(m["Subject"])
               for r, m in smtp.box.messages) == 1, "one mail for the miss, though gm is in both groups"


def _statuses(case_id: int, template: str, channel: str) -> dict[str, str]:
    return {o.recipient: o.status for o in db.session.scalars(select(Outbox).where(
        Outbox.case_id == case_id, Outbox.template == template, Outbox.channel == channel))}
