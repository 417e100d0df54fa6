"""Renaming and deleting groups. The key stays: it is what deployed diagrams (lane names, assignGroup, `group:`
recipients, decision tables), open tasks, queued messages, settings and the app's own permission checks name, and a
deployed version cannot change; the display name is free. A group is deleted only when nothing uses it (its
memberships go with it, listed in the audit entry); otherwise the refusal says what still does.
"""

from __future__ import annotations

import html
import re
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from webapp.accounts.directory import record_change, require_admin
from webapp.engine.pack import group_for_lane
from webapp.errors import Conflict, Invalid, NotFound
from webapp.models import Group, HumanTask, Instance, MasterItem, Outbox, ProcessDefinition, User
from webapp.workflow.definitions import process_ids

# groups the app itself grants rights to (role checks in views and templates); tests/admin/test_groups.py scans the
# code so that a new role check cannot be left out of this list
PERMISSION_GROUPS = frozenset({
    "admin", "process_owner", "service_supervisor", "technical_supervisor", "department_head", "general_manager",
    "crisis_team", "integrated_management", "finance"})
# groups the handlers fall back to for a department or service point master data does not keep (handlers/notify.py)
FALLBACK_GROUPS = frozenset({"responsible_department", "department_head"})
ENDED = ("complete", "terminated")


def get_group(session: Session, key: str) -> Group:
    """One group by key, or NotFound."""
    group = session.scalars(select(Group).where(Group.key == key)).first()
    if group is None:
        raise NotFound(gettext("no group '%(key)s'", key=key))
    return group


def rename(session: Session, actor: User, key: str, name: str, reason: str | None = None) -> Group:
    """Give a group another display name (the key, memberships and every reference stay). Commits."""
    require_admin(actor)
    group = get_group(session, key)
    name = (name or "").strip()[:200]
    if not name:
        raise Invalid(gettext("give the group a name"), {"name": "required"})
    if name == group.name:
        raise Invalid(gettext("nothing changed"), {"name": "same as before"})
    before = {"key": key, "name": group.name}
    group.name = name
    record_change(session, actor, "group_rename", group, reason, before, {"key": key, "name": name},
                  f"renamed group {key}: {before['name']} -> {name}")
    session.commit()
    return group


def _mentions(raw: str, key: str) -> bool:
    """Whether a diagram's text names the group: a lane after it, or the key (or `group:<key>`) as a string."""
    text = html.unescape(raw)
    lanes = re.findall(r"<(?:\w+:)?lane\b[^>]*\bname=\"([^\"]*)\"", text)
    if any(group_for_lane(lane) == key for lane in lanes):
        return True
    return re.search(rf"""(["'])(group:)?{re.escape(key)}\1""", text) is not None


def diagrams_naming(session: Session, key: str) -> list[str]:
    """Where deployed diagrams name the group: 'Process name vN' of the newest version of each process and of every
    version still running (only the file defining that process), and the decision tables ('name.dmn')."""
    newest = dict(session.execute(select(ProcessDefinition.key, func.max(ProcessDefinition.version))
                                  .group_by(ProcessDefinition.key)).all())
    running = set(session.scalars(select(Instance.definition_id).where(Instance.status.not_in(ENDED)).distinct()))
    found: list[str] = []
    for d in session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version)):
        if d.version != newest.get(d.key) and d.id not in running:
            continue
        for name, text in sorted((d.files or {}).items()):
            raw = str(text)
            if name.endswith(".bpmn") and _mentions(raw, key) and d.key in process_ids(raw.encode()):
                found.append(gettext("deployed diagram %(name)s", name=f"{gettext(d.name or d.key)} v{d.version}"))
            elif name.endswith(".dmn") and _mentions(raw, key):
                found.append(gettext("decision table %(name)s", name=name))
    return list(dict.fromkeys(found))


def _master_data(session: Session, key: str) -> list[str]:
    rows = session.execute(select(MasterItem.kind, MasterItem.key, MasterItem.attrs)).all()
    return [f"{kind}:{item}" for kind, item, attrs in rows
            if key in {str(v) for v in (attrs or {}).values() if isinstance(v, str)}
            or any(key in v for v in (attrs or {}).values() if isinstance(v, list))]


def usages(session: Session, key: str, readers: tuple[str, ...] = ()) -> list[str]:
    """What still uses a group, in words (empty: it can be deleted); `readers`: the configured case readers."""
    found: list[str] = []
    if key in PERMISSION_GROUPS or key in FALLBACK_GROUPS or key in readers:
        found.append(gettext("the application grants rights to it or routes to it"))
    found += diagrams_naming(session, key)
    tasks = session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.state == "open", (HumanTask.group_key == key) | (HumanTask.escalated_group == key))) or 0
    if tasks:
        found.append(gettext("open tasks in its queue: %(num)s", num=tasks))
    waiting = session.scalar(select(func.count()).select_from(Outbox).where(
        Outbox.recipient == f"group:{key}", Outbox.status.in_(("pending", "sending")))) or 0
    if waiting:
        found.append(gettext("messages waiting to be delivered to it: %(num)s", num=waiting))
    found += [gettext("master data %(item)s", item=item) for item in _master_data(session, key)]
    return found


def delete(session: Session, actor: User, key: str, reason: str | None = None,
           readers: tuple[str, ...] = ()) -> list[str]:
    """Delete a group nothing uses, with its memberships; Conflict listing what still uses it. Returns the
    usernames that were members. Commits."""
    require_admin(actor)
    group = get_group(session, key)
    used = usages(session, key, readers)
    if used:
        raise Conflict(gettext("group '%(key)s' is still used: %(uses)s. Change those first; to call it something "
                               "else, rename it instead", key=key, uses="; ".join(used)), {"key": "in use"})
    members = sorted(m.user.username for m in group.memberships)
    record_change(session, actor, "group_delete", group, reason, {"key": key, "name": group.name, "members": members},
                  None, f"deleted group {key}" + (f" (members {', '.join(members)})" if members else ""))
    session.delete(group)
    session.commit()
    return members


def as_dict(group: Group) -> dict[str, Any]:
    """JSON form of a renamed group."""
    return {"key": group.key, "name": group.name}
