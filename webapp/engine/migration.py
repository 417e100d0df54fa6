"""Move a saved instance to another version of its process with SpiffWorkflow's WorkflowDiff / migrate_workflow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from webapp.engine.outcome import Outcome, RunContext, TimerInfo
from webapp.engine.pack import ProcessBundle
from webapp.engine.runtime import Engine, _Acc, _waiting_timers
from webapp.engine.serializer import _FULL, State, load_state
from webapp.engine.subflows import diagram_of

_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


@dataclass
class WaitingTask:
    """A task the instance is waiting at: a person's task, a timer, a message or a called process."""

    task_id: str
    element: str
    name: str
    state: str
    process: str

    def as_dict(self) -> dict[str, str]:
        """JSON form."""
        return dict(self.__dict__)


@dataclass
class Migration:
    """What moving an instance does: waiting tasks kept and removed, timers before, and the migrated result."""

    kept: list[WaitingTask] = field(default_factory=list)
    removed: list[WaitingTask] = field(default_factory=list)
    passed: list[WaitingTask] = field(default_factory=list)  # done (or planned) on elements the new version lacks
    timers_before: list[TimerInfo] = field(default_factory=list)
    outcome: Outcome | None = None  # the migrated instance, described (None when a waiting task would go)


def _waiting(task: Any) -> WaitingTask:
    spec = task.task_spec
    return WaitingTask(str(task.id), spec.bpmn_id or spec.name, spec.bpmn_name or spec.bpmn_id or spec.name,
                       TaskState.get_name(task.state), diagram_of(task.workflow))


def _is_element(task: Any) -> bool:
    return getattr(task.task_spec, "bpmn_id", None) is not None


def _classify(wf: BpmnWorkflow, top: Any, subs: dict[Any, Any], result: Migration) -> None:
    removed_ids: set[Any] = {t.id for t in top.removed}
    gone_workflows: set[Any] = set()
    for sp_id, diff in subs.items():
        if diff is None:
            gone_workflows.add(sp_id)
        else:
            removed_ids |= {t.id for t in diff.removed}
    for task in wf.get_tasks(state=_WAITING):
        if not _is_element(task):
            continue
        gone = task.id in removed_ids or task.workflow is not wf and task.workflow.parent_task_id in gone_workflows
        (result.removed if gone else result.kept).append(_waiting(task))


def migrate_state(old: ProcessBundle, new: ProcessBundle, state: State) -> Migration:
    """Diff a saved instance against the new version and, when no waiting task disappears, migrate it.

    Waiting tasks are reset on the new specs (a timer's due time is computed again from now); the data stays.
    Nothing runs: the instance waits where it waited.
    """
    wf = load_state(state, old.spec, old.subprocess_specs)
    result = Migration(timers_before=_waiting_timers(wf))
    top, subs = diff_workflow(_FULL.registry, wf, new.spec, new.subprocess_specs)
    _classify(wf, top, subs, result)
    if result.removed:
        return result
    engine = Engine()
    acc = _Acc(bundle=new, timers_before=result.timers_before)
    wf.script_engine = engine._script_engine(_no_context(), acc)  # timers are reset with the sandbox's helpers
    migrate_workflow(top, wf, new.spec)
    wf.subprocess_specs = new.subprocess_specs
    for sp_id, diff in subs.items():
        sub = wf.subprocesses[sp_id]
        migrate_workflow(diff, sub, new.subprocess_specs[sub.spec.name])
    for workflow in [wf, *wf.subprocesses.values()]:
        _repredict(workflow)
    stale = [t for w in [wf, *wf.subprocesses.values()] for t in _stale(w)]
    if stale:  # a task on an element the new version no longer has: saved, the instance could not be loaded again
        result.passed = [_waiting(t) for t in stale]
        return result
    result.outcome = engine._describe(wf, acc)
    return result


def _repredict(workflow: Any) -> None:
    """Predict again where a running call activity or sub-process (or a task to come) still has successors of the
    old version: migrate_workflow resets only ready and waiting tasks, the rest is predicted from the new specs."""
    ahead = TaskState.FUTURE | TaskState.PREDICTED_MASK
    stale = {t.id for t in _stale(workflow)}
    for task in list(workflow.tasks.values()):
        parent = task.parent
        if (task.id not in workflow.tasks or not task.has_state(ahead) or parent is None or parent.workflow is not
                workflow or not parent.has_state(ahead | TaskState.STARTED) or task.id not in stale):
            continue
        workflow._remove_task(task.id)
        parent.task_spec._predict(parent, mask=parent.state | ahead)


def _stale(workflow: Any) -> list[Any]:
    """Tasks still on a spec of the old version (the new one has no element of that name)."""
    return [t for t in workflow.tasks.values() if workflow.spec.task_specs.get(t.task_spec.name) is not t.task_spec]


def _no_context() -> Any:

    return RunContext(instance_id="", case_number="", actor="migration")
