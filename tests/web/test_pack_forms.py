"""The real process pack's forms through the web layer: every form renders in both languages, and a grievance
registered on the register page is worked on the task page (pre-judgement, in Chinese)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from handlers.registry import registered_operations
from tests.conftest import ROOT
from webapp.cases import service as cases
from webapp.engine.pack import build_pack, read_dir
from webapp.tasks.formfields import build_fields, parse_form
from webapp.workflow.forms import field_errors


def pack_forms() -> dict[str, Any]:
    """The pack's forms as a deploy stores them."""
    files, forms = read_dir(ROOT / "processes", ROOT / "forms")
    return build_pack(files, forms, registered_operations()).forms


FORMS = sorted(p for p in (ROOT / "forms").glob("*.json") if p.name != "vocabularies.json")  # shared choices


@pytest.mark.parametrize("path", FORMS, ids=[p.stem for p in FORMS])
def test_every_pack_form_renders_in_both_languages(path: Path, app: Any) -> None:
    schema = pack_forms()[path.name]  # as deployed: the shared vocabularies resolved
    with app.test_request_context():
        for lang in ("en", "zh"):
            fields = build_fields(schema, {}, {}, lang, "Asia/Shanghai")
            names = {f.name for f in fields}
            assert names == set(schema.get("properties", {})), "one field per property"
            for fld in [*fields, *(child for parent in fields for child in parent.children)]:
                assert fld.label, fld.name
                if fld.widget in ("select", "radio", "checkboxes"):
                    assert fld.options and all(text for _, text in fld.options), fld.name
                sub = schema["properties"].get(fld.name.split(".")[0], {})
                if lang == "zh" and "." not in fld.name and sub.get("x-title-zh"):
                    assert fld.label == sub["x-title-zh"]
        data, bad, _ = parse_form(schema, MultiDict(), "Asia/Shanghai")
        assert bad == {}
        errors = field_errors(schema, data)
        assert all(isinstance(v, str) for v in errors.values())


def test_pack_grievance_registered_and_first_task_worked_in_chinese(web_factory: Any, pack: Any) -> None:
    from webapp.extensions import db

    agent = web_factory().login("agent")
    agent.get("/cases/new")
    r = agent.post("/cases/new", {"customer.name": "王芳", "customer.phone": "13500000005", "channel": "phone",
                                  "kind": "grievance", "category": "staff_attitude", "subject": "Service point 2",
                                  "description": "前台态度恶劣", "demand": "道歉"})
    assert r.status_code == 302
    page = agent.text(r.headers["Location"])
    number = re.search(r"Registered as (CL-\d{4}-\d{6})", page).group(1)
    case = cases.get_by_number(db.session, number)
    assert "G4" in page and "tier_1_handler" not in page and "Tier-1 handlers" in page
    task = cases.open_tasks(db.session, case)[0]
    handler = web_factory().login("handler1")
    handler.post("/language", {"language": "zh", "next": "/"})
    page = handler.text(f"/tasks/{task.id}")
    schema = json.loads((ROOT / "forms" / task.form_key).read_text())
    assert f"<h2>{schema['x-title-zh']}</h2>" in page
    assert schema["properties"]["core_problem"]["x-title-zh"] in page
    r = handler.post(f"/tasks/{task.id}", {"action": "complete", "core_problem": "态度"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "此项为必填" in page and "态度</textarea>" in page
    form = {"action": "complete"}
    for key, sub in schema["properties"].items():
        if key in schema.get("required", []) and sub.get("type") == "string":
            form[key] = sub["enum"][0] if "enum" in sub else "写明"
    form.update({"facts.media_exposure": "none", "facts.lawsuit": "none", "facts.households": "1"})
    r = handler.post(f"/tasks/{task.id}", form)
    assert r.status_code == 302, r.get_data(as_text=True)[-3000:]
    done = handler.text(r.headers["Location"])
    assert "下一步" in done
    db.session.expire_all()
    assert cases.open_tasks(db.session, case)[0].id != task.id
