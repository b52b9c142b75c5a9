"""Web errors: the one handler that renders every error as HTML or JSON, and what a refusal carries.

A view refuses a request by raising: ``abort(status, message)`` for a message alone, ``Refused``
when the JSON answer says more (a message per field, the id of the record a duplicate repeats).
The handler keeps each error's HTTP status and headers and renders it as the error page or, for
the API and clients asking for JSON, as {"status", "error", "message"} with those extras (the
OpenAPI document's Error and FieldErrors). Anything else raised is logged and answered 500,
with nothing of the exception shown.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from kb.errors import FieldErrors


class Refused(HTTPException):
    """A refused request: its HTTP status, a message, and what the JSON answer adds (``extra``)."""

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.code = status
        self.extra = extra


def refused_fields(error: FieldErrors) -> Refused:
    """422 with a message per field (in English: the API speaks English to machines; forms translate)."""
    fields = {field: text % params for field, (text, params) in error.errors.items()}
    return Refused(422, str(error), fields=fields)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def handle_http_error(exc: HTTPException):
    # Keep the exception's own headers (WWW-Authenticate on 401, Allow on 405).
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    if wants_json():
        body = {"status": exc.code, "error": exc.name, "message": exc.description, **getattr(exc, "extra", {})}
        return jsonify(body), exc.code, headers
    return render_template("error.html", error=exc), exc.code, headers


def init_app(app: Flask) -> None:
    """Make ``handle_http_error`` the app's one handler, and answer anything unexpected with a logged 500."""
    app.register_error_handler(HTTPException, handle_http_error)

    def handle_unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        message = "Something went wrong on our side; the error has been logged."
        if wants_json():
            return jsonify({"status": 500, "error": "Internal Server Error", "message": message}), 500
        return render_template("error.html", error={"code": 500, "name": "Internal error", "description": message}), 500

    app.register_error_handler(Exception, handle_unexpected)
