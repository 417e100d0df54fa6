"""Every deploy check in one call, the same for the API, the CLI and the studio pages."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.registry import get_handler, registered_operations
from webapp.accounts.service import GROUPS
from webapp.engine.pack import DeployError, Problem, build_pack
from webapp.extensions import running_config
from webapp.masterdata import units
from webapp.masterdata.staffing import staffed_groups, unmanned_units
from webapp.models import Group, User
from webapp.outbox.delivery.settings import load_settings
from webapp.processes.check_graph import check_flow
from webapp.processes.check_refs import Known, check_references, check_staffing
from webapp.processes.check_timer_data import check_timer_data
from webapp.processes.check_timers import check_clock_agreement, check_timer
from webapp.processes.model import read_models

__all__ = ["Problem", "check_files", "known_things", "staffing_warnings"]


def known_things(session: Session) -> Known:
    """Groups and users from the database, webhooks and service points from the settings, registered handlers,
    departments and service points from master data (and who is staffed)."""

    settings = load_settings(running_config())
    return Known(
        groups=set(session.scalars(select(Group.key))) | set(GROUPS),
        users=set(session.scalars(select(User.username))),
        webhooks=set(settings.webhooks),
        service_points=set(settings.service_points),
        handlers={op: fn for op in registered_operations() if (fn := get_handler(op)) is not None},
        units=units.kept_addresses(session),
        unmanned_units=unmanned_units(session),
        staffed_groups=staffed_groups(session),
    )


def staffing_warnings(session: Session, files: dict[str, bytes]) -> list[Problem]:
    """What a deploy goes on with but the owner should know: groups named in the diagrams that have no active
    member (departments and service points without one are refused by check_files)."""
    models, _broken = read_models(files)
    return sorted(set(check_staffing(models, known_things(session))), key=lambda p: (p.file, p.element))


def _forms(forms: dict[str, bytes]) -> dict[str, Any]:
    loaded: dict[str, Any] = {}
    for name, raw in forms.items():
        try:
            loaded[name] = json.loads(raw)
        except ValueError:
            continue  # reported by the pack check
    return loaded


def check_files(session: Session, files: dict[str, bytes], forms: dict[str, bytes],
                known: Known | None = None) -> list[Problem]:
    """Every problem of a set of diagrams and forms, sorted by file and element; an empty list means deployable."""
    known = known or known_things(session)
    problems: list[Problem] = []
    try:
        build_pack(files, forms, set(known.handlers))
    except DeployError as exc:
        problems += [p for p in exc.problems if p.code != "no_handler"]  # check_references says which exist
    models, _broken = read_models(files)  # a file that does not parse is reported by build_pack
    for model in models.values():
        problems += [q for el in model.elements.values() if el.timer for q in check_timer(el)]
        problems += check_flow(model)
    problems += check_clock_agreement(models)
    problems += check_timer_data(models, _forms(forms))
    problems += check_references(models, _forms(forms), known)
    return _named(problems, models)


def _named(problems: list[Problem], models: dict[str, Any]) -> list[Problem]:
    """Fill in the file and element name of problems found by the parser (it may only know the id)."""
    out: list[Problem] = []
    for p in problems:
        files = [p.file] if p.file else [n for n, m in models.items() if p.element in m.elements]
        el = models[files[0]].elements.get(p.element) if len(files) == 1 and files[0] in models else None
        out.append(replace(p, file=files[0], name=p.name or el.name) if el is not None else p)
    return sorted(set(out), key=lambda p: (p.file, p.element, p.message))
