"""Compact decision tables -> DMN 1.3 XML (Python expressions, as SpiffWorkflow evaluates them) with DMNDI."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

DMN = "https://www.omg.org/spec/DMN/20191111/MODEL/"
NSMAP = {
    None: DMN,
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
    "dc": "http://www.omg.org/spec/DMN/20180521/DC/",
}


@dataclass
class Table:
    """One decision with one table: inputs (label, expression), outputs (label, name, type), rules."""

    id: str
    name: str
    hit_policy: str
    inputs: list[tuple[str, str, str]]
    outputs: list[tuple[str, str, str]]
    rules: list[tuple[list[str], list[str], str]] = field(default_factory=list)
    description: str = ""

    def rule(self, inputs: list[str], outputs: list[str], note: str = "") -> None:
        """Add a row: input entries ('-' = any), output expressions, an annotation."""
        if len(inputs) != len(self.inputs) or len(outputs) != len(self.outputs):
            raise ValueError(f"{self.id}: row {len(self.rules) + 1} has the wrong number of cells")
        self.rules.append((inputs, outputs, note))


def _el(parent: etree._Element, tag: str, text: str | None = None, ns: str = DMN, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def build(table: Table) -> bytes:
    """Serialize a table to a DMN file."""
    root = etree.Element(
        f"{{{DMN}}}definitions",
        nsmap=NSMAP,
        id=f"Definitions_{table.id}",
        name=table.name,
        namespace="http://closeloop.example/decisions",
    )
    decision = _el(root, "decision", id=table.id, name=table.name)
    if table.description:
        _el(decision, "description", table.description)
    dt = _el(decision, "decisionTable", id=f"{table.id}_table", hitPolicy=table.hit_policy)
    for i, (label, expr, type_ref) in enumerate(table.inputs):
        inp = _el(dt, "input", id=f"{table.id}_in{i}", label=label)
        ie = _el(inp, "inputExpression", id=f"{table.id}_in{i}_expr", typeRef=type_ref)
        _el(ie, "text", expr)
    for i, (label, name, type_ref) in enumerate(table.outputs):
        _el(dt, "output", id=f"{table.id}_out{i}", label=label, name=name, typeRef=type_ref)
    for r, (ins, outs, note) in enumerate(table.rules, start=1):
        rule = _el(dt, "rule", id=f"{table.id}_r{r}")
        if note:
            _el(rule, "description", note)
        for c, text in enumerate(ins):
            _el(_el(rule, "inputEntry", id=f"{table.id}_r{r}_i{c}"), "text", text)
        for c, text in enumerate(outs):
            _el(_el(rule, "outputEntry", id=f"{table.id}_r{r}_o{c}"), "text", text)
    di = _el(root, "DMNDI", ns=NSMAP["dmndi"])
    diagram = _el(di, "DMNDiagram", ns=NSMAP["dmndi"], id=f"{table.id}_diagram")
    shape = _el(diagram, "DMNShape", ns=NSMAP["dmndi"], id=f"{table.id}_di", dmnElementRef=table.id)
    _el(shape, "Bounds", ns=NSMAP["dc"], height="80", width="180", x="160", y="100")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
