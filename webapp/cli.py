"""The `closeloop` command: init, deploy, create-user, token, serve, fire-timers."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import run_simple

from webapp.accounts.directory import deactivate_from_cli
from webapp.accounts.service import create_user, issue_token
from webapp.cases.commands import register_mailin_command
from webapp.deadlines.timers import fire_due_timers
from webapp.errors import ServiceError
from webapp.extensions import db
from webapp.masterdata.service import seed_defaults
from webapp.models import User
from webapp.processes.commands import deploy_or_explain, register_process_commands
from webapp.processes.deploy import init_pack
from webapp.worker.commands import register_worker_commands
from webapp.workflow.definitions import latest_definition

DEMO_USERS = [
    ("agent", "Alice Agent", ["customer_service"], []),
    ("handler1", "Hugo Handler (tier 1)", ["tier_1_handler", "customer_service"], []),
    ("handler2", "Hana Handler (tier 2)", ["tier_2_handler"], []),
    ("handler3", "Tom Tier-3", ["tier_3_handler"], []),
    ("supervisor", "Sam Supervisor", ["service_supervisor", "tier_1_handler", "tier_2_handler"],
     ["tier_1_handler", "tier_2_handler", "customer_service", "callback_staff"]),
    ("techsup", "Tess Technical", ["technical_supervisor"], []),
    ("gm", "Grace General-Manager", ["general_manager", "crisis_team", "tier_3_handler"], ["tier_3_handler"]),
    ("depthead", "Dan Department-Head", ["department_head", "responsible_department"], []),
    ("caller", "Cora Caller", ["callback_staff"], []),
    ("owner", "Olga Process-Owner", ["process_owner"], []),
    ("admin", "Ada Admin", ["admin"], []),
    ("integrated", "Ivan Integrated-Management", ["integrated_management"], []),
    ("finance", "Fiona Finance", ["finance"], []),
]


def init_database(app: Flask) -> None:
    """Create or upgrade the schema with the Alembic migrations."""

    with app.app_context():
        upgrade(directory=str(Path(app.root_path) / "migrations"))


def deploy_default(actor: str = "system") -> list[str]:
    """Deploy the processes of the configured folders that have no version yet; lines saying what happened."""

    deployed, skipped = init_pack(db.session, Path(current_app.config["PROCESSES_DIR"]),
                                  Path(current_app.config["FORMS_DIR"]), actor)
    lines = [f"deployed {r.key} v{r.version}" for r in deployed]
    for key in skipped:
        latest = latest_definition(db.session, key)
        version = f"v{latest.version} by {latest.deployed_by}" if latest else "a version"
        lines.append(f"skipped {key}: {version} is deployed (`closeloop deploy DIR` replaces it)")
    return lines


def seed_master_data(actor: str = "system") -> int:
    """Add the pack's categories (with their K rule) and channels to the master data; how many were new."""

    added = seed_defaults(db.session, Path(current_app.config["PROCESSES_DIR"]),
                          Path(current_app.config["FORMS_DIR"]), actor)
    db.session.commit()
    return added


def create_demo_users(password: str | None) -> list[tuple[str, str]]:
    """Create the demo staff (skipping existing ones); returns (username, password) pairs created."""
    created = []
    for username, name, groups, supervises in DEMO_USERS:
        if db.session.scalars(select(User).where(User.username == username)).first():
            continue
        pw = password or secrets.token_urlsafe(9)
        create_user(db.session, username, pw, groups, name, f"{username}@closeloop.example", supervises)
        created.append((username, pw))
    db.session.commit()
    return created


def _user(username: str) -> User:
    """The user with this name, or a command-line error."""
    user = db.session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise click.ClickException(f"no user '{username}'")
    return user


@click.command("init")
@click.option("--demo", is_flag=True, help="also create demo users and print their passwords once")
@click.option("--demo-password", default=None, help="one password for all demo users (default: random)")
@with_appcontext
def init_cmd(demo: bool, demo_password: str | None) -> None:
    """Create/upgrade the schema, deploy processes/, optionally create demo users."""
    init_database(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo("schema up to date")
    deploy_or_explain(lambda: [*deploy_default(), f"master data ({seed_master_data()} new default rows)"], prefix="")
    if demo:
        for username, pw in create_demo_users(demo_password):
            click.echo(f"demo user {username:<11} password {pw}")


@click.command("create-user")
@click.argument("username")
@click.option("--group", "groups", multiple=True, required=True)
@click.option("--supervises", multiple=True)
@click.option("--name", default="")
@click.option("--email", default=None)
@click.password_option()
@with_appcontext
def create_user_cmd(username: str, groups: tuple[str, ...], supervises: tuple[str, ...], name: str,
                    email: str | None, password: str) -> None:
    """Create a staff user in one or more groups."""
    try:
        create_user(db.session, username, password, list(groups), name, email, list(supervises))
        db.session.commit()
    except ServiceError as exc:
        raise click.ClickException(f"{exc.message} {exc.fields or ''}") from None
    click.echo(f"created {username}")


@click.command("token")
@click.argument("username")
@with_appcontext
def token_cmd(username: str) -> None:
    """Print a new API token for a user."""
    click.echo(issue_token(db.session, _user(username), "cli", float(current_app.config["API_TOKEN_HOURS"])))


@click.command("fire-timers")
@with_appcontext
def fire_timers_cmd() -> None:
    """Fire every timer that is due now, once."""
    total = 0
    while (n := fire_due_timers(db.session)) > 0:
        total += n
    click.echo(f"advanced {total} instance(s)")


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve_cmd(host: str, port: int) -> None:
    """Run the development server."""
    # app.run() does nothing under the flask CLI; serve the app object directly
    run_simple(host, port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]


@click.command("deactivate-user")
@click.argument("username")
@click.option("--reason", default="", help="Why (kept in the admin audit log).")
@with_appcontext
def deactivate_cmd(username: str, reason: str) -> None:
    """Deactivate a user: no more sign-in, every API token revoked; audited like the admin page."""
    try:
        deactivate_from_cli(db.session, username, reason)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"{username} deactivated; API tokens revoked")


def register_cli(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    for command in (init_cmd, create_user_cmd, token_cmd, fire_timers_cmd, serve_cmd, deactivate_cmd):
        app.cli.add_command(command)
    register_process_commands(app)  # deploy, export
    register_worker_commands(app)  # worker, run, mailsink, outbox
    register_mailin_command(app)  # mailin: e-mail in
