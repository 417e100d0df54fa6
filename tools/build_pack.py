"""Write the default pack's diagrams and decision tables into processes/ (run once; the files are then edited).

Usage: .venv/bin/python -m tools.build_pack [--check]

The committed .bpmn/.dmn files are the source of truth a process owner edits (in bpmn.io or by hand). This
generator only produced their first version with a readable left-to-right layout; `--check` reports which
files differ from what it would write, so that it is never re-run over somebody's edits by accident.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from tools import (
    bpmn_layout,
    dmn_layout,
    forms_grievance,
    forms_handling,
    forms_intake,
    pack_decisions,
    pack_grievance,
    pack_handling,
    pack_intake,
    pack_service,
)

ROOT = Path(__file__).resolve().parent.parent
CRISIS = {"crisis": "Crisis (Level 1)"}

DIAGRAMS: dict[str, tuple[list[Callable[[], bpmn_layout.Pool]], dict[str, str]]] = {
    "complaint": ([pack_intake.complaint], {}),
    "inquiry": ([pack_intake.inquiry], {}),
    "rescue": ([pack_service.rescue], {}),
    "new_failure": ([pack_service.new_failure], {}),
    "grading": ([pack_grievance.grade_case], CRISIS),
    "grievance": ([pack_grievance.grievance, pack_grievance.first_response, pack_handling.handling], CRISIS),
}


def render_forms() -> dict[str, bytes]:
    """Every form, by file name."""
    all_forms = {**forms_intake.forms(), **forms_grievance.first_steps(), **forms_handling.later_steps()}
    return {name: (json.dumps(f, indent=2, ensure_ascii=False) + "\n").encode() for name, f in all_forms.items()}


def render() -> dict[str, bytes]:
    """Every diagram and decision table of the pack, by file name."""
    out: dict[str, bytes] = {}
    for name, (pools, escalations) in DIAGRAMS.items():
        out[f"{name}.bpmn"] = bpmn_layout.build(name, [make() for make in pools], escalations)
    for table in pack_decisions.TABLES:
        t = table()
        out[f"{t.id}.dmn"] = dmn_layout.build(t)
    return out


def main(argv: list[str]) -> int:
    """Write (or with --check, compare) the files."""
    differ = []
    files = [(ROOT / "processes" / n, c) for n, c in render().items()]
    files += [(ROOT / "forms" / n, c) for n, c in render_forms().items()]
    for path, content in files:
        path.parent.mkdir(exist_ok=True)
        if "--check" in argv:
            if not path.exists() or path.read_bytes() != content:
                differ.append(path.name)
            continue
        path.write_bytes(content)
        print(f"wrote {path.relative_to(ROOT)}")
    if differ:
        print("differ from the generator:", ", ".join(differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
