"""Database models: users and groups, process definitions, instances and their side tables, cases."""

from webapp.models.audit import AuditEntry  # noqa: F401  (admin audit log)
from webapp.models.cases import Case, CaseLink
from webapp.models.deadlines import Deadline  # noqa: F401  (SLA clocks)
from webapp.models.definitions import ProcessDefinition
from webapp.models.runtime import Event, HumanTask, Instance, Outbox, Timer
from webapp.models.users import ApiToken, Group, Membership, User
from webapp.models.web import Attachment, Comment, NoticeRead, RateHit  # noqa: F401  (web UI tables)

__all__ = [
    "ApiToken",
    "Case",
    "CaseLink",
    "Event",
    "Group",
    "HumanTask",
    "Instance",
    "Membership",
    "Outbox",
    "ProcessDefinition",
    "Timer",
    "User",
]
