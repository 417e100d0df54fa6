"""The six handling steps of a grievance, with approval, rejection loops, sign-off, follow-up and reopen."""

from __future__ import annotations

from tools.bpmn_layout import Pool
from tools.pack_grievance import APPROVER, CALL, GM, HEAD, NEXT_TIER, SUP, T5_DUE, TECH, H
from tools.pack_intake import INFORM_REGISTRAR, q

REVIEW_NEEDED = (
    "grade in ('G1', 'G2') or key_complaint or bool(facts.get('key_customer')) "
    "or repeats_after_closure > 0 or reopen_count > 0 or complainants_30d >= 3"
)
DONE = "customer_confirmed and work_done and (compensation_received or 'compensation' not in solution_types)"
# Step 5 waits for the customer once the work is done: confirmation, money received (docs/clocks.md)
PAUSE = {"name": "'*'", "reason": "'waiting for the customer'"}


def handling() -> Pool:
    """Steps 1-6 of a grievance (domain section 6)."""
    p = Pool(
        "grievance_handling",
        "Grievance handling (six steps)",
        [H, APPROVER, TECH, GM, SUP, HEAD, CALL],
        doc="Pre-judgement, fact finding, responsibility, solution (approval above the threshold), "
        "communicate and execute until confirmed, review, department-head sign-off, follow-up survey. "
        "Handler tasks go to the group of the case's tier (assignGroup handler_group).",
    )
    p.start("h_start", "Handling starts", H, 0)
    p.add("call", "first_response", "First response (steps 1-2)", H, 1, called="grievance_first_response")
    p.timer("t5_timer", "First response due (T5)", "first_response", f"sla_due('{T5_DUE}', True)", kind="timeDate")
    p.service(
        "t5_missed",
        "T5 missed: notify next tier",
        H,
        2,
        "deadline_missed",
        {"clock": q("T5-first-response"), "duration": q(T5_DUE), "to": NEXT_TIER, "task": q("first_response")},
        row=1,
    )
    p.end("end_t5", "Next tier told", H, 2, row=2)
    p.add("call", "regrade_first", "Re-grade (first contact)", H, 2, called="grade_case")
    p.user(
        "internal_facts",
        "Fact finding inside the company (step 2)",
        H,
        3,
        "internal_facts.json",
        dueIn="P2D",
        assignGroup="handler_group",
    )
    p.gw("m_regrade", "", H, 4)
    p.add("call", "regrade", "Re-grade (facts, G2-d, escalation)", H, 5, called="grade_case")
    p.gw("gw_malicious", "Suspected malicious?", H, 6)
    p.user("malicious_review", "Review a malicious complaint", SUP, 6, "malicious_review.json", dueIn="P1D")
    p.gw("gw_malicious_ok", "Close as malicious?", SUP, 7)
    p.service(
        "close_malicious",
        "Close: malicious complaint",
        SUP,
        8,
        "record_closure",
        {"reason": q("malicious"), "note": "malicious_reason", "inform": INFORM_REGISTRAR},
    )
    p.end("end_malicious", "Closed as malicious", SUP, 9)
    p.add("script", "clear_suspicion", "Clear the suspicion", SUP, 8, 1, script="suspected_malicious = False")
    p.gw("m_malicious", "", H, 10)
    p.gw("gw_coord", "Manager coordination?", H, 11)
    p.user("coordinate", "Coordinate measures, name the responsible person", GM, 11, "coordination.json", dueIn="P1D")
    p.gw("m_coord", "", H, 12)
    p.gw("gw_tech", "Technical support?", H, 13)
    p.user("technical", "Give technical / expert support", TECH, 13, "technical_opinion.json", dueIn="P2D")
    p.gw("m_tech", "", H, 14)
    p.gw("gw_resp", "Responsibility open?", H, 15)
    p.user(
        "responsibility_step",
        "Judge responsibility (step 3)",
        H,
        16,
        "responsibility.json",
        dueIn="P1D",
        assignGroup="handler_group",
    )
    p.service(
        "record_resp",
        "Record responsibility",
        H,
        17,
        "record_responsibility",
        {"responsibility": "responsibility", "department": "responsible_department", "person": "responsible_person"},
    )
    p.gw("gw_assess", "Department / service point at fault?", H, 18)
    p.service(
        "assess",
        "Propose assessment",
        H,
        19,
        "assessment",
        {
            "target": "responsible_department",
            "target_type": "responsible_party_type",
            "reason": "'responsibility: ' + responsibility",
            "executor": "'group:finance' if responsible_party_type == 'service_point' "
            "else 'group:integrated_management'",
        },
        row=1,
    )
    p.gw("m_solution", "", H, 20)
    p.user(
        "solution_step",
        "Confirm the solution (step 4)",
        H,
        21,
        "solution.json",
        dueIn="P1D",
        assignGroup="handler_group",
    )
    p.add("rule", "approval_rule", "Approval needed? (threshold)", H, 22, decision="approval_decision")
    p.gw("gw_approval", "Approval needed?", H, 23)
    p.user(
        "approve",
        "Approve the solution (next tier)",
        APPROVER,
        23,
        "approval.json",
        dueIn="P1D",
        assignGroup="approver_group",
    )
    p.gw("gw_approved", "Approved?", APPROVER, 24)
    p.gw("m_approval", "", H, 25)
    p.service(
        "record_sol",
        "Record the solution",
        H,
        26,
        "record_solution",
        {
            "solution_types": "solution_types",
            "amount": "compensation_amount",
            "executor": "solution_executor",
            "deadline": "solution_deadline",
            "customer_notice": q("solution"),
        },
    )
    p.user(
        "communicate",
        "Tell the customer the solution (step 5)",
        H,
        27,
        "communicate.json",
        dueIn="P1D",
        assignGroup="handler_group",
    )
    p.gw("gw_accept", "Customer accepts?", H, 28)
    p.service("record_rej", "Count the rejection", H, 28, "record_rejection", {"reason": "customer_response"}, row=1)
    p.gw("gw_second", "Second rejection?", H, 27, row=1)
    p.add("script", "escalate", "Escalate one tier", H, 26, 1, script="escalations = escalations + 1")
    p.gw("m_escalate", "", H, 25, row=1)
    p.service("status_executing", "Status: executing", H, 29, "record_status", {"status": q("executing")})
    p.user(
        "execute",
        "Carry out the solution until done (step 5)",
        H,
        30,
        "execution.json",
        dueIn="P3D",
        assignGroup="handler_group",
    )
    p.gw("gw_wait", "Work done, customer to confirm?", H, 31)
    p.service("pause_customer", "Pause clocks: waiting for the customer", H, 32, "clock_pause", PAUSE, row=1)
    p.gw("m_wait", "", H, 33)
    p.gw("gw_answered", "Customer answered?", H, 34)
    p.service("resume_customer", "Resume clocks", H, 35, "clock_resume", {"name": q("*")}, row=1)
    p.gw("m_answered", "", H, 36)
    p.gw("gw_done", "Done and confirmed?", H, 37)
    p.add("call", "regrade_progress", "Re-grade (G2-d while waiting)", H, 30, 1, called="grade_case")
    p.gw("gw_review", "Review needed?", H, 38)
    p.user(
        "review",
        "Review: cause, risk, improvement (step 6)",
        H,
        39,
        "review.json",
        row=1,
        dueIn="P3D",
        assignGroup="handler_group",
    )
    p.gw("m_review", "", H, 40)
    p.user("signoff", "Sign off the result", HEAD, 41, "signoff.json", dueIn="P1D")
    p.gw("gw_signed", "Signed off?", HEAD, 42)
    p.service("status_follow_up", "Status: follow-up", CALL, 43, "record_status",
              {"status": q("follow_up"), "customer_notice": q("survey")})
    p.user("follow_up", "Follow-up call with satisfaction survey", CALL, 44, "followup.json", dueIn="P2D")
    p.gw("gw_reached", "Customer reached?", CALL, 45)
    p.service(
        "record_sat",
        "Record satisfaction",
        CALL,
        46,
        "record_satisfaction",
        {"score": "satisfaction", "comment": "satisfaction_comment"},
    )
    p.gw("gw_satisfied", "Satisfied (4-5)?", CALL, 47)
    p.service(
        "close",
        "Close: resolved",
        CALL,
        48,
        "record_closure",
        {"reason": q("resolved"), "note": "result_record", "inform": INFORM_REGISTRAR,
         "customer_notice": q("closed")},
    )
    p.service("stop_k", "Stop clock K1/K2", CALL, 49, "clock_stop", {"name": "resolution_clock"})
    p.end("h_end", "Closed", CALL, 50)
    p.service("reopen", "Reopen (counted)", CALL, 47, "record_reopen", {"reason": "satisfaction_comment"}, row=1)

    p.chain("h_start", "first_response", "regrade_first", "internal_facts", "m_regrade", "regrade", "gw_malicious")
    p.chain("t5_timer", "t5_missed", "end_t5")
    p.flow("gw_malicious", "malicious_review", "yes", cond="suspected_malicious")
    p.flow("gw_malicious", "m_malicious", "no", default=True)
    p.flow("malicious_review", "gw_malicious_ok")
    p.flow("gw_malicious_ok", "close_malicious", "yes", cond="malicious_confirmed")
    p.flow("gw_malicious_ok", "clear_suspicion", "no", default=True)
    p.flow("close_malicious", "end_malicious")
    p.flow("clear_suspicion", "m_malicious")
    p.flow("m_malicious", "gw_coord")
    p.flow("gw_coord", "coordinate", "yes", cond="manager_coordination and not coordinated")
    p.flow("gw_coord", "m_coord", "no", default=True)
    p.flow("coordinate", "m_coord")
    p.flow("m_coord", "gw_tech")
    p.flow("gw_tech", "technical", "yes", cond="technical_support and not technical_consulted")
    p.flow("gw_tech", "m_tech", "no", default=True)
    p.flow("technical", "m_tech")
    p.flow("m_tech", "gw_resp")
    p.flow("gw_resp", "responsibility_step", "yes", cond="responsibility is None")
    p.flow("gw_resp", "m_solution", "judged", default=True, via=(H, 0, -52))
    p.chain("responsibility_step", "record_resp", "gw_assess")
    p.flow(
        "gw_assess", "assess", "yes", cond="responsibility in ('company', 'shared') and bool(responsible_department)"
    )
    p.flow("gw_assess", "m_solution", "no", default=True)
    p.flow("assess", "m_solution")
    p.chain("m_solution", "solution_step", "approval_rule", "gw_approval")
    p.flow("gw_approval", "approve", "yes", cond="approval_needed")
    p.flow("gw_approval", "m_approval", "no", default=True)
    p.flow("approve", "gw_approved")
    p.flow("gw_approved", "m_approval", "yes", cond="approved")
    p.flow("gw_approved", "m_solution", "refused", default=True, via=(APPROVER, 0, 48))
    p.chain("m_approval", "record_sol", "communicate", "gw_accept")
    p.flow("gw_accept", "status_executing", "yes", cond="customer_accepts")
    p.flow("gw_accept", "record_rej", "no", default=True)
    p.flow("record_rej", "gw_second")
    p.flow("gw_second", "escalate", "yes", cond="rejections % 2 == 0")
    p.flow("gw_second", "m_escalate", "no", default=True, via=(H, 1, -48))
    p.flow("escalate", "m_escalate")
    p.flow("m_escalate", "m_regrade", via=(H, 2, 0))
    p.chain("status_executing", "execute", "gw_wait")
    p.flow("gw_wait", "pause_customer", "yes", cond=f"work_done and not ({DONE}) and '*' not in paused_clocks")
    p.flow("gw_wait", "m_wait", "no", default=True)
    p.flow("pause_customer", "m_wait")
    p.flow("m_wait", "gw_answered")
    p.flow("gw_answered", "resume_customer", "yes", cond=f"'*' in paused_clocks and (not work_done or ({DONE}))")
    p.flow("gw_answered", "m_answered", "no", default=True)
    p.flow("resume_customer", "m_answered")
    p.chain("m_answered", "gw_done")
    p.flow("gw_done", "gw_review", "yes", cond=DONE)
    p.flow("gw_done", "regrade_progress", "not yet", default=True, via=(H, 1, 52))
    p.flow("regrade_progress", "execute")
    p.flow("gw_review", "review", "yes", cond=REVIEW_NEEDED)
    p.flow("gw_review", "m_review", "no", default=True)
    p.flow("review", "m_review")
    p.flow("m_review", "signoff")
    p.flow("signoff", "gw_signed")
    p.flow("gw_signed", "status_follow_up", "yes", cond="signed_off")
    p.flow("gw_signed", "m_solution", "refused", default=True, via=(H, 2, -30))
    p.chain("status_follow_up", "follow_up", "gw_reached")
    p.flow("gw_reached", "record_sat", "yes", cond="reached")
    p.flow("gw_reached", "follow_up", "not reached", default=True, via=(CALL, 0, 52))
    p.flow("record_sat", "gw_satisfied")
    p.flow("gw_satisfied", "close", "yes", cond="satisfaction >= 4")
    p.flow("gw_satisfied", "reopen", "no", default=True)
    p.chain("close", "stop_k", "h_end")
    p.flow("reopen", "m_regrade", via=(H, 2, 30))
    return p
