"""Helpers of the studio tests: multipart uploads as the process owner, the pack's files, version counts."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import func, select

from tests.conftest import ROOT, Api
from webapp.extensions import db
from webapp.models import ProcessDefinition
from webapp.workflow.definitions import caller_files, deploy_files, deployed_forms, newest_definitions


def pack_file(name: str) -> str:
    """A file of the default pack as text."""
    folder = "forms" if name.endswith(".json") else "processes"
    return (ROOT / folder / name).read_text(encoding="utf-8")


def edited(name: str, old: str, new: str) -> bytes:
    """A pack file with the first `old` replaced by `new`."""
    text = pack_file(name)
    assert old in text, (name, old)
    return text.replace(old, new, 1).encode()


def post_files(api: Api, url: str, files: dict[str, bytes], comment: str | None = None) -> Any:
    """POST multipart `files` (and a comment) as the process owner."""
    data: dict[str, Any] = {"files": [(io.BytesIO(raw), name) for name, raw in sorted(files.items())]}
    if comment is not None:
        data["comment"] = comment
    owner = api.as_("owner")
    return owner.client.post(url, data=data, headers=owner._headers(), content_type="multipart/form-data")


def versions() -> int:
    """How many process versions are stored."""
    return int(db.session.scalar(select(func.count()).select_from(ProcessDefinition)) or 0)


CLOCK_READ = "<bpmn:timeDate xsi:type=\"bpmn:tFormalExpression\">clock_due('T1-callback')</bpmn:timeDate>"


def hand_timer(value: str) -> str:
    """The callback timer's definition written by hand as a duration (instead of reading its clock)."""
    return f'<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{value}</bpmn:timeDuration>'


def inquiry_hours(hours: int, timer: int | None = None) -> bytes:
    """inquiry.bpmn with the T1 callback clock at `hours` hours (its timer, promise and miss record read it);
    with `timer`, the callback timer written by hand as a duration of that many hours instead."""
    text = edited("inquiry.bpmn", "'PT3H'", f"'PT{hours}H'").decode()
    if timer is not None:
        text = text.replace(CLOCK_READ, hand_timer(f'"PT{timer}H"'))
    return text.encode()


def deploy_inquiry_unchecked(inquiry_xml: bytes) -> None:
    """An inquiry version deployed before the checks existed (straight into the store, with its callers)."""
    newest = newest_definitions(db.session)
    files = caller_files(newest, {"inquiry.bpmn"}) | {"inquiry.bpmn": inquiry_xml}
    deploy_files(db.session, files, deployed_forms(newest), "owner", touching={"inquiry.bpmn"})
