"""CLI commands of the worker: `worker`, `run` (web + worker in one command), `mailsink`, `outbox`."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from webapp.config import ROOT
from webapp.extensions import db
from webapp.outbox import service as outbox
from webapp.outbox.delivery.settings import load_settings
from webapp.settings import env
from webapp.worker import Worker, install_signal_handlers, run_forever, watch_commits
from webapp.worker.mailsink import serve
from webapp.worker.mailsink import start as start_sink

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr at `level` in the commands' one format; SpiffWorkflow's per-task chatter only at DEBUG."""
    chosen = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(level=chosen, format=LOG_FORMAT)
    # Spiff logs every task state change at INFO: thousands of lines per case, and a log record built for each.
    logging.getLogger("spiff").setLevel(chosen if chosen <= logging.DEBUG else max(chosen, logging.WARNING))


def _worker_thread(app: Flask, stop: threading.Event) -> threading.Thread:

    def body() -> None:
        with app.app_context():
            run_forever(lambda: db.plain_session(), load_settings(app.config), stop)

    thread = threading.Thread(target=body, name="closeloop-worker", daemon=True)
    thread.start()
    return thread


def _mail_announcement(application: Flask, mailsink: bool | None, stop: threading.Event) -> str:
    """Start the demo mail sink when wanted (it listens before we say so); the line that says where mail goes.

    Raises click.ClickException when the sink's port is taken (the worker would otherwise mail into nothing)."""
    mail = load_settings(application.config).mail
    if mailsink is None:
        mailsink = not (application.config.get("MAIL_HOST") or env("MAIL_HOST"))
    if not mailsink:
        return f"mail goes to the SMTP server {mail.host}:{mail.port} (MAIL_HOST); no demo mail sink"
    try:
        controller = start_sink(mail.host, mail.port, ROOT / "var" / "mail")
    except OSError as exc:
        raise click.ClickException(f"{exc}; stop the other copy, or set MAIL_HOST/MAIL_PORT") from None
    threading.Thread(target=lambda: (stop.wait(), controller.stop()), name="closeloop-mailsink", daemon=True).start()
    return f"mail sink on {mail.host}:{mail.port}: messages land in var/mail/"


@click.command("worker")
@click.option("--once", is_flag=True, help="do what is due now, then exit")
@click.option("--log-level", default="INFO")
@with_appcontext
def worker_cmd(once: bool, log_level: str) -> None:
    """Fire due timers, warn/breach SLA clocks and deliver the outbox until SIGTERM."""
    configure_logging(log_level)
    stop = threading.Event()
    install_signal_handlers(stop)
    worker = Worker(db.plain_session(), load_settings(current_app.config), stop)
    if once:
        click.echo(f"{worker.run_once()} action(s)")
        return
    worker.run()


@click.command("mailsink")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=None, type=int, help="default: MAIL_PORT (8025)")
@click.option("--dir", "folder", default=None, type=click.Path(path_type=Path), help="default: var/mail")
@with_appcontext
def mailsink_cmd(host: str, port: int | None, folder: Path | None) -> None:
    """Run a local SMTP server that writes every message it receives to var/mail/ (demo mode)."""
    configure_logging()
    stop = threading.Event()
    install_signal_handlers(stop)
    serve(host, port or load_settings(current_app.config).mail.port, folder or ROOT / "var" / "mail", stop)


@click.command("run")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--mailsink/--no-mailsink", default=None,
              help="also run the local mail sink (default: when MAIL_HOST is not configured)")
@with_appcontext
def run_cmd(host: str, port: int, mailsink: bool | None) -> None:
    """Run the web app and the worker (and, in demo mode, a mail sink writing to var/mail/) in one command."""
    configure_logging()
    application: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    click.echo(_mail_announcement(application, mailsink, stop))
    watch_commits(db.session)
    _worker_thread(application, stop)
    try:
        run_simple(host, port, application, threaded=True, use_reloader=False)
    finally:
        stop.set()


@click.command("outbox")
@click.option("--retry-dead", is_flag=True, help="queue every dead message again (after fixing the cause)")
@with_appcontext
def outbox_cmd(retry_dead: bool) -> None:
    """Show outbox messages by status (dead ones are incidents); optionally retry the dead ones."""
    if retry_dead:
        click.echo(f"queued {outbox.retry(db.plain_session())} dead message(s) again")
        db.session.commit()
    for status, count in sorted(outbox.counts(db.plain_session()).items()):
        click.echo(f"{status:<10} {count}")


def register_worker_commands(app: Flask) -> None:
    """Attach the worker commands to the app's CLI."""
    for command in (worker_cmd, mailsink_cmd, run_cmd, outbox_cmd):
        app.cli.add_command(command)
