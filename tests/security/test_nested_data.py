"""A deployed script that changes the case data in place, leaving a value the state cannot store: the instance
errors naming the script and the key path, the API answers normally and nothing of the attempt is saved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.conftest import deploy, register_errored
from tests.security.diagrams import probe_files
from webapp.engine.serializer import state_json
from webapp.extensions import db
from webapp.models import Instance

DEEP = "x = []\nfor i in range(150):\n  x = [x]\ncustomer['probe_deep'] = x"
SCRIPTS = [
    pytest.param("customer.update({'probe_score': [1, float('nan')]})",
                 "left NaN in data['customer']['probe_score'][1]", id="nan-nested"),
    pytest.param("customer['probe_tags'] = [{'vip'}]", "left a set in data['customer']['probe_tags'][0]",
                 id="set-nested"),
    pytest.param("customer.setdefault('probe_raw', {'b': b'x'})", "left bytes in data['customer']['probe_raw']['b']",
                 id="bytes-nested"),
    pytest.param(DEEP, "left data nested more than 100 levels deep in data['customer']['probe_deep']",
                 id="deep-nesting"),
]


@pytest.mark.parametrize(("script", "message"), SCRIPTS)
def test_a_script_leaving_an_unstorable_nested_value_errors_its_instance(api: Any, script: str, message: str) -> None:
    response = deploy(api, probe_files("script", script))
    assert response.status_code == 201, response.get_data(as_text=True)
    _registered, instance = register_errored(api)
    assert f"script 'Payload' {message}" in instance.error["message"], instance.error
    shown = api.as_("admin").get(f"/api/v1/instances/{instance.id}")
    assert shown.status_code == 200 and message in shown.get_data(as_text=True)
    db.session.expire_all()
    state = db.session.get(Instance, instance.id).state  # type: ignore[union-attr]
    assert state is None or "probe_" not in state_json(state)  # nothing of the attempt was saved
