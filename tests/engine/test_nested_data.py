"""A script (or an expression) that changes task data in place may leave only plain JSON data, at any depth."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from webapp.engine.outcome import RunContext
from webapp.engine.pack import build_pack
from webapp.engine.plaindata import MAX_DEPTH, DataNotPlain
from webapp.engine.runtime import Engine
from webapp.engine.sandbox import SandboxEnvironment
from webapp.engine.serializer import StateNotStorable, _dumps


def _refused(script: str, context: dict[str, Any], message: str) -> None:
    with pytest.raises(DataNotPlain) as caught:
        SandboxEnvironment().execute(script, context)
    assert message in str(caught.value)


def test_nan_nested_in_place_is_refused_naming_its_key_path() -> None:
    _refused("a['b'].append(float('nan'))", {"a": {"b": [1]}}, "left NaN in data['a']['b'][1]")
    _refused("a['b'][0]['c'] = -float('inf')", {"a": {"b": [{}]}}, "an infinite number in data['a']['b'][0]['c']")


def test_set_nested_is_refused() -> None:
    _refused("a['b'].append({1, 2})", {"a": {"b": [0]}}, "left a set in data['a']['b'][1]; only text, numbers")


def test_datetime_nested_is_refused() -> None:
    context = {"a": {"b": []}, "when": datetime(2026, 1, 2, tzinfo=UTC)}
    _refused("a['b'].append({'at': when})", context, "left a datetime in data['a']['b'][0]['at']")


def test_bytes_nested_is_refused() -> None:
    _refused("a['raw'] = [b'x']", {"a": {}}, "left bytes in data['a']['raw'][0]")


def test_deep_nesting_is_bounded() -> None:
    deep = "x = []\nfor i in range(%d):\n  x = [x]\na['deep'] = x"
    _refused(deep % (MAX_DEPTH + 5), {"a": {}}, f"nested more than {MAX_DEPTH} levels deep")
    _refused("a['me'] = a", {"a": {}}, "nested more than")  # a cycle ends at the same bound
    context: dict[str, Any] = {"a": {}}
    SandboxEnvironment().execute(deep % (MAX_DEPTH - 5), context)  # deep but within the bound: kept


def test_a_key_that_is_not_text_or_a_number_is_refused_and_plain_changes_in_place_are_kept() -> None:
    _refused("a[(1, 2)] = 1", {"a": {}}, "left a tuple as a key in data['a']")
    context: dict[str, Any] = {"a": {"b": [1]}, "c": "x"}
    SandboxEnvironment().execute("a['b'].append((2, 3))\na[4] = 0.5", context)
    assert context == {"a": {"b": [1, [2, 3]], "4": 0.5}, "c": "x"}  # as the saved state reads it back


def test_an_expression_that_changes_data_in_place_is_checked_too() -> None:
    context: dict[str, Any] = {"a": {"b": []}}
    with pytest.raises(DataNotPlain, match=r"left NaN in data\['a'\]\['b'\]\[0\]"):
        SandboxEnvironment().evaluate("a['b'].append(float('nan')) or True", context)
    assert SandboxEnvironment().evaluate("len(a['b']) > 0", {"a": {"b": [1]}}) is True


def test_the_serializer_refuses_cleanly_what_neither_orjson_nor_json_can_write() -> None:
    for odd in (object(), b"x", 10**5000):
        with pytest.raises(StateNotStorable, match="state cannot be saved"):
            _dumps({"data": {"a": [odd]}})


XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="t">
  <bpmn:process id="odd" isExecutable="true">
    <bpmn:laneSet id="top"><bpmn:lane id="l1" name="Tier 1 handler"><bpmn:flowNodeRef>look</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="look"/>
    <bpmn:userTask id="look" name="Look"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="f.json"/></spiffworkflow:properties>
    </bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="look" targetRef="call"/>
    <bpmn:serviceTask id="call" name="Call"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="odd_op"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="done"/>
    <bpmn:endEvent id="done"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_a_completion_whose_state_cannot_be_written_ends_in_an_error_outcome() -> None:
    def invoke(hctx: Any, operation: str, params: dict[str, Any]) -> Any:
        hctx.data["a"]["b"].append(object())  # a handler slips a value past the sandbox, in place
        return None

    bundle = build_pack({"odd.bpmn": XML.encode()}, {"f.json": b'{"type": "object"}'}, {"odd_op"}).processes["odd"]
    engine, ctx = Engine(invoke), RunContext("", "CL-1", "agent")
    started = engine.start(bundle, {"a": {"b": [1]}}, ctx)
    [task] = started.human_tasks
    done = engine.complete(bundle, started.state or b"", task.task_id, {}, ctx)
    assert done.status == "error" and done.state is None and done.error is not None
    assert "state cannot be saved" in done.error.message and "object" in done.error.message
