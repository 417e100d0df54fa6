"""Users, groups (roles and lanes), memberships and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from webapp.db_types import UtcDateTime
from webapp.engine.clock import now
from webapp.extensions import db
from webapp.masterdata import units


class User(db.Model):  # type: ignore[name-defined,misc]
    """A staff member who signs in."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(10), default="en")
    timezone: Mapped[str | None] = mapped_column(String(64))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def role_keys(self) -> set[str]:
        """Keys of every group (role) the user is a member of."""
        return {m.group.key for m in self.memberships}

    @property
    def group_keys(self) -> set[str]:
        """Every queue the user works in: the groups, and the departments and service points master data names the
        user in (`department:<key>`, `department_head:<key>` ...: webapp.masterdata.units)."""
        session = object_session(self)
        return self.role_keys | (units.queues_of(session, self.username) if session is not None else set())

    def works_in(self, queue: str | None) -> bool:
        """True if `queue` is one of group_keys; master data is read only for a department/service point queue."""
        if not queue:
            return False
        if queue in self.role_keys:
            return True
        return units.parse(queue) is not None and queue in self.group_keys

    @property
    def supervised_keys(self) -> set[str]:
        """Keys of the groups the user supervises."""
        return {m.group.key for m in self.memberships if m.is_supervisor}

    def has_role(self, *keys: str) -> bool:
        """True if the user is in any of the given groups (admin counts for everything)."""
        groups = self.role_keys
        return "admin" in groups or any(k in groups for k in keys)


class Group(db.Model):  # type: ignore[name-defined,misc]
    """A role and a work queue: lanes of the diagrams name groups."""

    __tablename__ = "user_group"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    memberships: Mapped[list[Membership]] = relationship(back_populates="group", cascade="all, delete-orphan")


class Membership(db.Model):  # type: ignore[name-defined,misc]
    """A user in a group, optionally as its supervisor."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "group_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("user_group.id", ondelete="CASCADE"))
    is_supervisor: Mapped[bool] = mapped_column(default=False)
    user: Mapped[User] = relationship(back_populates="memberships")
    group: Mapped[Group] = relationship(back_populates="memberships", lazy="joined")


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=now)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    user: Mapped[User] = relationship(lazy="joined")
