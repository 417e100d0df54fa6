"""Issue 11 phase 1: rewrite imports of the old layout to the feature packages.

Run from the repository root after rebasing a branch onto the reorganisation (`python tools/reorg_imports.py`):
it rewrites `webapp.services.tasks`-style references (imports, `import a, b` lists, mock.patch strings, docs)
in every tracked .py/.md/.toml/.cfg/.ini/.html/.sh/.txt file. Idempotent. `move` redoes the git moves
(only meaningful on the old layout).
"""
import re
import subprocess
import sys
from pathlib import Path

MOVES = {  # old module -> new module
 "webapp.services.runtime": "webapp.workflow.transitions",
 "webapp.services.persist": "webapp.workflow.store",
 "webapp.services.definitions": "webapp.workflow.definitions",
 "webapp.services.forms": "webapp.workflow.forms",
 "webapp.services.history": "webapp.workflow.history",
 "webapp.services.rows": "webapp.workflow.rows",
 "webapp.models.runtime": "webapp.workflow.models",
 "webapp.models.definitions": "webapp.workflow.definition_model",
 "webapp.models.types": "webapp.db_types",
 "webapp.services.errors": "webapp.errors",
 "webapp.services.cases": "webapp.cases.service",
 "webapp.models.cases": "webapp.cases.models",
 "webapp.services.intake": "webapp.cases.intake",
 "webapp.services.case_search": "webapp.cases.search",
 "webapp.services.comments": "webapp.cases.comments",
 "webapp.services.public": "webapp.cases.public",
 "webapp.web.cases": "webapp.cases.web",
 "webapp.web.casepage": "webapp.cases.page",
 "webapp.web.case_files": "webapp.cases.web_files",
 "webapp.web.intake_form": "webapp.cases.intake_form",
 "webapp.web.public": "webapp.cases.web_public",
 "webapp.api.cases": "webapp.cases.api",
 "webapp.services.tasks": "webapp.tasks.service",
 "webapp.services.worklist": "webapp.tasks.worklist",
 "webapp.web.tasks": "webapp.tasks.web",
 "webapp.web.worklist": "webapp.tasks.web_worklist",
 "webapp.web.formfields": "webapp.tasks.formfields",
 "webapp.api.tasks": "webapp.tasks.api",
 "webapp.models.deadlines": "webapp.deadlines.models",
 "webapp.services.deadlines": "webapp.deadlines.service",
 "webapp.services.timers": "webapp.deadlines.timers",
 "webapp.services.calendar": "webapp.deadlines.business_calendar",
 "webapp.services.outbox": "webapp.outbox.service",
 "webapp.services.notifications_inapp": "webapp.outbox.inapp",
 "webapp.web.notices": "webapp.outbox.web",
 "webapp.delivery": "webapp.outbox.delivery",
 "webapp.delivery.mail": "webapp.outbox.delivery.mail",
 "webapp.delivery.settings": "webapp.outbox.delivery.settings",
 "webapp.delivery.webhook": "webapp.outbox.delivery.webhook",
 "webapp.models.users": "webapp.accounts.models",
 "webapp.services.users": "webapp.accounts.service",
 "webapp.web.auth": "webapp.accounts.web",
 "webapp.api.auth": "webapp.accounts.api",
 "webapp.web.access": "webapp.accounts.access",
 "webapp.admin.audit": "webapp.admin.web_audit",
 "webapp.admin.bulk": "webapp.admin.web_bulk",
 "webapp.admin.instances": "webapp.admin.web_instances",
 "webapp.admin.messages": "webapp.admin.web_messages",
 "webapp.admin.repairs": "webapp.admin.web_repairs",
 "webapp.services.admin": "webapp.admin.actions",
 "webapp.services.admin_bulk": "webapp.admin.bulk_actions",
 "webapp.services.admin_diagram": "webapp.admin.diagram",
 "webapp.services.admin_messages": "webapp.admin.message_log",
 "webapp.services.admin_query": "webapp.admin.query",
 "webapp.services.admin_repair": "webapp.admin.repair",
 "webapp.services.stuck": "webapp.admin.stuck",
 "webapp.services.audit": "webapp.admin.audit_log",
 "webapp.models.audit": "webapp.admin.models",
 "webapp.api.admin_actions": "webapp.admin.api",
 "webapp.api.instances": "webapp.admin.api_instances",
 "webapp.api.processes": "webapp.processes.api",
 "webapp.api.views": "webapp.api.shapes",
 "webapp.web.errors": "webapp.web.error_pages",
 "webapp.api.errors": "webapp.api.problems",
}
PKG_INITS = {"webapp.delivery"}

