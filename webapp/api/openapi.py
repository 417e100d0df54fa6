"""OpenAPI 3 description of API v1, served at /api/v1/openapi.json.

Paths and path parameters come from the app's routes (so no route is forgotten); query parameters and
request bodies per endpoint are declared in OPERATIONS below (a test checks that every route has an entry).
"""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, request
from jsonschema import Draft7Validator

from webapp.admin.actions import ACTIONS, BULK_ACTIONS
from webapp.api import bp
from webapp.errors import Invalid
from webapp.security.limits import MAX_INT

STR: dict[str, Any] = {"type": "string", "maxLength": 200}
INT: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
LIMIT: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": 500}
OBJ: dict[str, Any] = {"type": "object"}


def _q(**params: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "in": "query", "required": False, "schema": schema} for name, schema in params.items()]


def _body(schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": schema}}}


REASON = {"type": "string"}
INSTANCE_FILTERS = dict(status=STR, stuck=STR, rule=STR, process=STR, version=INT, grade=STR,
                        older_than_days={"type": "number"}, idle_hours={"type": "number"}, error=STR, case=STR)
KEYS = {"type": "array", "items": STR}
USER: dict[str, Any] = {"type": "object", "properties": {
    "username": STR, "name": STR, "email": STR, "language": {"type": "string", "enum": ["en", "zh"]},
    "groups": KEYS, "supervises": KEYS, "password": STR, "reason": REASON}}
REASON_BODY = {"type": "object", "properties": {"reason": REASON}}
CUSTOMER = {"type": "object", "properties": {"name": STR, "phone": STR, "email": STR, "address": STR}}
CASE_BODY = {"type": "object", "properties": {
    "channel": STR, "kind": STR, "category": STR, "subject": STR, "description": {"type": "string"},
    "demand": {"type": "string"}, "customer": CUSTOMER, "facts": OBJ}}
DAY: dict[str, Any] = {"type": "string", "format": "date"}
REPORT_QUERY = {"from": DAY, "to": DAY, "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "tz": STR,
                "kind": STR, "category": STR, "grade": STR, "channel": STR,
                "tier": {"type": "integer", "enum": [1, 2, 3]}, "department": STR}
PROBLEM = {"type": "object", "required": ["file", "element", "name", "message", "code", "params"], "properties": {
    "file": STR, "element": STR, "name": STR, "message": {"type": "string"},
    "code": {"type": "string", "description": "what is wrong, for programs (webapp/engine/messages.py, "
                                              "webapp/processes/check_codes.py); the message says it in words"},
    "params": {"type": "object", "additionalProperties": {"type": "string"}}}}
PROBLEMS = {"type": "array", "items": PROBLEM}
CHECKED = {"type": "object", "properties": {"ok": {"type": "boolean"}, "problems": PROBLEMS, "warnings": PROBLEMS}}
REFUSED = {"type": "object", "properties": {"error": {"type": "object", "required": ["code", "message"],
                                                      "properties": {"code": STR, "message": {"type": "string"},
                                                                     "problems": PROBLEMS}}}}
# endpoint -> summary, query parameters, request body, answers (and their schemas where they are described)
OPERATIONS: dict[str, dict[str, Any]] = {
    "api.token": {"summary": "Exchange username and password for a bearer token", "auth": False,
                  "body": _body({"type": "object", "required": ["username", "password"],
                                 "properties": {"username": STR, "password": STR}}),
                  "responses": ("201", "401", "422", "429")},
    "api.revoke_token": {"summary": "Revoke the presented bearer token", "responses": ("204", "401")},
    "api.openapi": {"summary": "This description", "auth": False, "responses": ("200",)},
    "api.register_case": {"summary": "Register a case", "body": _body(CASE_BODY), "responses": ("201", "422")},
    "api.list_cases": {"summary": "Cases the user may read, newest first", "query": _q(
        status=STR, grade=STR, kind=STR, category=STR, channel=STR, tier={"type": "integer"}, q=STR,
        cursor=STR, limit=LIMIT)},
    "api.show_case": {"summary": "One case (404 when the user may not read it)"},
    "api.list_open_tasks": {"summary": "Open tasks by deadline", "query": _q(
        scope={"type": "string", "enum": ["mine", "group", "overdue", "team", "all"]}, grade=STR, kind=STR,
        category=STR, process=STR, overdue=STR, cursor=STR, limit=LIMIT)},
    "api.show_task": {"summary": "One task with its form and data"},
    "api.claim_task": {"summary": "Claim a task (409 when already claimed)", "responses": ("200", "409")},
    "api.unclaim_task": {"summary": "Give a task back to its group queue"},
    "api.assign_task": {"summary": "Assign a task to a colleague (supervisors)",
                        "body": _body({"type": "object", "properties": {"username": STR}})},
    "api.complete_task": {"summary": "Complete a task with form data",
                          "body": _body({"type": "object", "properties": {"data": OBJ}}),
                          "responses": ("200", "202", "409", "422")},
    "api.list_instances": {"summary": "Workflow instances (admin)",
                           "query": _q(status=STR, process=STR, cursor=STR, limit=LIMIT)},
    "api.show_instance": {"summary": "One workflow instance (admin)"},
    "api.stuck_instances": {"summary": "Stuck instances (admin)",
                            "query": _q(**INSTANCE_FILTERS, before=INT, limit=LIMIT)},
    "api.instance_trace": {"summary": "Elements done, waiting and errored (admin)"},
    "api.instance_action": {"summary": "Repair one instance (admin)", "body": _body(
        {"type": "object", "properties": {
            "reason": REASON, "data": {}, "username": STR, "task_id": {"description": "id, or uuid for reset"},
            "timer_id": INT, "outbox_id": INT}})},
    "api.bulk_action": {"summary": "Repair many instances (admin)", "body": _body(
        {"type": "object", "properties": {
            "reason": REASON, "ids": {"type": "array", "items": INT, "maxItems": 20},
            "filter": {"type": "object", "properties": INSTANCE_FILTERS}}})},
    "api.audit_log": {"summary": "Admin audit log", "query": _q(
        actor=STR, action=STR, instance=INT, case=STR, bulk=STR, before=INT, limit=LIMIT)},
    "api.audit_csv": {"summary": "Admin audit log as CSV",
                      "query": _q(actor=STR, action=STR, instance=INT, case=STR, bulk=STR)},
    "api.list_processes": {"summary": "Deployed process versions"},
    "api.upload_processes": {"summary": "Deploy diagrams and forms (process owners)", "body": _body(
        {"type": "object", "properties": {"files": {"type": "array", "items": {"type": "string",
                                                                             "format": "binary"}}}},
        "multipart/form-data"), "responses": ("201", "200", "422"), "schemas": {"422": REFUSED}},
    "api.check_processes": {"summary": "Run the deploy checks on diagrams and forms without deploying", "body": _body(
        {"type": "object", "properties": {"files": {"type": "array", "items": {"type": "string",
                                                                             "format": "binary"}}}},
        "multipart/form-data"), "responses": ("200", "422"), "schemas": {"200": CHECKED}},
    "api.export_processes": {"summary": "The deployed versions as a zip of diagrams and forms"},
    "api.process_diff": {"summary": "Element-level differences between two versions of a process",
                         "query": _q(**{"from": INT, "to": INT}), "responses": ("200", "404", "422")},
    "api.migrate_one": {"summary": "Move one instance to another version of its process (admin)", "body": _body(
        {"type": "object", "properties": {"to_version": INT, "dry_run": {"type": "boolean"}, "reason": REASON}}),
        "responses": ("200", "404", "409", "422")},
    "api.migrate_many": {"summary": "Move the running instances of one process version to another version (admin): "
                                    "a dry run answers one page of reports (after, limit; next_after says where the "
                                    "next page starts); otherwise a migrate job is queued for the worker (202 with "
                                    "the job and its links)", "body": _body(
        {"type": "object", "properties": {"filter": {"type": "object", "properties": {"process": STR, "version": INT}},
                                          "to_version": INT, "dry_run": {"type": "boolean"}, "reason": REASON,
                                          "after": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
                                          "limit": {"type": "integer", "minimum": 1, "maximum": 200}}}),
        "responses": ("200", "202", "403", "404", "422")},
    "api.list_master": {"summary": "Master data of a kind (categories, departments, service points, objects, "
                                   "channels)", "query": _q(active=STR), "responses": ("200", "404")},
    "api.create_master": {"summary": "Add a master-data row (admin)", "body": _body({"type": "object"}),
                          "responses": ("201", "404", "409", "422")},
    "api.update_master": {"summary": "Change a master-data row (admin)", "body": _body({"type": "object"}),
                          "responses": ("200", "404", "422")},
    "api.master_history": {"summary": "Change history of a master-data row (admin)", "responses": ("200", "404")},
    "api.job_create": {"summary": "Queue a bulk admin action as a background job (admin)", "body": _body(
        {"type": "object", "properties": {"action": STR, "ids": {"type": "array", "items": INT},
                                          "filter": {"type": "object"}, "reason": REASON,
                                          "to_version": INT}}),
        "responses": ("202", "403", "422")},
    "api.job_show": {"summary": "A background job with its progress (admin)", "responses": ("200", "404")},
    "api.users_list": {"summary": "Users (admin) by username, a page at a time; search by username, name or e-mail",
                       "query": _q(q=STR, group=STR, active={"type": "string", "enum": ["true", "false"]},
                                   after=STR, limit=LIMIT), "responses": ("200", "403", "422")},
    "api.users_create": {"summary": "Create a user (admin); without a password one is generated and returned once",
                         "body": _body(USER | {"required": ["username"]}), "responses": ("201", "403", "409", "422")},
    "api.users_show": {"summary": "One user with who supervises them (admin)", "responses": ("200", "404")},
    "api.users_update": {"summary": "Change a user's name, e-mail, language, groups, supervised groups (admin)",
                         "body": _body(USER), "responses": ("200", "404", "409", "422")},
    "api.users_deactivate": {"summary": "Deactivate a user: no sign-in, tokens revoked (admin)",
                             "body": _body(REASON_BODY), "responses": ("200", "404", "409")},
    "api.users_reactivate": {"summary": "Let a deactivated user sign in again (admin)", "body": _body(REASON_BODY),
                             "responses": ("200", "404", "409")},
    "api.users_password": {"summary": "Set or generate a user's password (admin); tokens revoked",
                           "body": _body({"type": "object", "properties": {"password": STR, "reason": REASON}}),
                           "responses": ("200", "404", "422")},
    "api.groups_list": {"summary": "Groups with members and supervisors; flags groups with no active member (admin)"},
    "api.groups_create": {"summary": "Create a group (admin)", "body": _body(
        {"type": "object", "required": ["key"], "properties": {"key": STR, "name": STR, "reason": REASON}}),
        "responses": ("201", "409", "422")},
    "api.groups_update": {"summary": "Rename a group (admin); the key stays", "body": _body(
        {"type": "object", "properties": {"name": STR, "key": STR, "reason": REASON}}),
        "responses": ("200", "404", "422")},
    "api.groups_delete": {"summary": "Delete a group nothing uses (admin); 409 lists what still uses it",
                          "body": _body(REASON_BODY), "responses": ("200", "404", "409")},

    "reports_api.kpis": {"summary": "Every KPI figure of a period (managers)", "query": _q(**REPORT_QUERY),
                         "responses": ("200", "403", "422")},
    "reports_api.cases": {"summary": "The cases behind one KPI figure (managers)",
                          "query": _q(**REPORT_QUERY, metric=STR), "responses": ("200", "403", "422")},
    "assessments_api.index": {"summary": "The assessment register, newest first", "query": _q(
        state={"type": "string", "enum": ["proposed", "accepted", "rejected", "carried_out"]}),
        "responses": ("200", "403", "422")},
    "assessments_api.decide": {"summary": "Accept (amount or measure) or reject (reason) a proposed assessment "
                                          "(integrated management)", "body": _body({"type": "object", "properties": {
                                              "decision": {"type": "string", "enum": ["accept", "reject"]},
                                              "amount": {"description": "a number (500 or \"500.00\")"}, "measure": STR,
                                              "reason": REASON}}), "responses": ("200", "403", "404", "409", "422")},
    "assessments_api.execute": {"summary": "Record an accepted assessment as carried out (finance)", "body": _body(
        {"type": "object", "properties": {"note": REASON}}), "responses": ("200", "403", "404", "409", "422")},
    "lessons_api.index": {"summary": "Search the lessons register, newest first", "query": _q(
        q=STR, category=STR, state={"type": "string", "enum": ["open", "done"]}), "responses": ("200", "422")},
    "lessons_api.done": {"summary": "The owner marks a lesson's improvement done",
                         "responses": ("200", "403", "404", "409")},
}
PATH_ENUMS = {("api.instance_action", "action"): list(ACTIONS), ("api.bulk_action", "action"): list(BULK_ACTIONS)}
PREFIX = "/api/v1/"  # every route under it is described, whichever blueprint serves it
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
ERROR = {"type": "object", "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
    "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}}}


def _path_params(endpoint: str, rule: str) -> list[dict[str, Any]]:
    params = []
    for converter, name in _PARAM.findall(rule):
        schema: dict[str, Any] = dict(INT) if converter == "int" else {"type": "string", "minLength": 1}
        if (endpoint, name) in PATH_ENUMS:
            schema = {"type": "string", "enum": PATH_ENUMS[(endpoint, name)]}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _operation(endpoint: str, rule: str) -> dict[str, Any]:
    spec = OPERATIONS.get(endpoint, {"summary": endpoint})
    op: dict[str, Any] = {"operationId": endpoint.removeprefix("api.").replace("_api.", "_"),
                          "summary": spec["summary"],
                          "parameters": _path_params(endpoint, rule) + spec.get("query", [])}
    if "body" in spec:
        op["requestBody"] = spec["body"]
    if spec.get("auth", True):
        op["security"] = [{"bearer": []}]
    answers: dict[str, Any] = {}
    schemas = spec.get("schemas", {})
    for code in spec.get("responses", ("200",)):
        schema = schemas.get(code, ERROR if code >= "400" else None)
        answers[code] = {"description": "success" if code < "300" else "error",
                         **({"content": {"application/json": {"schema": schema}}} if schema else {})}
    answers.setdefault("422", {"description": "invalid input: the fields say what to fix",
                               "content": {"application/json": {"schema": ERROR}}})
    op["responses"] = answers
    return op


def describe() -> dict[str, Any]:
    """The OpenAPI 3.0 document of every /api/v1 route of the running app."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        path = _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, rule.rule)
    return {"openapi": "3.0.3", "info": {"title": "Closeloop API", "version": "1"},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "paths": dict(sorted(paths.items()))}


@bp.get("/openapi.json")
def openapi() -> Any:
    """The OpenAPI description of API v1 (no token needed)."""
    return describe()


@bp.before_app_request  # also the API routes of the reports, assessments and lessons blueprints
def check_body() -> None:
    """Validate a JSON body against its operation's schema above: a wrong type is a 422 naming the field."""
    spec = OPERATIONS.get(request.endpoint or "", {})
    schema = spec.get("body", {}).get("content", {}).get("application/json", {}).get("schema")
    if schema is None or not request.is_json:
        return
    if spec.get("auth", True) and not request.headers.get("Authorization", "").startswith("Bearer "):
        return  # no credentials: the view answers 401 first
    body = request.get_json(silent=True)
    if body is None:
        return  # the view says what it expected
    errors = sorted(_validator(request.endpoint or "", schema).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        fields = {".".join(str(p) for p in e.path) or "(body)": e.message[:200] for e in errors[:20]}
        raise Invalid("the JSON body does not match the API description (/api/v1/openapi.json)", fields)


_VALIDATORS: dict[str, Draft7Validator] = {}


def _validator(endpoint: str, schema: dict[str, Any]) -> Draft7Validator:
    """The body validator of an endpoint, built on its first request (the schemas above never change)."""
    found = _VALIDATORS.get(endpoint)
    if found is None:
        found = _VALIDATORS[endpoint] = Draft7Validator(schema)
    return found
