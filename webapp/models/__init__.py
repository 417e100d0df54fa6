"""The table registry: importing it loads every feature package's models (no model is defined here).

Each table lives in the feature package that owns it (`webapp/<feature>/models.py`); this module only
re-exports them so that `create_app`, Alembic and the tests see one complete metadata.
"""

from webapp.accounts.models import ApiToken, Group, Membership, User
from webapp.admin.models import AdminJob, AuditEntry
from webapp.assessments.models import Assessment
from webapp.cases.models import Attachment, Case, CaseLink, Comment
from webapp.deadlines.models import Deadline
from webapp.lessons.models import Lesson
from webapp.masterdata.models import MasterHistory, MasterItem
from webapp.outbox.models import NoticeRead, Outbox
from webapp.processes.models import ProcessDraft
from webapp.security.models import RateHit
from webapp.tasks.models import HumanTask
from webapp.workflow.models import Event, Instance, ProcessDefinition, Timer

__all__ = [
    "AdminJob",
    "ApiToken",
    "Assessment",
    "Attachment",
    "AuditEntry",
    "Case",
    "CaseLink",
    "Comment",
    "Deadline",
    "Event",
    "Group",
    "HumanTask",
    "Instance",
    "Lesson",
    "MasterHistory",
    "MasterItem",
    "Membership",
    "NoticeRead",
    "Outbox",
    "ProcessDefinition",
    "ProcessDraft",
    "RateHit",
    "Timer",
    "User",
]
