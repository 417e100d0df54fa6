"""Schema-driven fuzzing of API v1 (Schemathesis on Hypothesis) against the app's own /api/v1/openapi.json.

Shared by tests/security/test_fuzz.py (short form) and bench/fuzz.py (full form, >= 10,000 requests).
Every answer must be < 500; after the run the database must hold no half-written case.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Case, HumanTask, Instance


@dataclass
class FuzzStats:
    """What the run sent and got back."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    per_operation: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def _token(app: Flask, username: str, password: str) -> str:
    r = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": password},
                               environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["token"])


def _one_operation(stats: FuzzStats, op: Any, mode: GenerationMode, examples: int, seed: int,
                   auth: Callable[[str], str]) -> None:
    label = f"{op.method.upper()} {op.path}"

    @settings(max_examples=examples, deadline=None, database=None, derandomize=False, print_blob=False,
              suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def probe(case: Any) -> None:
        headers = dict(case.headers or {})
        if op.path != "/api/v1/auth/token" or op.method.upper() == "DELETE":
            headers["Authorization"] = f"Bearer {auth(label)}"
        case.headers = headers
        response = case.call()
        stats.requests += 1
        stats.statuses[response.status_code] += 1
        stats.per_operation[label] += 1
        if response.status_code >= 500:
            stats.failures.append(f"{response.status_code} {label} {mode.value}: {case.as_curl_command()[:400]}")

    random.seed(seed)
    probe()


def _known_utf8_table() -> None:
    """Give Hypothesis the table of what UTF-8 encodes before it works it out itself.

    On a fresh checkout Hypothesis finds the characters a codec encodes by encoding all 1,114,112 code points once
    and keeps the answer in .hypothesis/ (about 90 s of CI on the 2-core machine). For UTF-8 the answer is known:
    every code point but the surrogates, all of them decoding back; the file holds what Hypothesis would write there.
    Skipped if Hypothesis keeps it elsewhere or in another form (it then works it out as before).
    """
    try:
        from hypothesis.internal.charmap import charmap_file

        path = charmap_file("codec-v2-utf-8")
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        os.close(fd)
        with gzip.GzipFile(tmp, "wb", mtime=1) as out:
            out.write(json.dumps([[[0, 0xD7FF], [0xE000, 0x10FFFF]], []]).encode())
        os.replace(tmp, path)
    except (ImportError, AttributeError, OSError):
        return


def fuzz(app: Flask, username: str, password: str, target: int, per_round: int = 25,
         progress: Callable[[FuzzStats], None] | None = None, under: tuple[str, ...] = ("/api/v1/",)) -> FuzzStats:
    """Send at least `target` generated requests over every API operation under the given path prefixes
    (valid and invalid inputs)."""
    _known_utf8_table()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [op for op in (result.ok() for result in schema.get_all_operations()) if op.path.startswith(under)]
    stats = FuzzStats()
    standing = _token(app, username, password)

    def auth(label: str) -> str:  # the revoke operation gets a fresh token each time
        return _token(app, username, password) if label == "DELETE /api/v1/auth/token" else standing

    seed = 0
    while stats.requests < target:
        for op in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                seed += 1
                _one_operation(stats, op, mode, per_round, seed, auth)
        if progress:
            progress(stats)
        if stats.requests == 0:
            break
    return stats


def half_written(app: Flask) -> list[str]:
    """Rows a failed request could have left half-written: cases without instance, tasks without instance."""
    with app.app_context():
        problems = []
        orphans = db.session.scalar(select(func.count()).select_from(Case).outerjoin(
            Instance, Instance.id == Case.instance_id).where(Instance.id.is_(None)))
        if orphans:
            problems.append(f"{orphans} case(s) without a workflow instance")
        tasks = db.session.scalar(select(func.count()).select_from(HumanTask).outerjoin(
            Instance, Instance.id == HumanTask.instance_id).where(Instance.id.is_(None)))
        if tasks:
            problems.append(f"{tasks} task(s) without a workflow instance")
        open_done = db.session.scalar(select(func.count()).select_from(HumanTask).join(
            Instance, Instance.id == HumanTask.instance_id).where(
            HumanTask.state == "open", Instance.status.in_(("complete", "terminated"))))
        if open_done:
            problems.append(f"{open_done} open task(s) of finished instances")
        db.session.remove()
        return problems
