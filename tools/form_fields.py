"""Bilingual JSON Schema building blocks for the forms (title/description plus x-title-zh/x-description-zh)."""

from __future__ import annotations

from typing import Any

SCHEMA = "https://json-schema.org/draft/2020-12/schema"

BEHAVIOUR_GUIDE = (
    "passive: pessimistic, avoids, short answers -> positive attitude, proactive care, act at once, offer 2-3 "
    "options and let them choose in good time. talker: lectures, complicates -> acknowledge, talk privately, "
    "clarify, bring back to the problem, apologise but hold the line, explain, agree a plan, thank, follow up. "
    "angry: exaggerates, public, irrational, emotional -> take aside, listen without interrupting, find the real "
    "cause, answer clear differences, hand to a compatible colleague or a leader. activist: prepared, hides the "
    "demand, threatens media or authorities -> handle carefully, listen, lower expectations, watch closely, "
    "communicate actively; the case is graded at least Level 2 (G2-a)."
)
BEHAVIOUR_GUIDE_ZH = (
    "消极者：悲观、回避、回答简短 → 积极的态度、主动关怀、立即行动、提供2-3个方案并让其及时选择。"
    "发言者：说教、把问题复杂化 → 认可、私下沟通、澄清、拉回问题本身、道歉但坚持原则、解释、商定方案、致谢、跟进。"
    "发怒者：夸大、公开、非理性、情绪化 → 带离现场、耐心倾听不打断、找到真正原因、"
    "回应明确的分歧、交给合适的同事或领导。"
    "积极分子：有备而来、隐藏诉求、以媒体或主管部门相威胁 → 谨慎处理、倾听、降低期望、"
    "密切关注、主动沟通；投诉至少定为二级（G2-a）。"
)


def field(kind: str, title: str, title_zh: str, desc: str, desc_zh: str, **extra: Any) -> dict[str, Any]:
    """One property: kind is string, textarea, date, date-time, number, integer, boolean or an enum list."""
    schema: dict[str, Any] = {}
    if kind == "textarea":
        schema = {"type": "string", "x-widget": "textarea"}
    elif kind in ("date", "date-time"):
        schema = {"type": "string", "format": kind}
    else:
        schema = {"type": kind}
    schema.update(title=title, **{"x-title-zh": title_zh}, description=desc, **{"x-description-zh": desc_zh})
    schema.update(extra)
    return schema


def enum(
    values: list[Any],
    labels: dict[Any, tuple[str, str]],
    title: str,
    title_zh: str,
    desc: str,
    desc_zh: str,
    **extra: Any,
) -> dict[str, Any]:
    """An enum property with English and Chinese labels per value (x-enum-titles, x-enum-titles-zh)."""
    kind = "integer" if all(isinstance(v, int) for v in values) else "string"
    return field(
        kind,
        title,
        title_zh,
        desc,
        desc_zh,
        enum=values,
        **{"x-enum-titles": [labels[v][0] for v in values], "x-enum-titles-zh": [labels[v][1] for v in values]},
        **extra,
    )


def strings(title: str, title_zh: str, desc: str, desc_zh: str, **extra: Any) -> dict[str, Any]:
    """An array of short texts."""
    return field("array", title, title_zh, desc, desc_zh, items={"type": "string"}, **extra)


def form(
    title: str, title_zh: str, desc: str, desc_zh: str, properties: dict[str, Any], required: list[str], **extra: Any
) -> dict[str, Any]:
    """A whole form schema."""
    missing = [r for r in required if r not in properties]
    if missing:
        raise ValueError(f"{title}: required fields without a property: {missing}")
    return {
        "$schema": SCHEMA,
        "type": "object",
        "title": title,
        "x-title-zh": title_zh,
        "description": desc,
        "x-description-zh": desc_zh,
        "properties": properties,
        "required": required,
        **extra,
    }


FACT_LABELS = {
    "none": ("none", "无"),
    "possible": ("possible (threatened)", "可能（被威胁）"),
    "actual": ("actual (media involved or reporting)", "已发生（媒体已介入或报道）"),
    "group": ("group lawsuit", "集体诉讼"),
    "passive": ("passive", "消极者"),
    "talker": ("talker", "发言者"),
    "angry": ("angry", "发怒者"),
    "activist": ("activist", "积极分子"),
    None: ("not judged yet", "尚未判断"),
}


def facts(desc: str, desc_zh: str) -> dict[str, Any]:
    """The case facts object that the grade table reads; every form that may change facts carries all of it."""
    labels = FACT_LABELS
    props = {
        "media_exposure": enum(
            ["none", "possible", "actual"],
            labels,
            "Media exposure",
            "媒体曝光",
            "'actual' if a newspaper, TV or website is already interested or reporting "
            "(Level 1, G1-a); 'possible' if the customer threatens it (Level 2, G2-a).",
            "报纸、电视或网站已关注或报道选“已发生”（一级，G1-a）；客户扬言曝光选“可能”（二级，G2-a）。",
        ),
        "lawsuit": enum(
            ["none", "possible", "group"],
            labels,
            "Lawsuit",
            "诉讼",
            "A possible or group lawsuit makes the case at least Level 2 (G2-a).",
            "可能诉讼或集体诉讼的投诉至少为二级（G2-a）。",
        ),
        "households": field(
            "integer",
            "Households / customers affected",
            "涉及户数/客户数",
            "3-9 households: Level 2 (G2-c); 10 or more: Level 1 (G1-b).",
            "3-9户为二级（G2-c）；10户及以上为一级（G1-b）。",
            minimum=1,
        ),
        "needs_other_departments": field(
            "boolean",
            "Needs other departments",
            "需要其他部门协助",
            "Other departments or experts must help: at least Level 3 (G3-b) and the technical supervisor joins.",
            "需要其他部门或专家支持：至少为三级（G3-b），技术主管参与。",
        ),
        "key_customer": field(
            "boolean",
            "Key customer",
            "重点客户",
            "The customer's identity makes this a key complaint (likely to become a crisis); "
            "key complaints get a review (step 6).",
            "客户身份使其成为重点投诉（可能演变为危机）；重点投诉须总结反思（第六步）。",
        ),
        "behaviour": enum(
            ["passive", "talker", "angry", "activist", None],
            labels,
            "Customer behaviour type",
            "顾客行为类型",
            BEHAVIOUR_GUIDE,
            BEHAVIOUR_GUIDE_ZH,
        ),
    }
    props["behaviour"]["type"] = ["string", "null"]
    return field(
        "object",
        "Case facts",
        "投诉要素",
        desc,
        desc_zh,
        properties=props,
        required=["media_exposure", "lawsuit", "households", "needs_other_departments", "key_customer"],
    )
