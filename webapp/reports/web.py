"""Reports pages: `/reports` (figures and charts), drill-down case lists, CSV and XLSX exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import get_timezone

from webapp.accounts.web_access import role_required
from webapp.cases.intake import CHANNELS, KINDS
from webapp.cases.search import categories
from webapp.errors import Invalid
from webapp.extensions import db
from webapp.reports import export, filters, service
from webapp.reports.labels import clock_label, duration, figure_labels, metric_label
from webapp.reports.readable import readable
from webapp.reports.readers import MANAGERS
from webapp.web.i18n import human

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.add_app_template_filter(duration, "report_duration")


@bp.app_template_filter("iso_human")
def iso_human(value: str | None) -> str:
    """An ISO timestamp of a report row as a short date in the user's zone ('3 Dec 09:12')."""
    return human(datetime.fromisoformat(value)) if value else ""

PAGE = 200  # cases per drill-down page
LIST_SHOWN = 50  # cases of each list on the report page; the rest on the list's drill-down pages
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _parse() -> tuple[filters.Period, filters.Filters]:
    return filters.parse(request.args, str(get_timezone()))


def _invalid(exc: Invalid) -> tuple[str, int]:
    return render_template("reports/invalid.html", error=exc), 422


def _form_context(period: filters.Period, f: filters.Filters) -> dict[str, Any]:
    return {"period": period, "filters": f, "kinds": KINDS, "channels": CHANNELS,
            "categories": categories(db.session), "grades": ("G1", "G2", "G3", "G4"),
            "base_args": {**period.args(), **f.args()}, "labels": figure_labels(), "clock_label": clock_label}


@bp.get("/")
@role_required(*MANAGERS)
def index() -> Any:
    """The report of a period: figures with their numbers, charts, and the case lists."""
    try:
        period, f = _parse()
    except Invalid as exc:
        return _invalid(exc)
    k = service.kpis(db.session, period, f, list_limit=LIST_SHOWN)
    chart = {"months": k["months"], "deadlines": k["deadlines"], "breakdown": k["breakdown"],
             "satisfaction": k["satisfaction"], "labels": {key: str(v) for key, v in figure_labels().items()}}
    return render_template("reports/index.html", k=k, chart=chart, list_shown=LIST_SHOWN, **_form_context(period, f))


@bp.get("/cases")
@role_required(*MANAGERS)
def cases() -> Any:
    """The cases behind one figure (`metric`), each a link to its case page."""
    try:
        period, f = _parse()
        metric = request.args.get("metric", "all")
        after = service.parse_key(request.args.get("after"))
        rows = service.case_list(db.session, metric, period, f, limit=PAGE + 1, after=after)
    except Invalid as exc:
        return _invalid(exc)
    more = service.page_key(rows[PAGE - 1]) if len(rows) > PAGE else None
    rows = rows[:PAGE]
    return render_template("reports/cases.html", metric=metric, cases=rows, count=len(rows), more=more,
                           paged=after is not None, clocks=export.case_clocks(db.session, rows),
                           figure_name=metric_label(metric), **_form_context(period, f))


def _download(body: str | bytes, name: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/export.<fmt>")
@role_required(*MANAGERS)
def export_report(fmt: str) -> Any:
    """Every table as XLSX, or one table (`table=`) as CSV."""
    try:
        period, f = _parse()
        parts = export.tables(service.kpis(db.session, period, f))
        if fmt == "xlsx":
            return _download(export.to_xlsx([readable(t) for t in parts]), f"report-{period.first}-{period.last}.xlsx",
                             XLSX)
        if fmt != "csv":
            raise Invalid("unknown format", {"format": "csv or xlsx"})
        key = request.args.get("table", "volume")
        found = [t for t in parts if t.key == key]
        if not found:
            raise Invalid("unknown table", {"table": "one of " + ", ".join(t.key for t in parts)})
    except Invalid as exc:
        return _invalid(exc)
    return _download(export.to_csv(found[0]), f"report-{key}-{period.first}-{period.last}.csv", "text/csv")


@bp.get("/cases.<fmt>")
@role_required(*MANAGERS)
def export_cases(fmt: str) -> Any:
    """The case list of a figure with every deadline of each case, as CSV or XLSX."""
    try:
        period, f = _parse()
        metric = request.args.get("metric", "all")
        if fmt not in ("csv", "xlsx"):
            raise Invalid("unknown format", {"format": "csv or xlsx"})
        table = export.case_table(db.session, service.case_list(db.session, metric, period, f, limit=100000))
    except Invalid as exc:
        return _invalid(exc)
    name = f"cases-{metric.replace(':', '_')}-{period.first}-{period.last}"
    if fmt == "xlsx":
        return _download(export.to_xlsx([readable(table)]), name + ".xlsx", XLSX)
    return _download(export.to_csv(table), name + ".csv", "text/csv")
