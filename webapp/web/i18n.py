"""Languages and time zones: locale/timezone selection, catalogue compilation, date and deadline filters.

Catalogues: `webapp/translations/<lang>/LC_MESSAGES/messages.po` are the source (in git); the `.mo` files are
compiled from them when the app starts (if missing or older than the .po) and are git-ignored, so a fresh
clone works without a build step. Extract new strings with
`pybabel extract -F babel.cfg -o webapp/translations/messages.pot .` and
`pybabel update -i webapp/translations/messages.pot -d webapp/translations`.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_timedelta as babel_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import format_datetime, format_timedelta, get_locale, get_timezone, gettext
from flask_login import current_user

from webapp.accounts.groups import group_names
from webapp.accounts.service import GROUPS
from webapp.engine.clock import in_zone
from webapp.extensions import db
from webapp.masterdata import units
from webapp.masterdata.choices import choices
from webapp.web.clock_words import with_duration
from webapp.web.labels import LABELS, guidance, label

LANGUAGES = {"en": "English", "zh": "简体中文"}
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
log = logging.getLogger(__name__)


def normalize_language(value: str | None) -> str | None:
    """'zh_CN', 'zh-Hans' -> 'zh'; 'en-GB' -> 'en'; unknown -> None."""
    if not value:
        return None
    base = value.replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else None


def select_locale() -> str:
    """English for the JSON API and outside a request (worker, CLI); else the signed-in user's language, the
    session's choice, the browser's."""
    if not has_request_context() or request.path.startswith("/api/"):
        return "en"
    if current_user and current_user.is_authenticated:
        lang = normalize_language(current_user.language)
        if lang:
            return lang
    lang = normalize_language(session.get("lang"))
    if lang:
        return lang
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def select_timezone() -> str:
    """The signed-in user's time zone, else the configured default."""
    default = str(current_app.config.get("DEFAULT_TIMEZONE") or "UTC")
    tz = getattr(current_user, "timezone", None) if current_user and current_user.is_authenticated else None
    return tz if tz and valid_timezone(tz) else default


def valid_timezone(name: str) -> bool:
    """True if the IANA zone name is known."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def compile_catalogues(root: Path = TRANSLATIONS) -> list[str]:
    """Compile every messages.po whose .mo is missing or stale; returns the languages compiled."""
    done = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            with po_path.open("rb") as fh:
                catalog = read_po(fh, locale=po_path.parent.parent.name)
            fd, tmp = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
            with os.fdopen(fd, "wb") as out:
                write_mo(out, catalog)
            os.replace(tmp, mo_path)  # atomic: several workers may start at once
            done.append(po_path.parent.parent.name)
        except OSError as exc:  # read-only install: keep the existing .mo (or English)
            log.warning("could not compile %s: %s", po_path, exc)
    return done


def when(value: datetime | None, fmt: str = "medium") -> str:
    """A date-time as staff see every date: the one short human format of `human` for the babel styles
    ('medium', 'short'); an explicit pattern (e.g. 'yyyy-MM-dd HH:mm' in mails, read later) is kept absolute."""
    if value is None or fmt in ("medium", "short"):
        return human(value)
    try:
        return format_datetime(value, fmt)
    except OverflowError:  # a stored time at the ends of the calendar has no local time: shown as stored
        return _as_stored(value)


def human(value: datetime | str | None) -> str:
    """A short date in the user's zone: 'today 14:05', 'yesterday 09:12', 'tomorrow 09:00', '3 Dec 09:12',
    '3 Dec 2025 09:12' (an ISO text, as JSON columns keep times, is read first; other text is shown as it is)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if value is None:
        return ""
    local = in_zone(value if value.tzinfo else value.replace(tzinfo=UTC), get_timezone())
    if local is None:  # a stored time at the ends of the calendar has no local time: shown as stored
        return _as_stored(value)
    clock_time = local.strftime("%H:%M")
    days = (_today() - local.date()).days
    if days == 0:
        return gettext("today %(time)s", time=clock_time)
    if days == 1:
        return gettext("yesterday %(time)s", time=clock_time)
    if days == -1:
        return gettext("tomorrow %(time)s", time=clock_time)
    return f"{human_date(local.date())} {clock_time}"


def _as_stored(value: datetime) -> str:
    """A date-time as it is stored ('9999-12-31 23:59+00:00'), for one the user's zone cannot represent."""
    return value.isoformat(sep=" ", timespec="minutes")


def _today() -> date:
    from webapp.engine.clock import now

    return now().astimezone(get_timezone()).date()


def human_date(value: date | None) -> str:
    """A calendar date in the same style: 'today', 'yesterday', 'tomorrow', '3 Dec', '3 Dec 2025'."""
    if value is None:
        return ""
    from babel.dates import format_skeleton

    today = _today()
    words = {0: gettext("today"), 1: gettext("yesterday"), -1: gettext("tomorrow")}
    if (today - value).days in words:
        return words[(today - value).days]
    skeleton = "MMMd" if value.year == today.year else "yMMMd"
    return str(format_skeleton(skeleton, datetime(value.year, value.month, value.day), locale=get_locale()))


