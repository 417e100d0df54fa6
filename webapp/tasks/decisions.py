"""Decisions on task forms: which answer is the negative path, and what choosing it will do to the case."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from webapp.models import Case

# the choice field of each decision form and its negative value (forms/approval|communicate|signoff.json)
NEGATIVE = {"approval_choice": "send_back", "customer_choice": "reject", "signoff_choice": "return"}
CONFIRM_FIELD = "confirm_negative"
TOP_TIER = 3


def negative_choice(data: dict[str, Any]) -> str:
    """The decision field whose submitted value takes the negative path ('' when none does)."""
    return next((key for key, value in NEGATIVE.items() if data.get(key) == value), "")


def _rejection(case: Case | None) -> str:
    record = (case.record if case else None) or {}
    number = int(record.get("rejections") or 0) + 1
    tier = (case.tier if case else None) or 1
    in_round = (number - 1) % 2 + 1
    if in_round == 2 and tier < TOP_TIER:
        return _("This counts as rejection %(n)s of 2 and escalates the case to tier %(tier)s; the new tier "
                 "proposes a new solution (step 4).", n=in_round, tier=tier + 1)
    if in_round == 2:
        return _("This counts as rejection 2 of 2; the case is already at the top tier and goes back to step 4 "
                 "for a new solution.")
    return _("This counts as rejection 1 of 2: the case goes back to step 4 for a new solution, and the customer "
             "is told it in writing. A second rejection escalates the case to tier %(tier)s.",
             tier=min(tier + 1, TOP_TIER))


def consequence(field: str, case: Case | None) -> str:
    """What choosing the negative answer of a decision field will do, in the user's language."""
    if field == "customer_choice":
        return _rejection(case)
    if field == "approval_choice":
        return _("The solution goes back to step 4 (Confirm the solution) with your comment; the customer is not "
                 "told anything yet.")
    if field == "signoff_choice":
        return _("The result goes back to step 4 (Confirm the solution); the case is not closed.")
    return ""


def needs_confirmation(data: dict[str, Any], confirmed: bool, case: Case | None) -> str:
    """The consequence to confirm when a negative answer was chosen without confirming it ('' when none)."""
    field = negative_choice(data)
    return "" if not field or confirmed else consequence(field, case)
