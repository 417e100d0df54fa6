"""Deploy problems in the reader's language: the engine gives a code and parameters, translated here."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import replace

from flask_babel import gettext

from webapp.engine.messages import MESSAGES
from webapp.engine.pack import Problem
from webapp.processes.check_codes import CHECK_MESSAGES, translated

LANGUAGES = ("en", "zh")


def localized(problem: Problem) -> Problem:
    """The problem with its message in the current locale (a problem without a known code is left as it is)."""
    if problem.code in CHECK_MESSAGES:  # the studio's checks (their sentence parameters stay as found)
        return replace(problem, message=translated(problem.code, dict(problem.params)))
    if problem.code not in MESSAGES:
        return problem
    params = dict(problem.params)
    return replace(problem, message=gettext(MESSAGES[problem.code], **params) if params
                   else gettext(MESSAGES[problem.code]))


def localize(problems: Iterable[Problem]) -> list[Problem]:
    """Every problem in the current locale."""
    return [localized(p) for p in problems]


def cli_language() -> str:
    """The language of the person at the terminal: CLOSELOOP_LANGUAGE, else LC_ALL, LC_MESSAGES, LANG ('zh_CN.UTF-8'
    -> 'zh'); English otherwise."""
    for var in ("CLOSELOOP_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "").split(".")[0].replace("-", "_").split("_")[0].lower()
        if value:
            return value if value in LANGUAGES else "en"
    return "en"
