"""The only package that imports SpiffWorkflow: parse, run and serialize BPMN processes."""

from __future__ import annotations

from SpiffWorkflow.util import task as _spiff_task_util

from webapp.engine import clock, cow, datacopy, quietlog, readyset, taskids, walk

# SpiffWorkflow's TaskIterator stops descending at depth 1000, so a case reopened a few hundred
# times would silently stop finding its ready tasks. Raise the default bound (the walk is iterative).
_defaults = list(_spiff_task_util.TaskIterator.__init__.__defaults__ or ())
if _defaults and _defaults[1] == 1000:
    _defaults[1] = 10**9
    _spiff_task_util.TaskIterator.__init__.__defaults__ = tuple(_defaults)

clock.install()
walk.install()  # SpiffWorkflow's update of waiting tasks after each task without walking the whole tree
quietlog.install()  # log records (and their whole-tree walks) only when a logger is enabled
readyset.install()  # READY tasks remembered as they are set (after quietlog: it wraps that _set_state)
datacopy.install()  # sub-process data copied without deepcopy's generic dispatch
cow.install()  # a task shares its parent's nested data until code may change it in place
taskids.install()  # task ids made without UUID.__init__'s general argument handling
