"""Data a script leaves in the task reads the same in the same call as after a save and restore."""

from __future__ import annotations

from datetime import date

from webapp.engine.sandbox import SandboxEnvironment


def test_a_script_s_tuples_and_number_keys_are_kept_as_the_saved_state_reads_them():
    env = SandboxEnvironment()
    context: dict = {"kept": (1, 2)}  # untouched by the script: left as it was
    context["day"] = date(2026, 1, 2)
    env.execute("pair = (1, 2)\nby_code = {1: 'a', 2: (3,)}\nplain = {'a': [1]}", context)
    assert context["pair"] == [1, 2]
    assert context["by_code"] == {"1": "a", "2": [3]}
    assert context["day"] == date(2026, 1, 2) and context["plain"] == {"a": [1]}  # untouched: not checked
    assert context["kept"] == (1, 2)


def test_a_script_may_not_leave_a_number_json_cannot_write():
    import pytest

    from webapp.engine.sandbox import SandboxViolation

    for script in ("x = float('nan')", "x = float('inf')", "x = [1.5, -float('inf')]", "x = {'a': 1e308 * 10}"):
        with pytest.raises(SandboxViolation, match="finite numbers"):
            SandboxEnvironment().execute(script, {})
    context: dict = {}
    SandboxEnvironment().execute("x = [0.5, -0.0, 1e308]", context)
    assert context["x"] == [0.5, -0.0, 1e308]
