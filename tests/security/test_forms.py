"""Form schemas: only object schemas, only references inside the form, only patterns RE2 runs in linear time."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest

from tests.security.conftest import CASE, assert_nothing_leaked
from tests.security.diagrams import probe_files

HANG_GUARD = 120  # seconds; a backtracking regex engine would take years on the input below


def _deploy_with_form(api: Any, form: bytes) -> Any:
    uploads = [(io.BytesIO(raw), name) for name, raw in probe_files("script", "result = 1").items()]
    uploads.append((io.BytesIO(form), "facts.json"))
    return api.as_("owner").client.post("/api/v1/processes", data={"files": uploads},
                                        content_type="multipart/form-data", headers=api.as_("owner")._headers())


@pytest.mark.parametrize(("form", "expected"), [
    pytest.param(b"true", "JSON Schema object", id="form-is-true"),
    pytest.param(b'{"type": "array"}', "JSON Schema object", id="form-is-not-an-object-schema"),
    pytest.param(b'{"type": "object", "properties": {"cause": {"$ref": "https://example.invalid/s.json"}}}',
                 "points outside the form", id="remote-ref"),
    pytest.param(b'{"type": "object", "properties": {"cause": {"$ref": "file:///etc/passwd"}}}',
                 "points outside the form", id="file-ref"),
    pytest.param(b'{"type": "object", "$defs": {"x": {"$dynamicRef": "other.json#x"}}}',
                 "points outside the form", id="dynamic-ref"),
    pytest.param(b'{"type": "object", "properties": {"cause": {"type": "string", "pattern": "^(a)\\\\1$"}}}',
                 "cannot run in bounded time", id="backreference-pattern"),
    pytest.param(b'{"type": "object", "properties": {"cause": {"type": "string", "pattern": "(?=a)a"}}}',
                 "cannot run in bounded time", id="lookahead-pattern"),
    pytest.param(b'{"type": "object", "patternProperties": {"(x)\\\\1": {"type": "string"}}}',
                 "cannot run in bounded time", id="backreference-pattern-property"),
])
def test_unsafe_form_is_refused_at_deploy(app: Any, api: Any, form: bytes, expected: str) -> None:
    """The deploy is refused naming the form file and what to fix; nothing is fetched or read."""
    response = _deploy_with_form(api, form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body
    assert "facts.json" in body and expected in body, body
    assert_nothing_leaked(app, body)


def test_catastrophic_pattern_runs_in_linear_time_on_a_real_task(app: Any, api: Any) -> None:
    """`^(a+)+$` is legal JSON Schema; it is run by RE2, so a hostile answer is refused at once, not in years."""
    form = b'{"type": "object", "properties": {"cause": {"type": "string", "pattern": "^(a+)+$"}}}'
    assert _deploy_with_form(api, form).status_code == 201
    case = api.as_("agent").post("/api/v1/cases", json=dict(CASE)).get_json()
    task_id = case["open_tasks"][0]["id"]
    outcome: dict[str, Any] = {}

    def submit() -> None:
        response = api.client.post(f"/api/v1/tasks/{task_id}/complete", json={"cause": "a" * 60 + "!"},
                                   headers=api.as_("agent")._headers())
        outcome["status"], outcome["body"] = response.status_code, response.get_json()

    thread = threading.Thread(target=submit, daemon=True)
    thread.start()
    thread.join(HANG_GUARD)
    assert not thread.is_alive(), "pattern validation did not come back"
    assert outcome["status"] == 422, outcome
    assert "cause" in outcome["body"]["error"]["fields"]
    ok = api.client.post(f"/api/v1/tasks/{task_id}/complete", json={"cause": "aaaa"},
                         headers=api.as_("agent")._headers())
    assert ok.status_code == 200, ok.get_json()


def test_runtime_validator_never_retrieves_a_reference() -> None:
    """Even a form stored before these checks cannot make the validator fetch a URL or read a file."""
    from referencing.exceptions import Unresolvable

    from webapp.engine.formcheck import safe_validator

    for ref in ("http://127.0.0.1:9/never", "file:///etc/passwd"):
        validator = safe_validator({"type": "object", "properties": {"x": {"$ref": ref}}})
        with pytest.raises(Unresolvable):
            list(validator.iter_errors({"x": 1}))
