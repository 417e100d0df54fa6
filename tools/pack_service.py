"""The service-point flows: rescue (T3) and new failure mode (T4)."""

from __future__ import annotations

from tools.bpmn_layout import Pool

CS, SUP, DEPT = "Customer service", "Service supervisor", "Responsible department"
INFORM_REGISTRAR = "'user:' + registered_by if registered_by else None"


def q(text: str) -> str:
    """A Python string literal for a parameter expression."""
    return repr(text)


def clock_start(
    p: Pool, id: str, lane: str, col: float, clock: str, duration: str, breach_to: str, row: float = 0
) -> None:
    """Start a named SLA clock (deadline row, task due times, warning and breach notices by the worker)."""
    p.service(
        id,
        f"Start clock {clock} ({duration})",
        lane,
        col,
        "clock_start",
        {"name": q(clock), "duration": q(duration), "breach_to": breach_to},
        row=row,
    )


def clock_stop(p: Pool, id: str, lane: str, col: float, clock: str, row: float = 0) -> None:
    """Stop a named SLA clock (met if before its due time)."""
    p.service(id, f"Stop clock {clock}", lane, col, "clock_stop", {"name": q(clock)}, row=row)


def missed(p: Pool, id: str, lane: str, col: float, row: float, clock: str, duration: str, to: str, task: str) -> None:
    """Timer branch: record the miss and notify the next tier (deadline_escalation)."""
    p.service(
        id,
        f"{clock} missed: notify next tier",
        lane,
        col,
        "deadline_missed",
        {"clock": q(clock), "duration": q(duration), "to": to, "task": q(task)},
        row=row,
    )


def rescue() -> Pool:
    """T3: notice to the nearest service point within 10 minutes; its acknowledgement; outbound service."""
    p = Pool(
        "rescue",
        "Rescue (T3)",
        [CS, DEPT],
        doc="T3: the nearest service point is notified within 10 minutes; if it does not acknowledge, the "
        "supervisor is alerted; the service point returns the outbound-service registration.",
    )
    p.start("start", "Rescue call", CS, 0)
    clock_start(p, "clock_notice", CS, 1, "T3-notice", "PT10M", "['group:service_supervisor']")
    p.user("dispatch", "Find the nearest service point (T3, 10 min)", CS, 2, "rescue_dispatch.json", clock="T3-notice")
    p.timer("dispatch_timer", "10 minutes", "dispatch", '"PT10M"')
    missed(p, "dispatch_missed", CS, 3, 1, "T3-notice", "PT10M", "['group:service_supervisor']", "dispatch")
    p.end("end_dispatch_missed", "Supervisor told", CS, 4, row=1)
    p.service(
        "notify_point",
        "Urgent notice to the service point",
        CS,
        3,
        "notify",
        {
            "to": "'service_point:' + service_point",
            "template": q("rescue_notice"),
            "data": "{'location': location, 'situation': situation, 'safety_risk': safety_risk}",
        },
    )
    clock_stop(p, "stop_notice", CS, 4, "T3-notice")
    clock_start(p, "clock_ack", CS, 5, "T3-ack", "PT15M", "['group:service_supervisor']")
    p.user(
        "acknowledge",
        "Acknowledge the rescue notice",
        DEPT,
        6,
        "rescue_ack.json",
        clock="T3-ack",
        doc="The service point (or customer service on its behalf) confirms it has taken the rescue.",
    )
    p.timer("ack_timer", "15 minutes", "acknowledge", '"PT15M"')
    missed(p, "ack_missed", DEPT, 7, 1, "T3-ack", "PT15M", "['group:service_supervisor']", "acknowledge")
    p.service(
        "assess_ack",
        "Propose assessment of the service point",
        DEPT,
        8,
        "assessment",
        {
            "target": "service_point",
            "target_type": q("service_point"),
            "reason": q("T3 rescue notice not acknowledged in time"),
            "executor": q("group:finance"),
        },
        row=1,
    )
    p.end("end_ack_missed", "Supervisor told", DEPT, 9, row=1)
    clock_stop(p, "stop_ack", DEPT, 7, "T3-ack")
    p.service(
        "tell_customer",
        "Tell the customer help is coming",
        CS,
        8,
        "notify",
        {
            "to": q("customer"),
            "template": q("rescue_on_the_way"),
            "data": "{'service_point': service_point, 'eta_minutes': eta_minutes}",
        },
    )
    p.user("outbound", "Return the outbound-service registration", DEPT, 9, "outbound_service.json", dueIn="PT8H")
    p.service(
        "close",
        "Close: rescued",
        CS,
        10,
        "record_closure",
        {"reason": q("rescued"), "note": "outbound_work", "inform": INFORM_REGISTRAR},
    )
    p.end("end", "Rescue done", CS, 11)
    p.chain(
        "start",
        "clock_notice",
        "dispatch",
        "notify_point",
        "stop_notice",
        "clock_ack",
        "acknowledge",
        "stop_ack",
        "tell_customer",
        "outbound",
        "close",
        "end",
    )
    p.chain("dispatch_timer", "dispatch_missed", "end_dispatch_missed")
    p.chain("ack_timer", "ack_missed", "assess_ack", "end_ack_missed")
    return p


