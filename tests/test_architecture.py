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


# --- Feature-package rules (issue 11): no allow-lists; every module keeps every rule.

FLASK_PACKAGES = ("flask", "flask_login", "flask_wtf", "flask_babel", "flask_sqlalchemy", "flask_migrate")
CLI_MODULES = {"webapp/app.py", "webapp/cli.py", "webapp/__main__.py", "webapp/extensions.py",
               "webapp/worker/commands.py"}
# a module's name says its role: web*.py pages and api*.py JSON endpoints are views (so is every module of the
# shared web layer packages); __init__.py and commands.py wire; models.py holds tables; every other module is a
# service: it may query and commit but never touches the request (flask, flask_login, flask_wtf).
VIEW_PREFIXES = ("web", "api")
WEB_LAYER_PACKAGES = ("webapp/web/", "webapp/api/")
REQUEST_PACKAGES = ("flask", "flask_login", "flask_wtf")
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 50


def _source_files() -> list[Path]:
    return [p for p in _py("webapp") + _py("handlers") if "migrations" not in p.parts]


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports_flask(path: Path) -> bool:
    return any(m.split(".")[0] in FLASK_PACKAGES for m in _imports(path))


def test_no_flask_in_the_engine_handlers_services_or_models():
    for path in _source_files():
        rel = _rel(path)
        if rel.startswith(("webapp/engine/", "handlers/")) or path.name in ("service.py", "models.py"):
            assert not _imports_flask(path), f"{rel} imports Flask; rules and models stay framework-free"


def _defines_a_table(node: ast.ClassDef) -> bool:
    return any(isinstance(b, ast.Attribute) and b.attr == "Model" for b in node.bases)


def test_tables_live_in_the_models_module_of_their_feature():
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and _defines_a_table(node):
                assert path.name == "models.py" and path.parent.name != "models", (
                    f"{_rel(path)} defines table {node.name}; put it in webapp/<feature>/models.py")
    registry = ROOT / "webapp/models"
    assert sorted(p.name for p in registry.glob("*.py")) == ["__init__.py"], "webapp/models is only the registry"


def _import_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in _source_files()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    stem = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(stem + ([node.module] if node.module else []))
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles_between_modules():
    cycles = [c for c in _cycles(_import_graph()) if c[0].startswith("webapp")]
    assert not cycles, f"import circles (also through imports inside functions): {cycles}"


def test_no_big_modules():
    for path in _source_files():
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_MODULE_LINES, f"{_rel(path)} has {lines} lines (limit {MAX_MODULE_LINES}); split it"


def test_no_long_functions():
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                key = f"{_rel(path)}::{node.name}"
                length = node.end_lineno - node.lineno + 1
                assert length <= MAX_FUNCTION_LINES, f"{key} has {length} lines (limit {MAX_FUNCTION_LINES})"


def _role(path: Path) -> str:
    """What a module is, read from its name (README, "Where things are"): view, wiring, models, shell or service."""
    rel = _rel(path)
    if rel in CLI_MODULES:
        return "shell"
    if rel.startswith(WEB_LAYER_PACKAGES) or path.name.startswith(VIEW_PREFIXES):
        return "view"
    if path.name in ("__init__.py", "commands.py"):
        return "wiring"
    return "models" if path.name == "models.py" else "service"


def test_a_module_name_says_its_role():
    """web*.py / api*.py are views; any other module of a feature package is a service, free of the request."""
    for path in _source_files():
        if _rel(path).startswith("webapp/") and _role(path) in ("service", "models"):
            bad = {m for m in _imports(path) if m.split(".")[0] in REQUEST_PACKAGES}
            assert not bad, (f"{_rel(path)} imports {bad}: a service takes plain values and a Session; "
                             "request handling goes into a web*.py or api*.py module")


def test_no_queries_or_commits_in_views():
    for path in _source_files():
        if _rel(path).startswith("webapp/") and _role(path) == "view":
            source = path.read_text()
            count = source.count("select(") + source.count("commit(")
            assert count == 0, f"{_rel(path)} has {count} select(/commit(; move them into a service"


# the session calls that read or write rows; a view may still roll back after a refused service call
ROW_CALLS = ("get", "execute", "scalars", "scalar", "query", "add", "add_all", "delete", "flush", "merge")


def _row_calls(source: str) -> list[str]:
    """`db.session.<call>(` uses in a module's source, by call name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ROW_CALLS
                and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "session"):
            found.append(node.func.attr)
    return found


def test_admin_views_read_and_write_rows_through_services():
    """The admin console's pages and API (webapp/admin/web*.py, api*.py) parse, call a service (actions, audit,
    instances, jobs, messages, migrating ...) and render: no session.get/execute/scalars/... of their own."""
    for path in sorted((ROOT / "webapp/admin").glob("*.py")):
        if _role(path) == "view":
            calls = _row_calls(path.read_text())
            assert not calls, f"{_rel(path)} calls db.session.{calls}; move the query into an admin service"


def test_row_call_finder_finds_session_calls():
    assert _row_calls("x = db.session.get(A, 1)\ndb.session.rollback()\ns.scalars(q)") == ["get"]
