"""Forms of the grievance handling: supervisor and manager tasks, steps 3-6, sign-off and follow-up."""

from __future__ import annotations

from typing import Any

from tools.form_fields import enum, field, form, strings
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


def later_steps() -> dict[str, dict[str, Any]]:
    """Supervisor, manager and technical tasks, steps 3-6, sign-off and follow-up."""
    return {
        "malicious_review.json": form(
            "Review a malicious complaint",
            "恶意投诉审核",
            "Malicious complaints are handled on principle with patient explanation; a supervisor may close one "
            "as malicious, giving the reason.",
            "恶意投诉坚持原则、耐心解释；主管可注明理由后按恶意投诉关闭。",
            {
                "malicious_confirmed": b(
                    "Close as malicious", "按恶意投诉关闭", "Untick to continue handling.", "不勾选则继续处理。"
                ),
                "malicious_reason": t("Reason", "理由", "Why the complaint is malicious.", "认定为恶意投诉的理由。"),
            },
            ["malicious_confirmed"],
            **{
                "if": {"properties": {"malicious_confirmed": {"const": True}}},
                "then": {"required": ["malicious_reason"]},
            },
        ),
        "coordination.json": form(
            "Coordinate measures",
            "组织协调",
            "Serious complaints (Level 1-2): the manager organizes coordination and names the measures and the "
            "responsible person.",
            "严重投诉（一、二级）：经理组织协调，落实解决措施及责任人。",
            {
                "measures": t("Measures", "解决措施", "What will be done.", "将采取的措施。"),
                "responsible_person": s("Responsible person", "责任人", "Who answers for it.", "负责人。"),
                "coordination_deadline": field("date", "By", "完成期限", "Deadline of the measures.", "措施完成期限。"),
                "coordinated": b(
                    "Measures agreed",
                    "措施已落实",
                    "Confirms the coordination is done.",
                    "确认已完成协调。",
                    const=True,
                ),
            },
            ["measures", "responsible_person", "coordinated"],
        ),
        "technical_opinion.json": form(
            "Technical / expert support",
            "技术/专家支持",
            "The technical supervisor or an expert gives an opinion the handler can rely on.",
            "技术主管或专家给出处理人可依据的意见。",
            {
                "technical_opinion": t("Opinion", "意见", "Findings and recommendation.", "结论与建议。"),
                "experts": strings("Experts consulted", "咨询的专家", "Names and roles.", "姓名与职务。"),
                "technical_consulted": b(
                    "Opinion given", "已给出意见", "Confirms the support is complete.", "确认支持已完成。", const=True
                ),
            },
            ["technical_opinion", "technical_consulted"],
        ),
        "responsibility.json": form(
            "Judge responsibility (step 3)",
            "内部判责（第三步）",
            "Company fault, customer fault, shared, or third party; which department or service point and person. "
            "A department or service point at fault gets an assessment proposal.",
            "公司责任、客户责任、共同责任或第三方责任；涉及哪个部门或服务站及人员。有责任的部门或服务站将被提请考核。",
            {
                "responsibility": enum(
                    list(RESPONSIBILITY), RESPONSIBILITY, "Responsibility", "责任判定", "Who is at fault.", "责任方。"
                ),
                "responsible_department": s("Department / service point", "责任部门/服务站", "Name.", "名称。"),
                "responsible_party_type": enum(
                    list(PARTY),
                    PARTY,
                    "Department or service point",
                    "部门或服务站",
                    "Departments are assessed by integrated management, service points by finance.",
                    "部门由综合管理部考核，服务站由财务部考核。",
                ),
                "responsible_person": s("Person", "责任人", "Name, if any.", "姓名（如有）。"),
                "responsibility_reasoning": t(
                    "Reasoning", "判责依据", "Facts the judgement rests on.", "判责所依据的事实。"
                ),
            },
            [
                "responsibility",
                "responsible_department",
                "responsible_party_type",
                "responsible_person",
                "responsibility_reasoning",
            ],
        ),
        "solution.json": form(
            "Confirm the solution (step 4)",
            "确认方案（第四步）",
            "Company at fault: apology, rework at the customer's convenience at the company's cost, compensation. "
            "Not at fault: patient explanation, free inspection with consent, discount or waived labour fee. "
            "Compensation above the threshold needs the next tier's approval.",
            "公司有责：道歉、按客户方便安排免费返工、赔偿。公司无责：耐心解释、征得同意后免费检测、折扣或免工时费。赔偿金额超过限额须上一层级批准。",
            {
                "solution_types": field(
                    "array",
                    "Solution",
                    "方案类型",
                    "One or more.",
                    "可多选。",
                    minItems=1,
                    items={
                        "type": "string",
                        "enum": list(SOLUTIONS),
                        "x-enum-titles": [v[0] for v in SOLUTIONS.values()],
                        "x-enum-titles-zh": [v[1] for v in SOLUTIONS.values()],
                    },
                ),
                "solution_description": t("Solution", "方案说明", "What exactly is offered.", "具体方案。"),
                "solution_executor": s("Executor", "执行人", "Who carries it out.", "执行人。"),
                "solution_deadline": field("date", "Deadline", "完成期限", "When it must be done.", "须完成的日期。"),
                "expected_effect": t(
                    "Expected effect", "预期效果", "What the customer will get.", "客户将得到的结果。"
                ),
                "bottom_line": t("Bottom line", "底线方案", "The furthest the company will go.", "公司可接受的底线。"),
                "compensation_amount": field(
                    "number", "Compensation amount", "赔偿金额", "0 if none.", "无赔偿填0。", minimum=0
                ),
            },
            [
                "solution_types",
                "solution_description",
                "solution_executor",
                "solution_deadline",
                "expected_effect",
                "bottom_line",
                "compensation_amount",
            ],
        ),
        "approval.json": form(
            "Approve the solution",
            "方案审批",
            "The compensation exceeds the handler's authority; the next tier approves or sends it back.",
            "赔偿超出处理人权限；由上一层级批准或退回。",
            {
                "approved": b(
                    "Approved", "批准", "Untick to send it back to the solution step.", "不勾选则退回方案步骤。"
                ),
                "approval_comment": t("Comment", "审批意见", "Conditions or reasons.", "条件或理由。"),
            },
            ["approved"],
        ),
        "communicate.json": form(
            "Tell the customer the solution (step 5)",
            "沟通方案（第五步）",
            "Tell the customer the solution. A rejection goes back to the solution step; every second rejection "
            "moves the case up one tier. " + NO_FALSE_PROMISES,
            "向客户说明方案。客户拒绝则返回方案步骤；每第二次拒绝，案件上升一个层级。" + NO_FALSE_PROMISES_ZH,
            {
                "customer_accepts": b(
                    "Customer accepts", "客户接受", "Untick if the customer rejects it.", "客户拒绝则不勾选。"
                ),
                "customer_response": t("Customer's response", "客户反馈", "What the customer said.", "客户的意见。"),
                "suspected_malicious": b(
                    "Suspected malicious complaint", "疑似恶意投诉", "A supervisor reviews it.", "由主管审核。"
                ),
            },
            ["customer_accepts", "customer_response"],
        ),
        "execution.json": form(
            "Carry out the solution until done (step 5)",
            "执行方案直至完成（第五步）",
            "The case stays open until the customer confirms the work is done and, for compensation, has received "
            "the money. Save progress with the boxes unticked; the task comes back. Once the work is done and only the "
            "customer's confirmation or receipt is missing, the deadlines (K1/K2) pause until the customer answers.",
            "直至客户确认工作完成、且（如有赔偿）已收到款项，案件才可关闭。未完成时不勾选并提交进度，任务会再次出现。"
            "工作已完成、仅待客户确认或到账时，时限（K1/K2）暂停计时，直至客户答复。",
            {
                "work_done": b(
                    "Work done", "工作已完成", "Repair, paperwork, apology delivered.", "维修、手续、道歉已完成。"
                ),
                "customer_confirmed": b(
                    "Customer confirmed", "客户已确认", "The customer confirmed it is done.", "客户确认已完成。"
                ),
                "compensation_received": b(
                    "Compensation received",
                    "赔偿已到账",
                    "The customer has received the money (leave unticked if none is due).",
                    "客户已收到赔偿款（无赔偿可不勾选）。",
                ),
                "progress_note": t("Progress", "进展", "What happened since last time.", "最新进展。"),
            },
            ["work_done", "customer_confirmed", "compensation_received"],
        ),
        "review.json": form(
            "Review (step 6)",
            "总结反思（第六步）",
            "For Level 1-2, key and repeated complaints: cause, company risk and an improvement proposal; feeds the "
            "prevention reports.",
            "一、二级、重点及重复投诉：原因、公司风险和改进建议；用于预防报告。",
            {
                "review_cause": t("Cause", "原因", "Root cause.", "根本原因。"),
                "review_risk": t("Company risk", "公司风险", "What could happen again.", "可能再次发生的风险。"),
                "review_improvement": t("Improvement proposal", "改进建议", "What to change.", "需改进之处。"),
            },
            ["review_cause", "review_risk", "review_improvement"],
        ),
        "signoff.json": form(
            "Sign off the result",
            "责任部门负责人签字",
            "The head of the responsible department signs off the result written to the case record.",
            "责任部门负责人对记入案件记录的处理结果签字确认。",
            {
                "signed_off": b(
                    "Signed off", "签字确认", "Untick to send it back to the solution step.", "不勾选则退回方案步骤。"
                ),
                "result_record": t(
                    "Result for the record", "处理结果记录", "As written to the case record.", "记入案件记录的内容。"
                ),
                "signoff_comment": t("Comment", "意见", "Remarks.", "备注。"),
            },
            ["signed_off", "result_record"],
        ),
        "followup.json": form(
            "Follow-up call",
            "回访",
            "Call the customer: satisfaction 1-5 and comment. 4-5 closes the case; 1-3 reopens it into the "
            "solution step (each reopen gets its own survey).",
            "回访客户：满意度1-5分及意见。4-5分关闭案件；1-3分重新打开并返回方案步骤（每次重开都有独立回访）。",
            {
                "reached": b(
                    "Customer reached", "已联系上客户", "Untick to try again later.", "未联系上则不勾选，稍后再试。"
                ),
                "satisfaction": enum(
                    [1, 2, 3, 4, 5],
                    {i: (str(i), str(i)) for i in range(1, 6)},
                    "Satisfaction",
                    "满意度",
                    "1 very dissatisfied ... 5 very satisfied.",
                    "1 非常不满意 …… 5 非常满意。",
                ),
                "satisfaction_comment": t("Comment", "客户意见", "In the customer's words.", "客户原话。"),
            },
            ["reached", "satisfaction_comment"],
            **{"if": {"properties": {"reached": {"const": True}}}, "then": {"required": ["satisfaction"]}},
        ),
    }
