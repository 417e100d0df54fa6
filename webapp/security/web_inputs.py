"""One place that refuses bad input on every route (API, web, admin) with a 422 before any view runs.

- URL converters: `int` path parts are bounded (a larger id is simply not found: 404);
- query and form values: no NUL / lone surrogates; `args.get(..., type=int)` is range-checked (422);
- JSON bodies: parsed by a loader that limits depth, integers and text, and must be an object.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask.wrappers import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Map
from werkzeug.sansio.response import Response

from webapp.errors import Invalid
from webapp.security.limits import MAX_INT, InputRefused, check_int, check_json, check_text


class BoundedInt(IntegerConverter):
    """`<int:...>` that matches only values a database integer column can hold."""

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int | None = 0,  # noqa: A002
                 max: int | None = MAX_INT, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class CheckedArgs(ImmutableMultiDict[str, str]):
    """Query/form values whose `get(key, type=int)` refuses integers out of the database range."""

    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:  # type: ignore[override]  # noqa: A002,E501
        """Like MultiDict.get; an int conversion out of range is a 422 naming the field."""
        if type is not int:
            return super().get(key, default, type) if type else super().get(key, default)
        value = super().get(key)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            return default
        try:
            return check_int(key, number)
        except InputRefused as exc:
            raise Invalid(f"'{exc.field}' {exc.message}", {exc.field: exc.message}) from None


class CheckedRequest(Request):
    """The request class of the app: checked query and form containers."""

    parameter_storage_class = CheckedArgs


class CheckedJSON(DefaultJSONProvider):
    """Loads request bodies with limits: depth, integer range, finite numbers, text without NUL/surrogates."""

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Flask's JSON answer (keys sorted, compact, a newline at the end) encoded by orjson, about 10x faster than
        json.dumps; dates, decimals, dataclasses and markup still go through Flask's `default`. What orjson does not
        encode the same way (integers beyond 64 bits, non-text keys) falls back to Flask's encoder; indented output
        (debug mode, `compact = False`) too. Unlike json.dumps with ensure_ascii, text is sent as UTF-8, not escaped."""
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=_ORJSON_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)  # type: ignore[arg-type]  # bytes are fine

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse JSON; Invalid (422, not a ValueError: `silent=True` does not hide it) when limits are broken."""
        try:
            value = json.loads(s, parse_constant=_no_constant, parse_float=_finite, **kwargs)
        except RecursionError:
            raise Invalid("the JSON is nested too deeply", {"": "nested too deeply"}) from None
        except InputRefused as exc:
            raise Invalid(exc.message, {exc.field: exc.message}) from None
        try:
            check_json(value)
        except InputRefused as exc:
            raise Invalid(f"{exc.field or 'the JSON'}: {exc.message}", {exc.field: exc.message}) from None
        return value


# sorted keys and a final newline as Flask's answers; datetimes and dataclasses through Flask's `default` (HTTP dates)
_ORJSON_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS)


def _no_constant(name: str) -> Any:
    raise InputRefused("", f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise InputRefused("", f"the number {text[:40]} is too large")
    return value


# the bodies werkzeug.formparser.FormDataParser.parse reads form values and files from: for any other body
# request.form and request.files are empty, and reading them would only build the parser
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def check_request() -> None:
    """before_request: the path, every query and form value, file names and the JSON body."""
    form = request.mimetype in FORM_TYPES  # werkzeug parses form values and files from these bodies only
    try:
        check_text("path", request.path)
        for source in (request.args, request.form) if form else (request.args,):
            for key, values in source.lists():
                check_text(_s(key), _s(key))
                for value in values:
                    check_text(_s(key), _s(value))
        for key, upload in request.files.items() if form else ():
            check_text(_s(key), _s(upload.filename))
    except InputRefused as exc:
        raise Invalid(f"'{exc.field}': {exc.message}", {exc.field: exc.message}) from None
    if request.is_json and request.content_length != 0 and request.method in ("POST", "PUT", "PATCH", "DELETE"):
        body = request.get_json(silent=True)
        if body is not None and not isinstance(body, dict):
            raise Invalid("send a JSON object ({...})", {"": f"expected an object, got {_json_type(body)}"})


def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _json_type(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def init_inputs(app: Flask) -> None:
    """Install the checked request class, JSON loader, bounded int converter and the before_request check."""
    app.request_class = CheckedRequest
    app.json = CheckedJSON(app)
    app.url_map.converters["int"] = BoundedInt
    app.before_request(check_request)
