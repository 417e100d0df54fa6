"""Ready and waiting tasks found without SpiffWorkflow's whole-tree walks, in the order its walks return them.

SpiffWorkflow 3.2 finds the READY tasks of an engine step, and the WAITING tasks it updates after every task
that completes, by walking the whole task tree depth first (finished history included); on the real pack that
was about half the CPU of a completion. A workflow keeps its tasks in a flat dict, so these read that dict and
put the few tasks they find in the walk's order (the depth-first position of each from the root; a called
process's tree comes before the children of the task that called it). Tasks the walk would not reach (below a
predicted task) are left out as it leaves them out; there is no depth bound (see webapp/engine/__init__.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from SpiffWorkflow import Workflow
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from webapp.engine import readyset

_READY, _WAITING, _FUTURE = TaskState.READY, TaskState.WAITING, TaskState.FUTURE
Path = tuple[int, ...]


def _in_walk_order(tasks: list[Any], start: Any, descend: bool) -> list[Any]:
    """`tasks` in the order a depth-first walk from `start`'s root meets them, without those it does not reach.

    `descend`: the walk goes into called processes (SpiffWorkflow's BPMN walk) or not (its plain walk).
    """
    if not tasks:  # most look-ups (the last of each engine step, the waiting tasks after each task) find none
        return tasks
    top = start.top_workflow
    if len(tasks) == 1:
        return tasks if _reached(tasks[0], start, top, descend) else []
    memo: dict[int, Path | None] = {}

    def path(task: Any) -> Path | None:
        chain: list[tuple[Any, int | None]] = []
        current, base = task, cast(Path | None, None)
        while id(current) not in memo:
            parent_id = current._parent
            if parent_id is None:
                if current.workflow is start:
                    base = ()
                    break
                chain.append((current, -1))  # a called process's tree: before the calling task's children
                current = top.get_task_from_id(current.workflow.parent_task_id)
                continue
            parent = current.workflow.tasks[parent_id]
            if parent._state < _FUTURE and not (descend and parent.id in top.subprocesses):
                base = ()
                chain.append((current, None))  # below a predicted task: the walk does not go there
                break
            chain.append((current, parent._children.index(current.id)))
            current = parent
        else:
            base = memo[id(current)]
        result = base
        for item, step in reversed(chain):
            result = None if result is None or step is None else (*result, step)
            memo[id(item)] = result
        return memo[id(task)] if chain else base

    keyed = [(p, t) for t in tasks if (p := path(t)) is not None]
    keyed.sort(key=lambda item: item[0])
    return [t for _, t in keyed]


def _reached(task: Any, start: Any, top: Any, descend: bool) -> bool:
    """Whether the walk from `start`'s root meets `task` (the path of `_in_walk_order` without the positions)."""
    current = task
    while True:
        parent_id = current._parent
        if parent_id is None:
            if current.workflow is start:
                return True
            current = top.get_task_from_id(current.workflow.parent_task_id)
            continue
        parent = current.workflow.tasks[parent_id]
        if parent._state < _FUTURE and not (descend and parent.id in top.subprocesses):
            return False
        current = parent


def ready_tasks(workflow: Any, manual: bool | None = None) -> list[Any]:
    """`workflow.get_tasks(state=READY)` (called processes included), optionally only manual or engine tasks."""
    top = workflow.top_workflow
    found = [t for t in readyset.ready(top) if manual is None or t.task_spec.manual == manual]
    if found:  # only those of `workflow` and (from the top: every) called process, (from a called one) those it called
        if workflow is top:
            processes = top.subprocesses
            found = [t for t in found if (wf := t.workflow) is top or processes.get(wf.parent_task_id) is wf]
        elif any((wf := t.workflow) is not workflow and wf is not top for t in found):
            called = {id(wf) for wf in _called_from(workflow, top)}
            found = [t for t in found if (wf := t.workflow) is workflow or id(wf) in called]
        else:  # the top's tasks (often ready while its called processes run first) are never below a called one
            found = [t for t in found if t.workflow is workflow]
    return _in_walk_order(found, workflow, descend=True)


def _called_from(workflow: Any, top: Any) -> list[Any]:
    """The processes `workflow` called, directly or not (from the top: all), in `top.subprocesses` order.

    SpiffWorkflow finds a process's caller (`parent_workflow`) by looking its calling task up in the top workflow
    and then in every process, each time. A process's caller never changes, so the answer is remembered on the top
    workflow for as long as its processes are the same objects (the memo holds them, so no id is reused).
    """
    processes = top.subprocesses
    if workflow is top:
        return list(processes.values())
    key = tuple(map(id, processes.values()))
    memo = top._closeloop_called  # a plain attribute, not `top.__dict__` (see webapp/engine/cow.py)
    if memo is None or memo[0] != key:
        memo = top._closeloop_called = (key, list(processes.values()), {}, {})
    _, known, callers, answers = memo
    answer = answers.get(id(workflow))
    if answer is None or answer[0] is not workflow:
        if not callers:
            callers.update((id(sp), sp.parent_workflow) for sp in known)
        answer = answers[id(workflow)] = (workflow, [sp for sp in known if _below(sp, workflow, top, callers)])
    return answer[1]


def _below(subprocess: Any, workflow: Any, top: Any, callers: dict[int, Any]) -> bool:
    """Whether `subprocess` was called (directly or not) from `workflow`; `callers`: each process's caller."""
    current = subprocess
    while current is not top:
        current = callers.get(id(current)) or current.parent_workflow
        if current is workflow:
            return True
    return False


def update_waiting_tasks(workflow: Any) -> None:
    """`Workflow.update_waiting_tasks`: let each WAITING task of this workflow (not of called ones) check whether
    it can go on, in walk order; a task an earlier update moved on is skipped, as the walk would skip it."""
    found = [t for t in workflow.tasks.values() if t._state == _WAITING]
    for task in _in_walk_order(found, workflow, descend=False):
        if task._state == _WAITING and task.workflow.tasks.get(task.id) is task:
            task.task_spec._update(task)


def engine_steps(workflow: BpmnWorkflow, did_complete_task: Callable[[Any], None]) -> bool:
    """SpiffWorkflow 3.2's `BpmnWorkflow._do_engine_steps` on `ready_tasks`: run the ready engine tasks of the
    deepest called processes first, then of the top; True when something ran or a process was called."""

    def update(wf: Any) -> int:
        count = 0
        for task in ready_tasks(wf, manual=False):
            task.run()
            count += 1
            did_complete_task(task)
        return count

    active = workflow.get_active_subprocesses()
    for subprocess in sorted(active, key=lambda v: v.depth, reverse=True):
        while update(subprocess) > 0:
            pass
        if subprocess.parent_task_id is not None:
            task = workflow.get_task_from_id(subprocess.parent_task_id)
            task.task_spec._update(task)
    count = update(workflow)
    return count > 0 or len(workflow.get_active_subprocesses()) > len(active)


def task_from_id(self: BpmnWorkflow, task_id: Any) -> Any:
    """`BpmnWorkflow.get_task_from_id`: the task of that id in the top process or, else, in the first called process
    that has it (`TaskNotFoundException` if none); each dict asked once (Spiff asks the top's twice more, and each
    process through a method call: SpiffWorkflow looks up a called process's caller this way every time)."""
    task = self.tasks.get(task_id)
    if task is None:
        for subprocess in self.subprocesses.values():  # BpmnSubWorkflow.get_task_from_id is `tasks.get`
            task = subprocess.tasks.get(task_id)
            if task is not None:
                return task
        return Workflow.get_task_from_id(self, task_id)  # raises TaskNotFoundException, as Spiff's does
    return task


def install() -> None:
    """Let SpiffWorkflow's own calls (after every completed task) use `update_waiting_tasks`, and its task look-ups
    by id `task_from_id`."""
    Workflow.update_waiting_tasks = update_waiting_tasks  # type: ignore[method-assign]
    BpmnWorkflow._closeloop_called = None  # type: ignore[attr-defined]
    BpmnWorkflow.get_task_from_id = task_from_id  # type: ignore[method-assign]
