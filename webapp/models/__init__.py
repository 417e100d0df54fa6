"""Database models: users and groups, process definitions, instances and their side tables, cases."""

from webapp.accounts.models import ApiToken, Group, Membership, User
from webapp.admin.models import AuditEntry  # noqa: F401  (admin audit log)
from webapp.assessments.models import Assessment  # noqa: F401  (assessment register)
from webapp.cases.models import Case, CaseLink
from webapp.deadlines.models import Deadline  # noqa: F401  (SLA clocks)
from webapp.lessons.models import Lesson  # noqa: F401  (lessons register)
from webapp.masterdata.models import MasterHistory, MasterItem  # noqa: F401  (master data)
from webapp.models.web import Attachment, Comment, NoticeRead, RateHit  # noqa: F401  (web UI tables)
from webapp.workflow.definition_model import ProcessDefinition
from webapp.workflow.models import Event, HumanTask, Instance, Outbox, Timer

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
