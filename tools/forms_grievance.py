"""Forms of the grievance flow: crisis, the six steps, approval, sign-off and follow-up."""

from __future__ import annotations

from typing import Any

from tools.form_fields import enum, facts, field, form, strings
from tools.forms_intake import NO_FALSE_PROMISES, NO_FALSE_PROMISES_ZH, b, s, t

NEUTRAL = "Customer service acts as a neutral third party between the customer and the departments."
NEUTRAL_ZH = "客服在客户与各部门之间保持中立第三方立场。"
RESPONSIBILITY = {
    "company": ("company", "公司责任"),
    "customer": ("customer", "客户责任"),
    "shared": ("shared", "共同责任"),
    "third_party": ("third party", "第三方责任"),
}
SOLUTIONS = {
    "apology": ("apology", "道歉"),
    "rework": ("rework / repair at the company's cost", "返工/免费维修"),
    "compensation": ("compensation", "赔偿"),
    "explanation": ("patient explanation", "耐心解释"),
    "free_inspection": ("free inspection", "免费检测"),
    "discount": ("discount", "折扣"),
    "waived_fee": ("waived labour fee", "免工时费"),
}
URGENCY = {"low": ("low", "低"), "normal": ("normal", "一般"), "high": ("high", "高"), "urgent": ("urgent", "紧急")}
INTENSITY = {
    "general": ("general", "一般"),
    "intermediate": ("intermediate", "中级"),
    "strong": ("strong", "强烈"),
    "irrational": ("irrational", "非理性"),
}
PARTY = {"department": ("department", "部门"), "service_point": ("service point", "服务站")}


