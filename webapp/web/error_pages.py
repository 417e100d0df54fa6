"""Error pages for people (403, 404, 409, 422, 429, 400 CSRF); the API keeps its JSON errors."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from webapp.errors import ServiceError

ROLES_PREFIX = "roles:"
PAGES = {403: "errors/403.html", 404: "errors/404.html", 409: "errors/409.html"}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_page(status: int, message: str, title: str | None = None) -> tuple[str, int]:
    """Render the page of an HTTP status with a message."""
    template = PAGES.get(status, "errors/generic.html")
    return render_template(template, status=status, message=message, title=title), status


def _http(exc: HTTPException) -> Response | tuple[str, int]:
    status = exc.code or 500
    if _wants_json():
        response = jsonify({"error": {"code": (exc.name or "error").lower().replace(" ", "_"),
                                      "message": exc.description or ""}})
        response.status_code = status
        return response
    description = exc.description or ""
    if status == 403 and description.startswith(ROLES_PREFIX):
        roles = description[len(ROLES_PREFIX):].replace(",", ", ")
        return error_page(403, _("This page needs one of these roles: %(roles)s.", roles=roles))
    return error_page(status, exc.description or "")


def _csrf(exc: CSRFError) -> tuple[str, int]:
    return error_page(400, _("The form expired or was sent from another site. Go back, reload the page "
                             "and send it again."), _("Form expired"))


def _service(exc: ServiceError) -> Response | tuple[str, int]:
    if _wants_json():  # an /api/ route outside the API blueprint (reports, assessments, lessons) or a refused input
        body = {"code": exc.code, "message": exc.message, **({"fields": exc.fields} if exc.fields else {})}
        response = jsonify({"error": body})
        response.status_code = exc.status
        return response
    return error_page(exc.status, exc.message)


def register_error_pages(app: Flask) -> None:
    """Attach the handlers to the app (blueprint handlers, e.g. the API's, take precedence)."""
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(ServiceError, _service)
