"""The HTTP clients of bench/scale.py: bench/http.py's, reconnecting, and a lean wrk-like raw-socket one."""

from __future__ import annotations

import http.client
import json
import socket

from bench.http import Client as _Client


class Client(_Client):
    """bench/http.py's keep-alive client, reconnecting once when gunicorn closed an idle connection."""

    def call(self, method: str, url: str, body: object = None) -> tuple[int, dict]:
        """One request; (status, JSON body)."""
        try:
            return super().call(method, url, body)
        except (ConnectionError, http.client.HTTPException):
            self.conn.close()
            return super().call(method, url, body)


class LeanClient:
    """A keep-alive client in the manner of wrk: one socket, request heads pre-built, only the status line and
    Content-Length read (gunicorn answers Flask's JSON with a length, never chunked). Same interface as Client."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port, self.sock = port, None
        self.auth = f"Authorization: Bearer {token}\r\n".encode() if token else b""
        self.buf = b""

    def call(self, method: str, url: str, body: object = None) -> tuple[int, dict]:
        """One request; (status, JSON body); one reconnect when the server closed the idle connection."""
        try:
            return self._call(method, url, body)
        except (ConnectionError, OSError, ValueError):
            self._close()
            return self._call(method, url, body)

    def _close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buf = None, b""

    def _call(self, method: str, url: str, body: object) -> tuple[int, dict]:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        data = json.dumps(body).encode() if body is not None else b""
        head = (f"{method} {url} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\n").encode() + self.auth + b"\r\n"
        self.sock.sendall(head + data)
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._recv()
        header, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
        status = int(header[9:12])
        lower = header.lower()
        at = lower.find("content-length:")
        if at < 0:
            raise ValueError("no Content-Length")
        length = int(lower[at + 15:lower.find("\r\n", at) if "\r\n" in lower[at:] else None])
        while len(self.buf) < length:
            self._recv()
        payload, self.buf = self.buf[:length], self.buf[length:]
        if "connection: close" in lower:
            self._close()
        return status, json.loads(payload or b"{}")

    def _recv(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.buf += chunk
