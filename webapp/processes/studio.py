"""What the process pages show (no Flask): processes, versions, running instances, files, decision tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webapp.engine.xmlsafe import parse_xml
from webapp.errors import NotFound
from webapp.models import ProcessDefinition
from webapp.processes.running import running_by_definition


@dataclass
class VersionRow:
    """One version of a process with its running instances."""

    definition: ProcessDefinition
    running: int
    comment: str


@dataclass
class ProcessRow:
    """A process: its current version and every version's running instances."""

    current: VersionRow
    versions: list[VersionRow] = field(default_factory=list)

    @property
    def running(self) -> int:
        """Running instances over all versions."""
        return sum(v.running for v in self.versions)


def _row(definition: ProcessDefinition, running: dict[int, int]) -> VersionRow:
    """A version row (the comment column comes with the backend; empty before)."""
    return VersionRow(definition, running.get(definition.id, 0), getattr(definition, "comment", None) or "")


def processes(session: Session) -> list[ProcessRow]:
    """Every process with its versions, newest version first, processes by key."""
    running = running_by_definition(session)
    rows: dict[str, ProcessRow] = {}
    stmt = select(ProcessDefinition).order_by(ProcessDefinition.key, ProcessDefinition.version.desc())
    for definition in session.scalars(stmt):
        version = _row(definition, running)
        if definition.key not in rows:
            rows[definition.key] = ProcessRow(version)
        rows[definition.key].versions.append(version)
    return list(rows.values())


def process(session: Session, key: str) -> ProcessRow:
    """One process with its versions; NotFound if it was never deployed."""
    for row in processes(session):
        if row.current.definition.key == key:
            return row
    raise NotFound(f"no process '{key}' is deployed")


def definition(session: Session, key: str, version: int | None = None) -> ProcessDefinition:
    """A version of a process (the newest without `version`); NotFound otherwise."""
    stmt = select(ProcessDefinition).where(ProcessDefinition.key == key)
    if version is not None:
        stmt = stmt.where(ProcessDefinition.version == version)
    found = session.scalars(stmt.order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if found is None:
        raise NotFound(f"process '{key}' has no version {version}" if version else f"no process '{key}'")
    return found


def main_file(definition: ProcessDefinition) -> str:
    """The .bpmn file of a version that defines its process (the other files are what it calls)."""
    for name, text in sorted(definition.files.items()):
        if name.endswith(".bpmn") and f'id="{definition.key}"' in text:
            return name
    return next((n for n in sorted(definition.files) if n.endswith(".bpmn")), "")


def files_of(definition: ProcessDefinition) -> list[str]:
    """The diagram file names of a version, its main file first."""
    main = main_file(definition)
    return [main] + sorted(n for n in definition.files if n != main)


def _text(el: Any, path: str, ns: dict[str, str]) -> str:
    """Text of the first match of `path` under `el` (stripped), or ''."""
    found = el.find(path, ns)
    return (found.text or "").strip() if found is not None else ""


def decision_tables(name: str, text: str) -> list[dict[str, Any]]:
    """The decision tables of a DMN file: name, hit policy, input/output headings, rules (cells as text)."""
    root = parse_xml(text.encode(), name)
    ns = {"dmn": root.nsmap.get(None) or ""}
    tables = []
    for decision in root.iterfind("dmn:decision", ns):
        table = decision.find("dmn:decisionTable", ns)
        if table is None:
            continue
        inputs = [(i.get("label") or _text(i, "dmn:inputExpression/dmn:text", ns))
                  for i in table.iterfind("dmn:input", ns)]
        outputs = [(o.get("label") or o.get("name") or "") for o in table.iterfind("dmn:output", ns)]
        rules = [{"inputs": [_text(e, "dmn:text", ns) or "-" for e in rule.iterfind("dmn:inputEntry", ns)],
                  "outputs": [_text(e, "dmn:text", ns) for e in rule.iterfind("dmn:outputEntry", ns)],
                  "note": _text(rule, "dmn:description", ns)} for rule in table.iterfind("dmn:rule", ns)]
        tables.append({"id": decision.get("id"), "name": decision.get("name") or decision.get("id"),
                       "description": _text(decision, "dmn:description", ns),
                       "hit_policy": table.get("hitPolicy") or "UNIQUE",
                       "inputs": inputs, "outputs": outputs, "rules": rules})
    return tables
