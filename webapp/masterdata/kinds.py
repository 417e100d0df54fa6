"""What each kind of master data holds (JSON Schema of its attributes) and its defaults from the pack."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

KINDS = ("category", "department", "service_point", "object", "channel")
OBJECT_TYPES = ["vehicle", "repair_order", "building", "project", "product", "other"]
DEADLINE_RULES = ["K1", "K2", "none"]

_UNIT = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "head": {"type": ["string", "null"], "maxLength": 80},
        "members": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 80},
                    "uniqueItems": True},
        "email": {"type": ["string", "null"], "maxLength": 254, "format": "email"},
        "region": {"type": ["string", "null"], "maxLength": 120},
    },
}

ATTR_SCHEMAS: dict[str, dict[str, Any]] = {
    "category": {"type": "object", "additionalProperties": False, "required": ["deadline_rule"],
                 "properties": {"deadline_rule": {"type": "string", "enum": DEADLINE_RULES}}},
    "department": _UNIT,
    "service_point": _UNIT,
    "object": {"type": "object", "additionalProperties": False, "required": ["type"],
               "properties": {"type": {"type": "string", "enum": OBJECT_TYPES},
                              "description": {"type": ["string", "null"], "maxLength": 500}}},
    "channel": {"type": "object", "additionalProperties": False,
                "properties": {"major": {"type": "boolean"}}},
}

ITEM_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["key", "name_en"],
    "properties": {
        "key": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,79}$"},
        "name_en": {"type": "string", "minLength": 1, "maxLength": 200},
        "name_zh": {"type": "string", "maxLength": 200},
        "attrs": {"type": "object"},
        "active": {"type": "boolean"},
    },
}

# channels of intake today and their Chinese names (the seeds' 来源渠道); media and the like are "major" (G2-a)
CHANNEL_DEFAULTS = [
    ("phone", "Phone", "电话", False), ("walk_in", "Walk-in / on site", "来访", False),
    ("callback", "Follow-up call", "回访", False), ("letter", "Letter or fax", "信函/传真", False),
    ("email", "E-mail", "电子邮件", False), ("web", "Web form", "网站表单", False),
    ("forum", "Website or forum post", "网站/论坛帖子", False),
    ("forwarded", "Forwarded internally", "内部转交", False),
    ("authority", "Authority", "主管部门", True), ("media", "Media", "媒体", True),
    ("lawyer", "Lawyer", "律师", True), ("consumer_association", "Consumer association", "消费者协会", True),
]
DMN_NS = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"


def deadline_rules(dmn: Path) -> dict[str, str]:
    """Category key -> clock name (K1, K2 ...) from a resolution_deadline.dmn that keys on categories (older packs);
    today's table keys on the category's stored rule (`k_rule`) and the defaults come from classify.json."""
    if not dmn.exists():
        return {}
    rules: dict[str, str] = {}
    for rule in ET.parse(dmn).getroot().iter(f"{DMN_NS}rule"):
        entry = rule.find(f"{DMN_NS}inputEntry/{DMN_NS}text")
        out = rule.find(f"{DMN_NS}outputEntry/{DMN_NS}text")
        if entry is None or out is None or not entry.text or entry.text.strip() == "-":
            continue
        for key in entry.text.split(","):
            rules[key.strip().strip('"')] = (out.text or "").strip().strip('"')
    return rules


def defaults(processes_dir: Path, forms_dir: Path) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """(kind, key, name_en, name_zh, attrs) from the pack: classify.json's categories, the K table, channels."""
    rows: list[tuple[str, str, str, str, dict[str, Any]]] = []
    classify = forms_dir / "classify.json"
    rules = deadline_rules(processes_dir / "resolution_deadline.dmn")
    if classify.exists():
        cat = json.loads(classify.read_text(encoding="utf-8"))["properties"]["category"]
        rules = {**rules, **(cat.get("x-deadline-rules") or {})}  # the form's defaults over a category-keyed table
        keys = cat.get("enum", [])
        en = cat.get("x-enum-titles", keys)
        zh = cat.get("x-enum-titles-zh", en)
        for key, name_en, name_zh in zip(keys, en, zh, strict=False):
            rule = rules.get(key, "none")
            rows.append(("category", key, name_en, name_zh,
                         {"deadline_rule": rule if rule in DEADLINE_RULES else "none"}))
    for key, name_en, name_zh, major in CHANNEL_DEFAULTS:
        rows.append(("channel", key, name_en, name_zh, {"major": major}))
    return rows
