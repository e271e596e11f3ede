"""The JSON API under /api, described by OpenAPI 3 at /api/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_smorest import Api
from marshmallow import fields, validate
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from renovation.application.errors import ConcurrencyError, ProjectNotFoundError, StaleVersionError
from renovation.domain.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    NotFoundError,
    StageGateError,
)
from renovation.domain.lifts import UnknownLiftError, UnknownObjectionError
from renovation.domain.participation import RoundClosedError, UnknownOpinionError, UnknownRoundError
from renovation.domain.parts.milestones import UnknownMilestoneError
from renovation.photos import PhotoTooLargeError
from renovation.web import validation
from renovation.web.converters import HexIdConverter, hex_id_schema
from renovation.web.i18n import json_params, refusal_message, refusal_problems, words

validation.install()  # before any schema of the API is built

from renovation.web.api.schemas import RefusalSchema  # noqa: E402


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow nested messages as ``{"a.0.b": ["reason"]}``."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            path = f"{prefix}.{name}" if prefix and name else (prefix or name)
            flat.update(flatten_errors(value, path))
        return flat
    if isinstance(messages, list) and not any(isinstance(m, dict | list) for m in messages):
        return {prefix or "_request": [str(m) for m in messages]}  # lazy catalogue strings
    return {prefix or "_request": [str(messages)]}


def wants_json() -> bool:
    return request.path.startswith("/api")


def error_response(status: int, code: str, message: str, errors: dict | None = None, **extra):
    """JSON under /api; a page elsewhere."""
    if wants_json():
        body = {"code": code, "message": message, "errors": errors or {}, **extra}
        return jsonify(body), status
    return render_template(
        "pages/error.html", status=status, message=message, errors=errors or {}
    ), status


_NOT_FOUND = (NotFoundError, UnknownRoundError, UnknownOpinionError, UnknownLiftError,
              UnknownObjectionError, UnknownMilestoneError)
_CONFLICT = (ConflictError, RoundClosedError, StageGateError)


def refusal_status(error: DomainError) -> int:
    """404 for a path naming what the project lacks, 403 for another project's supervisor, 409
    for a wrong time or stage, 413 for an upload over its limit, else 422."""
    if isinstance(error, _NOT_FOUND):
        return 404
    if isinstance(error, ForbiddenError):
        return 403
    if isinstance(error, _CONFLICT):
        return 409
    if isinstance(error, PhotoTooLargeError):
        return 413
    return 422


def refusal_response(error: DomainError):
    """``{code, message, errors, params}``: the message from the catalogue, in the API's words."""
    extra = {"gate": error.gate} if isinstance(error, StageGateError) else {}
    return error_response(
        refusal_status(error),
        error.code,
        refusal_message(error),
        refusal_problems(error),
        params=json_params(error.params),
        **extra,
    )


def decimal_pattern(field: fields.Field) -> str:
    """A pattern for a decimal string that says, as well as a pattern can, what the field's
    ``Range`` accepts: the sign, whether zero is allowed, how many digits (the documented set
    may be a little smaller than the accepted one, never larger)."""
    low = high = None
    low_inclusive = True
    for validator in field.validators:
        if isinstance(validator, validate.Range):
            low, high, low_inclusive = validator.min, validator.max, validator.min_inclusive
    digits = len(str(int(high))) - 1 if high is not None and high >= 10 else 12
    fraction = r"(\.[0-9]{1,2})?"
    if low is not None and low >= 0 and not low_inclusive:
        positive = rf"[1-9][0-9]{{0,{digits - 1}}}{fraction}|0\.([1-9][0-9]?|0[1-9])"
        return rf"^({positive})$"
    sign = "" if low is not None and low >= 0 else "-?"
    return rf"^{sign}[0-9]{{1,{digits}}}{fraction}$"