def new_failure() -> Pool:
    """T4: notice within 60 minutes; the service point books an appointment within 2 hours."""
    p = Pool(
        "new_failure",
        "New failure mode (T4)",
        [CS, DEPT],
        doc="T4: a first-time failure mode is notified to the nearest service point (and the technical "
        "supervisor) within 60 minutes; the service point books an appointment within 2 hours.",
    )
    p.start("start", "New failure reported", CS, 0)
    clock_start(p, "clock_notice", CS, 1, "T4-notice", "PT60M", "['group:service_supervisor']")
    p.user("prepare", "Prepare the new-failure notice (T4, 60 min)", CS, 2, "failure_notice.json", clock="T4-notice")
    p.timer("notice_timer", "60 minutes", "prepare", '"PT60M"')
    missed(p, "notice_missed", CS, 3, 1, "T4-notice", "PT60M", "['group:service_supervisor']", "prepare")
    p.end("end_notice_missed", "Supervisor told", CS, 4, row=1)
    p.service(
        "notify_point",
        "Notice to service point and technical supervisor",
        CS,
        3,
        "notify",
        {
            "to": "['service_point:' + service_point, 'group:technical_supervisor']",
            "template": q("new_failure_notice"),
            "data": "{'part': part, 'failure_mode': failure_mode}",
        },
    )
    clock_stop(p, "stop_notice", CS, 4, "T4-notice")
    clock_start(p, "clock_appointment", CS, 5, "T4-appointment", "PT2H", "['group:service_supervisor']")
    p.user("book", "Book the appointment (T4, 2 h)", DEPT, 6, "appointment.json", clock="T4-appointment")
    p.timer("book_timer", "2 hours", "book", '"PT2H"')
    missed(p, "book_missed", DEPT, 7, 1, "T4-appointment", "PT2H", "['group:service_supervisor']", "book")
    p.service(
        "assess_book",
        "Propose assessment of the service point",
        DEPT,
        8,
        "assessment",
        {
            "target": "service_point",
            "target_type": q("service_point"),
            "reason": q("T4 appointment not booked within 2 hours"),
            "executor": q("group:finance"),
        },
        row=1,
    )
    p.end("end_book_missed", "Supervisor told", DEPT, 9, row=1)
    clock_stop(p, "stop_appointment", DEPT, 7, "T4-appointment")
    p.service(
        "tell_customer",
        "Confirm the appointment to the customer",
        CS,
        8,
        "notify",
        {
            "to": q("customer"),
            "template": q("appointment_booked"),
            "data": "{'appointment_at': appointment_at, 'service_point': service_point}",
        },
    )
    p.user("repair", "Record the repair result", DEPT, 9, "repair_result.json", dueIn="P3D")
    p.service(
        "close",
        "Close: repaired",
        CS,
        10,
        "record_closure",
        {"reason": q("repaired"), "note": "findings", "inform": INFORM_REGISTRAR},
    )
    p.end("end", "Failure handled", CS, 11)
    p.chain(
        "start",
        "clock_notice",
        "prepare",
        "notify_point",
        "stop_notice",
        "clock_appointment",
        "book",
        "stop_appointment",
        "tell_customer",
        "repair",
        "close",
        "end",
    )
    p.chain("notice_timer", "notice_missed", "end_notice_missed")
    p.chain("book_timer", "book_missed", "assess_book", "end_book_missed")
    return p
