"""Case visibility by role: handling groups, the registrar, supervisors, managers and admins read a case; others 404."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.helpers import register


def test_outsider_gets_404_everywhere_insiders_read(app: Flask, users: Any, mini: None, api: Any, web: Any) -> None:
    case = register(actor="agent")  # the fixture's first task goes to tier_1_handler
    n = case.number
    for name in ("agent", "handler1", "supervisor", "gm", "admin"):
        assert api.as_(name).get(f"/api/v1/cases/{n}").status_code == 200, name
        assert n in [c["number"] for c in api.as_(name).get("/api/v1/cases").get_json()["items"]], name
    for name in ("outsider", "owner", "caller"):
        assert api.as_(name).get(f"/api/v1/cases/{n}").status_code == 404, name
        assert api.as_(name).get("/api/v1/cases").get_json()["items"] == [], name
        assert api.as_(name).get(f"/api/v1/cases?q={n}").get_json()["items"] == [], name
    web.login("outsider")
    assert web.get(f"/cases/{n}").status_code == 404
    assert n not in web.text(f"/cases/?q={case.customer_name}")
    assert web.post(f"/cases/{n}/comments", {"body": "peek"}).status_code == 404
    assert web.get(f"/cases/{n}/attachments/1").status_code == 404
    web.login("handler1")
    assert web.get(f"/cases/{n}").status_code == 200
    assert n in web.text(f"/cases/?q={case.customer_name}") or web.get(f"/cases/?q={n}").status_code == 302


def test_readers_are_configuration(app: Flask, users: Any, mini: None, api: Any) -> None:
    case = register(actor="agent")
    assert api.as_("outsider").get(f"/api/v1/cases/{case.number}").status_code == 404
    app.config["CASE_READERS"] = "sales,admin"
    assert api.as_("outsider").get(f"/api/v1/cases/{case.number}").status_code == 200
    assert api.as_("gm").get(f"/api/v1/cases/{case.number}").status_code == 404  # no longer a reader of all
