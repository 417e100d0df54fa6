"""The engine's deploy problems as a code with parameters: the English text here, translated where it is shown.

The engine does not import Flask, so it cannot translate; it gives each problem a code and its parameters, and
the pages and the CLI translate the text of the code (the texts are marked with N_ for the catalogue); the API
answers with the English text and the code.
"""

from __future__ import annotations

from typing import Any

Message = tuple[str, dict[str, str]]  # (code, parameters)


def N_(text: str) -> str:
    """Mark a text for the catalogue (extracted by pybabel); it is translated where it is shown."""
    return text


MESSAGES: dict[str, str] = {
    "no_files": N_("no .bpmn or .dmn file given"),
    "duplicate_id": N_("id is used by more than one element (a service-task parameter id may not equal an element "
                       "id); rename one"),
    "not_json": N_("not a valid JSON Schema: %(detail)s"),
    "not_schema": N_("not a valid JSON Schema: %(detail)s"),
    "unresolved_ref": N_("$ref '%(ref)s' finds no definition: add '%(name)s' to the $defs of %(file)s or correct "
                         "the name"),
    "form_not_object": N_("a form must be a JSON Schema object with \"type\": \"object\""),
    "ref_outside": N_("%(key)s '%(ref)s' at %(where)s points outside the form; only '#/...' references within the "
                      "form are allowed"),
    "unbounded_pattern": N_("pattern '%(pattern)s' at %(where)s cannot run in bounded time (%(reason)s); remove "
                            "backreferences and lookarounds"),
    "xml": N_("cannot be read: %(detail)s"),
    "parser": N_("SpiffWorkflow refuses the diagram: %(detail)s"),
    "code_refused": N_("%(what)s refused: %(error)s"),
    "no_handler": N_("service task operation '%(op)s' has no registered handler"),
    "no_lane": N_("user task is in no lane; put it in the lane of its group"),
    "no_form": N_("user task names no form (property %(property)s)"),
    "missing_form": N_("form file '%(form)s' is missing or not a valid JSON Schema"),
}


def english(code: str, params: dict[str, Any]) -> str:
    """The English text of a code with its parameters."""
    return MESSAGES[code] % params if params else MESSAGES[code]
