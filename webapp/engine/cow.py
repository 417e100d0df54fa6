"""Copy-on-write task data: a task taking its parent's data shares the parent's nested lists and dicts.

SpiffWorkflow gives every task that becomes ready a deep copy of its parent's data (`Task._inherit_data`), yet most
tasks (gateways, events, joins, people's tasks) never change a nested value in place: they read it, or replace whole
top-level keys (a submitted form, a handler's `ctx.data["x"] = ...`, a script's assignment), which a shallow copy of
the top-level dict keeps to the task. So a child now takes a shallow copy, and a task copies its nested values (once,
`own`) right before something may change them in place: diagram code (a script, an expression naming a list or
dict method), a service handler, a multi-instance task filling its output collection. Sharing a task's nested values
with a child (or a called process, an embedded sub-process's start, a task taking back an ended sub-process's data:
shallow copies too, where Spiff deep-copies) takes its ownership back. Joins and other merges copy what they change
(datacopy.merge). No task's data is ever changed by another task's code, as before.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

from webapp.engine.datacopy import ATOMIC, plain_deepcopy

# A task's `_cow_owned`: the data dict whose nested values no other task's data holds (None: not known). A plain
# attribute with a class default, never reached through `task.__dict__`: on Python 3.11 reading an object's
# `__dict__` turns its inline attribute values into a dict for good, and every later attribute read on it (Spiff
# reads a task's state, parent, spec, workflow, data all the time) takes the slower, unspecialised path.
_spiff_mi_merge_child = MultiInstanceTask.merge_child
_spiff_call_copy_data = CallActivity.copy_data
_spiff_sub_copy_data = SubWorkflowTask.copy_data
_spiff_sub_update_data = SubWorkflowTask.update_data
_spiff_call_update_data = CallActivity.update_data


def own(task: Any) -> dict[int, Any] | None:
    """Give the task its own copy of every list and dict in its data, unless it has them already; the copy's memo
    (original container id -> copy) when it copied, else None."""
    data = task.data
    if task._cow_owned is data:
        return None
    memo: dict[int, Any] = {}
    for key, value in data.items():
        if type(value) not in ATOMIC:
            data[key] = plain_deepcopy(value, memo)
    task._cow_owned = data
    return memo


def own_with(task: Any, extra: dict[str, Any] | None) -> None:
    """`own`, and point the values of `extra` (parameters or an expression's context, worked out from the data
    before) at the task's copies instead of the containers it shared."""
    memo = own(task)
    if memo and extra:
        for key, value in extra.items():
            if type(value) not in ATOMIC:
                found = rebind(value, memo, set())
                if found is not value:
                    extra[key] = found


def rebind(value: Any, memo: dict[int, Any], seen: set[int]) -> Any:
    """`value` if `own` did not copy it, else its copy; a list or dict it did not copy has its items rebound."""
    found = memo.get(id(value))
    if found is not None:
        return found
    if id(value) in seen or not isinstance(value, dict | list):
        return value
    seen.add(id(value))
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        if type(item) not in ATOMIC and (new := rebind(item, memo, seen)) is not item:
            value[key] = new
    return value


def shared(task: Any) -> None:
    """The task's nested values are now held by other data too: copy them before changing them in place."""
    task._cow_owned = None


def inherit_data(self: Task) -> None:
    """`Task._inherit_data`: a task with no data yet takes a shallow copy of its parent's (both then share the
    nested values); otherwise DeepMerge.merge, as Spiff does."""
    data, parent = self.data, self.parent
    source = parent.data
    if not data and type(data) is dict and type(source) is dict:
        data.update(source)
        shared(self)
        shared(parent)
    else:
        self.data = DeepMerge.merge(data, source)


def _mi_merge_child(self: Any, workflow: Any, child: Any) -> None:
    """MultiInstanceTask.merge_child, which changes the task's output collection in place: on the task's own data."""
    own(child.parent)
    _spiff_mi_merge_child(self, workflow, child)


def _call_copy_data(self: Any, my_task: Any, subworkflow: Any) -> None:
    """CallActivity.copy_data, which hands the called process's start the task's values themselves."""
    _spiff_call_copy_data(self, my_task, subworkflow)
    shared(my_task)


def _sub_copy_data(self: Any, my_task: Any, subworkflow: Any) -> None:
    """SubWorkflowTask.copy_data, which gives an embedded sub-process's start a deep copy of the task's data: the
    start takes a shallow copy instead, sharing the nested values as a child does."""
    data = my_task.data
    if type(data) is not dict:
        _spiff_sub_copy_data(self, my_task, subworkflow)
        return
    start = subworkflow.get_next_task(spec_name="Start")
    start.set_data(**data)
    shared(start)
    shared(my_task)


def _sub_update_data(self: Any, my_task: Any, subworkflow: Any) -> None:
    """SubWorkflowTask.update_data, which gives the task a deep copy of the ended sub-process's last data: a shallow
    copy instead, sharing the nested values with that (finished) task."""
    _take_back(my_task, subworkflow, _spiff_sub_update_data, self)


def _call_update_data(self: Any, my_task: Any, subworkflow: Any) -> None:
    """CallActivity.update_data: without data outputs (the called process's whole data comes back), as
    `_sub_update_data`; named outputs as Spiff copies them."""
    spec = subworkflow.spec.io_specification
    if spec is not None and len(spec.data_outputs) > 0:
        _spiff_call_update_data(self, my_task, subworkflow)
        return
    _take_back(my_task, subworkflow, _spiff_call_update_data, self)


def _take_back(my_task: Any, subworkflow: Any, spiff: Any, spec: Any) -> None:
    last = subworkflow.last_task
    if type(last.data) is not dict:
        spiff(spec, my_task, subworkflow)
        return
    my_task.data = dict(last.data)
    shared(my_task)
    shared(last)


def install() -> None:
    """Let SpiffWorkflow's tasks share their parent's nested data until they change it, process-wide."""
    Task._cow_owned = None  # type: ignore[attr-defined]
    Task._inherit_data = inherit_data  # type: ignore[method-assign]
    MultiInstanceTask.merge_child = _mi_merge_child  # type: ignore[method-assign]
    CallActivity.copy_data = _call_copy_data  # type: ignore[method-assign]
    SubWorkflowTask.copy_data = _sub_copy_data  # type: ignore[method-assign]
    SubWorkflowTask.update_data = _sub_update_data  # type: ignore[method-assign]
    CallActivity.update_data = _call_update_data  # type: ignore[method-assign]
