"""Forms of intake, inquiry (T1), rescue (T3) and new failure mode (T4)."""

from __future__ import annotations

from typing import Any

from tools.form_fields import enum, field, form, strings

KINDS = {
    "inquiry": ("inquiry", "咨询"),
    "rescue": ("rescue", "求援"),
    "new_failure": ("new failure mode", "最新故障模式"),
    "grievance": ("grievance", "抱怨"),
    "external": ("external complaint", "投诉（外部）"),
}
CATEGORIES = {
    "staff_attitude": ("staff attitude", "服务态度"),
    "price_billing": ("price, billing and payment", "价格与结算"),
    "product_quality": ("product quality and performance", "产品质量"),
    "after_sales": ("after-sales and supporting services", "售后服务"),
    "accident": ("accident during service", "意外事件"),
    "parts_supply": ("parts supply", "配件"),
    "design": ("design", "设计"),
    "construction": ("construction", "工程"),
    "sales": ("sales", "销售"),
    "property_service": ("customer or property service", "服务"),
    "other": ("other", "其他"),
}
NO_FALSE_PROMISES = "No false promises (R4): if you do not know, say so and promise only what you can keep."
NO_FALSE_PROMISES_ZH = "不做虚假承诺（R4）：不知道就如实说明，只承诺能做到的事。"


def s(title: str, zh: str, desc: str, desc_zh: str, **extra: Any) -> dict[str, Any]:
    """A short string field."""
    return field("string", title, zh, desc, desc_zh, **extra)


def t(title: str, zh: str, desc: str, desc_zh: str, **extra: Any) -> dict[str, Any]:
    """A textarea field."""
    return field("textarea", title, zh, desc, desc_zh, **extra)


def b(title: str, zh: str, desc: str, desc_zh: str, **extra: Any) -> dict[str, Any]:
    """A yes/no field."""
    return field("boolean", title, zh, desc, desc_zh, **extra)


