"""A local SMTP sink for demos: every message received is written to var/mail/ and logged on one line."""

from __future__ import annotations

import logging
import re
import threading
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

log = logging.getLogger("closeloop.mailsink")


class MailDirHandler:
    """aiosmtpd handler: store each message as <n>-<message-id>.eml."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd API)
        """Write the message, log who it is for and its subject."""
        data: bytes = envelope.original_content or envelope.content
        msg = message_from_bytes(data)
        msg_id = re.sub(r"[^A-Za-z0-9@._-]", "", str(msg.get("Message-ID", "")))[:80] or "no-id"
        with self._lock:
            number = len(list(self.folder.glob("*.eml"))) + 1
            path = self.folder / f"{number:06d}-{msg_id}.eml"
            path.write_bytes(data)
        subject = str(make_header(decode_header(msg.get("Subject", ""))))
        log.info("mail to %s: %s (%s)", ", ".join(envelope.rcpt_tos), subject, path.name)
        return "250 Message accepted for delivery"


def start(host: str, port: int, folder: Path) -> Any:
    """Start the sink's SMTP server (an aiosmtpd Controller, already listening); OSError when the port is taken."""
    from aiosmtpd.controller import Controller  # lazy: only the demo mail sink needs aiosmtpd

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP verb at INFO
    controller = Controller(MailDirHandler(folder), hostname=host, port=port)
    try:
        controller.start()
    except (OSError, RuntimeError, TimeoutError) as exc:  # the bind error of aiosmtpd's server thread
        raise OSError(f"the mail sink cannot listen on {host}:{port} ({exc})") from None
    log.info("mail sink listening on %s:%s, writing to %s", host, port, folder)
    return controller


def serve(host: str, port: int, folder: Path, stop: threading.Event) -> None:
    """Run the sink until `stop` is set."""
    controller = start(host, port, folder)
    try:
        stop.wait()
    finally:
        controller.stop()
