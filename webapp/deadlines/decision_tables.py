"""The deployed decision tables (tier_decision.dmn, grade_decision.dmn) read outside a process run: the escalation
that acts at a missed deadline asks the owner's table, not a rule copied into Python."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from webapp.config import ROOT
from webapp.engine.sandbox import SandboxEnvironment
from webapp.models import ProcessDefinition

NS = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"


def table_text(session: Session, filename: str) -> str:
    """The newest deployed version of a decision file (the pack's file before any deploy)."""
    stmt = select(ProcessDefinition).options(undefer(ProcessDefinition.files))
    for definition in session.scalars(stmt.order_by(ProcessDefinition.id.desc())):
        text = (definition.files or {}).get(filename)
        if text:
            return str(text)
    return (ROOT / "processes" / filename).read_text(encoding="utf-8")


def matches(env: SandboxEnvironment, entry: str, value: Any) -> bool:
    """One input entry against a value: '-' anything, '? >= 10' a test on the value, else equal to the literal."""
    entry = entry.strip()
    if entry in ("", "-"):
        return True
    if "?" in entry:
        return bool(env.evaluate(entry.replace("?", "value"), {"value": value}))
    return bool(env.evaluate(entry, {}) == value)


def first_hit(text: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The outputs of the first rule (FIRST hit policy) whose entries match the inputs computed from `data`."""
    env = SandboxEnvironment()
    table = ET.fromstring(text).find(f".//{NS}decisionTable")
    if table is None:
        return None
    values = [env.evaluate(i.findtext(f"{NS}inputExpression/{NS}text") or "None", dict(data))
              for i in table.findall(f"{NS}input")]
    names = [o.get("name") for o in table.findall(f"{NS}output")]
    for rule in table.findall(f"{NS}rule"):
        entries = [e.findtext(f"{NS}text") or "" for e in rule.findall(f"{NS}inputEntry")]
        if all(matches(env, e, v) for e, v in zip(entries, values, strict=False)):
            return {str(n): env.evaluate(o.findtext(f"{NS}text") or "None", dict(data))
                    for n, o in zip(names, rule.findall(f"{NS}outputEntry"), strict=False)}
    return None
