"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every model (plain SQLAlchemy 2.0 typed models)."""


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
