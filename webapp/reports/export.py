"""The report as tables (the page, CSV and XLSX all show these): CSV per table, XLSX with a sheet per table."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.deadlines.models import Deadline
from webapp.models import Case

Cell = str | int | float | None


@dataclass
class Table:
    """One table of the report."""

    key: str
    headers: list[str]
    rows: list[list[Cell]]


CASE_HEADERS = ["number", "kind", "category", "grade", "channel", "tier", "status", "customer", "department",
                "registered", "closed"]


def tables(k: dict[str, Any]) -> list[Table]:
    """Every table of a KPI result, in page order."""
    vol, out = k["volume"], k["outcomes"]
    prev = vol["previous"]
    figures = [Table("volume", ["figure", "value", "previous"], [
        [name, vol[name], prev.get(name)] for name in ("registered", "valid", "closed", "closure_rate")
    ] + [["open_at_end", vol["open_at_end"], None]])]
    figures.append(Table("months", ["from", "to", "registered", "valid", "closed", "closure_rate"],
                         [[m["from"], m["to"], m["registered"], m["valid"], m["closed"], m["closure_rate"]]
                          for m in k["months"]]))
    for name, items in k["breakdown"].items():
        figures.append(Table(f"by_{name}", [name, "count"], [[i["value"], i["count"]] for i in items]))
    cols = ["name", "started", "met", "missed", "open", "cancelled", "on_time_rate", "median_seconds",
            "p90_seconds", "business_time"]
    figures.append(Table("deadlines", cols, [[d[c] for c in cols] for d in k["deadlines"]]))
    sat = k["satisfaction"]
    sat_rows: list[list[Cell]] = [[key, sat[key]] for key in sat if key != "distribution"]
    sat_rows += [[f"score_{s}", n] for s, n in sat["distribution"].items()]
    figures.append(Table("satisfaction", ["figure", "value"], sat_rows))
    figures.append(Table("assessments", ["target", "target_type", "count"],
                         [[a["target"], a["target_type"], a["count"]] for a in k["assessments"]]))
    figures.append(Table("outcomes", ["figure", "value"], [[key, value] for key, value in out.items()]))
    for name, rows in k["lists"].items():
        figures.append(Table(f"list_{name}", CASE_HEADERS, [[r.get(h) for h in CASE_HEADERS] for r in rows]))
    return figures


def case_clocks(session: Session, cases: Sequence[Case]) -> dict[int, list[Deadline]]:
    """Every clock of each case, oldest first, by case id."""
    clocks: dict[int, list[Deadline]] = {}
    ids = [c.id for c in cases]
    for start in range(0, len(ids), 500):
        for d in session.scalars(select(Deadline).where(Deadline.case_id.in_(ids[start:start + 500]))
                                 .order_by(Deadline.id)):
            clocks.setdefault(d.case_id or 0, []).append(d)
    return clocks


def case_table(session: Session, cases: Sequence[Case]) -> Table:
    """A case list with every clock of each case (name, state, due, stopped)."""
    clocks: dict[int, list[str]] = {}
    for case_id, found in case_clocks(session, cases).items():
        for d in found:
            when = (d.stopped_at or d.due_at)
            clocks.setdefault(case_id, []).append(f"{d.name}:{d.state}@{when.isoformat() if when else ''}")
    rows_out: list[list[Cell]] = []
    for c in cases:
        rows_out.append([c.number, c.kind, c.category, c.grade, c.channel, c.tier, c.status, c.customer_name,
                         (c.record or {}).get("responsible_department"), c.created_at.isoformat(),
                         c.closed_at.isoformat() if c.closed_at else None, "; ".join(clocks.get(c.id, []))])
    return Table("cases", [*CASE_HEADERS, "deadlines"], rows_out)


def _safe(value: Cell) -> Cell:
    """Neutralise spreadsheet formulas in text cells (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _number(value):
        return "'" + value
    return value


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(table: Table) -> str:
    """One table as CSV text (header row first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return buffer.getvalue()


def to_xlsx(parts: list[Table]) -> bytes:
    """Tables as an XLSX workbook, one sheet per table."""
    from openpyxl import Workbook  # imported on first export: ~0.4 s that every web, worker and CLI start skipped

    book = Workbook()
    first = True
    for table in parts:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = table.key[:31]
        sheet.append(table.headers)
        for row in table.rows:
            sheet.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
