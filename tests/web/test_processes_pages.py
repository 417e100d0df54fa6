"""Process pages: list, versions, diagram/decision/form views, the editor's draft, check and deploy, the diff."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import ProcessDefinition
from webapp.processes.models import ProcessDraft


def _json_post(web: Any, url: str, body: Any) -> Any:
    """POST JSON with the page's CSRF token in the header, as the editor's script does."""
    with web._fresh():
        return web.client.post(url, json=body, headers={"X-CSRFToken": web.token})


def _inquiry() -> ProcessDefinition:
    stmt = select(ProcessDefinition).where(ProcessDefinition.key == "inquiry")
    return db.session.scalars(stmt.order_by(ProcessDefinition.version.desc())).first()


def test_owner_lands_on_processes_admin_reads_staff_are_refused(web: Any, pack: None) -> None:
    web.login("owner")
    r = web.post("/login", {"username": "owner", "password": "test-pass-123"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/processes/")
    page = web.text("/processes/")
    assert 'data-process="inquiry"' in page and "data-testid=\"edit-inquiry\"" in page and ">v1<" in page
    web.login("admin")
    page = web.text("/processes/inquiry")
    assert "v1" in page and 'data-testid="edit"' not in page
    assert web.get("/processes/inquiry/edit").status_code == 403
    web.login("agent")
    assert web.get("/processes/").status_code == 403
    assert web.get("/processes/nope").status_code == 403


def test_version_page_diagram_decisions_and_forms_in_both_languages(web: Any, pack: None) -> None:
    web.login("owner")
    assert web.get("/processes/nope").status_code == 404
    complaint = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == "complaint")).first()
    page = web.text(f"/processes/complaint/v/{complaint.version}")
    assert 'id="diagram"' in page and 'id="studio-data"' in page and "<script>" not in page
    assert "Decision tables" in page and 'data-decision="grade_decision"' in page and "FIRST" in page
    xml = web.text(f"/processes/complaint/v/{complaint.version}/files/complaint.bpmn")
    assert xml.startswith("<?xml")
    trail = web.text(f"/processes/inquiry/latest?trail=complaint:{complaint.version}")
    assert f"complaint v{complaint.version}</a>" in trail  # breadcrumb back to the caller
    form = web.text("/processes/inquiry/v/1/forms/inquiry_callback.json")
    assert "回电客户" in form and "Call the customer back" in form.replace("\n", " ") or "preview-zh" in form
    assert 'data-testid="preview-en"' in form and 'data-testid="preview-zh"' in form and "disabled" in form


def test_draft_check_deploy_with_comment_and_diff(web: Any, pack: None) -> None:
    web.login("owner")
    web.get("/processes/inquiry/edit")
    before = _inquiry()
    data = json.loads(web.text("/processes/inquiry/edit").split('id="studio-data">')[1].split("</script>")[0])
    assert data["main"] == "inquiry.bpmn" and "inquiry_callback.json" in data["forms"]
    files = dict(data["files"])
    files["inquiry.bpmn"] = files["inquiry.bpmn"].replace('"PT3H"</bpmn:timeDuration>', '"PT4H"</bpmn:timeDuration>')
    files["inquiry.bpmn"] = files["inquiry.bpmn"].replace("value=\"'PT3H'\"", "value=\"'PT4H'\"")
    assert _json_post(web, "/processes/inquiry/draft", {"files": "x"}).status_code == 422
    assert _json_post(web, "/processes/inquiry/draft", {"files": files, "forms": data["forms"]}).status_code == 200
    assert _inquiry().version == before.version, "a draft runs nothing"
    checked = _json_post(web, "/processes/inquiry/check", {}).get_json()
    assert checked == {"ok": True, "problems": []}
    assert web.post("/processes/inquiry/deploy", {"comment": ""}).status_code == 422
    r = web.post("/processes/inquiry/deploy", {"comment": "T1 callback: 4 hours"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert _inquiry().version == before.version + 1
    rows = db.session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.version))
    newest = {d.key: d.version for d in rows}
    assert newest["grievance"] == 1 and newest["complaint"] == 2, "only inquiry and its caller get a new version"
    assert db.session.scalars(select(ProcessDraft)).first() is None, "the deployed draft is gone"
    diff = web.text(f"/processes/inquiry/diff?from={before.version}&to={before.version + 1}")
    assert "PT4H" in diff and "PT3H" in diff


def test_a_broken_draft_is_refused_with_its_problems_and_nothing_is_stored(web: Any, pack: None) -> None:
    web.login("owner")
    page = web.text("/processes/inquiry/edit")
    data = json.loads(page.split('id="studio-data">')[1].split("</script>")[0])
    files = {"inquiry.bpmn": data["files"]["inquiry.bpmn"].split("</bpmn:process>")[0]}  # cut off: no XML
    assert _json_post(web, "/processes/inquiry/draft", {"files": files, "forms": {}}).status_code == 200
    checked = _json_post(web, "/processes/inquiry/check", {}).get_json()
    assert checked["ok"] is False and "inquiry.bpmn" in json.dumps(checked["problems"])
    count = len(db.session.scalars(select(ProcessDefinition)).all())
    r = web.post("/processes/inquiry/deploy", {"comment": "broken"})
    assert r.status_code == 422 and "inquiry.bpmn" in r.get_data(as_text=True)
    assert len(db.session.scalars(select(ProcessDefinition)).all()) == count


def test_form_preview_renders_the_staff_widgets_in_the_chosen_language(web: Any, pack: None) -> None:
    web.login("owner")
    web.get("/processes/inquiry/edit")
    schema = {"type": "object", "title": "T", "properties": {
        "ok": {"type": "boolean", "title": "Reached", "x-title-zh": "已联系"},
        "how": {"type": "string", "enum": ["a", "b"], "title": "How", "x-title-zh": "方式"}}, "required": ["how"]}
    zh = _json_post(web, "/processes/preview", {"schema": schema, "lang": "zh"})
    assert zh.status_code == 200 and "已联系" in zh.get_data(as_text=True) and "disabled" in zh.get_data(as_text=True)
    en = _json_post(web, "/processes/preview", {"schema": schema, "lang": "en"}).get_data(as_text=True)
    assert "Reached" in en and 'name="how"' in en
    assert _json_post(web, "/processes/preview", {"schema": [1]}).status_code == 422


def test_editor_calls_need_the_csrf_token_and_a_stale_draft_is_pointed_out(web: Any, pack: None) -> None:
    web.login("owner")
    page = web.text("/processes/inquiry/edit")
    data = json.loads(page.split('id="studio-data">')[1].split("</script>")[0])
    with web._fresh():
        refused = web.client.post("/processes/inquiry/draft", json={"files": data["files"], "forms": {}})
    assert refused.status_code == 400 and db.session.scalars(select(ProcessDraft)).first() is None
    assert _json_post(web, "/processes/nope/draft", {"files": data["files"], "forms": {}}).status_code == 404
    assert _json_post(web, "/processes/inquiry/draft", {"files": data["files"], "forms": {}}).status_code == 200
    web.login("admin")  # admins read, they do not edit
    assert web.post("/processes/inquiry/deploy", {"comment": "x"}).status_code == 403
    web.login("owner")  # someone deploys a newer version meanwhile
    from webapp.processes import studio_calls

    changed = data["files"]["inquiry.bpmn"].replace('name="T1-callback due"', 'name="Callback due"')
    studio_calls.deploy(db.session, {"inquiry.bpmn": changed.encode()}, {}, "owner2", "label")
    page = web.text("/processes/inquiry/edit")
    assert "Your draft is based on v1, but v2 has been deployed since" in page


def test_a_raw_file_cannot_run_what_it_embeds(web: Any, pack: None) -> None:
    web.login("owner")
    r = web.get("/processes/inquiry/v/1/files/inquiry.bpmn")
    assert r.status_code == 200 and "sandbox" in r.headers["Content-Security-Policy"]
    assert web.get("/processes/inquiry/v/1/files/other.bpmn").status_code == 404


def test_a_form_change_alone_deploys_the_process_with_the_new_form(web: Any, pack: None) -> None:
    web.login("owner")
    page = web.text("/processes/inquiry/edit")
    data = json.loads(page.split('id="studio-data">')[1].split("</script>")[0])
    forms = dict(data["forms"])
    forms["inquiry_callback.json"] = forms["inquiry_callback.json"].replace('"Customer reached"', '"Reached by phone"')
    assert _json_post(web, "/processes/inquiry/draft", {"files": data["files"], "forms": forms}).status_code == 200
    assert web.post("/processes/inquiry/deploy", {"comment": "label"}).status_code == 302
    newest = _inquiry()
    assert newest.version == 2
    assert newest.forms["inquiry_callback.json"]["properties"]["customer_reached"]["title"] == "Reached by phone"
    assert _json_post(web, "/processes/inquiry/draft", {"files": data["files"], "forms": forms}).status_code == 200
    web.post("/processes/inquiry/deploy", {"comment": "again"})
    assert _inquiry().version == 2, "nothing changed: no new version"


def test_the_studio_check_speaks_the_owners_language(web: Any, pack: None) -> None:
    """Issue 12 item 4 (each problem says what to fix) in the owner's language: Chinese in the studio."""
    from tests.studio.helpers import edited

    web.login("owner")
    web.post("/language", {"language": "zh", "next": "/"})
    page = web.text("/processes/inquiry/edit")
    data = json.loads(page.split('id="studio-data">')[1].split("</script>")[0])
    bpmn = edited("inquiry.bpmn", "'group:responsible_department'", "'group:nowhere'").decode()
    assert _json_post(web, "/processes/inquiry/draft", {"files": {**data["files"], "inquiry.bpmn": bpmn},
                                                        "forms": data["forms"]}).status_code == 200
    checked = _json_post(web, "/processes/inquiry/check", {}).get_json()
    messages = [p["message"] for p in checked["problems"]]
    assert checked["ok"] is False and any("发送给 group:nowhere，但没有组“nowhere”；请创建该组" in m
                                          for m in messages), messages


