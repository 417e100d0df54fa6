"""Human labels (English and Chinese) for the codes stored on cases, tasks and events."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

LABELS: dict[str, dict[str, Any]] = {
    "kind": {"inquiry": _l("Inquiry"), "rescue": _l("Rescue"), "new_failure": _l("New failure mode"),
             "grievance": _l("Grievance"), "external": _l("External complaint")},
    "channel": {"phone": _l("Phone"), "walk_in": _l("Walk-in / on site"), "callback": _l("Follow-up call"),
                "letter": _l("Letter or fax"), "email": _l("E-mail"), "web": _l("Web form"),
                "forum": _l("Website or forum post"), "forwarded": _l("Forwarded internally"),
                "authority": _l("Authority"), "media": _l("Media"), "lawyer": _l("Lawyer"),
                "consumer_association": _l("Consumer association")},
    "status": {"open": _l("Open"), "closed": _l("Closed"), "closed_malicious": _l("Closed as malicious"),
               "terminated": _l("Terminated"), "error": _l("Stopped on an error"), "running": _l("Running"),
               "waiting": _l("Waiting"), "user_input": _l("Waiting for staff"), "complete": _l("Complete"),
               "suspended": _l("Suspended"), "handling": _l("Being handled"), "executing": _l("Solution in progress"),
               "follow_up": _l("Follow-up"), "reopened": _l("Reopened")},
    "rule": {"G1-a": _l("G1-a: media exposure seriously harming the reputation"),
             "G1-b": _l("G1-b: group lawsuit by 10 or more households"),
             "G2-a": _l("G2-a: may lead to a lawsuit or media exposure"),
             "G2-b": _l("G2-b: same complaint from 3 or more complainants within a month"),
             "G2-c": _l("G2-c: collective complaint by 3 to 9 households"),
             "G2-d": _l("G2-d: unresolved for more than a month"),
             "G3-a": _l("G3-a: same problem complained about 3 times after handling"),
             "G3-b": _l("G3-b: needs other departments or experts"),
             "G4": _l("G4: none of the higher criteria")},
    "behaviour": {"passive": _l("Passive"), "talker": _l("Talker"), "angry": _l("Angry"),
                  "activist": _l("Activist")},
    "media_exposure": {"none": _l("None"), "possible": _l("Possible"), "actual": _l("Actual")},
    "lawsuit": {"none": _l("None"), "possible": _l("Possible"), "group": _l("Group lawsuit (10+)")},
    "deadline": {"running": _l("running"), "paused": _l("paused"), "met": _l("met"), "missed": _l("missed"),
                 "cancelled": _l("cancelled"), "at_risk": _l("at risk")},
    "group": {"customer_service": _l("Customer service"), "tier_1_handler": _l("Tier-1 handlers"),
              "tier_2_handler": _l("Tier-2 handlers"), "tier_3_handler": _l("Tier-3 handlers"),
              "service_supervisor": _l("Service supervisors"), "callback_staff": _l("Follow-up callers"),
              "technical_supervisor": _l("Technical supervisors"), "general_manager": _l("General manager"),
              "crisis_team": _l("Crisis team"), "responsible_department": _l("Responsible departments"),
              "department_head": _l("Department heads"), "sales": _l("Sales"),
              "process_owner": _l("Process owners"), "admin": _l("Administrators"),
              "integrated_management": _l("Integrated management department"), "finance": _l("Finance")},
    "object_type": {"vehicle": _l("Vehicle"), "repair_order": _l("Repair order"), "building": _l("Building"),
                    "project": _l("Project"), "product": _l("Product"), "other": _l("Other")},
    "unit_kind": {"department": _l("Department"), "department_head": _l("Head of department"),
                  "service_point": _l("Service point"), "service_point_head": _l("Head of service point")},
    "event": {
        "case_registered": _l("Case registered"), "instance_started": _l("Process started"),
        "task_ready": _l("Task ready"), "task_claimed": _l("Task claimed"), "task_unclaimed": _l("Task released"),
        "task_assigned": _l("Task reassigned"), "task_completed": _l("Task completed"),
        "notice_queued": _l("Notice sent"), "status_changed": _l("Status changed"), "graded": _l("Graded"),
        "timer_fired": _l("Deadline timer fired"), "error": _l("Stopped on an error"),
        "comment_added": _l("Comment"), "attachment_added": _l("Attachment"),
        "solved_on_the_spot": _l("Solved on the spot"), "first_contact": _l("First contact"),
        "classified": _l("Classified"), "routed": _l("Routed"), "escalated": _l("Escalated"),
        "cases_linked": _l("Cases linked"), "first_response": _l("First response"),
        "responsibility_judged": _l("Responsibility judged"), "solution_agreed": _l("Solution agreed"),
        "solution_rejected": _l("Solution rejected"), "survey": _l("Follow-up survey"),
        "case_reopened": _l("Case reopened"), "case_status": _l("Case status"), "case_closed": _l("Case closed"),
        "deadline_escalated": _l("Deadline missed: escalated"), "assessment_proposed": _l("Assessment proposed"),
        "clock_started": _l("Deadline clock started"), "clock_stopped": _l("Deadline clock stopped"),
        "clock_paused": _l("Deadline clock paused"), "clock_resumed": _l("Deadline clock resumed"),
        "deadline_missed": _l("Deadline missed"), "notice_skipped": _l("Notice not sent"),
        "customer_survey": _l("Customer's own rating"),
        "customer_message": _l("Customer message (e-mail)"), "attachment_refused": _l("Attachment refused"),
    },
    "stuck_rule": {"error": _l("Stopped on an error"), "overdue_unclaimed": _l("Overdue and unclaimed"),
                   "timer_late": _l("Timer late"), "no_path": _l("No way forward"),
                   "outbox_failing": _l("Messages failing"), "idle": _l("Idle too long"),
                   "notice_to_nobody": _l("Notice to nobody"), "task_to_nobody": _l("Task in nobody's queue")},
    "stuck_rule_help": {
        "error": _l("stopped on an error"),
        "overdue_unclaimed": _l("a task is past its deadline and nobody has claimed it"),
        "timer_late": _l("a timer is overdue (worker not running or failing)"),
        "no_path": _l("not complete, but no ready task, no waiting timer and no waiting message"),
        "outbox_failing": _l("a message keeps failing to deliver"),
        "idle": _l("no activity for too long while not waiting on a person"),
        "notice_to_nobody": _l("a notice went to a group, department or service point that has no active member "
                               "(nobody will act on it)"),
        "task_to_nobody": _l("an unclaimed task waits in the queue of a group, department or service point that has "
                             "no active member")},
    "task_state": {"open": _l("open"), "completed": _l("completed"), "cancelled": _l("cancelled")},
    "timer_state": {"waiting": _l("waiting"), "fired": _l("fired"), "cancelled": _l("cancelled")},
    "message_status": {"pending": _l("pending"), "sending": _l("sending"), "sent": _l("sent"),
                       "delivered": _l("delivered"), "dead": _l("dead (given up)"), "cancelled": _l("cancelled")},
    "bulk_action": {"retry": _l("Retry"), "suspend": _l("Suspend"), "resume": _l("Resume"),
                    "terminate": _l("Terminate"), "redeliver": _l("Re-deliver messages")},
    "data": {"case_number": _l("Case number"), "case_kind": _l("Kind"), "process": _l("Process"),
             "version": _l("Version"), "channel": _l("Channel"), "kind": _l("Kind"),
             "customer": _l("Customer"), "category": _l("Category"), "subject": _l("Subject"),
             "object": _l("What it is about"), "description": _l("Description"),
             "demand": _l("What the customer wants"), "facts": _l("Facts at registration"),
             "registered_by": _l("Registered by"), "purchase_intent": _l("Intends to buy"),
             "solved_on_the_spot": _l("Solved on the spot"), "solution_on_the_spot": _l("Solution on the spot"),
             "opened_at": _l("Opened"), "k_rule": _l("Resolution deadline rule (K1/K2)"),
             "rejections": _l("Solutions rejected"), "reopen_count": _l("Times reopened"),
             "escalations": _l("Escalations"), "coordinated": _l("Coordinated with departments"),
             "technical_consulted": _l("Technical support consulted"),
             "suspected_malicious": _l("Suspected malicious"), "key_complaint": _l("Key complaint"),
             "responsibility": _l("Responsibility"), "responsible_department": _l("Responsible department"),
             "responsible_party_type": _l("Responsible party"), "grade": _l("Grade"),
             "grade_reason": _l("Why this grade"), "tier": _l("Tier"), "compensation_amount": _l("Compensation"),
             "paused_clocks": _l("Paused clocks"), "complainants_30d": _l("Complainants in 30 days"),
             "related_cases": _l("Related cases"), "repeats_after_closure": _l("Complaints after closure"),
             "days_open": _l("Days open"), "new_grade": _l("New grade"), "new_grade_reason": _l("Why the new grade"),
             "new_tier": _l("New tier"), "new_handler_group": _l("New handler group"),
             "next_tier_group": _l("Next tier's group"), "manager_coordination": _l("Manager coordinates"),
             "technical_support": _l("Technical support needed"), "previous_grade": _l("Previous grade"),
             "previous_tier": _l("Previous tier"), "handler_group": _l("Handler group"),
             "clocks": _l("Deadline clocks"), "resolution_clock": _l("Resolution clock"),
             "resolution_deadline": _l("Resolution deadline"), "lang": _l("Language"),
             "approver_group": _l("Approver group"), "department": _l("Department"),
             "service_point": _l("Service point"), "duration": _l("Duration"),
             "business_time": _l("In business hours"), "started": _l("Started"), "name": _l("Name"),
             "phone": _l("Phone"), "email": _l("E-mail"), "households": _l("Households"),
             "needs_other_departments": _l("Needs other departments"), "key_customer": _l("Key customer"),
             "behaviour": _l("Behaviour type"), "media_exposure": _l("Media exposure"), "lawsuit": _l("Lawsuit")},
    "message_channel": {"email": _l("e-mail"), "webhook": _l("webhook"), "in_app": _l("in the app")},
    "step": {"start": _l("starting the process"), "complete": _l("completing a task"),
             "fire_timers": _l("firing timers")},
    "clock": {"T1-notice": _l("T1 coordination notice"), "T1-reply": _l("T1 department reply"),
              "T1-callback": _l("T1 callback promised"), "T3-notice": _l("T3 service point notified"),
              "T3-ack": _l("T3 service point acknowledges"), "T4-notice": _l("T4 new-failure notice"),
              "T4-appointment": _l("T4 appointment"), "T5-first-response": _l("T5 first response"),
              "K1": _l("K1 resolution deadline"), "K2": _l("K2 resolution deadline"),
              "K1/K2": _l("K1/K2 resolution deadline"),
              "promised-reply": _l("Reply promised to the customer"),
              "G1-crisis-meeting": _l("G1 crisis meeting")},
}

GUIDANCE: dict[str, Any] = {
    "passive": _l("Positive attitude, proactive care, act at once, offer 2-3 options and let them choose in "
                  "good time."),
    "talker": _l("Acknowledge, talk privately, clarify, bring them back to the problem, apologise but hold the "
                 "line, explain, agree a plan, thank, follow up."),
    "angry": _l("Take them aside, listen without interrupting, find the real cause, answer clear differences, "
                "hand over to a compatible colleague or a leader."),
    "activist": _l("Handle carefully, listen, lower expectations, watch closely, communicate actively — and raise "
                   "the grade (G2-a)."),
}


def label(group: str, value: Any) -> str:
    """The label of a code in a group, or the code itself (humanised) when unknown."""
    if value is None or value == "":
        return ""
    found = LABELS.get(group, {}).get(str(value))
    return str(found) if found is not None else str(value).replace("_", " ")


def guidance(behaviour: str | None) -> str:
    """Handling guidance for a customer behaviour type (section 7 of the domain notes)."""
    text = GUIDANCE.get(behaviour or "")
    return str(text) if text else ""
