"""Data a script leaves in the task reads the same in the same call as after a save and restore."""

from __future__ import annotations

from datetime import date

from webapp.engine.sandbox import SandboxEnvironment


def test_a_script_s_tuples_and_number_keys_are_kept_as_the_saved_state_reads_them():
    env = SandboxEnvironment()
    context: dict = {"kept": (1, 2)}  # untouched by the script: left as it was
    context["day"] = date(2026, 1, 2)
    env.execute("pair = (1, 2)\nby_code = {1: 'a', 2: (3,)}\nplain = {'a': [1]}\nlater = day", context)
    assert context["pair"] == [1, 2]
    assert context["by_code"] == {"1": "a", "2": [3]}
    assert context["later"] == date(2026, 1, 2) and context["plain"] == {"a": [1]}
    assert context["kept"] == (1, 2)