def pack_text(value: str | None) -> str:
    """A name from the process pack (task title, lane, event) in the user's language, from the catalogue."""
    return gettext(value) if value else ""


def deadline_name(name: str | None, duration: str | None = None, business_time: bool = False) -> str:
    """A deadline clock's name in words ('T5 first response'), not its code, with the duration the clock was
    started with when given ('T1 callback promised (4 h)'); other timers by their pack name."""
    words = label("clock", name) if str(name) in LABELS["clock"] else pack_text(name)
    return with_duration(words, duration, business_time) if words else words


def choice_name(kind: str, key: str | None) -> str:
    """A master-data key (category, department ...) by its name in the user's language (once per request)."""
    if not key:
        return ""
    return str(_names(kind).get(key) or key.replace("_", " "))


def _names(kind: str) -> dict[str, str]:
    """Master-data names of a kind in the user's language, read once per request."""
    cache = g.setdefault("choice_names", {})
    if kind not in cache:
        lang = str(get_locale() or "en")
        cache[kind] = {c.key: c.name(lang) for c in choices(db.session, kind)}
    names: dict[str, str] = cache[kind]
    return names


def _group_names() -> dict[str, str]:
    """Every group's name as administrators keep it, read once per request."""
    if "group_names" not in g:
        g.group_names = group_names(db.session)
    names: dict[str, str] = g.group_names
    return names


def group_name(key: str | None) -> str:
    """A task's queue or a recipient group in words: a unit address as 'Department: After-sales' (the unit's name
    from master data in the user's language, the key when it is not kept), any other group by its label."""
    parsed = units.parse(key)
    if parsed is None:
        own = _group_names().get(key or "")
        if own and own != GROUPS.get(key or ""):  # renamed by an administrator, or a group the app has no label for
            return own
        return label("group", key)
    kind, unit, head = parsed
    return gettext("%(kind)s: %(name)s", kind=label("unit_kind", f"{kind}_head" if head else kind),
                   name=_names(kind).get(unit) or unit)


def recipient_name(recipient: str | None) -> str:
    """A notice's recipient in words: `group:<key>` and unit addresses by name, users, webhooks and addresses as
    they are."""
    value = recipient or ""
    if value == "customer":
        return gettext("the customer")
    if value.startswith("group:"):
        return group_name(value[len("group:"):])
    return group_name(value) if units.parse(value) else value


def group_or_label(group: str, value: object) -> str:
    """The template's `label`: like labels.label, with queues and recipient groups named by group_name."""
    return group_name(str(value) if value else None) if group == "group" else label(group, value)


def time_left(due: datetime | None, at: datetime) -> str:
    """'due in 25 minutes' or 'overdue by 2 hours' in the user's language ('' without a deadline)."""
    if due is None:
        return ""
    delta = due - at
    if delta >= timedelta(0):
        return gettext("due in %(t)s", t=format_timedelta(delta, threshold=1.1))
    return gettext("overdue by %(t)s", t=format_timedelta(-delta, threshold=1.1))


class DeadlineText:
    """Fast 'due in …' / 'overdue by …' for long lists: locale, zone and phrases resolved once per page."""

    def __init__(self, at: datetime) -> None:
        self.at = at
        self.locale = get_locale()
        self.tz = get_timezone()
        self.due_in, self.overdue_by = gettext("due in %(t)s"), gettext("overdue by %(t)s")

    def __call__(self, due: datetime | None) -> tuple[str, str, str]:
        """(text, css class, exact local time) of a deadline; empty text without one."""
        if due is None:
            return "", "", ""
        delta = due - self.at
        span = babel_timedelta(abs(delta), threshold=1.1, locale=self.locale)
        exact = human(due)
        if delta < timedelta(0):
            return self.overdue_by % {"t": span}, "overdue", exact
        return self.due_in % {"t": span}, "soon" if delta < timedelta(hours=1) else "", exact


def localized(schema: dict[str, object] | None, key: str) -> str:
    """A schema's title/description in the user's language: `x-title-zh` in Chinese, else `title`."""
    if not schema:
        return ""
    lang = str(get_locale() or "en").split("_")[0]
    if lang != "en":
        value = schema.get(f"x-{key}-{lang}")
        if isinstance(value, str) and value:
            return value
    value = schema.get(key)
    return value if isinstance(value, str) else ""


def init_i18n(app: Flask) -> None:
    """Compile catalogues and register the date filters."""
    compile_catalogues()
    app.add_template_filter(when, "when")
    app.add_template_filter(human, "human")
    app.add_template_filter(human_date, "human_date")
    app.add_template_global(deadline_name, "deadline_name")
    app.add_template_global(choice_name, "choice_name")
    app.add_template_global(pack_text, "task_title")
    app.add_template_global(time_left, "time_left")
    app.add_template_global(localized, "localized")
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.add_template_global(get_locale, "get_locale")

    app.add_template_global(group_or_label, "label")
    app.add_template_global(group_name, "group_name")
    app.add_template_global(recipient_name, "recipient_name")
    app.add_template_global(guidance, "guidance")
    app.add_template_global(lambda: str(get_timezone()), "current_timezone")