def openapi_bounds(converter, field, ret, **_kwargs) -> dict:
    """What the API refuses, said in OpenAPI: integer bounds, decimal and year patterns, and
    whole-number keys (a floor's coefficients)."""
    from renovation.web.api.schemas import DecimalText

    extra: dict[str, Any] = {}
    if isinstance(field, fields.Integer):
        if "maximum" not in ret:
            extra["maximum"] = validation.MAX_INTEGER
        if "minimum" not in ret:
            extra["minimum"] = -validation.MAX_INTEGER
    elif isinstance(field, DecimalText):
        extra["pattern"] = decimal_pattern(field)
        ret.pop("minimum", None)  # a string has no minimum: the pattern says it
        ret.pop("maximum", None)
        ret.pop("exclusiveMinimum", None)
    elif isinstance(field, fields.Date | fields.DateTime):
        extra["pattern"] = validation.YEAR_PATTERN
    elif isinstance(field, fields.Dict) and isinstance(field.key_field, fields.Integer):
        # keys are whole numbers within the key field's range (a unit's floors): OpenAPI 3.0
        # has no patternProperties, so each allowed key is named, valued as before
        values = ret.pop("additionalProperties", {})
        bounds = next(
            (v for v in field.key_field.validators if isinstance(v, validate.Range)), None
        )
        if bounds is not None and bounds.min is not None and bounds.max is not None:
            extra["properties"] = {str(n): values for n in range(bounds.min, bounds.max + 1)}
            extra["additionalProperties"] = False
        else:
            ret["additionalProperties"] = values
    return extra


class RenovationApi(Api):
    ERROR_SCHEMA = RefusalSchema

    def handle_http_exception(self, error: HTTPException):
        data = getattr(error, "data", None) or {}
        errors: dict[str, list[str]] = {}
        if "messages" in data:
            # Drop webargs's location level ("json", "query", ...): the field is what matters.
            for _location, messages in data["messages"].items():
                errors.update(flatten_errors(messages))
        code = (error.name or "error").lower().replace(" ", "_")
        message = data.get("message") or error.description or error.name
        if errors and error.code in (400, 422):
            message = "the request has invalid fields" if error.code == 422 else message
        response = error_response(error.code or 500, code, message, errors)
        if wants_json():
            headers = dict(data.get("headers") or getattr(error, "headers", None) or {})
            if isinstance(error, MethodNotAllowed) and error.valid_methods:
                headers["Allow"] = ", ".join(error.valid_methods)  # RFC 9110
            for name, value in headers.items():
                response[0].headers[name] = value
        return response


def init_api(app: Flask) -> None:
    from renovation.web import csrf
    from renovation.web.api.acceptance import blp as acceptance_blp
    from renovation.web.api.acceptance_report import blp as acceptance_report_blp
    from renovation.web.api.answer_templates import blp as answer_templates_blp
    from renovation.web.api.audit import blp as audit_blp
    from renovation.web.api.audit_log import blp as audit_log_blp
    from renovation.web.api.ballot_lookup import blp as ballot_lookup_blp
    from renovation.web.api.erasure import blp as erasure_blp
    from renovation.web.api.figures import blp as figures_blp
    from renovation.web.api.flats import blp as flats_blp
    from renovation.web.api.investment import blp as investment_blp
    from renovation.web.api.lifts import blp as lifts_blp
    from renovation.web.api.milestones import blp as milestones_blp
    from renovation.web.api.participation import blp as participation_blp
    from renovation.web.api.photos import blp as photos_blp
    from renovation.web.api.photos import files as photo_files_bp
    from renovation.web.api.projects import blp as projects_blp
    from renovation.web.api.schemas import DecimalText
    from renovation.web.api.written_answers import blp as written_answers_blp

    api = RenovationApi(app)
    api.register_field(DecimalText, "string", "decimal")
    api.ma_plugin.converter.add_attribute_function(openapi_bounds)
    api.register_converter(HexIdConverter, hex_id_schema)
    # The API authenticates with bearer tokens, never cookies: CSRF does not apply.
    for blueprint in (
        projects_blp,
        audit_blp,
        audit_log_blp,
        participation_blp,
        erasure_blp,
        written_answers_blp,
        ballot_lookup_blp,
        lifts_blp,
        milestones_blp,
        answer_templates_blp,
        acceptance_blp,
        acceptance_report_blp,
        photos_blp,
        figures_blp,
        flats_blp,
        investment_blp,
    ):
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)
    app.register_blueprint(photo_files_bp)  # files, not API answers: not in OpenAPI

    @app.errorhandler(DomainError)
    def _refused(error: DomainError):
        return refusal_response(error)

    @app.errorhandler(ProjectNotFoundError)
    def _missing(error: ProjectNotFoundError):
        return error_response(404, error.code, words().refusal(error.code, {}))

    @app.errorhandler(StaleVersionError)
    def _stale(error: StaleVersionError):
        params = {"expected": error.expected, "actual": error.actual}
        message = words().refusal(error.code, params)
        return error_response(
            409, error.code, message, {"If-Match": [message]}, params=params,
            version=error.actual,
        )

    @app.errorhandler(ConcurrencyError)
    def _busy(error: ConcurrencyError):
        response = error_response(503, error.code, words().refusal(error.code, {}))
        response[0].headers["Retry-After"] = "1"
        return response
