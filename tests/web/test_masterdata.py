"""Master data (issue 13 part 1): categories, departments, service points, objects and channels the admin keeps,
offered at intake; unknown keys refused. Each test names the seed clause it comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from tests.helpers import GRIEVANCE
from webapp.deadlines.models import Deadline
from webapp.extensions import db
from webapp.masterdata import service
from webapp.masterdata.models import MasterHistory
from webapp.models import Case


def _seed(app: Any) -> None:
    service.seed_defaults(db.session, Path(app.config["PROCESSES_DIR"]),
                          Path(app.config["FORMS_DIR"]))
    db.session.commit()


def test_domain_2_categories_are_seeded_from_the_pack_with_the_K_rule_each_triggers(app: Any) -> None:
    # domain §2 (投诉类型: the list is configuration) and seed 001 KPI: 产品投诉两周解决率 / 配件投诉一周解决率
    _seed(app)
    rules = {r.key: r.attrs["deadline_rule"] for r in service.items(db.session, "category")}
    assert rules["product_quality"] == "K1" and rules["parts_supply"] == "K2" and rules["staff_attitude"] == "none"
    channels = {r.key: r.attrs["major"] for r in service.items(db.session, "channel")}
    assert channels["media"] is True and channels["phone"] is False  # 重大投诉 channels (domain §1)
    assert service.seed_defaults(db.session, Path(app.config["PROCESSES_DIR"]),
                                 Path(app.config["FORMS_DIR"])) == 0  # idempotent


def test_domain_8b_unknown_category_channel_or_object_is_refused_with_422_and_nothing_written(api: Any,
                                                                                           pack: Any) -> None:
    # domain §8b "keys, not free text, wherever a rule counts or routes"; an object not kept yet is the exception
    # (an agent on a live call must not be blocked): it is recorded as typed and counted by its folded text
    for field, value in (("category", "product quality"), ("channel", "pigeon")):
        r = api.as_("agent").post("/api/v1/cases", json={**GRIEVANCE, field: value})
        assert r.status_code == 422, (field, r.get_json())
        assert field in r.get_json()["error"]["fields"]
    assert db.session.scalars(select(Case)).all() == []
    r = api.as_("agent").post("/api/v1/cases", json={**GRIEVANCE, "object": "VIN-NOPE"})
    assert r.status_code == 201, r.get_json()
    case = db.session.scalars(select(Case)).one()
    assert (case.object_key, case.issue_key) == ("VIN-NOPE", "object:vinnope")


def test_seed_001_K1_product_quality_chosen_from_the_register_page_starts_the_two_week_clock(web: Any,
                                                                                             pack: Any) -> None:
    # seed 001 (KPI不符合项投诉): 产品投诉两周解决率 — product complaints resolved within two weeks (K1)
    web.login("agent")
    page = web.text("/cases/new")
    assert 'value="product_quality"' in page and "product quality and performance" in page
    r = web.post("/cases/new", {"customer.name": "Wang", "customer.phone": "13900000002", "channel": "phone",
                                "kind": "grievance", "category": "product_quality", "subject": "Engine noise",
                                "description": "The engine knocks"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    case = db.session.scalars(select(Case)).one()
    assert case.category == "product_quality"
    k1 = db.session.scalars(select(Deadline).where(Deadline.case_number == case.number,
                                                   Deadline.name == "K1")).all()
    assert len(k1) == 1 and k1[0].state == "running"
    bad = web.post("/cases/new", {"customer.name": "Wang", "channel": "phone", "kind": "grievance",
                                  "category": "Product Quality", "subject": "x", "description": "y"})
    assert bad.status_code == 422 and db.session.scalars(select(Case)).all() == [case]


def test_domain_4_admin_keeps_departments_and_service_points_in_the_browser_with_history(web: Any) -> None:
    # domain §4 (管理部门, 销售服务商: name, head who signs off, members) and §8 (every change has a history)
    web.login("admin")
    assert "Master data" in web.text("/admin/masterdata/department")
    r = web.post("/admin/masterdata/service_point", {"key": "sp-north", "name_en": "North service point",
                                                     "name_zh": "北区服务站", "head": "depthead",
                                                     "members": "handler1, handler2", "email": "north@example.test",
                                                     "region": "North", "active": "on"})
    assert r.status_code == 302
    row = service.get(db.session, "service_point", "sp-north")
    assert row.attrs == {"head": "depthead", "members": ["handler1", "handler2"], "email": "north@example.test",
                         "region": "North"}
    bad = web.post("/admin/masterdata/service_point", {"key": "sp-south", "name_en": "South", "head": "nobody",
                                                       "active": "on"})
    assert bad.status_code == 422 and "no user &#39;nobody&#39;" in bad.get_data(as_text=True)
    r = web.post("/admin/masterdata/service_point/sp-north", {"name_en": "North service point",
                                                              "head": "depthead", "members": "handler1"})
    assert r.status_code == 302
    db.session.expire_all()
    history = db.session.scalars(select(MasterHistory).order_by(MasterHistory.id)).all()
    assert [(h.action, h.actor) for h in history] == [("created", "admin"), ("deactivated", "admin")]
    assert history[1].before["attrs"]["members"] == ["handler1", "handler2"]
    assert history[1].after["attrs"]["members"] == ["handler1"]
    page = web.text("/admin/masterdata/service_point/sp-north")
    assert "deactivated" in page
    web.login("agent")
    assert web.get("/admin/masterdata/department").status_code == 403


def test_domain_8b_object_kept_by_the_admin_is_offered_and_recorded_on_the_case(api: Any, pack: Any) -> None:
    # domain §8b: the object complained about (vehicle/VIN/repair order; project/building) is a key
    r = api.as_("agent").post("/api/v1/masterdata/object", json={"key": "LSVAB1234", "name_en": "VIN LSVAB1234",
                                                                "attrs": {"type": "vehicle"}})
    assert r.status_code == 403
    r = api.as_("admin").post("/api/v1/masterdata/object", json={"key": "LSVAB1234", "name_en": "VIN LSVAB1234",
                                                                "attrs": {"type": "vehicle"}})
    assert r.status_code == 201, r.get_json()
    assert api.as_("admin").post("/api/v1/masterdata/object", json={"key": "LSVAB1234", "name_en": "again",
                                                                   "attrs": {"type": "vehicle"}}).status_code == 422
    assert api.as_("admin").post("/api/v1/masterdata/object", json={"key": "X", "name_en": "x",
                                                                   "attrs": {"type": "spaceship"}}).status_code == 422
    items = api.as_("agent").get("/api/v1/masterdata/object?active=1").get_json()["items"]
    assert [i["key"] for i in items] == ["LSVAB1234"]
    r = api.as_("agent").post("/api/v1/cases", json={**GRIEVANCE, "object": "LSVAB1234"})
    assert r.status_code == 201, r.get_json()
    assert db.session.scalars(select(Case)).one().object_key == "LSVAB1234"
    r = api.as_("admin").client.patch("/api/v1/masterdata/object/LSVAB1234", json={"active": False},
                                      headers=api.as_("admin")._headers())
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert api.as_("agent").post("/api/v1/cases", json={**GRIEVANCE, "object": "LSVAB1234"}).status_code == 422
    hist = api.as_("admin").get("/api/v1/masterdata/object/LSVAB1234/history").get_json()["items"]
    assert [h["action"] for h in hist] == ["deactivated", "created"]


def test_domain_2_a_category_the_admin_deactivates_is_no_longer_accepted(app: Any, api: Any, pack: Any) -> None:
    # domain §2: "the list is configuration, not code"
    _seed(app)
    service.update(db.session, "category", "design", {"active": False}, "admin")
    db.session.commit()
    r = api.as_("agent").post("/api/v1/cases", json={**GRIEVANCE, "category": "design"})
    assert r.status_code == 422 and "category" in r.get_json()["error"]["fields"]
    assert api.as_("agent").post("/api/v1/cases", json=GRIEVANCE).status_code == 201



def test_domain_1_the_public_page_offers_the_categories_and_refuses_an_unknown_one(web: Any, pack: Any) -> None:
    # domain §1 (web form is a channel) + §2: the customer picks from the same list
    page = web.text("/public/complaint")
    assert 'value="product_quality"' in page
    r = web.post("/public/complaint", {"name": "Zhao", "phone": "13700000003", "description": "Broken door",
                                       "category": "doors"})
    assert r.status_code == 422 and db.session.scalars(select(Case)).all() == []
    r = web.post("/public/complaint", {"name": "Zhao", "phone": "13700000003", "description": "Broken door",
                                       "category": "product_quality"})
    assert r.status_code == 201
    assert db.session.scalars(select(Case)).one().category == "product_quality"
