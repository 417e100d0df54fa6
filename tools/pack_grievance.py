"""Grievances: grading (grade_case), the main flow with K1/K2, G2-d and crisis, first response (T5), six steps."""

from __future__ import annotations

from tools.bpmn_layout import Pool
from tools.pack_intake import CS, clock_start, clock_stop, q

T5_DUE = "EOD"  # the T5 clock and its timer (sla_due) use the same value

H, APPROVER, TECH, GM = "Tier 1 handler", "Tier 2 handler", "Technical supervisor", "General manager"
SUP, HEAD, CALL, CRISIS = "Service supervisor", "Department head", "Callback staff", "Crisis team"
NEXT_TIER = "['group:' + next_tier_group, 'group:service_supervisor']"
INIT = "\n".join(
    [
        "rejections = 0",
        "reopen_count = 0",
        "escalations = 0",
        "coordinated = False",
        "technical_consulted = False",
        "suspected_malicious = False",
        "key_complaint = False",
        "responsibility = None",
        "grade = None",
        "grade_reason = None",
        "tier = None",
        "compensation_amount = 0",
        "paused_clocks = []",
    ]
)


def grade_case() -> Pool:
    """History figures, grade table, tier table, records; a new Level 1 alerts GM + crisis team and raises 'crisis'."""
    p = Pool(
        "grade_case",
        "Grade and route (G1-G4)",
        [CS],
        doc="Runs at registration and again whenever facts may have changed: history figures (G2-b, G2-d, "
        "G3-a), related cases linked, grade table, tier table, case record updated.",
    )
    p.start("start", "Grade", CS, 0)
    p.service("history", "Count related cases (30 days, repeats)", CS, 1, "grade_history", {"window_days": "30"})
    p.service("link", "Link cases of the same issue", CS, 2, "link_related", {"cases": "related_cases"})
    p.add("rule", "grade_rule", "Grade (G1-G4)", CS, 3, decision="grade_decision")
    p.add("rule", "tier_rule", "Tier routing", CS, 4, decision="tier_decision")
    p.service(
        "record_grade_task", "Record grade", CS, 5, "record_grade", {"grade": "new_grade", "reason": "new_grade_reason"}
    )
    p.service(
        "record_tier_task",
        "Record tier (notify on escalation)",
        CS,
        6,
        "record_tier",
        {
            "tier": "new_tier",
            "group": "new_handler_group",
            "escalate_to": "['group:service_supervisor'] + (['group:general_manager'] if manager_coordination else [])",
        },
    )
    p.gw("gw_crisis", "Became Level 1?", CS, 7)
    p.service(
        "crisis_alert",
        "Alert general manager and crisis team",
        CS,
        8,
        "notify",
        {
            "to": "['group:general_manager', 'group:crisis_team']",
            "template": q("crisis_alert"),
            "data": "{'rule': grade_reason}",
        },
        row=1,
    )
    p.add("throw", "raise_crisis", "Crisis raised", CS, 9, 1, escalation="Escalation_crisis")
    p.gw("merge", "", CS, 10)
    p.end("end", "Graded", CS, 11)
    p.chain("start", "history", "link", "grade_rule", "tier_rule", "record_grade_task", "record_tier_task", "gw_crisis")
    p.flow("gw_crisis", "crisis_alert", "yes", cond="grade == 'G1' and previous_grade != 'G1'")
    p.flow("gw_crisis", "merge", "no", default=True)
    p.chain("crisis_alert", "raise_crisis", "merge", "end")
    return p


