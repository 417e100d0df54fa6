"""Stored workflow state: bytes in the row, older text forms still read, and the in-process workflow cache."""

from __future__ import annotations

import base64
import json
import zlib

from sqlalchemy import func, select

from tests.helpers import complete, instance_of, open_task, register, user
from webapp.engine import wfcache
from webapp.engine.serializer import BINARY, load_state, state_json
from webapp.extensions import db
from webapp.models import Event, HumanTask
from webapp.workflow import transitions
from webapp.workflow.definitions import bundle_for


def test_the_state_is_stored_as_zlib_bytes_and_the_text_forms_of_before_still_load(mini, users):
    case = register()
    inst = instance_of(case)
    assert isinstance(inst.state, bytes) and inst.state.startswith(BINARY)
    text = state_json(inst.state)
    z1 = "z1:" + base64.b64encode(zlib.compress(text.encode())).decode()  # what the text column held
    bundle = bundle_for(inst.definition)
    for old in (z1, z1.encode(), text, text.encode()):  # text, and text moved into the binary column as it was
        assert state_json(old) == text
        wf = load_state(old, bundle.spec, bundle.subprocess_specs)
        assert [t.task_spec.bpmn_id for t in wf.get_tasks() if t.task_spec.manual and t.state == 16] == ["fact_finding"]
    assert json.loads(text)["format"] == "closeloop-1"


def test_a_task_completes_from_an_old_text_state(mini, users):
    case = register()
    inst = instance_of(case)
    inst.state = ("z1:" + base64.b64encode(zlib.compress(state_json(inst.state).encode())).decode()).encode()
    db.session.commit()
    wfcache.CACHE.clear()
    complete(case, "Find the facts", {"cause": "busy"}, "handler1")
    assert open_task(case).title == "Agree the solution"
    assert instance_of(case).state.startswith(BINARY)


def test_the_next_completion_reuses_the_workflow_the_last_one_saved(mini, users):
    case = register()
    hits = wfcache.CACHE.hits
    complete(case, "Find the facts", {"cause": "busy"}, "handler1")
    complete(case, "Agree the solution", {"solution_type": "apology"}, "handler1")
    assert wfcache.CACHE.hits == hits + 2  # registration and the first completion left their workflow behind


def test_a_rolled_back_completion_leaves_no_cached_workflow_behind(mini, users):
    case = register()
    task = open_task(case)
    saved = instance_of(case).state
    transitions.complete_task(db.session, task, {"cause": "first try"}, "handler1")
    db.session.flush()
    db.session.rollback()  # the cache holds the workflow of the state that was never committed
    assert instance_of(case).state == saved
    complete(case, "Find the facts", {"cause": "second try"}, "handler1")
    assert open_task(case).title == "Agree the solution"
    done = db.session.scalars(select(Event.data).where(Event.case_id == case.id, Event.kind == "task_completed"))
    assert [d["data"] for d in done] == [{"cause": "second try"}]
    ready = db.session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.case_id == case.id, HumanTask.title == "Agree the solution"))
    assert ready == 1


def test_a_state_written_elsewhere_is_restored_not_taken_from_the_cache(mini, users):
    case = register()
    inst = instance_of(case)
    bundle = bundle_for(inst.definition)
    cached = wfcache.CACHE.take(str(inst.id), inst.state, bundle.spec)
    assert cached is not None  # registration left it
    wfcache.CACHE.put(str(inst.id), inst.state, bundle.spec, cached)
    other = load_state(inst.state, bundle.spec, bundle.subprocess_specs)
    assert wfcache.CACHE.take(str(inst.id), inst.state + b" ", bundle.spec) is None  # another state: a miss
    assert wfcache.CACHE.take(str(inst.id), inst.state, bundle.spec) is None  # ... and the stale entry is gone
    wfcache.CACHE.put(str(inst.id), inst.state, object(), other)
    assert wfcache.CACHE.take(str(inst.id), inst.state, bundle.spec) is None  # another spec object: a miss
    wfcache.CACHE.put(str(inst.id), inst.state, bundle.spec, other)
    assert wfcache.CACHE.take(str(inst.id), inst.state, bundle.spec) is other
    assert wfcache.CACHE.take(str(inst.id), inst.state, bundle.spec) is None  # taken: never handed out twice


def test_the_cache_keeps_at_most_its_size_and_can_be_turned_off(mini, users):
    wfcache.configure(2)
    try:
        cases = [register() for _ in range(3)]
        keys = [str(c.instance_id) for c in cases]
        assert list(wfcache.CACHE._items) == keys[1:]
        wfcache.configure(0)
        complete(cases[0], "Find the facts", {"cause": "busy"}, "handler1")
        assert not wfcache.CACHE._items
        assert user("handler1") is not None
    finally:
        wfcache.configure(256)
