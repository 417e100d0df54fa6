"""Workflow state <-> JSON, with the spec kept out of the state and supplied from the cache."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
)
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

from webapp.engine.scripting import ClosedScriptEngine

STATE_FORMAT = "closeloop-1"
# stored states are zlib-compressed JSON as bytes (the column is binary): the tree repeats task data, specs and
# uuids, so 50-80 KB of JSON on the real pack stores as 5-10 KB. States written while the column was text are
# read too: base64 text after "z1:", or plain JSON without a prefix.
BINARY = b"z2:"
COMPRESSED = "z1:"
State = str | bytes  # what the instance row holds (text from before the binary column is still read)
# the encoded JSON member of a finished sub-process, kept on it with a fingerprint of its tasks (identity, state, time
# of the last state change) and used only while that still matches: a workflow kept in memory (webapp/engine/
# wfcache.py) encodes only its unfinished part on each save, however many finished steps are behind it
_FROZEN = "_closeloop_frozen"
# the deflated opening of a workflow's state (its finished sub-processes), kept on it and continued on each save
_CHAIN = "_closeloop_chain"
# the text of each task id a workflow's saves have written (_IdTexts): a task's id, its parent's and its children's
# are written on every save of its workflow
_ID_TEXT = "_closeloop_id_text"
_OPENING = b'{"subprocesses":{'
# the last member of a state whose every part orjson wrote (json.dumps wrote the others and every state from before):
# orjson refuses integers past 64 bits, which its reader would turn into floats, so such a state reads back with
# orjson exactly as with json.loads, faster; old code ignores the member
_ORJSON_MEMBER = b',"writer":"orjson"}'
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS  # both to Spiff's encoder
_LEVEL = 6
# Z_FILTERED (fewer string matches, more Huffman coding) deflates the state's JSON ~10 % quicker and slightly smaller
_STRATEGY = zlib.Z_FILTERED
_ZLIB_HEADER = b"\x78\x9c"  # deflate, 32 KB window, default level, no preset dictionary
# the text before a continued part that deflate may refer back to: the last 12 KB find nearly all its repeats (sizes
# within 0.2 % of the full 32 KB window) and cost less to prime the compressor with
_PRIMER = 12288
_BATCH = 16384  # bytes of finished sub-processes deflated onto the chain at once (fewer, larger deflate blocks)


class _CachedSpecWorkflowConverter(BpmnWorkflowConverter):
    """Restores a workflow whose spec objects are passed in instead of serialized in the state."""

    def to_dict(self, workflow):  # type: ignore[no-untyped-def]
        dct = _workflow_dict(self.registry, workflow) if self.registry._encoder_mode else (
            super(BpmnWorkflowConverter, self).to_dict(workflow))
        dct["subprocesses"] = {str(k): _subprocess_dict(self.registry, str(k), sp)
                               for k, sp in workflow.subprocesses.items()}
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


class _SubWorkflowConverter(BpmnSubWorkflowConverter):
    """Spiff's sub-process converter, its tasks converted without the registry's dispatch per task when saving."""

    def to_dict(self, workflow):  # type: ignore[no-untyped-def]
        if not self.registry._encoder_mode:
            return super().to_dict(workflow)
        dct = _workflow_dict(self.registry, workflow)
        dct["parent_task_id"] = _id_texts(workflow)[workflow.parent_task_id]
        dct["spec"] = workflow.spec.name
        return dct


def _workflow_dict(registry: Any, workflow: Any) -> dict[str, Any]:
    """Spiff's WorkflowConverter.to_dict (SpiffWorkflow 3.2) in encoder mode, each task converted as the registry
    converts it (_TaskConverter.to_dict and its typename) without the registry's dispatch, partial and converter."""
    text = _id_texts(workflow).__getitem__
    convert, task_type = registry.convert, registry.typenames[Task]
    tasks: dict[str, Any] = {}
    for key, task in workflow.tasks.items():
        if type(task) is Task:
            tasks[text(key)] = dct = _task_dict(task, text, convert)
            dct["typename"] = task_type
        else:
            tasks[str(key)] = convert(task)
    last = workflow.last_task
    return {
        "data": convert(registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": text(last.id) if last is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": tasks,
        "root": text(workflow.task_tree.id),
    }


def _id_texts(workflow: Any) -> _IdTexts:
    """The id texts kept on `workflow` (made on first use)."""
    texts: _IdTexts | None = workflow.__dict__.get(_ID_TEXT)
    if texts is None:
        texts = workflow.__dict__[_ID_TEXT] = _IdTexts()
    return texts


class _IdTexts(dict[UUID, str]):
    """The text of each task id a workflow's saves have written (`str` of a UUID formats it anew on every call)."""

    def __missing__(self, key: UUID) -> str:
        text = self[key] = str(key)
        return text


class _TaskConverter(TaskConverter):
    """Spiff's TaskConverter, saving with _task_dict."""

    def to_dict(self, task):  # type: ignore[no-untyped-def]
        if not self.registry._encoder_mode:
            return super().to_dict(task)
        return _task_dict(task, _id_texts(task.workflow).__getitem__, self.registry.convert)


def _task_dict(task: Task, text: Any, convert: Any) -> dict[str, Any]:
    """Spiff's TaskConverter.to_dict (SpiffWorkflow 3.2) in encoder mode with the parent looked up once and the text
    of each task id made once per workflow (`str` of a UUID formats it anew on every call). One difference: a task
    with no data (a predicted one) is written as Spiff writes a root without data, `"data":{}` and no delta, instead
    of a delta deleting each of its parent's keys; Spiff's TaskConverter.from_dict reads both as empty data."""
    parent = task.workflow.tasks.get(task._parent)
    data = task.data
    if parent is None or not data:
        delta: dict[str, Any] = {}
    else:
        before = parent.data
        delta = {
            "updates": {key: data[key] for key in data if key not in before or data[key] != before[key]},
            "deletions": [key for key in before if key not in data],
        }
        data = {}
    internal = task.internal_data
    return {
        "id": text(task.id),
        "parent": text(task._parent) if parent is not None else None,
        "children": [text(child) for child in task._children],
        "last_state_change": task.last_state_change,
        "state": task._state,
        "task_spec": task.task_spec.name,
        "triggered": task.triggered,
        "internal_data": convert(internal) if internal or type(internal) is not dict else {},
        "data": data,
        "delta": delta,
    }


class _Fragment(bytes):
    """The JSON member (`"id":{...}`) of a finished sub-process, encoded once."""

    done_at: float  # the latest state change of its tasks: finished sub-processes are written in this order
    exact: bool  # written by orjson


def _subprocess_dict(registry: Any, key: str, subprocess: Any) -> Any:
    if not subprocess.completed or not registry._encoder_mode:
        return registry.convert(subprocess)
    mark = tuple((id(t), t._state, t.last_state_change) for t in subprocess.tasks.values())
    frozen = subprocess.__dict__.get(_FROZEN)
    if frozen is not None and frozen[0] == mark:
        return frozen[1]
    text, exact = _dumps({key: registry.convert(subprocess)})
    fragment = _Fragment(text[1:-1])
    fragment.exact = exact
    fragment.done_at = max((t.last_state_change for t in subprocess.tasks.values()), default=0.0)
    subprocess.__dict__[_FROZEN] = (mark, fragment)
    return fragment


def forget_finished(workflow: BpmnWorkflow) -> None:
    """Drop the kept encoded forms of finished sub-processes (before a change that may reach into one)."""
    for subprocess in workflow.subprocesses.values():
        subprocess.__dict__.pop(_FROZEN, None)
    workflow.__dict__.pop(_CHAIN, None)


class _Chain:
    """The deflated opening of a workflow's state: `{"subprocesses":{` and finished sub-processes.

    Finished sub-processes join it a batch of at least _BATCH bytes at a time, each batch deflated once, primed
    with the last 12 KB of the text before it and ended on a byte boundary (a sync flush): the chain plus the
    deflated rest of a save is one ordinary zlib stream about as small as the whole text deflated in one go,
    while a save deflates only the rest.
    """

    def __init__(self) -> None:
        self.parts: list[tuple[str, _Fragment]] = []  # (sub-process key, its fragment) in the order deflated
        self.deflated = bytearray(_ZLIB_HEADER)
        self.adler = zlib.adler32(b"")
        self.tail = b""

    def extend(self, parts: list[tuple[str, _Fragment]]) -> None:
        """Deflate a batch of finished sub-processes onto the chain."""
        text = self._joint() + b",".join(fragment for _, fragment in parts)
        self.deflated += _deflate(text, self.tail, zlib.Z_SYNC_FLUSH)
        self.adler = zlib.adler32(text, self.adler)
        self.tail = (self.tail + text)[-_PRIMER:]
        self.parts += parts

    def finish(self, members: bytes, head: bytes) -> bytes:
        """The zlib stream of the whole state: the chain, the other `subprocesses` members, the rest of `head`."""
        text = (self._joint() if members or not self.parts else b"") + members + b"}," + head[1:]
        rest = _deflate(text, self.tail, zlib.Z_FINISH)
        return bytes(self.deflated) + rest + zlib.adler32(text, self.adler).to_bytes(4, "big")

    def _joint(self) -> bytes:
        return b"," if self.parts else _OPENING


def _deflate(text: bytes, primer: bytes, mode: int) -> bytes:
    """Raw deflate of `text` as the continuation of a stream whose last bytes were `primer`."""
    if primer:
        compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15, 8, _STRATEGY, primer)
    else:
        compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15, 8, _STRATEGY)
    return compressor.compress(text) + compressor.flush(mode)


