"""Intake (complaint, the entry process) and inquiry (T1); the helpers every diagram description uses."""

from __future__ import annotations

from tools.bpmn_layout import Pool

CS, SUP, DEPT = "Customer service", "Service supervisor", "Responsible department"
INFORM_REGISTRAR = "'user:' + registered_by if registered_by else None"


def q(text: str) -> str:
    """A Python string literal for a parameter expression."""
    return repr(text)


def clock_start(
    p: Pool, id: str, lane: str, col: float, clock: str, duration: str, breach_to: str, row: float = 0,
    business_time: bool = False,
) -> None:
    """Start a named SLA clock (deadline row, task due times, warning and breach notices by the worker)."""
    params = {"name": q(clock), "duration": q(duration), "breach_to": breach_to}
    if business_time:
        params["business_time"] = "True"
    p.service(
        id,
        f"Start clock {clock} ({duration}{', business time' if business_time else ''})",
        lane,
        col,
        "clock_start",
        params,
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


def complaint() -> Pool:
    """Entry process of every registered case: first contact, on-the-spot closure, classification, routing."""
    p = Pool(
        "complaint",
        "Complaint intake",
        [CS],
        doc="Every registered case starts here (R1-R2): first contact recorded, solved on the spot or "
        "classified and routed to the flow of its kind; purchase intent goes to sales.",
    )
    p.start("start", "Case registered", CS, 0)
    p.service("record_first_contact", "Record first contact (R2)", CS, 1, "record_intake", {})
    p.gw("gw_spot", "Solved on the spot? (R1)", CS, 2)
    p.service(
        "close_on_spot",
        "Close: solved on the spot",
        CS,
        3,
        "record_closure",
        {"reason": q("on_the_spot"), "note": "solution_on_the_spot"},
        row=2,
    )
    p.end("end_on_spot", "Solved on the spot", CS, 4, row=2)
    p.gw("gw_kind_known", "Kind known?", CS, 3)  # grievances also need a category to be counted (G2-b)
    p.user(
        "classify",
        "Classify the contact",
        CS,
        4,
        "classify.json",
        row=1,
        dueIn="PT30M",
        doc="Customer service decides the kind (inquiry, rescue, new failure mode, grievance, external).",
    )
    p.gw("merge_kind", "", CS, 5)
    p.service("record_kind_task", "Record the kind", CS, 6, "record_kind", {"kind": "kind"})
    p.gw("gw_lead", "Purchase intent?", CS, 7)
    p.service(
        "notify_sales",
        "Send lead to sales",
        CS,
        8,
        "notify",
        {
            "to": "['webhook:sales', 'group:sales']",
            "template": q("sales_lead"),
            "data": "{'customer': customer, 'question': description}",
        },
        row=1,
    )
    p.gw("merge_lead", "", CS, 9)
    p.gw("gw_route", "Which kind?", CS, 10)
    p.add("call", "call_inquiry", "Inquiry (T1)", CS, 11, 0, called="inquiry")
    p.add("call", "call_rescue", "Rescue (T3)", CS, 11, 1, called="rescue")
    p.add("call", "call_new_failure", "New failure mode (T4)", CS, 11, 2, called="new_failure")
    p.add("call", "call_grievance", "Grievance / external complaint", CS, 11, 3, called="grievance")
    p.gw("merge_route", "", CS, 12)
    p.end("end", "Case finished", CS, 13)
    p.chain("start", "record_first_contact", "gw_spot")
    p.flow("gw_spot", "close_on_spot", "yes", cond="solved_on_the_spot")
    p.flow("gw_spot", "gw_kind_known", "no", default=True)
    p.flow("close_on_spot", "end_on_spot")
    p.flow(
        "gw_kind_known",
        "merge_kind",
        "yes",
        cond="bool(kind) and (bool(category) or kind not in ('grievance', 'external'))",
    )
    p.flow("gw_kind_known", "classify", "no", default=True)
    p.flow("classify", "merge_kind")
    p.chain("merge_kind", "record_kind_task", "gw_lead")
    p.flow("gw_lead", "notify_sales", "yes", cond="bool(purchase_intent)")
    p.flow("gw_lead", "merge_lead", "no", default=True)
    p.flow("notify_sales", "merge_lead")
    p.flow("merge_lead", "gw_route")
    p.flow("gw_route", "call_inquiry", "inquiry", cond="kind == 'inquiry'")
    p.flow("gw_route", "call_rescue", "rescue", cond="kind == 'rescue'")
    p.flow("gw_route", "call_new_failure", "new failure", cond="kind == 'new_failure'")
    p.flow("gw_route", "call_grievance", "grievance / external", default=True)
    for call in ("call_inquiry", "call_rescue", "call_new_failure", "call_grievance"):
        p.flow(call, "merge_route")
    p.flow("merge_route", "end")
    return p


def inquiry() -> Pool:
    """T1: answer at once, or promise a 3-hour callback, coordinate with the department and call back."""
    p = Pool(
        "inquiry",
        "Inquiry (T1)",
        [CS, SUP, DEPT],
        doc="T1: an inquiry not answerable at once gets a 3-hour callback promise; the section chief signs "
        "the coordination notice within 30 minutes; the department replies within 2 hours.",
    )
    p.start("start", "Inquiry", CS, 0)
    p.user("answer", "Answer from published documents", CS, 1, "inquiry_answer.json", dueIn="PT30M")
    p.gw("gw_answered", "Answered at once?", CS, 2)
    p.service(
        "close_answered",
        "Close: answered at once",
        CS,
        3,
        "record_closure",
        {"reason": q("answered"), "note": "answer", "inform": INFORM_REGISTRAR},
        row=1,
    )
    p.end("end_answered", "Answered", CS, 4, row=1)
    p.service(
        "promise",
        "Promise callback within 3 hours",
        CS,
        3,
        "notify",
        {"to": q("customer"), "template": q("inquiry_callback_promise"), "data": "{'within': 'PT3H'}"},
    )
    clock_start(p, "clock_callback", CS, 4, "T1-callback", "PT3H", "['group:service_supervisor']")
    p.gw("split", "", CS, 5, kind="pgw")
    p.user(
        "callback",
        "Call the customer back (T1, 3 h)",
        CS,
        6,
        "inquiry_callback.json",
        clock="T1-callback",
        doc="Call back within the promised 3 hours with the department's reply (see the case history).",
    )
    p.timer("callback_timer", "3 hours", "callback", '"PT3H"')
    missed(p, "callback_missed", CS, 7, 1, "T1-callback", "PT3H", "['group:service_supervisor']", "callback")
    p.end("end_callback_missed", "Supervisor told", CS, 8, row=1)
    clock_stop(p, "stop_callback", CS, 7, "T1-callback")
    clock_start(p, "clock_notice", SUP, 6, "T1-notice", "PT30M", "['group:general_manager']")
    p.user(
        "sign_notice",
        "Sign the coordination notice (T1, 30 min)",
        SUP,
        7,
        "coordination_notice.json",
        clock="T1-notice",
        doc="The section chief signs the inquiry coordination notice to the department.",
    )
    p.timer("notice_timer", "30 minutes", "sign_notice", '"PT30M"')
    missed(p, "notice_missed", SUP, 8, 1, "T1-notice", "PT30M", "['group:general_manager']", "sign_notice")
    p.end("end_notice_missed", "Manager told", SUP, 9, row=1)
    clock_stop(p, "stop_notice", SUP, 8, "T1-notice")
    p.service(
        "send_notice",
        "Send coordination notice",
        SUP,
        9,
        "notify",
        {
            "to": q("group:responsible_department"),
            "template": q("inquiry_coordination_notice"),
            "data": "{'department': department, 'question': question_summary, 'signed_by': signed_by}",
        },
    )
    clock_start(p, "clock_reply", DEPT, 10, "T1-reply", "PT2H", "['group:department_head']")
    p.user("reply", "Reply to the inquiry (T1, 2 h)", DEPT, 11, "department_reply.json", clock="T1-reply")
    p.timer("reply_timer", "2 hours", "reply", '"PT2H"')
    missed(p, "reply_missed", DEPT, 12, 1, "T1-reply", "PT2H", "['group:department_head']", "reply")
    p.service(
        "assess_reply",
        "Propose assessment of the department",
        DEPT,
        13,
        "assessment",
        {
            "target": "department",
            "target_type": q("department"),
            "reason": q("T1 reply later than 2 hours"),
            "executor": q("group:integrated_management"),
        },
        row=1,
    )
    p.end("end_reply_missed", "Head told", DEPT, 14, row=1)
    clock_stop(p, "stop_reply", DEPT, 12, "T1-reply")
    p.service(
        "forward_reply",
        "Forward the reply to customer service",
        DEPT,
        13,
        "notify",
        {"to": q("group:customer_service"), "template": q("inquiry_reply_ready"), "data": "{'reply': reply}"},
    )
    p.gw("join", "", CS, 14, kind="pgw")
    p.gw("gw_told", "Customer answered?", CS, 15)
    p.user(
        "final_call", "Call back with the department's reply", CS, 16, "inquiry_final_call.json", row=1, dueIn="PT1H"
    )
    p.gw("merge_told", "", CS, 17)
    p.service(
        "close",
        "Close: inquiry answered",
        CS,
        18,
        "record_closure",
        {"reason": q("answered"), "note": "reply", "inform": INFORM_REGISTRAR},
    )
    p.end("end", "Inquiry answered", CS, 19)
    p.chain("start", "answer", "gw_answered")
    p.flow("gw_answered", "close_answered", "yes", cond="answered_at_once")
    p.flow("gw_answered", "promise", "no", default=True)
    p.flow("close_answered", "end_answered")
    p.chain("promise", "clock_callback", "split")
    p.flow("split", "callback")
    p.flow("split", "clock_notice")
    p.chain("callback", "stop_callback", "join")
    p.chain("callback_timer", "callback_missed", "end_callback_missed")
    p.chain(
        "clock_notice",
        "sign_notice",
        "stop_notice",
        "send_notice",
        "clock_reply",
        "reply",
        "stop_reply",
        "forward_reply",
        "join",
    )
    p.chain("notice_timer", "notice_missed", "end_notice_missed")
    p.chain("reply_timer", "reply_missed", "assess_reply", "end_reply_missed")
    p.flow("join", "gw_told")
    p.flow("gw_told", "merge_told", "yes", cond="customer_answered")
    p.flow("gw_told", "final_call", "no", default=True)
    p.flow("final_call", "merge_told")
    p.chain("merge_told", "close", "end")
    return p
