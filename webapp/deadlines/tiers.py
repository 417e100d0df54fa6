"""The tier table (tier_decision.dmn, as deployed) read outside a process: who the next tier is when a deadline
is missed (domain §4: a missed deadline goes to the next tier), instead of a tier rule hard-coded in Python."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.config import ROOT
from webapp.engine.sandbox import SandboxEnvironment
from webapp.models import Case, ProcessDefinition

TABLE = "tier_decision.dmn"
NS = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"


@dataclass(frozen=True)
class TierRow:
    """The table's answer: tier, handler group, the group above it (next_tier_group)."""

    tier: int
    group: str
    above: str | None


def _table_text(session: Session) -> str:
    for definition in session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.id.desc())):
        text = (definition.files or {}).get(TABLE)
        if text:
            return str(text)
    return (ROOT / "processes" / TABLE).read_text(encoding="utf-8")


def _matches(env: SandboxEnvironment, entry: str, value: Any) -> bool:
    entry = entry.strip()
    if entry in ("", "-"):
        return True
    if "?" in entry:
        return bool(env.evaluate(entry.replace("?", "value"), {"value": value}))
    return bool(env.evaluate(entry, {}) == value)


def decide(session: Session, grade: str, escalations: int, needs_other_departments: bool) -> TierRow | None:
    """The first rule of the deployed tier table that matches (FIRST hit policy), or None."""
    env = SandboxEnvironment()
    root = ET.fromstring(_table_text(session))
    table = root.find(f".//{NS}decisionTable")
    if table is None:
        return None
    names = [o.get("name") for o in table.findall(f"{NS}output")]
    for rule in table.findall(f"{NS}rule"):
        entries = [e.findtext(f"{NS}text") or "" for e in rule.findall(f"{NS}inputEntry")]
        if all(_matches(env, e, v) for e, v in zip(entries, (grade, escalations, needs_other_departments),
                                                     strict=False)):
            outs = dict(zip(names, (env.evaluate(e.findtext(f"{NS}text") or "None", {})
                                    for e in rule.findall(f"{NS}outputEntry")), strict=False))
            above = outs.get("next_tier_group")
            return TierRow(int(outs.get("new_tier") or 1), str(outs.get("new_handler_group") or ""),
                           str(above) if above else None)
    return None


def escalation(session: Session, case: Case | None) -> tuple[TierRow | None, TierRow | None]:
    """(the case's row now, the first row of a higher tier) for its grade, trying one escalation more at a time."""
    if case is None or not case.grade:
        return None, None
    needs = bool((case.facts or {}).get("needs_other_departments"))
    current = case.tier or 1
    now_row = None
    for escalations in range(0, 4):
        row = decide(session, case.grade, escalations, needs)
        if row is None:
            continue
        if row.tier <= current:
            now_row = now_row if now_row and now_row.tier == current else row
        else:
            return now_row, row
    return now_row, None
