"""The case timeline says what happened in the reader's language: event data keys and codes in words."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.conftest import ROOT
from webapp.cases.page import event_line
from webapp.extensions import db
from webapp.masterdata.service import seed_defaults
from webapp.models import Event


def _line(app: Flask, lang: str, kind: str, data: dict[str, Any]) -> str:
    with app.app_context(), app.test_request_context("/cases/x", headers={"Accept-Language": lang}):
        return event_line(Event(kind=kind, data=data))


def test_registration_and_classification_details_are_words_not_codes(app: Flask, pack: Any) -> None:
    seed_defaults(db.session, ROOT / "processes", ROOT / "forms")
    db.session.commit()
    classified = {"case_kind": "inquiry", "category": "parts_supply", "subject": "Dealer Beijing East"}
    assert _line(app, "en", "classified", classified) == (
        "Case kind: Inquiry; Category: parts supply; Subject: Dealer Beijing East")
    zh = _line(app, "zh", "classified", classified)
    assert zh == "工单类型: 咨询; 投诉类别: 配件; 主题: Dealer Beijing East"
    first = _line(app, "zh", "first_contact", {"case_kind": "grievance", "channel": "phone", "registered_by": "agent"})
    assert first == "工单类型: 抱怨; 渠道: 电话; 登记人: agent"


def test_notices_name_the_message_and_the_recipient(app: Flask, pack: Any) -> None:
    queued = _line(app, "zh", "notice_queued", {"template": "acknowledgement", "to": "customer", "channel": "email"})
    assert "受理回执" in queued and "客户" in queued and "电子邮件" in queued and "acknowledgement" not in queued
    skipped = _line(app, "en", "notice_skipped", {"template": "inquiry_callback_promise", "recipient": "customer",
                                                   "reason": "no e-mail address for the customer"})
    assert skipped == ("Message: callback promise; Recipient: the customer; "
                       "Reason: no e-mail address for the customer")
    case_status = _line(app, "zh", "case_status", {"status": "executing", "note": None})
    assert case_status == "状态: " + _line(app, "zh", "status_changed", {"from": "executing", "to": "executing"}
                                          ).split(" → ")[0]


def test_clock_details_show_durations_and_recipients_in_words(app: Flask, pack: Any) -> None:
    line = _line(app, "en", "admin_retry", {"target": "gw_answered", "result": "ok", "reason": "fixed"})
    assert line == "Target: gw answered; Result: done; Reason: fixed"
    breach = _line(app, "en", "sla_details", {"duration": "PT30M", "breach_to": "customer,group:service_supervisor",
                                                      "business_time": False})
    assert breach == "Duration: 30 min; On a miss, tell: the customer, Service supervisors; Business hours only: no"
