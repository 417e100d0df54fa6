"""Spiff's converters of tasks and sub-processes, quicker: saving without the registry's dispatch per task, restoring
without a call per plain value and with each task id parsed once per load."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnSubWorkflowConverter, TaskConverter
from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

# the text of each task id a workflow's saves have written (IdTexts): a task's id, its parent's and its children's
# are written on every save of its workflow
ID_TEXT = "_closeloop_id_text"
_PLAIN = frozenset({str, int, float, bool, type(None)})
_LOAD = threading.local()  # .ids: the Uuids of the load running in this thread


class IdTexts(dict[UUID, str]):
    """The text of each task id a workflow's saves have written (`str` of a UUID formats it anew on every call)."""

    def __missing__(self, key: UUID) -> str:
        text = self[key] = str(key)
        return text


class Uuids(dict[str, UUID]):
    """The UUID of each task id text of one load (a task's id is written as its own, its parent's and its children's:
    parsed once instead of each time)."""

    def __missing__(self, key: str) -> UUID:
        value = self[key] = UUID(key)
        return value


def id_texts(workflow: Any) -> IdTexts:
    """The id texts kept on `workflow` (made on first use)."""
    texts: IdTexts | None = workflow.__dict__.get(ID_TEXT)
    if texts is None:
        texts = workflow.__dict__[ID_TEXT] = IdTexts()
    return texts


@contextmanager
def loading() -> Iterator[Uuids]:
    """The task id parses shared by the converters while a state is restored in this thread."""
    _LOAD.ids = ids = Uuids()
    try:
        yield ids
    finally:
        del _LOAD.ids


def uuid_of(text: str) -> UUID:
    """The UUID of an id text (parsed once per load)."""
    ids: Uuids | None = getattr(_LOAD, "ids", None)
    return ids[text] if ids is not None else UUID(text)


class _Mode(threading.local):
    """How the registry converts in this thread."""

    encoder = False  # Spiff's encoder mode: converting for a JSON writer (a save)


class Registry(DefaultRegistry):
    """Spiff's DefaultRegistry, restoring the plain dicts and lists of a parsed state in place (without a copy, and
    without a call per text, number, boolean or null in them): it restores only what load_state parsed for it, which
    nothing else holds, and Spiff's restore of such a value is an equal copy holding the restored objects.

    Its encoder mode, which Spiff keeps on the registry and so shares between the threads of a web process, is kept
    per thread: a save that ends in one thread must not switch off the mode of a save still converting in another.
    """

    def __init__(self) -> None:
        self._mode = _Mode()
        super().__init__()

    @property
    def _encoder_mode(self) -> bool:
        """Whether this thread converts for a JSON writer (Spiff's flag, per thread)."""
        return self._mode.encoder

    @_encoder_mode.setter
    def _encoder_mode(self, value: bool) -> None:
        self._mode.encoder = value

    def restore(self, val, **kwargs):  # type: ignore[no-untyped-def]
        kind = type(val)
        if kind is dict and "typename" not in val:
            for key, value in val.items():
                if type(value) not in _PLAIN:
                    val[key] = self.restore(value, **kwargs)
            return val
        if kind is list:
            for index, value in enumerate(val):
                if type(value) not in _PLAIN:
                    val[index] = self.restore(value, **kwargs)
            return val
        return super().restore(val, **kwargs)


class SavingTaskConverter(TaskConverter):
    """Spiff's TaskConverter, saving with task_dict and restoring with each id text parsed once per load."""

    def to_dict(self, task):  # type: ignore[no-untyped-def]
        if not self.registry._encoder_mode:
            return super().to_dict(task)
        return task_dict(task, id_texts(task.workflow).__getitem__, self.registry.convert)

    def from_dict(self, dct, workflow):  # type: ignore[no-untyped-def]
        """Spiff's TaskConverter.from_dict (SpiffWorkflow 3.2) with the ids from the load's Uuids."""
        ids = getattr(_LOAD, "ids", None)
        if ids is None:
            return super().from_dict(dct, workflow)
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=ids[dct["id"]])
        task._parent = ids[dct["parent"]] if dct["parent"] is not None else None
        task._children = [ids[child] for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        parent = task.parent
        if delta and parent is not None:
            data = dict(parent.data)  # its nested values shared, copy-on-write (webapp/engine/cow.py)
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                if key in data:
                    del data[key]
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


def task_dict(task: Task, text: Any, convert: Any) -> dict[str, Any]:
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
            "updates": {key: value for key, value in data.items()
                        if key not in before or value is not before[key] and value != before[key]},
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


def workflow_dict(registry: Any, workflow: Any) -> dict[str, Any]:
    """Spiff's WorkflowConverter.to_dict (SpiffWorkflow 3.2) in encoder mode, each task converted as the registry
    converts it (SavingTaskConverter.to_dict and its typename) without the registry's dispatch and partial."""
    text = id_texts(workflow).__getitem__
    convert, task_type = registry.convert, registry.typenames[Task]
    tasks: dict[str, Any] = {}
    for key, task in workflow.tasks.items():
        if type(task) is Task:
            tasks[text(key)] = dct = task_dict(task, text, convert)
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


class SubWorkflowConverter(BpmnSubWorkflowConverter):
    """Spiff's sub-process converter: its tasks converted by workflow_dict when saving, its ids parsed once per load."""

    def to_dict(self, workflow):  # type: ignore[no-untyped-def]
        if not self.registry._encoder_mode:
            return super().to_dict(workflow)
        dct = workflow_dict(self.registry, workflow)
        dct["parent_task_id"] = id_texts(workflow)[workflow.parent_task_id]
        dct["spec"] = workflow.spec.name
        return dct

    def from_dict(self, dct, task, top_workflow):  # type: ignore[no-untyped-def]
        """Spiff's BpmnSubWorkflowConverter.from_dict (SpiffWorkflow 3.2) with the ids from the load's Uuids."""
        spec = top_workflow.subprocess_specs.get(task.task_spec.spec)
        subprocess = self.target_class(spec, task.id, top_workflow, deserializing=True)
        subprocess.tasks = self.mapping_from_dict(dct["tasks"], uuid_of, workflow=subprocess)
        subprocess.task_tree = subprocess.tasks.get(uuid_of(dct["root"]))
        self.set_default_attributes(subprocess, dct)
        return subprocess
