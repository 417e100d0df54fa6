"""Worker test fixtures: a real SMTP server (aiosmtpd) and a real webhook HTTP server on loopback, the SLA diagram."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.worker.children import children  # noqa: F401  (the fixture: worker processes killed after each test)
from webapp.engine.clock import now
from webapp.extensions import db
from webapp.models import Case
from webapp.outbox.delivery.settings import MailSettings, WorkerSettings
from webapp.workflow import transitions as runtime
from webapp.workflow.definitions import deploy_directory

HERE = Path(__file__).resolve().parent
HOOK_SECRET = "test-hook-secret"


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailBox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Any]] = []
        self.lock = threading.Lock()
        self.delay = 0.0  # seconds between taking the message and answering 250 (a slow server)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """Keep the message."""
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.original_content,
                                                                                      policy=policy.default)))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"

    def ids(self) -> list[str]:
        """Message-IDs in arrival order."""
        return [str(m["Message-ID"]) for _, m in self.messages]


class SmtpServer:
    """aiosmtpd on a loopback port that can be stopped and started again (mail server down / up)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.box = MailBox()
        self.controller: Any = None

    def start(self) -> None:
        """Listen."""
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        """Stop listening (connections are refused afterwards)."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class HookServer:
    """A real HTTP server recording webhook POSTs; `fail_next` answers 503 that many times."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_next = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if outer.fail_next > 0:
                    outer.fail_next -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                       "json": json.loads(body)})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A running SMTP server on loopback."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hooks() -> Iterator[HookServer]:
    """A running webhook receiver on loopback."""
    server = HookServer()
    yield server
    server.close()


@pytest.fixture
def settings(smtp: SmtpServer, hooks: HookServer) -> WorkerSettings:
    """Worker settings pointing at the test servers, short backoff."""
    return WorkerSettings(
        mail=MailSettings(host="127.0.0.1", port=smtp.port, timeout=5, domain="test.closeloop"),
        base_url="http://closeloop.test", webhooks={"crm": {"url": hooks.url, "secret": HOOK_SECRET}},
        max_attempts=4, backoff_base=10, backoff_cap=600, lease_seconds=30, poll_seconds=0.2, batch=50,
    )


@pytest.fixture
def sla(app: Flask) -> None:
    """Deploy the SLA fixture diagram (process 'sla_case')."""
    import tests.worker.fixture_handlers  # noqa: F401

    deploy_directory(db.session, HERE / "processes", HERE / "forms", "test")


def start_sla(name: str = "T1-callback", duration: str = "PT3H", business: bool = False, lang: str = "en",
              email: str | None = "li.lei@example.test", tier: int = 1) -> Case:
    """Register a case and start the SLA fixture process for it (commits)."""
    at = now()
    case = Case(number=f"TMP-{at.timestamp()}", channel="phone", kind="grievance", customer_name="Li Lei",
                customer_email=email, description="test", registered_by="agent", created_at=at, updated_at=at,
                status="open", tier=tier, facts={}, record={})
    db.session.add(case)
    db.session.flush()
    case.number = f"CL-T-{case.id:06d}"
    data = {"case_number": case.number, "clock_name": name, "clock_duration": duration, "clock_business": business,
            "lang": lang}
    runtime.start_instance(db.session, "sla_case", data, "agent", case)
    db.session.commit()
    return case
