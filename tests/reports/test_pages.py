"""The reports page, its JSON API, CSV and XLSX exports agree; managers only (domain §8)."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.conftest import Api
from webapp.reports.labels import figure_labels

QS = "from=2026-03-01&to=2026-03-31"


def _cells(html: str) -> dict[str, str]:
    """data-figure cell -> its text (the number shown)."""
    out = {}
    for key, body in re.findall(r'data-figure="([^"]+)">(.*?)</td>', html, re.S):
        out[key] = re.sub(r"<[^>]+>", "", body).strip()
    return out


@pytest.mark.parametrize("who,status", [("agent", 403), ("handler1", 403), ("supervisor", 200),
                                        ("depthead", 200), ("gm", 200), ("admin", 200), ("techsup", 200)])
def test_managers_only(web: Any, seeded: dict[str, str], who: str, status: int) -> None:
    """Supervisors, department heads, the general manager and admins see reports; others get 403."""
    web.login(who)
    assert web.get(f"/reports/?{QS}").status_code == status
    assert web.get(f"/reports/cases?metric=closed&{QS}").status_code == status
    assert Api(web.client).as_(who).get(f"/api/v1/reports/kpis?{QS}").status_code == status


def test_json_csv_xlsx_and_page_agree(web: Any, seeded: dict[str, str]) -> None:
    """The same figures in the API, the page, the CSV of each table and the XLSX workbook."""
    k = Api(web.client).as_("supervisor").get(f"/api/v1/reports/kpis?{QS}&tz=Asia/Shanghai").get_json()
    assert k["volume"]["registered"] == 4 and k["volume"]["closure_rate"] == 0.5
    web.login("supervisor")
    cells = _cells(web.text(f"/reports/?{QS}"))
    assert (cells["registered"], cells["valid"], cells["closed"], cells["closure_rate"]) == ("4", "2", "1", "50.0%")
    assert cells["clock:T5-first-response:missed"] == "1" and cells["clock:K2:missed"] == "1"
    assert cells["reopened"] == "1" and cells["surveys"] == "2" and cells["survey_average"] == "3.5"
    body = web.get(f"/reports/export.csv?table=deadlines&{QS}").get_data(as_text=True)
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(body))}
    for d in k["deadlines"]:
        assert (int(rows[d["name"]]["started"]), int(rows[d["name"]]["met"]), int(rows[d["name"]]["missed"])) == \
            (d["started"], d["met"], d["missed"])
    volume = {r["figure"]: r["value"] for r in csv.DictReader(io.StringIO(
        web.get(f"/reports/export.csv?table=volume&{QS}").get_data(as_text=True)))}
    assert volume["valid"] == "2" and volume["closure_rate"] == "0.5"
    book = load_workbook(io.BytesIO(web.client.get(f"/reports/export.xlsx?{QS}").data))
    # the workbook is for reading: figures and clocks by name, rates in percent, times in the reader's zone
    sheet = {r[0]: r[1] for r in book["volume"].iter_rows(min_row=2, values_only=True)}
    assert sheet["Registered"] == 4 and sheet["Valid complaints"] == 2 and sheet["Closed complaints"] == 1
    assert sheet["Open at period end"] == 2
    months = list(book["months"].iter_rows(values_only=True))
    assert months[0][2:5] == ("Registered", "Valid complaints", "Closed complaints") and months[-1][2:5] == (4, 2, 1)
    assert sheet["Closure rate"] == 50.0 and next(book["volume"].iter_rows(max_row=1, values_only=True))[:2] == (
        "Figure", "Value")
    deadlines = {r[0]: r[1:4] for r in book["deadlines"].iter_rows(min_row=2, values_only=True)}
    assert deadlines["T4 appointment"] == (1, 1, 0) and deadlines["G2-d one month open"] == (2, 1, 1)
    outcomes = {r[0]: r[1] for r in book["outcomes"].iter_rows(min_row=2, values_only=True)}
    labels = {key: str(value) for key, value in figure_labels().items()}
    assert outcomes == {labels[key]: (round(value * 100, 1) if key.endswith("_rate") else value)
                        for key, value in k["outcomes"].items()}


def test_drill_down_and_case_export(web: Any, seeded: dict[str, str]) -> None:
    """A figure links to its cases; the case list exports with every clock of each case."""
    web.login("depthead")
    html = web.text(f"/reports/?{QS}")
    link = re.search(r'data-metric="clock:K2:missed" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    page = web.text(link)
    assert seeded["B"] in page and seeded["A"] not in page and f'/cases/{seeded["B"]}' in page
    body = web.get(f"/reports/cases.csv?metric=valid&{QS}").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert sorted(r["number"] for r in rows) == sorted(seeded[x] for x in "AB")
    b = next(r for r in rows if r["number"] == seeded["B"])
    assert "K2:missed@" in b["deadlines"] and "T5-first-response:missed@" in b["deadlines"]
    book = load_workbook(io.BytesIO(web.client.get(f"/reports/cases.xlsx?metric=valid&{QS}").data))
    assert book["cases"].max_row == 3
    rows = list(book["cases"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Case", "Kind", "Category") and "+00:00" not in str(rows[1:])
    assert any("K2 resolution: missed, " in str(r[-1]) for r in rows[1:])


def test_bad_input_is_4xx(web: Any, seeded: dict[str, str]) -> None:
    """A wrong date, tier, figure or table is a 422 naming what to fix, never a 500."""
    api = Api(web.client).as_("supervisor")
    r = api.get("/api/v1/reports/kpis?from=2026-02-30&tier=9")
    assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"from", "tier"}
    assert api.get("/api/v1/reports/cases?metric=nope").status_code == 422
    assert api.get("/api/v1/reports/kpis?tz=Mars/Base").status_code == 422
    web.login("supervisor")
    assert web.get("/reports/?from=2026-04-01&to=2026-03-01").status_code == 422
    assert web.get(f"/reports/export.csv?table=nope&{QS}").status_code == 422
    assert web.get(f"/reports/cases?metric=clock:K2:late&{QS}").status_code == 422


@pytest.mark.parametrize("query", [
    "to=0001-01-31", "to=0001-01-01&month=0000-00", "from=0001-03-01&to=0001-03-31", "month=0001-02",
    "from=9999-12-01", "to=9999-12-31", "month=9999-12", "from=3000-01-01&to=3000-01-31",
])
def test_a_period_at_the_ends_of_the_calendar_is_a_422_not_a_500(web: Any, seeded: dict[str, str],
                                                                  query: str) -> None:
    """Found by the fuzz test: the report compares a period with the five before it, and a period at year 1 (or
    ending at 9999-12-31) made the date arithmetic overflow into a 500. Dates from 1900 to 2999 are accepted."""
    api = Api(web.client).as_("supervisor")
    r = api.get(f"/api/v1/reports/kpis?{query}")
    assert r.status_code == 422, r.get_data(as_text=True)
    assert "between 1900-01-01 and 2999-12-31" in " ".join(r.get_json()["error"]["fields"].values())
    web.login("supervisor")
    page = web.get(f"/reports/?{query}")
    assert page.status_code == 422 and "2999-12-31" in page.get_data(as_text=True)
    web.post("/language", {"language": "zh", "next": "/"})
    page = web.get(f"/reports/?{query}")  # the manager reads what to fix in their language
    assert page.status_code == 422 and "日期须在 1900-01-01 至 2999-12-31 之间" in page.get_data(as_text=True)
    web.post("/language", {"language": "en", "next": "/"})
    assert api.get("/api/v1/reports/kpis?from=1900-01-01&to=1900-01-31").status_code == 200
    assert api.get("/api/v1/reports/kpis?month=2999-12").status_code == 200


def test_chinese_page(web: Any, seeded: dict[str, str]) -> None:
    """The page in Simplified Chinese."""
    web.login("supervisor")
    web.post("/language", {"language": "zh", "next": "/"})
    html = web.text(f"/reports/?{QS}")
    for text in ("报表", "有效投诉", "投诉关闭率", "T4 预约", "超期未关闭", "逐月对比"):
        assert text in html, text
    assert _cells(html)["registered"] == "4"


def test_drill_down_shows_dates_in_the_users_zone_and_pages_by_keyset(web: Any, seeded: dict[str, str]) -> None:
    """Registered, closed and deadline times are short dates in the user's zone (like the case page), not UTC
    timestamps; a long list continues on a next page after the last case shown (keyset, no OFFSET)."""
    from webapp.accounts.models import User
    from webapp.extensions import db
    from webapp.reports import web as report_web

    user = db.session.query(User).filter_by(username="depthead").one()
    user.timezone = "Europe/Berlin"  # A: registered 2 March 10:00 Shanghai = 03:00 Berlin; closed 5 March
    db.session.commit()
    web.login("depthead")
    page = web.text(f"/reports/cases?metric=valid&{QS}")
    row = re.search(rf'{seeded["A"]}</a>.*?</tr>', page, re.S).group(0)
    assert "Mar 2 03:00" in row and "closed Mar 5 03:00" in row, row  # registered, closed
    assert "T5 first response (same working day): met" in row and "Mar 2 04:30" in row  # T5 stopped 11:30 Shanghai
    shown = re.sub(r'datetime="[^"]+"', "", page)  # the machine-readable attribute stays ISO
    assert "2026-03-02T" not in shown and "+00:00" not in shown
    lists = web.text(f"/reports/?{QS}")  # the overdue and key lists of the report page too
    assert re.search(rf'{seeded["B"]}</a>.*?Mar 3 03:00</td>', lists, re.S)
    report_web.PAGE, saved = 3, report_web.PAGE
    try:
        first = web.text(f"/reports/cases?metric=registered&{QS}")
        shown = re.findall(r'href="/cases/(CL-[^"]+)"', first)
        assert shown == [seeded["A"], seeded["B"], seeded["C"]]
        link = re.search(r'data-testid="next-page" href="([^"]+)"', first).group(1).replace("&amp;", "&")
        second = web.text(link)
        assert re.findall(r'href="/cases/(CL-[^"]+)"', second) == [seeded["D"]]
        assert 'data-testid="next-page"' not in second
    finally:
        report_web.PAGE = saved
    assert web.get(f"/reports/cases?metric=valid&after=nonsense&{QS}").status_code == 422


def test_a_next_page_key_at_the_ends_of_the_calendar_is_a_422_not_a_500(web: Any, seeded: dict[str, str]) -> None:
    """`after=9999-12-31T23:59:00-12:00_1` overflowed converting the time to UTC for the query (a 500): a key outside
    1900..2999 is refused like any key that is not one, pointing to the next-page link."""
    web.login("supervisor")
    for key in ("9999-12-31T23:59:00-12:00_1", "0001-01-01T00:00:00+14:00_1"):
        r = web.get(f"/reports/cases?metric=registered&after={key}&{QS}")
        assert r.status_code == 422 and "use the link to the next page" in r.get_data(as_text=True), key


def test_a_deadline_stored_at_the_ends_of_the_calendar_is_exported_as_stored_not_a_500(
        web: Any, seeded: dict[str, str]) -> None:
    """A clock due at 9999-12-31T20:00 UTC (kept from a promised reply typed before date-times were bounded) has no
    time in Shanghai: the case list's spreadsheet overflowed converting it (a 500); it shows the time as stored."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from tests.helpers import user
    from webapp.deadlines.models import Deadline
    from webapp.extensions import db

    for row in db.session.scalars(select(Deadline)):
        row.due_at = datetime(9999, 12, 31, 20, tzinfo=UTC)
    user("supervisor").timezone = "Asia/Shanghai"
    db.session.commit()
    web.login("supervisor")
    r = web.client.get(f"/reports/cases.xlsx?metric=registered&{QS}")
    assert r.status_code == 200
    cells = [str(c) for row in load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True) for c in row]
    assert any("9999-12-31T20:00:00+00:00" in c for c in cells)
    assert "9999-12-31T20:00:00+00:00" in web.get(f"/reports/cases.csv?metric=registered&{QS}").get_data(as_text=True)