def forms() -> dict[str, dict[str, Any]]:
    """Intake and short-flow forms by file name."""
    return {
        "classify.json": form(
            "Classify the contact",
            "客户呼入信息分类",
            "Decide what the customer wants. A grievance asks the company for an explanation or compensation; an "
            "external complaint means the customer has gone (or threatens to go) to media, authorities, a lawyer "
            "or a consumer association.",
            "判断客户诉求类型。抱怨是向公司要求解释或赔偿；投诉（外部）指客户已经或扬言诉诸媒体、主管部门、律师或消费者协会。",
            {
                "kind": enum(
                    list(KINDS), KINDS, "Kind", "类型", "The flow the case goes to.", "案件将进入的处理流程。"
                ),
                "category": enum(
                    list(CATEGORIES),
                    CATEGORIES,
                    "Category",
                    "投诉类型",
                    "Product quality has a two-week (K1) and parts supply a one-week (K2) resolution deadline.",
                    "产品质量投诉须两周内解决（K1），配件投诉须一周内解决（K2）。",
                ),
                "subject": s(
                    "Object of the complaint",
                    "投诉对象",
                    "Product, part, staff member, department or service point; cases with the same category "
                    "and object are counted together (G2-b).",
                    "产品、配件、员工、部门或服务站；类型与对象相同的案件合并计数（G2-b）。",
                    maxLength=200,
                ),
                "purchase_intent": b(
                    "Purchase intent",
                    "购买意向",
                    "The customer asks about prices, configurations or new models: sales gets a lead.",
                    "客户询问价格、配置或新车型：转给销售作为潜在客户。",
                ),
            },
            ["kind", "category", "subject"],
        ),
        "inquiry_answer.json": form(
            "Answer from published documents",
            "依据公开资料答复",
            "Answer at once if published documents (prices, warranty, promotions, manuals) cover the question. "
            "Otherwise the customer is promised a callback within 3 hours (T1). " + NO_FALSE_PROMISES,
            "如公开资料（价格、保修、促销、手册）能覆盖，立即答复；否则承诺3小时内回电（T1）。" + NO_FALSE_PROMISES_ZH,
            {
                "question": t("Question", "咨询问题", "The customer's question in their words.", "客户原话。"),
                "answered_at_once": b(
                    "Answered at once",
                    "已当场答复",
                    "Tick if the customer got a full answer now.",
                    "客户已得到完整答复时勾选。",
                ),
                "answer": t("Answer given", "答复内容", "What the customer was told.", "告知客户的内容。"),
                "department": s(
                    "Department to ask",
                    "需协调的部门",
                    "Management department that must answer if not answered at once.",
                    "不能当场答复时负责答复的管理部门。",
                ),
            },
            ["question", "answered_at_once", "answer"],
        ),
        "coordination_notice.json": form(
            "Inquiry coordination notice",
            "客户咨询信息协调处理通知单",
            "The section chief signs the notice to the management department within 30 minutes (T1-notice); the "
            "department must reply within 2 hours.",
            "科长须在30分钟内签发通知单给管理部门（T1）；部门须在2小时内答复。",
            {
                "department": s("Department", "管理部门", "Who must answer.", "负责答复的部门。"),
                "question_summary": t(
                    "Question",
                    "咨询内容",
                    "The question, complete enough to answer without calling the customer.",
                    "咨询内容，需完整到无须再联系客户即可答复。",
                ),
                "signed_by": s(
                    "Signed by (section chief)", "签发人（科长）", "Name of the section chief.", "科长姓名。"
                ),
            },
            ["department", "question_summary", "signed_by"],
        ),
        "department_reply.json": form(
            "Reply to the inquiry",
            "部门答复",
            "Reply within 2 hours of the notice (T1-reply); customer service calls the customer back with it.",
            "收到通知后2小时内答复（T1）；客服据此回电客户。",
            {
                "reply": t("Reply", "答复内容", "The answer for the customer.", "给客户的答复。"),
                "replied_by": s("Replied by", "答复人", "Name and position.", "姓名与职务。"),
                "documents": strings("Documents", "依据文件", "Documents the answer relies on.", "答复所依据的文件。"),
            },
            ["reply", "replied_by"],
        ),
        "inquiry_callback.json": form(
            "Call the customer back",
            "回电客户",
            "Call within the promised 3 hours (T1-callback) with the department's reply from the case history. If "
            "the reply is not in yet, say so and promise a new time. " + NO_FALSE_PROMISES,
            "在承诺的3小时内回电（T1），答复内容见案件记录中的部门答复。若尚未答复，如实告知并约定新的时间。"
            + NO_FALSE_PROMISES_ZH,
            {
                "customer_reached": b("Customer reached", "已联系上客户", "The call got through.", "电话已接通。"),
                "customer_answered": b(
                    "Question answered",
                    "问题已答复",
                    "The customer got the department's answer.",
                    "客户已得到部门的答复。",
                ),
                "callback_note": t("Note", "备注", "What was said and agreed.", "沟通与约定内容。"),
            },
            ["customer_reached", "customer_answered"],
        ),
        "inquiry_final_call.json": form(
            "Call back with the department's reply",
            "再次回电答复",
            "The first callback came before the reply; now give the customer the department's answer.",
            "首次回电时部门尚未答复；现将部门答复告知客户。",
            {
                "final_answer_given": b("Answer given", "已答复", "The customer has the answer.", "客户已得到答复。"),
                "final_note": t("Note", "备注", "What was said.", "沟通内容。"),
            },
            ["final_answer_given"],
        ),
        "rescue_dispatch.json": form(
            "Find the nearest service point",
            "确定最近的服务站",
            "Rescue (T3): the nearest service point must be notified within 10 minutes of the call. Ask where the "
            "customer is and whether anyone is in danger.",
            "求援（T3）：须在来电10分钟内通知最近的服务站。询问客户位置及是否有人身危险。",
            {
                "location": s(
                    "Location", "位置", "Where the customer and the vehicle/equipment are.", "客户及车辆/设备所在位置。"
                ),
                "situation": t(
                    "Situation", "故障情况", "What broke down; is it unsafe to use?", "故障情况；是否无法安全使用？"
                ),
                "safety_risk": b(
                    "People in danger",
                    "存在人身危险",
                    "Tick if anyone is at risk (tell them to get to safety).",
                    "有人员危险时勾选（并告知其转移到安全地带）。",
                ),
                "service_point": s(
                    "Service point",
                    "服务站",
                    "Nearest service point (its code or name).",
                    "最近的服务站（编号或名称）。",
                ),
            },
            ["location", "situation", "safety_risk", "service_point"],
        ),
        "rescue_ack.json": form(
            "Acknowledge the rescue notice",
            "确认求援通知",
            "The service point confirms it takes the rescue and says when it will arrive (T3-ack).",
            "服务站确认接受求援任务并告知预计到达时间。",
            {
                "acknowledged_by": s("Acknowledged by", "确认人", "Name at the service point.", "服务站确认人姓名。"),
                "eta_minutes": field(
                    "integer",
                    "Arrival in minutes",
                    "预计到达（分钟）",
                    "Estimated time to arrive.",
                    "预计到达所需时间。",
                    minimum=0,
                ),
                "technician": s("Technician", "外出技师", "Who goes out.", "外出服务人员。"),
            },
            ["acknowledged_by", "eta_minutes"],
        ),
        "outbound_service.json": form(
            "Outbound-service registration",
            "外出服务登记表",
            "What the service point did on site; returned to customer service to close the rescue.",
            "服务站现场服务情况，返回客服以关闭求援。",
            {
                "arrived_at": field("date-time", "Arrived at", "到达时间", "When help arrived.", "到达现场的时间。"),
                "technician": s("Technician", "外出技师", "Who went out.", "外出服务人员。"),
                "outbound_work": t("Work done", "服务内容", "Repair, towing, advice ...", "维修、拖车、指导等。"),
                "rescue_result": enum(
                    ["fixed_on_site", "towed", "referred", "not_needed"],
                    {
                        "fixed_on_site": ("fixed on site", "现场修复"),
                        "towed": ("towed", "拖车"),
                        "referred": ("referred", "转其他处理"),
                        "not_needed": ("not needed", "无需救援"),
                    },
                    "Result",
                    "结果",
                    "How it ended.",
                    "处理结果。",
                ),
                "customer_confirmed_rescue": b(
                    "Customer confirmed", "客户已确认", "The customer confirmed the help.", "客户已确认。"
                ),
            },
            ["arrived_at", "outbound_work", "rescue_result"],
        ),
        "failure_notice.json": form(
            "New-failure notice",
            "最新故障模式通知",
            "A fault of this part or kind reported for the first time (T4): notify the nearest service point and "
            "the technical supervisor within 60 minutes.",
            "首次报告的零件或类型故障（T4）：60分钟内通知最近的服务站及技术主管。",
            {
                "part": s("Part / product", "零件/产品", "The part or product that failed.", "发生故障的零件或产品。"),
                "failure_mode": t("Failure mode", "故障模式", "Symptoms, conditions, how often.", "症状、工况、频次。"),
                "evidence": strings(
                    "Evidence", "证据", "Photos, readings, documents (references).", "照片、读数、文件（引用）。"
                ),
                "service_point": s("Service point", "服务站", "Nearest service point.", "最近的服务站。"),
            },
            ["part", "failure_mode", "service_point"],
        ),
        "appointment.json": form(
            "Appointment registration",
            "服务预约登记表",
            "The service point books an appointment with the customer within 2 hours of the notice (T4).",
            "服务站须在收到通知后2小时内与客户预约（T4）。",
            {
                "appointment_at": field(
                    "date-time", "Appointment", "预约时间", "Agreed date and time.", "约定的日期和时间。"
                ),
                "contact_person": s("Contact person", "联系人", "Who the customer will meet.", "客户对接人。"),
                "appointment_note": t("Note", "备注", "What to bring, where to go.", "需携带的资料、地点等。"),
            },
            ["appointment_at", "contact_person"],
        ),
        "repair_result.json": form(
            "Repair result",
            "维修结果",
            "The outcome of the repair of the new failure mode, written to the repair tracking record.",
            "新故障模式的维修结果，记入维修跟踪记载表。",
            {
                "repair_done": b("Repair done", "已修复", "The fault is repaired.", "故障已排除。"),
                "findings": t("Findings", "检查结果", "Cause found and work done.", "查明的原因及所做工作。"),
                "parts_replaced": strings("Parts replaced", "更换零件", "Part numbers.", "零件编号。"),
                "report_to_engineering": b(
                    "Report to engineering",
                    "上报技术部门",
                    "The failure mode needs an engineering report.",
                    "该故障模式需上报技术部门。",
                ),
            },
            ["repair_done", "findings"],
        ),
    }
