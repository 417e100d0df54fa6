"""Workflow state <-> JSON, with the spec kept out of the state and supplied from the cache."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from webapp.engine.scripting import ClosedScriptEngine

STATE_FORMAT = "closeloop-1"
# stored states are zlib-compressed JSON, base64 text (the column is text): the tree repeats task data, specs
# and uuids, so 50-80 KB of JSON on the real pack stores as 7-13 KB; states without the prefix are plain JSON
COMPRESSED = "z1:"


class _CachedSpecWorkflowConverter(BpmnWorkflowConverter):
    """Restores a workflow whose spec objects are passed in instead of serialized in the state."""

    def to_dict(self, workflow):  # type: ignore[no-untyped-def]
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):  # type: ignore[no-untyped-def]
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], _uuid, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(_uuid(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _uuid(value: str) -> Any:

    return UUID(value)


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _CachedSpecWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_SERIALIZER = _make_serializer()
_FULL = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def dump_state(workflow: BpmnWorkflow) -> str:
    """Serialize the workflow's runtime state (tasks, data, events) without its spec."""
    registry = _SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = _SERIALIZER.to_dict(workflow)
        dct["format"] = STATE_FORMAT
        text = json.dumps(dct, cls=_SERIALIZER._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False
    return COMPRESSED + base64.b64encode(zlib.compress(text.encode(), 6)).decode("ascii")


def state_json(state: str) -> str:
    """The JSON text of a stored state (compressed or plain)."""
    if not state.startswith(COMPRESSED):
        return state
    try:
        return zlib.decompress(base64.b64decode(state[len(COMPRESSED):])).decode()
    except zlib.error as exc:
        raise ValueError(f"workflow state does not decompress: {exc}") from exc


def load_state(state: str, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    """Rebuild a workflow from its state and the (cached) specs of its process version; its script engine is the
    sandbox with no handlers (a run sets its own)."""
    dct = json.loads(state_json(state))
    if dct.pop("format", None) != STATE_FORMAT:
        raise ValueError("workflow state is not in the closeloop-1 format")
    wf: BpmnWorkflow = _SERIALIZER.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    wf.script_engine = ClosedScriptEngine.read_only()
    return wf


def spec_to_json(spec: Any) -> str:
    """Serialize a process spec (stored once per deployed version)."""
    return json.dumps(_FULL.to_dict(spec), separators=(",", ":"))