def path(mod, pkg=False):
    p = Path(*mod.split("."))
    return p / "__init__.py" if pkg else p.with_suffix(".py")

def git(*a):
    subprocess.run(["git", *a], check=True)

def do_moves():
    # pass 1: move old files to temp names (avoid collisions like admin/audit.py)
    tmp = {}
    for i, (old, new) in enumerate(MOVES.items()):
        src = path(old, old in PKG_INITS)
        t = Path(f"_mv_tmp_{i}.py")
        git("mv", str(src), str(t))
        tmp[t] = path(new, new in {MOVES[m] for m in PKG_INITS})
    for t, dst in tmp.items():
        dst.parent.mkdir(parents=True, exist_ok=True)
        git("mv", str(t), str(dst))
    for d in ["webapp/workflow", "webapp/cases", "webapp/tasks", "webapp/deadlines", "webapp/outbox",
              "webapp/accounts", "webapp/admin", "webapp/processes"]:
        init = Path(d) / "__init__.py"
        if not init.exists():
            name = d.split("/")[1]
            init.write_text(f'"""The {name} feature package."""\n')
            git("add", str(init))
    for d in ["webapp/delivery", "webapp/services"]:
        rest = list(Path(d).glob("*.py")) if Path(d).exists() else []
        print(d, "left:", rest)

NAMES = sorted(MOVES, key=len, reverse=True)
DOTTED = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in NAMES) + r")(?![\w])")
FROM = re.compile(r"^([ \t]*)from (webapp(?:\.\w+)*) import (?:(\()([^)]*)(\))|()([^\n(]*?)())([ \t]*#[^\n]*)?$", re.M)

def split_from(m):
    g = m.groups()
    indent, pkg = g[0], g[1]
    body = g[3] if g[2] else g[6]
    tail = ("  " + g[8].strip()) if g[8] else ""
    items = [x.strip() for x in body.replace("\n", " ").split(",") if x.strip()]
    if not any(f"{pkg}.{it.split(' as ')[0].strip()}" in MOVES for it in items):
        return m.group(0)
    keep, lines = [], []
    for it in items:
        name, _, alias = it.partition(" as ")
        name, alias = name.strip(), (alias.strip() or name.strip())
        full = f"{pkg}.{name}"
        if full in MOVES:
            nparent, _, nname = MOVES[full].rpartition(".")
            lines.append(f"{indent}from {nparent} import {nname}" + ("" if alias == nname else f" as {alias}") + tail)
        else:
            keep.append(it)
    if keep:
        lines.insert(0, f"{indent}from {pkg} import {', '.join(keep)}{tail}")
    return "\n".join(lines)

def rewrite(text):
    text = DOTTED.sub(lambda m: MOVES[m.group(1)], text)
    return FROM.sub(split_from, text)

def do_rewrite():
    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True).stdout.split()
    for f in files:
        if f == "tools/reorg_imports.py" or not f.endswith((".py", ".md", ".toml", ".cfg", ".ini", ".html", ".sh",
                                                               ".txt")):
            continue
        p = Path(f)
        old = p.read_text()
        new = rewrite(old) if f.endswith(".py") else DOTTED.sub(lambda m: MOVES[m.group(1)], old)
        if new != old:
            p.write_text(new)

if __name__ == "__main__":
    if "move" in sys.argv:
        do_moves()
    do_rewrite()