def _chain(workflow: BpmnWorkflow, finished: dict[str, _Fragment]) -> tuple[_Chain, list[_Fragment]]:
    """The workflow's kept chain, extended when enough has finished since, and the finished sub-processes after it.

    Finished sub-processes are written in the order they finished, which depends on the workflow alone (not on
    which saves came before), so a state is the same text however it was reached; a chain that is not the start
    of that order (a part changed or went, one finished before the last it holds) is rebuilt.
    """
    order = sorted(enumerate(finished.items()), key=lambda item: (item[1][1].done_at, item[0]))
    parts = [pair for _, pair in order]
    chain: _Chain | None = workflow.__dict__.get(_CHAIN)
    if chain is None or chain.parts != parts[:len(chain.parts)]:
        chain = _Chain()
    pending = parts[len(chain.parts):]
    if sum(len(fragment) for _, fragment in pending) >= _BATCH:
        chain.extend(pending)
        pending = []
    workflow.__dict__[_CHAIN] = chain
    return chain, [fragment for _, fragment in pending]


def _uuid(value: str) -> Any:

    return UUID(value)


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _CachedSpecWorkflowConverter
    config[Task] = _TaskConverter
    config[BpmnSubWorkflow] = _SubWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_SERIALIZER = _make_serializer()
_FULL = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
_DEFAULT = _SERIALIZER._encoder_cls().default  # Spiff's conversion of what JSON has no type for


