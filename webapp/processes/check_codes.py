"""The studio's deploy checks (check_*.py) as codes with parameters, like the engine's (webapp.engine.messages).

Each problem a check finds carries a machine-readable `code` and its `params` (API clients tell problems apart
without reading the words) and its message in the reader's language (the texts are marked with N_ for the
catalogue and translated where the check runs). A parameter that is itself a sentence (`why`, `reason`, `fix`)
is given in the reader's language too.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from webapp.engine.messages import N_
from webapp.engine.pack import Problem

CHECK_MESSAGES: dict[str, str] = {
    # check_graph: the flow
    "unreachable": N_("no path from a start event reaches this element; connect it with a sequence flow or "
                      "remove it"),
    "dead_end": N_("no path from this element reaches an end event; connect it onwards to an end event"),
    # check_refs: groups, recipients, operations, forms, decisions, code
    "lane_group_unknown": N_("lane '%(lane)s' means group '%(group)s', which does not exist; rename the lane after "
                             "an existing group or create the group"),
    "assign_unit_unusable": N_("assignGroup %(why)s"),
    "assign_group_unknown": N_("assignGroup '%(group)s' is not an existing group; name an existing group"),
    "parameter_unit_unusable": N_("parameter '%(param)s' %(why)s"),
    "recipient_unknown": N_("parameter '%(param)s' sends to %(to)s, but there is no %(kind)s '%(name)s'; %(fix)s"),
    "group_unstaffed": N_("group '%(group)s' has no active member: nobody will act on it until someone joins the "
                          "group"),
    "no_operation": N_("service task names no operation; choose a registered one"),
    "unknown_operation": N_("operation '%(op)s' has no registered handler; use one of: %(ops)s"),
    "missing_parameter": N_("operation '%(op)s' needs parameter '%(name)s'; add it"),
    "unknown_parameter": N_("operation '%(op)s' has no parameter '%(name)s'; remove it (it takes: %(takes)s)"),
    "form_not_an_object": N_("form '%(name)s' must be a JSON Schema with \"type\": \"object\""),
    "unknown_decision": N_("decision '%(decision)s' is not in any .dmn file; upload its .dmn or name an existing "
                           "decision"),
    "no_decision": N_("business-rule task names no decision"),
    "code_not_compiling": N_("%(what)s does not compile: %(reason)s"),
    # check_timers and check_timer_data: timers and clocks
    "timer_empty": N_("the timer has no %(kind)s expression; write e.g. %(example)s"),
    "timer_unquoted": N_("timer expression %(expression)s is read as a variable name; put it in quotes: "
                         "\"%(quoted)s\""),
    "timer_not_compiling": N_("timer expression does not compile: %(reason)s; write e.g. %(example)s"),
    "timer_invalid": N_("timer %(reason)s"),
    "timer_invalid_with_data": N_("timer %(expression)s with %(given)s: %(reason)s"),
    "duration_unquoted": N_("parameter duration: %(value)s is read as a variable name; quote it: '%(value)s'"),
    "clock_not_started": N_("timer reads clock '%(clock)s', but no clock_start starts a clock of that name; start "
                            "it before this element or name a started clock"),
    "clock_not_its_task": N_("timer reads clock '%(read)s' but its task runs on clock '%(clock)s'; write "
                             "clock_due('%(clock)s')"),
    "missed_duration_unknown": N_("no clock_start starts clock '%(clock)s', so the missed duration is unknown; "
                                  "start the clock or add a parameter duration"),
    "clock_duration_differs": N_("%(what)s says %(value)s but clock '%(clock)s' is started with %(duration)s by "
                                 "'%(start)s' (%(name)s) in %(file)s; %(fix)s, so that the clock_start alone states "
                                 "the deadline"),
    "clock_start_differs": N_("clock '%(clock)s' is started with %(duration)s but '%(element)s' (%(name)s) in "
                              "%(file)s says %(value)s; there, %(fix)s"),
}


def found(file: str, element: str, code: str, name: str = "", /, **params: Any) -> Problem:
    """A check's problem: its code and parameters, and its message in the reader's language."""
    clean = {key: str(value) for key, value in params.items()}
    return Problem(file, element, translated(code, clean), name, code, tuple(sorted(clean.items())))


def translated(code: str, params: dict[str, str]) -> str:
    """The text of a check's code with its parameters, in the current locale."""
    return gettext(CHECK_MESSAGES[code], **params) if params else gettext(CHECK_MESSAGES[code])
