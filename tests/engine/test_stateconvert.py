"""The quicker restore of stateconvert.py gives what Spiff's registry gives."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.helpers.registry import DefaultRegistry

from webapp.engine.stateconvert import Registry, loading, uuid_of


def test_plain_values_restore_in_place_to_what_spiffs_registry_restores():
    value = {"a": [1, "x", None, {"b": {"value": "2026-01-02T03:04:05", "typename": "datetime"}}],
             "c": {"d": [[1.5, {"days": 1, "seconds": 2, "typename": "timedelta"}]], "e": {}}, "f": True, "g": []}
    ours, spiffs = Registry().restore(copy.deepcopy(value)), DefaultRegistry().restore(copy.deepcopy(value))
    assert ours == spiffs
    assert ours["a"][3]["b"] == datetime(2026, 1, 2, 3, 4, 5) and ours["c"]["d"][0][1] == timedelta(days=1, seconds=2)
    parsed = copy.deepcopy(value)
    assert Registry().restore(parsed) is parsed  # in place: a parsed state is held by nothing else


def test_an_id_text_is_parsed_once_per_load():
    text = "6f1c0f4e-3f57-4b8e-9a51-0c3f1d2e4b5a"
    assert uuid_of(text) == UUID(text) and uuid_of(text) is not uuid_of(text)  # no load running: parsed each time
    with loading() as ids:
        first = uuid_of(text)
        assert uuid_of(text) is first and ids == {text: first}
    assert uuid_of(text) is not first