def dump_state(workflow: BpmnWorkflow) -> bytes:
    """Serialize the workflow's runtime state (tasks, data, events) without its spec."""
    registry = _SERIALIZER.registry
    registry._encoder_mode = True
    try:
        dct = _SERIALIZER.to_dict(workflow)
        subprocesses = dct.pop("subprocesses")
        dct["format"] = STATE_FORMAT
        finished = {k: v for k, v in subprocesses.items() if isinstance(v, _Fragment)}
        running, running_exact = _dumps({k: v for k, v in subprocesses.items() if not isinstance(v, _Fragment)})
        running = running[1:-1]
        head, head_exact = _dumps(dct)
    finally:
        registry._encoder_mode = False
    if running_exact and head_exact and all(fragment.exact for fragment in finished.values()):
        head = head[:-1] + _ORJSON_MEMBER
    chain, pending = _chain(workflow, finished)
    return BINARY + chain.finish(b",".join([*pending, running] if running else pending), head)


def _dumps(value: Any) -> tuple[bytes, bool]:
    """The JSON of a converted state part and whether orjson wrote it: orjson with Spiff's encoder for what it does not
    write itself (datetimes, dataclasses, Spiff objects, sets), json.dumps for what orjson refuses (integers past 64
    bits, lone surrogates, keys that are not text, nesting past 254 levels; an unencodable value raises from it)."""
    try:
        return orjson.dumps(value, default=_DEFAULT, option=_ORJSON_OPTIONS), True
    except orjson.JSONEncodeError:
        return json.dumps(value, cls=_SERIALIZER._encoder_cls, separators=(",", ":")).encode(), False


def _encode(value: Any) -> bytes:
    """The JSON of a converted state part, as a save writes it."""
    return _dumps(value)[0]


def state_json(state: State) -> str:
    """The JSON text of a stored state (binary, base64 text or plain)."""
    if isinstance(state, bytes | bytearray | memoryview):
        raw = bytes(state)
        if not raw.startswith(BINARY):
            return state_json(raw.decode())  # a text state moved into the binary column as it was
        return _inflate(raw).decode()
    if not state.startswith(COMPRESSED):
        return state
    try:
        return zlib.decompress(base64.b64decode(state[len(COMPRESSED):])).decode()
    except zlib.error as exc:
        raise ValueError(f"workflow state does not decompress: {exc}") from exc


def _inflate(raw: bytes) -> bytes:
    """The JSON text of a binary state."""
    try:
        return zlib.decompress(raw[len(BINARY):])
    except zlib.error as exc:
        raise ValueError(f"workflow state does not decompress: {exc}") from exc


def _parsed(state: State) -> Any:
    """The JSON value of a stored state: with orjson when orjson wrote all of it, else with json.loads."""
    if isinstance(state, bytes | bytearray | memoryview) and (raw := bytes(state)).startswith(BINARY):
        text = _inflate(raw)
        return orjson.loads(text) if text.endswith(_ORJSON_MEMBER) else json.loads(text)
    return json.loads(state_json(state))


def load_state(state: State, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    """Rebuild a workflow from its state and the (cached) specs of its process version; its script engine is the
    sandbox with no handlers (a run sets its own)."""
    dct = _parsed(state)
    dct.pop("writer", None)
    if dct.pop("format", None) != STATE_FORMAT:
        raise ValueError("workflow state is not in the closeloop-1 format")
    wf: BpmnWorkflow = _SERIALIZER.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    wf.script_engine = ClosedScriptEngine.read_only()
    return wf


def spec_to_json(spec: Any) -> str:
    """Serialize a process spec (stored once per deployed version)."""
    return json.dumps(_FULL.to_dict(spec), separators=(",", ":"))
