"""The Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from webapp import config
from webapp.db_setup import tune_sqlite
from webapp.extensions import db, migrate


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app; test_config overrides the environment."""
    app = Flask(__name__)
    app.config.from_mapping(config.load())
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    import webapp.models  # noqa: F401  (register the tables)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "webapp" / "migrations"))
    with app.app_context():
        tune_sqlite(db.engine)
    from webapp.api import bp as api_bp

    app.register_blueprint(api_bp)
    from webapp.web import init_web

    init_web(app)
    from webapp.admin import bp as admin_bp

    app.register_blueprint(admin_bp)
    from webapp.cli import register_cli

    register_cli(app)
    return app
