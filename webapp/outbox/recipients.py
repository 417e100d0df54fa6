"""Who a staff message reaches, once: one notice addressed to several groups (the crisis alert to the general
manager AND the crisis team) is one outbox row per group, and a person in two of them is told once.

A webhook named twice for the same event is called once: a webhook row with the same name, template and payload as an
earlier row of the same message is a duplicate (another name, even for the same URL, is another receiver: the body
names the webhook it was sent to).

A message is the rows one step queued together: same instance, channel, template and queue time (the engine
writes a step's rows with one timestamp; deadline and escalation notices do the same). Each row after the first
leaves out the people and addresses an earlier row of the message already reaches.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from webapp.masterdata import units
from webapp.models import Group, Membership, Outbox, User
from webapp.outbox.delivery.settings import WorkerSettings


def group_addresses(session: Session, key: str) -> list[str]:
    """E-mail of a group's active members (supervisors are told separately)."""
    return sorted(e for e in session.scalars(
        select(User.email).join(Membership, Membership.user_id == User.id).join(Group)
        .where(Group.key == key, Membership.is_supervisor.is_(False),
               User.is_active.is_(True), User.email.is_not(None))) if e)


def unit_addresses(session: Session, recipient: str, settings: WorkerSettings) -> list[str]:
    """E-mail of a department or service point: its active people's (members and head, or the head only), its own
    address in master data, else the configured SERVICE_POINT_EMAILS one."""
    names = units.people(session, recipient)
    found = list(session.scalars(select(User.email).where(User.username.in_(names), User.is_active.is_(True),
                                                          User.email.is_not(None)))) if names else []
    own = units.unit_email(session, recipient)
    if own is None and recipient.startswith("service_point:"):
        own = settings.service_points.get(recipient.partition(":")[2])
    return sorted({e for e in [*found, own] if e})


def staff_addresses(session: Session, recipient: str, settings: WorkerSettings) -> list[str]:
    """The e-mail addresses a staff recipient (`group:`, `user:`, a unit, a literal address) stands for."""
    kind, _, name = recipient.partition(":")
    if kind == "group":
        return group_addresses(session, name)
    if kind == "user":
        email = session.scalar(select(User.email).where(User.username == name, User.is_active.is_(True)))
        return [email] if email else []
    if units.parse(recipient):
        return unit_addresses(session, recipient, settings)
    return [recipient] if "@" in recipient and kind not in ("customer", "webhook") else []


def earlier_of_same_message(row: Any, other: Any) -> Any:
    """SQL: `other` is a row of the same message as `row`, queued before it (both Outbox or aliases)."""
    return and_(other.instance_id == row.instance_id, other.channel == row.channel,
                other.template == row.template, other.created_at == row.created_at, other.id < row.id)


def already_reached(session: Session, outbox_id: int, settings: WorkerSettings) -> tuple[set[str], int | None]:
    """Addresses earlier rows of the same e-mail message reach, and the first such row's id (None: no sibling)."""
    row = session.get(Outbox, outbox_id)
    if row is None or row.instance_id is None or row.channel != "email":
        return set(), None
    other = aliased(Outbox)
    siblings = list(session.execute(select(other.id, other.recipient).where(
        earlier_of_same_message(row, other), other.status != "cancelled").order_by(other.id)))
    covered = {a for _, recipient in siblings for a in staff_addresses(session, recipient, settings)}
    return covered, (siblings[0][0] if siblings else None)


def same_webhook_earlier(session: Session, outbox_id: int) -> int | None:
    """The first earlier row of the same message calling the same webhook with the same payload (None: none)."""
    row = session.get(Outbox, outbox_id)
    if row is None or row.instance_id is None or row.channel != "webhook":
        return None
    other = aliased(Outbox)
    earlier = session.execute(select(other.id, other.payload).where(
        earlier_of_same_message(row, other), other.recipient == row.recipient, other.status != "cancelled")
        .order_by(other.id))
    return next((row_id for row_id, payload in earlier if (payload or {}) == (row.payload or {})), None)
