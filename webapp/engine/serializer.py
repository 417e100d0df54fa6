"""Workflow state <-> JSON, with the spec kept out of the state and supplied from the cache."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task

from webapp.engine.scripting import ClosedScriptEngine
from webapp.engine.stateconvert import (
    ID_TEXT,
    IdTexts,
    Registry,
    SavingTaskConverter,
    SubWorkflowConverter,
    loading,
    uuid_of,
    workflow_dict,
)

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
        dct = workflow_dict(self.registry, workflow) if self.registry._encoder_mode else (
            super(BpmnWorkflowConverter, self).to_dict(workflow))
        dct["subprocesses"] = {str(k): _subprocess_dict(self.registry, str(k), sp)
                               for k, sp in workflow.subprocesses.items()}
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):  # type: ignore[no-untyped-def]
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], uuid_of, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(uuid_of(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


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


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _CachedSpecWorkflowConverter
    config[Task] = SavingTaskConverter
    config[BpmnSubWorkflow] = SubWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config, Registry()))


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
        pass
    try:
        return json.dumps(value, cls=_SERIALIZER._encoder_cls, separators=(",", ":")).encode(), False
    except (TypeError, ValueError, RecursionError) as exc:  # the attempt ends with this error, nothing is saved
        raise StateNotStorable(f"the instance's state cannot be saved: {exc}; task data may hold only text, "
                               "numbers, true/false, null, lists and objects") from exc


class StateNotStorable(ValueError):
    """The workflow holds a value that neither orjson nor json can write (e.g. an object a handler put in data)."""


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
    with loading() as ids:
        wf: BpmnWorkflow = _SERIALIZER.registry.restore(dct, spec=spec, subprocess_specs=subprocess_specs)
    texts = IdTexts({value: text for text, value in ids.items()})  # the first save writes the ids it read
    for workflow in (wf, *wf.subprocesses.values()):
        workflow.__dict__[ID_TEXT] = texts
    wf.script_engine = ClosedScriptEngine.read_only()
    return wf


def spec_to_json(spec: Any) -> str:
    """Serialize a process spec (stored once per deployed version)."""
    return json.dumps(_FULL.to_dict(spec), separators=(",", ":"))
