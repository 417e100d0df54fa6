"""The Flask application factory: the one place that wires the app for web, CLI and worker alike."""

from __future__ import annotations

import gc
import importlib
from typing import Any

from flask import Flask

import webapp.models  # noqa: F401  (register every package's tables)
from handlers.registry import load_all
from webapp import config
from webapp.accounts import api as accounts_api
from webapp.accounts import api_users, web_users
from webapp.accounts import web as accounts_web
from webapp.accounts.service import configure_hashing
from webapp.admin import api as admin_api
from webapp.admin import (
    api_instances,
    api_jobs,
    web_audit,
    web_bulk,
    web_instances,
    web_jobs,
    web_messages,
    web_migrate,
    web_repairs,
)
from webapp.admin.web import bp as admin_bp
from webapp.api import bp as api_bp
from webapp.api import openapi
from webapp.api import problems as api_problems
from webapp.assessments import init_assessments
from webapp.cases import api as cases_api
from webapp.cases import web as cases_web
from webapp.cases import web_files, web_public
from webapp.cli import register_cli
from webapp.db_setup import tune_postgres, tune_sqlite
from webapp.deadlines import business_calendar
from webapp.engine import budget, wfcache
from webapp.extensions import db, migrate
from webapp.lessons import init_lessons
from webapp.masterdata import api as masterdata_api
from webapp.masterdata import web as masterdata_web
from webapp.outbox import web as outbox_web
from webapp.outbox.delivery.settings import load_settings
from webapp.outbox.web_demo_webhooks import init_demo_webhooks
from webapp.processes import api as processes_api
from webapp.processes import web as processes_web
from webapp.processes import web_edit as processes_web_edit
from webapp.reports import init_reports
from webapp.security import init_security
from webapp.tasks import api as tasks_api
from webapp.tasks import web as tasks_web
from webapp.tasks import web_worklist
from webapp.web import init_web
from webapp.worker import notify as notify_work

# Modules imported for their routes, which they attach to a blueprint of their own or of the API/admin.
ROUTE_MODULES = (accounts_api, admin_api, api_instances, api_jobs, api_problems, cases_api, processes_api,
                 tasks_api, openapi, processes_web_edit, api_users, web_users,
                 web_audit, web_bulk, web_instances, web_jobs, web_messages, web_migrate, web_repairs, web_files,
                 masterdata_api, masterdata_web)
WEB_BLUEPRINTS = (accounts_web.bp, web_worklist.bp, tasks_web.bp, cases_web.bp, outbox_web.bp, web_public.bp,
                  processes_web.bp, web_public.legacy)  # processes_web_edit adds the editor's views to it


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app; test_config overrides the environment."""
    app = Flask(__name__)
    app.config.from_mapping(config.load())
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    configure_hashing(app.config["PASSWORD_HASH_METHOD"])

    budget.configure(app.config.get("SCRIPT_CPU_SECONDS"), app.config.get("SCRIPT_MEMORY_MB"))
    wfcache.configure(app.config.get("WORKFLOW_CACHE", 256))
    if app.config.get("GC_THRESHOLD"):
        gc.set_threshold(int(app.config["GC_THRESHOLD"]), *gc.get_threshold()[1:])

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.ROOT / "webapp" / "migrations"))
    with app.app_context():
        tune_sqlite(db.engine)
        tune_postgres(db.engine)
    notify_work.install()  # commits that add work wake PostgreSQL workers (LISTEN/NOTIFY)
    wire_runtime(app)
    init_security(app)  # before the blueprints: their <int:> routes use the bounded converter
    app.register_blueprint(api_bp)
    init_web(app, WEB_BLUEPRINTS)
    app.register_blueprint(admin_bp)
    init_reports(app)
    init_demo_webhooks(app)  # demo mode only
    init_assessments(app)
    init_lessons(app)
    register_cli(app)
    return app


def wire_runtime(app: Flask) -> None:
    """Install the business calendar (and the diagrams' sandbox helpers) and import the handler plug-ins."""
    business_calendar.configure(business_calendar.from_mapping(app.config))
    for module in load_settings(app.config).handler_modules:
        importlib.import_module(module)  # extra handler packages a deployment plugs in
    # the handlers package too, now and in one thread: loaded lazily, a web process's first requests imported it
    # from several gthread threads at once, and one could read the registry half filled
    load_all()
