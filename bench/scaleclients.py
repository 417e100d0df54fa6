"""bench/scale.py's clients: the HTTP clients (bench/http.py's, reconnecting; a lean wrk-like raw-socket one) and
what one client does (the real mix, closed loop or paced)."""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time

from bench.http import Client as _Client
from bench.realpack import PATH, WORKER_OF, intake
from bench.scalereport import Tally


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


CLIENT: list[type] = [Client]  # --lean-client: LeanClient
_THREAD = threading.local()


def call(tally: Tally, client: Client, op: str, method: str, url: str, body: object = None) -> tuple[bool, dict]:
    """One timed request (and, at the first call after the warm-up, this client thread's CPU so far)."""
    started, t0 = time.monotonic(), time.perf_counter()
    if started >= tally.measure_from and not hasattr(_THREAD, "cpu0"):
        _THREAD.cpu0 = time.thread_time()
    status, data = client.call(method, url, body)
    return tally.record(op, started, time.perf_counter() - t0, status, data), data


class Pacer:
    """Paced clients (NOT the issue's P3): request starts of one client as a Poisson stream of mean gap seconds."""

    def __init__(self, gap: float | None, seed: int) -> None:
        self.gap, self.rng = gap, random.Random(seed)
        self.next_at = time.monotonic() + (self.rng.uniform(0, gap) if gap else 0.0)

    def wait(self) -> None:
        """Sleep until this client's next request is due (never catching up more than one gap after a slow call)."""
        if not self.gap:
            return
        now = time.monotonic()
        self.next_at = max(self.next_at, now - self.gap)
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at += self.rng.expovariate(1 / self.gap)


def _paced_stop(until: float) -> bool:
    """True once a paced client's deadline has passed."""
    return time.monotonic() >= until


def drive(port: int, tokens: dict[str, str], seed: int, until: float, tally: Tally, gap: float | None = None) -> None:
    """One client: grievances worked to closure through the API until the deadline (the last one is finished).

    `gap`: paced (mean seconds between this client's request starts); None: the issue's closed loop, no think time.
    """
    clients = {name: CLIENT[0](port, tok) for name, tok in tokens.items()}
    pace = Pacer(gap, seed)
    n = seed
    while time.monotonic() < until:
        if gap and _paced_stop(until):
            break
        pace.wait()
        ok, case = call(tally, clients["agent"], "register", "POST", "/api/v1/cases", intake(n))
        n += 1000
        tasks = case.get("open_tasks", []) if ok else []
        for spec, data in PATH:
            task = next((t for t in tasks if t["task_spec"] == spec), None)
            if task is None:
                break
            if gap and _paced_stop(until):
                break  # paced clients stop at the deadline (a grievance takes them many seconds)
            worker = WORKER_OF.get(task["group"])
            if worker not in clients:  # the path left the bench's groups (a breached clock escalated it): next case
                with tally.lock:
                    tally.diverted += 1
                break
            client = clients[worker]
            pace.wait()
            call(tally, client, "worklist", "GET", "/api/v1/tasks?scope=group&limit=50")
            pace.wait()
            ok, _ = call(tally, client, "open", "GET", f"/api/v1/tasks/{task['id']}")
            pace.wait()
            ok, body = call(tally, client, "complete", "POST", f"/api/v1/tasks/{task['id']}/complete", {"data": data})
            tasks = body.get("next_tasks", []) if ok else []
    with tally.lock:
        tally.client_cpu += time.thread_time() - getattr(_THREAD, "cpu0", time.thread_time())
