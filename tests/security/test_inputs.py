"""Every input gets a 4xx, from one place: NUL, lone surrogates, 2**70, deep JSON, wrong JSON types."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from flask import Flask

from tests.helpers import register

BIG = str(2**70)


def _as_admin_cookie(web: Any) -> Any:
    return web.login("admin")


def test_every_int_route_answers_4xx_to_2_pow_70(app: Flask, users: Any, mini: None, api: Any, web: Any) -> None:
    web.login("admin")
    token = api.as_("admin")._headers()
    seen = 0
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        url = re.sub(r"<int:\w+>", BIG, rule.rule).replace("<action>", "retry").replace("<number>", "CL-X")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            seen += 1
            if rule.rule.startswith("/api/"):
                r = app.test_client().open(url, method=method, headers=token, json={"reason": "why not"})
            else:
                r = web.get(url) if method == "GET" else web.post(url, {"reason": "why not"})
            assert 400 <= r.status_code < 500, (method, url, r.status_code)
    assert seen >= 20


def test_int_query_args_and_cursors_are_range_checked(app: Flask, users: Any, mini: None, api: Any, web: Any) -> None:
    register()
    cursor = base64.urlsafe_b64encode(json.dumps([0, None, 2**70]).encode()).decode().rstrip("=")
    api.as_("admin")
    for url in (f"/api/v1/cases?tier={BIG}", f"/api/v1/cases?limit={BIG}", f"/api/v1/cases?cursor={cursor}",
                f"/api/v1/tasks?cursor={cursor}", f"/api/v1/instances?cursor={cursor}",
                f"/api/v1/instances/stuck?before={BIG}", f"/api/v1/audit?before={BIG}",
                f"/api/v1/audit?instance={BIG}", f"/api/v1/instances/stuck?version={BIG}",
                "/api/v1/instances/stuck?version=1e999"):
        r = api.get(url)
        assert r.status_code == 422, (url, r.status_code)
    web.login("admin")
    for url in (f"/admin/instances?before={BIG}", f"/admin/messages?before={BIG}", f"/admin/audit?before={BIG}",
                f"/notices/?before={BIG}", f"/cases/?before={BIG}", f"/admin/instances?version={BIG}"):
        assert web.get(url).status_code == 422, url
    for url in (f"/?cursor={cursor}", f"/?limit={BIG}", f"/?tab=overdue&cursor={cursor}"):
        assert 200 <= web.get(url).status_code < 500, url  # the worklist starts again at the top


def test_nul_and_lone_surrogates_are_422_on_every_kind_of_route(app: Flask, users: Any, mini: None, api: Any,
                                                               web: Any) -> None:
    c = app.test_client()
    r = c.post("/api/v1/auth/token", json={"username": "admin\x00", "password": "x"})
    assert r.status_code == 422 and "NUL" in r.get_json()["error"]["message"]
    r = c.post("/api/v1/auth/token", data='{"username": "\\ud800", "password": "x"}', content_type="application/json")
    assert r.status_code == 422 and "surrogate" in r.get_json()["error"]["message"]
    api.as_("agent")
    assert api.get("/api/v1/cases?q=a%00b").status_code == 422
    assert api.get("/api/v1/cases/CL%00").status_code == 422
    body = {"channel": "phone", "customer": {"name": "Li\x00"}, "description": "x"}
    assert api.post("/api/v1/cases", json=body).status_code == 422
    assert web.get("/public/status?number=CL%00").status_code == 422
    web.get("/public/complaint")
    r = web.post("/public/complaint", {"name": "Li\x00Lei", "phone": "1380000", "description": "x"})
    assert r.status_code == 422
    web.login("agent")
    assert web.get("/cases/?q=%00").status_code == 422
    assert web.get("/cases/?q=%ED%A0%80").status_code < 500  # invalid UTF-8 in a URL decodes to U+FFFD


def test_deep_json_and_wrong_types_are_422(app: Flask, users: Any, mini: None, api: Any) -> None:
    api.as_("admin")
    deep = "[" * 100_000 + "]" * 100_000
    headers = api._headers()
    r = app.test_client().post("/api/v1/cases", data=deep, content_type="application/json", headers=headers)
    assert r.status_code == 422 and "nested" in r.get_json()["error"]["message"]
    r = api.post("/api/v1/cases", json={"channel": "phone", "customer": {"name": "x"}, "description": "d",
                                        "facts": json.loads("[" * 70 + "]" * 70)})
    assert r.status_code == 422
    assert api.post("/api/v1/cases", json=[1, 2]).status_code == 422
    assert api.post("/api/v1/auth/token", json=["admin"]).status_code == 422
    r = api.post("/api/v1/instances/bulk/retry", json={"reason": 1.0, "ids": "all"})
    assert r.status_code == 422 and {"reason", "ids"} <= set(r.get_json()["error"]["fields"])
    assert api.post("/api/v1/instances/1/skip", json={"reason": ["x"]}).status_code == 422
    r = app.test_client().post("/api/v1/cases", data='{"n": 1e999}', content_type="application/json",
                               headers=headers)
    assert r.status_code == 422
    r = app.test_client().post("/api/v1/cases", data='{"n": NaN}', content_type="application/json", headers=headers)
    assert r.status_code == 422
    assert api.post("/api/v1/tasks/1/complete", json={"data": {"n": 2**60}}).status_code == 422


def test_api_routes_outside_the_api_blueprint_answer_json_errors(app: Flask, users: Any, api: Any) -> None:
    """Reports, assessments and lessons live on blueprints of their own; a refused input is still a JSON 4xx."""
    api.as_("admin")
    for url in ("/api/v1/lessons?q=a%00b", "/api/v1/assessments?state=a%00b", "/api/v1/reports/kpis?tz=a%00b"):
        r = api.get(url)
        assert r.status_code == 422 and r.is_json, (url, r.get_data(as_text=True)[:200])
        assert "NUL" in r.get_json()["error"]["message"]
    r = api.get("/api/v1/reports/kpis?tz=Nope/Zone")
    assert r.status_code == 422 and r.get_json()["error"]["fields"]["tz"]
