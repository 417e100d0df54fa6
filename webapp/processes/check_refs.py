"""Reference checks: groups, recipients, service-task operations and parameters, forms, decisions, code."""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext

from webapp.engine.pack import FORM_PROPERTY, Problem, group_for_lane
from webapp.processes.check_codes import found
from webapp.processes.compiling import compile_problem
from webapp.processes.model import Element, FileModel

UNIT_PREFIXES = ("department:", "department_head:", "service_point:", "service_point_head:")
PREFIXES = ("group:", "user:", "webhook:", *UNIT_PREFIXES)


@dataclass
class Known:
    """What exists outside the diagrams: groups and users (database), webhooks and service points (settings)."""

    groups: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)
    webhooks: set[str] = field(default_factory=set)
    service_points: set[str] = field(default_factory=set)  # SERVICE_POINT_EMAILS (the older place)
    handlers: dict[str, Any] = field(default_factory=dict)  # operation -> handler function
    units: set[str] = field(default_factory=set)  # addresses of kept departments and service points
    unmanned_units: set[str] = field(default_factory=set)  # ... of those, nobody active is in
    staffed_groups: set[str] | None = None  # groups with an active member (None: not checked)


def _constant(expression: str) -> Any:
    try:
        return ast.literal_eval(expression)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _strings(expression: str) -> list[str]:
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return []
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def check_groups(el: Element, known: Known) -> list[Problem]:
    """The lane of a user task and a literal `assignGroup` name groups that exist."""
    problems: list[Problem] = []
    if el.tag == "userTask" and el.lane:
        group = group_for_lane(el.lane)
        if group and group not in known.groups:
            problems.append(found(el.file, el.id, "lane_group_unknown", el.name, lane=el.lane, group=group))
    assigned = _constant(el.props.get("assignGroup", "")) if el.props.get("assignGroup") else None
    if isinstance(assigned, str) and assigned.startswith(UNIT_PREFIXES):
        problems += [found(el.file, el.id, "assign_unit_unusable", el.name, why=text)
                     for text in _unit_problem(assigned, known)]
    elif isinstance(assigned, str) and assigned not in known.groups:
        problems.append(found(el.file, el.id, "assign_group_unknown", el.name, group=assigned))
    return problems


def _unit_problem(address: str, known: Known) -> list[str]:
    """Why a literal department/service point address cannot be used: not kept, or nobody active in it."""
    kind, _, key = address.partition(":")
    department = kind.removesuffix("_head") == "department"
    if address not in known.units and not (kind == "service_point" and key in known.service_points):
        text = (gettext("names %(address)s, but no department '%(key)s' is kept in master data; add it (Admin > "
                        "Master data) or name a kept one", address=address, key=key) if department else
                gettext("names %(address)s, but no service point '%(key)s' is kept in master data; add it (Admin > "
                        "Master data) or name a kept one", address=address, key=key))
        return [text]
    if address in known.unmanned_units:
        unit = gettext("department") if department else gettext("service point")
        who = gettext("head") if kind.endswith("_head") else gettext("member or head")
        return [gettext("names %(address)s, but the %(unit)s '%(key)s' has no active %(who)s: nobody would act on "
                        "it; add people to it in master data", address=address, unit=unit, key=key, who=who)]
    return []


def _recipient_words(prefix: str) -> tuple[str, str]:
    """The kind of an unknown recipient and how to fix it, in the owner's language (looked up only when needed)."""
    if prefix == "group:":
        return gettext("group"), gettext("create the group or name an existing one")
    if prefix == "user:":
        return gettext("user"), gettext("name an existing user")
    return gettext("webhook"), gettext("add it to the WEBHOOKS setting or name a configured one")


def check_recipients(el: Element, known: Known) -> list[Problem]:
    """Every literal `group:`, `user:`, `webhook:` and `service_point:` address in a parameter exists."""
    problems: list[Problem] = []
    tables = {"group:": known.groups, "user:": known.users, "webhook:": known.webhooks}
    for param, expression in el.params.items():
        for text in _strings(expression):
            prefix = next((p for p in PREFIXES if text.startswith(p)), None)
            if prefix is None or not text[len(prefix):]:
                continue  # no address, or one completed from case data at run time
            if prefix in UNIT_PREFIXES:
                problems += [found(el.file, el.id, "parameter_unit_unusable", el.name, param=param, why=why)
                             for why in _unit_problem(text, known)]
                continue
            if text[len(prefix):] not in tables[prefix]:
                label, fix = _recipient_words(prefix)
                problems.append(found(el.file, el.id, "recipient_unknown", el.name, param=param, to=text, kind=label,
                                      name=text[len(prefix):], fix=fix))
    return problems