def grievance() -> Pool:
    """Main grievance flow: acknowledgement, T5 clock, grading, K1/K2 clock, crisis path, the six steps."""
    p = Pool(
        "grievance",
        "Grievance",
        [CS, CRISIS],
        doc="A grievance or external complaint: acknowledged at once, graded and routed, handled in six "
        "steps under the K1/K2 resolution deadline; re-graded after one month open (G2-d); a Level 1 "
        "case convenes the crisis team.",
    )
    p.start("start", "Grievance registered", CS, 0)
    p.add("script", "init", "Set counters", CS, 1, script=INIT)
    p.service(
        "acknowledge",
        "Acknowledge to the customer",
        CS,
        2,
        "notify",
        {"to": q("customer"), "template": q("acknowledgement")},
    )
    p.add("call", "grade", "Grade and route (G1-G4)", CS, 3, called="grade_case")
    # T5: first response the same working day (end of today's working hours, or of the next working day)
    clock_start(p, "clock_t5", CS, 4, "T5-first-response", T5_DUE, NEXT_TIER, business_time=True)
    p.add("rule", "resolution", "Resolution deadline (K1/K2)", CS, 5, decision="resolution_deadline")
    p.gw("gw_kpi", "KPI clock?", CS, 6)
    p.service(
        "clock_k",
        "Start clock K1/K2",
        CS,
        7,
        "clock_start",
        {"name": "resolution_clock", "duration": "resolution_deadline", "breach_to": NEXT_TIER},
        row=1,
    )
    p.gw("merge_kpi", "", CS, 8)
    p.gw("gw_level1", "Level 1 (crisis)?", CS, 9)
    p.gw("split", "", CS, 10, row=1, kind="pgw")
    p.gw("merge_handle", "", CS, 11)
    p.add("call", "handle", "Handle the grievance (six steps)", CS, 12, called="grievance_handling")
    p.end("end", "Grievance closed", CS, 13)
    p.add(
        "boundary",
        "g2d_timer",
        "One month open (G2-d)",
        CS,
        12,
        attached="handle",
        slot=1,
        timer=("timeDuration", '"P30D"'),
    )
    p.service(
        "g2d_notice",
        "G2-d: notify, re-grade at the next step",
        CS,
        14,
        "deadline_missed",
        {
            "clock": q("G2-d"),
            "duration": q("P30D"),
            "to": NEXT_TIER + " + ['group:general_manager']",
            "task": q("handle"),
        },
        row=3,
        doc="The grade table raises the case to Level 2 (G2-d: days open >= 30) at the handling's next re-grade; "
        "this branch only sees the data of registration, so it must not write the grade itself.",
    )
    p.end("end_g2d", "Told", CS, 15, row=3)
    p.add(
        "boundary",
        "k_timer",
        "Resolution deadline (K1/K2)",
        CS,
        12,
        attached="handle",
        slot=2,
        timer=("timeDuration", "resolution_deadline"),
    )
    p.gw("gw_k", "KPI clock?", CS, 14, row=1)
    p.service(
        "check_k",
        "Check clock K1/K2",
        CS,
        15,
        "clock_status",
        {"name": "resolution_clock"},
        row=1,
        result="k_clock",
        doc="The timer keeps its first due time; the clock moves on by the time it was paused while the case "
        "waited for the customer. Only a clock that is really overdue is escalated here; a moved one is "
        "breached by the worker at its own due time (breach notice to the next tier).",
    )
    p.gw("gw_k_due", "Clock overdue (not moved by a pause)?", CS, 16, row=1)
    p.service(
        "k_missed",
        "K1/K2 missed: notify next tier",
        CS,
        17,
        "deadline_missed",
        {"clock": "resolution_clock", "duration": "resolution_deadline", "to": NEXT_TIER, "task": q("handle")},
        row=1,
    )
    p.end("end_k", "Next tier told", CS, 18, row=1)
    p.end("end_k_moved", "Clock paused or moved: the worker breaches it", CS, 16, row=2)
    p.end("end_no_kpi", "No KPI clock", CS, 14, row=2)
    p.add(
        "boundary", "crisis_raised", "Crisis raised", CS, 12, attached="handle", slot=0, escalation="Escalation_crisis"
    )
    p.gw("merge_crisis", "", CRISIS, 12)
    p.user("crisis_meeting", "Hold the crisis meeting", CRISIS, 13, "crisis_meeting.json", dueIn="PT4H")
    p.gw("gw_statement", "Public statement needed?", CRISIS, 14)
    p.user("statement", "Issue the public statement", CRISIS, 15, "public_statement.json", row=1, dueIn="PT8H")
    p.gw("merge_statement", "", CRISIS, 16)
    p.service(
        "report_crisis",
        "Report to the general manager",
        CRISIS,
        17,
        "notify",
        {
            "to": q("group:general_manager"),
            "template": q("crisis_report"),
            "data": "{'decisions': crisis_decisions, 'spokesperson': spokesperson}",
        },
    )
    p.end("end_crisis", "Crisis handled", CRISIS, 18)
    p.chain("start", "init", "acknowledge", "grade", "clock_t5", "resolution", "gw_kpi")
    p.flow("gw_kpi", "clock_k", "K1/K2", cond="resolution_clock in ('K1', 'K2')")
    p.flow("gw_kpi", "merge_kpi", "none", default=True)
    p.flow("clock_k", "merge_kpi")
    p.flow("merge_kpi", "gw_level1")
    p.flow("gw_level1", "split", "G1", cond="grade == 'G1'")
    p.flow("gw_level1", "merge_handle", "no", default=True)
    p.flow("split", "merge_handle")
    p.flow("split", "merge_crisis")
    p.chain("merge_handle", "handle", "end")
    p.chain("g2d_timer", "g2d_notice", "end_g2d")
    p.flow("k_timer", "gw_k")
    p.flow("gw_k", "check_k", "K1/K2", cond="resolution_clock in ('K1', 'K2')")
    p.flow("gw_k", "end_no_kpi", "none", default=True)
    p.flow("check_k", "gw_k_due")
    p.flow("gw_k_due", "k_missed", "overdue", cond="k_clock['overdue']")
    p.flow("gw_k_due", "end_k_moved", "not due", default=True)
    p.chain("k_missed", "end_k")
    p.flow("crisis_raised", "merge_crisis")
    p.chain("merge_crisis", "crisis_meeting", "gw_statement")
    p.flow("gw_statement", "statement", "yes", cond="statement_needed")
    p.flow("gw_statement", "merge_statement", "no", default=True)
    p.flow("statement", "merge_statement")
    p.chain("merge_statement", "report_crisis", "end_crisis")
    return p


def first_response() -> Pool:
    """Steps 1-2a: pre-judgement and the first contact with the customer, under the T5 clock."""
    p = Pool(
        "grievance_first_response",
        "First response (T5)",
        [H],
        doc="Step 1 pre-judgement and step 2 fact finding with the customer, closing the first contact "
        "with a promised reply time (T5).",
    )
    p.start("fr_start", "First response", H, 0)
    p.user(
        "prejudgement",
        "Pre-judgement (step 1)",
        H,
        1,
        "prejudgement.json",
        clock="T5-first-response",
        assignGroup="handler_group",
    )
    p.user(
        "fact_finding",
        "Fact finding with the customer (step 2)",
        H,
        2,
        "fact_finding.json",
        clock="T5-first-response",
        assignGroup="handler_group",
    )
    p.service(
        "record_response",
        "Record first response",
        H,
        3,
        "record_first_response",
        {"promised_reply_at": "promised_reply_at", "urgency": "urgency"},
    )
    clock_stop(p, "stop_t5", H, 4, "T5-first-response")
    p.end("fr_end", "Customer answered", H, 5)
    p.chain("fr_start", "prejudgement", "fact_finding", "record_response", "stop_t5", "fr_end")
    return p
