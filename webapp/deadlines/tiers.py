"""The tier table (tier_decision.dmn, as deployed) read outside a process: who the next tier is when a deadline
is missed (domain §4: a missed deadline goes to the next tier), instead of a tier rule hard-coded in Python."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from webapp.deadlines.decision_tables import NS, matches, table_text
from webapp.engine.sandbox import SandboxEnvironment
from webapp.models import Case

TABLE = "tier_decision.dmn"


@dataclass(frozen=True)
class TierRow:
    """The table's answer: tier, handler group, the group above it (next_tier_group)."""

    tier: int
    group: str
    above: str | None
    escalations: int = 0  # the table's `escalations` input that gives this row (escalation() fills it in)


def decide(session: Session, grade: str, escalations: int, needs_other_departments: bool) -> TierRow | None:
    """The first rule of the deployed tier table that matches (FIRST hit policy), or None."""
    env = SandboxEnvironment()
    root = ET.fromstring(table_text(session, TABLE))
    table = root.find(f".//{NS}decisionTable")
    if table is None:
        return None
    names = [o.get("name") for o in table.findall(f"{NS}output")]
    for rule in table.findall(f"{NS}rule"):
        entries = [e.findtext(f"{NS}text") or "" for e in rule.findall(f"{NS}inputEntry")]
        if all(matches(env, e, v) for e, v in zip(entries, (grade, escalations, needs_other_departments),
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
            now_row = now_row if now_row and now_row.tier == current else replace(row, escalations=escalations)
        else:
            return now_row, replace(row, escalations=escalations)
    return now_row, None