def check_staffing(models: dict[str, FileModel], known: Known) -> list[Problem]:
    """Warnings (a deploy goes on): a lane, literal assignGroup or literal `group:` recipient naming a group with no
    active member; nobody would see the task or read the notice until someone joins it."""
    if known.staffed_groups is None:
        return []
    warnings: list[Problem] = []
    for model in models.values():
        for el in model.elements.values():
            named = [group_for_lane(el.lane)] if el.tag == "userTask" and el.lane else []
            assigned = _constant(el.props.get("assignGroup", "")) if el.props.get("assignGroup") else None
            named += [assigned] if isinstance(assigned, str) else []
            named += [t[len("group:"):] for e in el.params.values() for t in _strings(e) if t.startswith("group:")]
            for group in dict.fromkeys(g for g in named if g and g in known.groups):
                if group not in known.staffed_groups:
                    warnings.append(found(el.file, el.id, "group_unstaffed", el.name, group=group))
    return warnings


def check_operation(el: Element, known: Known) -> list[Problem]:
    """A service task names a registered handler and gives it every required parameter, and no unknown one."""
    if el.operator is None:
        if el.tag == "serviceTask":
            return [found(el.file, el.id, "no_operation", el.name)]
        return []
    fn = known.handlers.get(el.operator)
    if fn is None:
        ops = ", ".join(sorted(known.handlers))
        return [found(el.file, el.id, "unknown_operation", el.name, op=el.operator, ops=ops)]
    params = list(inspect.signature(fn).parameters.values())[1:]  # the first is the handler context
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return []
    accepted = {p.name for p in params}
    required = {p.name for p in params if p.default is p.empty}
    problems = [found(el.file, el.id, "missing_parameter", el.name, op=el.operator, name=name)
                for name in sorted(required - set(el.params))]
    problems += [found(el.file, el.id, "unknown_parameter", el.name, op=el.operator, name=name,
                       takes=", ".join(sorted(accepted)) or gettext("none"))
                 for name in sorted(set(el.params) - accepted)]
    return problems


def check_form(el: Element, forms: dict[str, Any]) -> list[Problem]:
    """A user task names a form that was given and is a JSON Schema of an object."""
    if el.tag != "userTask":
        return []
    name = el.props.get(FORM_PROPERTY)
    if not name:
        return []  # reported by the pack check ("names no form")
    schema = forms.get(name)
    if schema is None:
        return []  # missing or invalid: reported by the pack check
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return [found(el.file, el.id, "form_not_an_object", el.name, name=name)]
    return []


def check_decision(el: Element, decisions: set[str]) -> list[Problem]:
    """A business-rule task calls a decision that is in the pack."""
    if el.tag == "businessRuleTask" and el.decision is not None and el.decision not in decisions:
        return [found(el.file, el.id, "unknown_decision", el.name, decision=el.decision)]
    if el.tag == "businessRuleTask" and not el.decision:
        return [found(el.file, el.id, "no_decision", el.name)]
    return []


def check_code(el: Element) -> list[Problem]:
    """Scripts, conditions, parameter values and assignment expressions compile in the sandbox."""
    problems: list[Problem] = []
    pieces = [(kind, text, "eval" if kind == "condition" else "exec") for kind, text in el.scripts.items()]
    pieces += [(f"parameter '{p}'", text, "eval") for p, text in el.params.items() if text]
    pieces += [(p, el.props[p], "eval") for p in ("assignGroup", "assignUser") if el.props.get(p)]
    for what, text, mode in pieces:
        reason = compile_problem(text, mode)  # type: ignore[arg-type]
        if reason:
            problems.append(found(el.file, el.id, "code_not_compiling", el.name, what=what, reason=reason))
    return problems


def check_references(models: dict[str, FileModel], forms: dict[str, Any], known: Known) -> list[Problem]:
    """Run every reference check on every element."""
    decisions = {d for m in models.values() for d in m.decisions}
    problems: list[Problem] = []
    for model in models.values():
        for el in model.elements.values():
            problems += check_groups(el, known) + check_recipients(el, known) + check_operation(el, known)
            problems += check_form(el, forms) + check_decision(el, decisions) + check_code(el)
    return problems
