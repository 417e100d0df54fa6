"""Layering rules of design.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _py(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_engine_never_imports_flask_or_the_web_layer():
    for path in _py("webapp/engine"):
        bad = {m for m in _imports(path) if m.split(".")[0] == "flask" or m.startswith(("webapp.api", "webapp.web",
                                                                                          "webapp.admin"))}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_handlers_import_neither_flask_nor_the_database():
    for path in _py("handlers"):
        bad = {m for m in _imports(path) if m.split(".")[0] in ("flask", "sqlalchemy", "flask_sqlalchemy")
               or m.startswith("webapp")}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_only_the_engine_imports_spiffworkflow():
    for path in _py("webapp") + _py("handlers"):
        if "webapp/engine" in str(path):
            continue
        bad = {m for m in _imports(path) if m.split(".")[0] == "SpiffWorkflow"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_importing_the_engine_does_not_load_flask():
    import subprocess
    import sys

    code = "import sys, webapp.engine.runtime, webapp.engine.pack; print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"
