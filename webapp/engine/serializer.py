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
# stored states are zlib-compressed JSON as bytes (the column is binary): the tree repeats task data, specs and
# uuids, so 50-80 KB of JSON on the real pack stores as 5-10 KB. States written while the column was text are
# read too: base64 text after "z1:", or plain JSON without a prefix.
BINARY = b"z2:"
COMPRESSED = "z1:"
State = str | bytes  # what the instance row holds (text from before the binary column is still read)
# the converted form of a finished sub-process, kept on it with a fingerprint of its tasks (identity, state, time
# of the last state change) and used only while that still matches: a workflow kept in memory (webapp/engine/
# wfcache.py) converts only its unfinished part on each save, however many finished steps are behind it
_FROZEN = "_closeloop_frozen"


class _CachedSpecWorkflowConverter(BpmnWorkflowConverter):
    """Restores a workflow whose spec objects are passed in instead of serialized in the state."""

    def to_dict(self, workflow):  # type: ignore[no-untyped-def]
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = {str(k): _subprocess_dict(self.registry, sp) for k, sp in workflow.subprocesses.items()}
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


def _subprocess_dict(registry: Any, subprocess: Any) -> Any:
    if not subprocess.completed:
        return registry.convert(subprocess)
    mark = tuple((id(t), t._state, t.last_state_change) for t in subprocess.tasks.values())
    frozen = subprocess.__dict__.get(_FROZEN)
    if frozen is not None and frozen[0] == mark:
        return frozen[1]
    dct = registry.convert(subprocess)
    if registry._encoder_mode:
        subprocess.__dict__[_FROZEN] = (mark, dct)
    return dct


def forget_finished(workflow: BpmnWorkflow) -> None:
    """Drop the kept converted forms of finished sub-processes (before a change that may reach into one)."""
    for subprocess in workflow.subprocesses.values():
        subprocess.__dict__.pop(_FROZEN, None)


def _uuid(value: str) -> Any:

    return UUID(value)


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _CachedSpecWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_SERIALIZER = _make_serializer()
_FULL = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def dump_state(workflow: BpmnWorkflow) -> bytes:
    """Serialize the workflow's runtime state (tasks, data, events) without its spec."""
    registry = _SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = _SERIALIZER.to_dict(workflow)
        dct["format"] = STATE_FORMAT
        text = json.dumps(dct, cls=_SERIALIZER._encoder_cls, separators=(",", ":"))
    finally:
        registry._encoder_mode = False
    return BINARY + zlib.compress(text.encode(), 6)


def state_json(state: State) -> str:
    """The JSON text of a stored state (binary, base64 text or plain)."""
    if isinstance(state, bytes | bytearray | memoryview):
        raw = bytes(state)
        if not raw.startswith(BINARY):
            return state_json(raw.decode())  # a text state moved into the binary column as it was
        try:
            return zlib.decompress(raw[len(BINARY):]).decode()
        except zlib.error as exc:
            raise ValueError(f"workflow state does not decompress: {exc}") from exc
    if not state.startswith(COMPRESSED):
        return state
    try:
        return zlib.decompress(base64.b64decode(state[len(COMPRESSED):])).decode()
    except zlib.error as exc:
        raise ValueError(f"workflow state does not decompress: {exc}") from exc


def load_state(state: State, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
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
