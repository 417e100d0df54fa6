"""Which diagram a (sub)workflow's elements are drawn in: a called process's own, or the one holding an embedded
sub-process."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow


def is_call(task: Any) -> bool:
    """A call activity (its sub-workflow runs another process); an embedded sub-process is not one."""
    return type(task.task_spec).__name__ == "CallActivity"


def diagram_of(workflow: Any) -> str:
    """The process whose diagram shows a (sub)workflow's elements: a called process, or the diagram holding an
    embedded sub-process."""
    while isinstance(workflow, BpmnSubWorkflow):
        parent = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        if parent is None or is_call(parent):
            return str(workflow.spec.name)
        workflow = parent.workflow
    return str(workflow.spec.name)
