"""English and Simplified Chinese: catalogues complete and compiled on a fresh clone, pages, forms, time zones."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import select

from tests.helpers import register
from webapp.engine import clock
from webapp.extensions import db
from webapp.models import HumanTask, ProcessDefinition, User
from webapp.web.i18n import TRANSLATIONS, compile_catalogues


def test_every_message_has_a_chinese_translation() -> None:
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    missing = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_catalogues_compile_from_the_po_files_alone(tmp_path: Path) -> None:
    target = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, target, ignore=shutil.ignore_patterns("*.mo"))
    assert compile_catalogues(target) == ["zh"]
    assert (target / "zh" / "LC_MESSAGES" / "messages.mo").stat().st_size > 1000
    assert compile_catalogues(target) == [], "up to date: nothing to do"


def _chinese(web: Any, name: str) -> Any:
    web.login(name)
    web.post("/language", {"language": "zh", "next": "/"})
    return web


def test_worklist_and_task_page_in_chinese_with_form_titles_from_the_schema(web: Any, mini: Any) -> None:
    definition = db.session.scalars(select(ProcessDefinition)).one()
    forms = dict(definition.forms)
    forms["facts.json"] = {**forms["facts.json"], "x-title-zh": "查询事实",
                           "properties": {**forms["facts.json"]["properties"],
                                          "cause": {**forms["facts.json"]["properties"]["cause"],
                                                    "x-title-zh": "原因", "x-description-zh": "问题的真正原因"}}}
    definition.forms = forms
    db.session.commit()
    case = register()
    _chinese(web, "handler1")
    page = web.text("/?tab=group")
    for text in ("我的任务", "我所在组的队列", "剩余时间", "预留", "抱怨", "小时后到期"):
        assert text in page, text
    task = db.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).one()
    page = web.text(f"/tasks/{task.id}")
    assert "<h2>查询事实</h2>" in page and "原因" in page and "问题的真正原因" in page
    assert "完成" in page and "保存草稿" in page
    r = web.post(f"/tasks/{task.id}", {"action": "complete", "cause": ""})
    assert r.status_code == 422 and "此项为必填" in r.get_data(as_text=True)


def test_dates_are_shown_in_the_users_time_zone(web: Any, mini: Any) -> None:
    clock.freeze(datetime(2026, 3, 1, 1, 30, tzinfo=UTC))
    case = register()
    web.login("agent")
    assert "registered today 09:30 by agent" in web.text(f"/cases/{case.number}"), "default: Asia/Shanghai"
    web.get("/account")
    web.post("/account/preferences", {"language": "en", "timezone": "Europe/Berlin"})
    assert "registered today 02:30 by agent" in web.text(f"/cases/{case.number}")
    # one human format everywhere in the staff UI (issue 14): no babel 'medium' dates, no ISO timestamps
    clock.freeze(datetime(2026, 3, 5, 1, 30, tzinfo=UTC))
    page = web.text(f"/cases/{case.number}")
    assert "Mar 1 02:30" in page
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:|\d:\d\d:\d\d\s[AP]M", page)
    user = db.session.scalars(select(User).where(User.username == "agent")).one()
    db.session.refresh(user)
    assert user.timezone == "Europe/Berlin"
    web.post("/account/preferences", {"language": "en", "timezone": "Mars/Olympus"})
    assert "Unknown time zone" in web.text("/account")


def test_register_page_in_chinese(web: Any, mini: Any) -> None:
    _chinese(web, "agent")
    page = web.text("/cases/new")
    for text in ("登记投诉", "客户", "渠道", "事情经过", "当场解决", "消极者", "媒体曝光"):
        assert text in page, text


def test_every_string_the_pages_use_is_in_the_catalogue() -> None:
    root = TRANSLATIONS.parent.parent
    with (root / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    used = {msg[2] if isinstance(msg[2], str) else msg[2][0] for msg in extract_from_dir(
        str(root), method_map, options_map)}
    with (TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert sorted(used - known) == []