def first_steps() -> dict[str, dict[str, Any]]:
    """Crisis forms and steps 1-2."""
    return {
        "crisis_meeting.json": form(
            "Crisis meeting",
            "危机小组会议",
            "Level 1 (crisis): the general manager and the crisis team meet, report upward, decide the measures, "
            "the spokesperson and whether a public statement is needed.",
            "一级（危机事件）：总经理与危机小组开会，向上级报告，确定措施、发言人以及是否需要公开声明。",
            {
                "crisis_decisions": field(
                    "textarea", "Decisions", "会议决定", "What the team decided.", "小组的决定。"
                ),
                "spokesperson": s(
                    "Spokesperson", "发言人", "The only person who speaks to the media.", "唯一对外发言人。"
                ),
                "crisis_measures": strings("Measures", "措施", "Measures with their owners.", "各项措施及负责人。"),
                "statement_needed": b(
                    "Public statement needed", "需要公开声明", "A statement goes out.", "需对外发布声明。"
                ),
            },
            ["crisis_decisions", "spokesperson", "statement_needed"],
        ),
        "public_statement.json": form(
            "Public statement",
            "公开声明",
            "The statement the crisis team publishes.",
            "危机小组发布的声明。",
            {
                "statement": field("textarea", "Statement", "声明内容", "Text as published.", "发布的原文。"),
                "statement_channels": field(
                    "array",
                    "Channels",
                    "发布渠道",
                    "Where it is published.",
                    "发布的渠道。",
                    items={
                        "type": "string",
                        "enum": ["website", "press", "social_media", "customer_letter"],
                        "x-enum-titles": ["website", "press release", "social media", "letter to customers"],
                        "x-enum-titles-zh": ["官网", "新闻稿", "社交媒体", "致客户函"],
                    },
                ),
                "published_at": field("date-time", "Published at", "发布时间", "When it went out.", "发布时间。"),
            },
            ["statement", "published_at"],
        ),
        "prejudgement.json": form(
            "Pre-judgement (step 1)",
            "投诉预判（第一步）",
            "Read the case before calling: state the core problem and what the customer wants solved, note the "
            "pitfalls, judge the behaviour type and the facts that raise the grade. " + NEUTRAL,
            "联系客户前先阅读案件：明确核心问题和客户希望解决的事项，记下陷阱，判断顾客行为类型及影响分级的要素。"
            + NEUTRAL_ZH,
            {
                "core_problem": t(
                    "Core problem", "核心问题", "The problem in one or two sentences.", "用一两句话说明问题。"
                ),
                "customer_wants": t(
                    "What the customer wants solved",
                    "客户诉求",
                    "Their demand as you understand it.",
                    "你所理解的客户诉求。",
                ),
                "pitfalls": t(
                    "Pitfalls", "注意事项", "What could go wrong in the conversation.", "沟通中可能出现的问题。"
                ),
                "intensity": enum(
                    list(INTENSITY),
                    INTENSITY,
                    "Intensity",
                    "抱怨强度",
                    "How strongly the customer complains.",
                    "客户抱怨的强烈程度。",
                ),
                "key_complaint": b(
                    "Key complaint",
                    "重点投诉",
                    "Likely to become a crisis (identity, nature of the problem, emotion): gets a review.",
                    "可能演变为危机（客户身份、问题性质、情绪）：须总结反思。",
                ),
                "facts": facts("As judged now; a change re-grades the case.", "按目前判断填写；变化将触发重新分级。"),
            },
            ["core_problem", "customer_wants", "intensity", "key_complaint", "facts"],
        ),
        "fact_finding.json": form(
            "Fact finding with the customer (step 2)",
            "查询事实：与客户沟通（第二步）",
            "First contact (T5): time, place, people, cause, impact on the customer, evidence and demand. Close the "
            "call by repeating the demand, judging the urgency, promising a reply time and agreeing the contact. "
            + NO_FALSE_PROMISES,
            "首次联系（T5）：时间、地点、人物、原因、对客户的影响、证据和诉求。结束通话前复述诉求、判断紧急程度、承诺答复时间并约定联系方式。"
            + NO_FALSE_PROMISES_ZH,
            {
                "incident_time": field("date-time", "When it happened", "发生时间", "Date and time.", "日期和时间。"),
                "incident_place": s("Where", "发生地点", "Place, house or vehicle.", "地点、房屋或车辆。"),
                "people_involved": t("People involved", "涉及人员", "Staff and others.", "员工及其他人员。"),
                "cause_told": t(
                    "Cause (as the customer tells it)", "原因（客户陈述）", "In the customer's words.", "客户原话。"
                ),
                "impact": t(
                    "Impact on the customer", "对客户的影响", "Loss, danger, time, money.", "损失、危险、时间、金钱。"
                ),
                "evidence": strings(
                    "Evidence",
                    "证据",
                    "Texts, photos, official certificates (references).",
                    "文字、照片、官方证明（引用）。",
                ),
                "demand_confirmed": t(
                    "Demand (repeated back)",
                    "诉求（复述确认）",
                    "The demand as the customer agreed it.",
                    "经客户确认的诉求。",
                ),
                "urgency": enum(list(URGENCY), URGENCY, "Urgency", "紧急程度", "Your judgement.", "你的判断。"),
                "promised_reply_at": field(
                    "date-time",
                    "Reply promised by",
                    "承诺答复时间",
                    "Promised at the first contact and must be kept (T5).",
                    "首次联系时承诺，必须兑现（T5）。",
                ),
                "contact_agreed": s(
                    "Contact agreed", "约定联系方式", "How and when to reach the customer.", "如何及何时联系客户。"
                ),
                "facts": facts(
                    "Update if the customer mentions media, a lawsuit or other households: the case is re-graded.",
                    "客户提到媒体、诉讼或其他住户时更新：案件将重新分级。",
                ),
            },
            ["demand_confirmed", "urgency", "promised_reply_at", "contact_agreed", "facts"],
        ),
        "internal_facts.json": form(
            "Fact finding inside the company (step 2)",
            "查询事实：内部调查（第二步）",
            "Ask the departments involved; separate real disagreements from blame-shifting; write a short summary "
            "(problem / checks / result) that all agree on. " + NEUTRAL,
            "询问涉及的部门；区分真正的分歧与推诿；写出各方认可的简要总结（问题/核查/结果）。" + NEUTRAL_ZH,
            {
                "departments_asked": strings("Departments asked", "已询问部门", "Who was asked.", "询问了哪些部门。"),
                "disagreements": t(
                    "Real disagreements",
                    "真实分歧",
                    "Differences of fact, not blame-shifting.",
                    "事实上的分歧，而非推诿。",
                ),
                "summary_problem": t("Summary: problem", "总结：问题", "What went wrong.", "出了什么问题。"),
                "summary_checks": t("Summary: checks", "总结：核查", "What was checked.", "核查了什么。"),
                "summary_result": t("Summary: result", "总结：结果", "What the checks showed.", "核查结果。"),
                "suspected_malicious": b(
                    "Suspected malicious complaint",
                    "疑似恶意投诉",
                    "A supervisor reviews it and may close it with a reason.",
                    "由主管审核，可注明理由后关闭。",
                ),
                "facts": facts(
                    "Tick 'needs other departments' if their help is needed (G3-b).", "需要其他部门协助时勾选（G3-b）。"
                ),
            },
            ["summary_problem", "summary_checks", "summary_result", "suspected_malicious", "facts"],
        ),
    }
