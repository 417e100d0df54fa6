"""The quicker restore of stateconvert.py gives what Spiff's registry gives."""

from __future__ import annotations

import copy
import threading
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


def test_the_encoder_mode_is_kept_per_thread():
    registry = Registry()
    seen: list[bool] = []
    registry._encoder_mode = True  # a save converting in this thread
    try:
        other = threading.Thread(target=lambda: (seen.append(registry._encoder_mode),
                                                 setattr(registry, "_encoder_mode", False)))
        other.start()
        other.join()  # another thread's save ended, switching its own mode off
        assert seen == [False] and registry._encoder_mode is True
        assert registry.convert({"a": UUID(int=1)}) == {"a": UUID(int=1)}  # values left to the JSON writer
    finally:
        registry._encoder_mode = False
    assert registry.convert({"a": UUID(int=1)}) == {"a": {"value": str(UUID(int=1)), "typename": "UUID"}}
