"""The deploy-check API other code calls: check_code(source, mode) -> messages, and the plain helper functions."""

from __future__ import annotations

from webapp.engine.sandbox import SandboxEnvironment, check_code


def test_pack_style_code_is_accepted() -> None:
    """What the process pack writes passes unchanged."""
    assert check_code("escalations = escalations + 1\nsuspected_malicious = False", "exec") == []
    for expression in ("resolution_clock in ('K1', 'K2')", "facts.get('households', 1) or 1",
                       "'user:' + registered_by if registered_by else None", "rejections % 2 == 0",
                       "sla_due('EOD', True)", "f'{grade:>4}'"):
        assert check_code(expression, "eval") == [], expression


def test_refusals_say_what_and_where() -> None:
    """Each message names the line and the construct to remove."""
    assert check_code("import os", "exec") == ["Line 1: import is not allowed in diagram code"]
    [message] = check_code("x = 1\ny = '{0}'.format(x)", "exec")
    assert message.startswith("Line 2:") and "'format'" in message
    assert "json" in check_code("json.dumps(x)", "eval")[0]
    assert check_code("1 +", "eval") and check_code("a\x00", "eval")


def test_helpers_are_plain_functions_returning_data() -> None:
    """Dates and durations are offered as functions over ISO strings, not as modules."""
    env = SandboxEnvironment()
    data = {"opened": "2026-01-05T09:00:00+00:00"}
    assert env.evaluate("add_duration(opened, 'P2D')", data) == "2026-01-07T09:00:00+00:00"
    assert env.evaluate("days_between(opened, add_duration(opened, 'PT36H'))", data) == 1.5
    assert env.evaluate("floor(2.7) + ceil(2.1)", data) == 5
    assert isinstance(env.evaluate("now()", data), str)