def test_engine_problems_are_translated_in_the_studio_and_coded_in_the_api(web: Any, api: Any, pack: None) -> None:
    """The pack parser (no Flask) gives a code and parameters: Chinese in the studio, English with the code in the
    API."""
    from tests.studio.helpers import edited, post_files

    bpmn = edited("inquiry.bpmn", 'value="inquiry_callback.json"', 'value="nope.json"')
    r = post_files(api, "/api/v1/processes/check", {"inquiry.bpmn": bpmn})
    found = [p for p in r.get_json()["problems"] if p.get("code") == "missing_form"]
    assert [(p["message"], p["params"]) for p in found] == [
        ("form file 'nope.json' is missing or not a valid JSON Schema", {"form": "nope.json"})]
    web.login("owner")
    web.post("/language", {"language": "zh", "next": "/"})
    data = json.loads(web.text("/processes/inquiry/edit").split('id="studio-data">')[1].split("</script>")[0])
    assert _json_post(web, "/processes/inquiry/draft", {"files": {**data["files"], "inquiry.bpmn": bpmn.decode()},
                                                        "forms": data["forms"]}).status_code == 200
    problems = _json_post(web, "/processes/inquiry/check", {}).get_json()["problems"]
    assert [p["message"] for p in problems if p.get("code") == "missing_form"] == [
        "表单文件“nope.json”缺失，或不是有效的 JSON Schema"]


