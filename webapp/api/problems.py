"""Every API error as {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException

from webapp.api import bp
from webapp.engine.pack import DeployError
from webapp.errors import ServiceError


def error_response(status: int, code: str, message: str, fields: dict[str, Any] | None = None) -> Response:
    """Build the JSON error body."""
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    return response


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.fields)


@bp.errorhandler(DeployError)
def _deploy_error(exc: DeployError) -> Response:
    response = jsonify({"error": {"code": "invalid", "message": "the diagrams were refused; nothing was deployed",
                                  "problems": [p.as_dict() for p in exc.problems]}})
    response.status_code = 422
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return error_response(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"),
                          exc.description or "")
