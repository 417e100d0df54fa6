"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, Session


class Base(DeclarativeBase):
    """Declarative base of every model (plain SQLAlchemy 2.0 typed models)."""


class Database(SQLAlchemy):
    """Flask-SQLAlchemy whose request-scoped session is typed as the Session the services take."""

    session: Session  # type: ignore[assignment]  # a scoped_session: it proxies every Session method

    def plain_session(self) -> Session:
        """The real Session of the current scope, for loops that hold on to it (the worker)."""
        return self.session()  # type: ignore[operator,no-any-return]


# expire_on_commit=False: a committed transition does not force the next read to reload every row
db = Database(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def running_config() -> Mapping[str, Any]:
    """The running app's config (WEBHOOKS, SERVICE_POINT_EMAILS ...); outside an app nothing, so that
    load_settings reads the environment with the one precedence of webapp.settings (CLOSELOOP_X, then X)."""
    return current_app.config if has_app_context() else {}