def test_the_editor_edits_forms_as_written_and_previews_their_shared_vocabularies(web: Any, pack: None) -> None:
    """Forms keep their `$ref` into vocabularies.json in the editor; the preview resolves it; a changed vocabulary
    alone deploys the process again with it."""
    web.login("owner")
    data = json.loads(web.text("/processes/grievance/edit").split('id="studio-data">')[1].split("</script>")[0])
    prejudgement = data["forms"]["prejudgement.json"]
    assert '"$ref": "vocabularies.json#/$defs/media_exposure"' in prejudgement
    shared = {"vocabularies.json": json.loads(data["forms"]["vocabularies.json"])}
    html = _json_post(web, "/processes/preview", {"schema": json.loads(prejudgement), "lang": "en",
                                                  "shared": shared}).get_data(as_text=True)
    assert "possible (threatened)" in html
    listed = _json_post(web, "/processes/preview", {"schema": shared["vocabularies.json"], "lang": "zh"})
    assert listed.status_code == 200 and "集体诉讼" in listed.get_data(as_text=True)
    rows = db.session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.version))
    before = {d.key: d.version for d in rows}
    vocab = data["forms"]["vocabularies.json"].replace('"group lawsuit"', '"class action"')
    forms = {**data["forms"], "vocabularies.json": vocab}
    assert _json_post(web, "/processes/grievance/draft", {"files": data["files"], "forms": forms}).status_code == 200
    assert web.post("/processes/grievance/deploy", {"comment": "lawsuit wording"}).status_code == 302
    db.session.expire_all()
    newest = db.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == "grievance")
                                .order_by(ProcessDefinition.version.desc())).first()
    assert newest.version == before["grievance"] + 1
    facts = newest.forms["prejudgement.json"]["properties"]["facts"]["properties"]
    assert "class action" in facts["lawsuit"]["x-enum-titles"]
    assert newest.form_files["vocabularies.json"] == vocab
    assert '"$ref"' in newest.form_files["prejudgement.json"]
