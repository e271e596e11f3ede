"""Marshmallow's messages in the catalogue's words, in the language of the request.

Schemas validate input for the API and for the pages alike. Their messages are lazy catalogue
strings, so a page in Chinese and an API answer in English (or in Chinese, with
``Accept-Language: zh``) each get their own words without anyone matching message text.

Use :class:`Range`, :class:`Length` and :class:`OneOf` from here instead of marshmallow's own
validators; :func:`install` (run when the API package is imported, before any schema is
built) gives every field type the catalogue's messages.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from marshmallow import Schema, fields, validate


class _Msg(str):
    """A catalogue msgid that marshmallow formats, at the moment of the error, into words.

    Marshmallow calls ``message.format(...)`` when it raises, or keeps the message as it is
    (a schema's unknown field); it is translated then, or when it is turned into text.
    """

    def format(self, *args: Any, **kwargs: Any) -> str:
        return gettext(str.__str__(self))

    def __str__(self) -> str:
        return gettext(str.__str__(self))


def _l(msgid: str, **params: Any) -> str:
    """Translate now (validators run inside the request); ``_Msg`` when there is nothing to fill."""
    return gettext(msgid, **params) if params else _Msg(msgid)


_FIELD_MESSAGES: dict[type, dict[str, Any]] = {
    fields.Field: {
        "required": _l("must be filled in"),
        "null": _l("must be filled in"),
        "validator_failed": _l("is not acceptable"),
    },
    fields.String: {"invalid": _l("must be text"), "invalid_utf8": _l("must be text")},
    fields.Integer: {"invalid": _l("must be a whole number")},
    fields.Number: {"invalid": _l("must be a number"), "too_large": _l("the number is too large")},
    fields.Decimal: {"special": _l("must be a number")},
    fields.Float: {"special": _l("must be a number")},
    fields.Boolean: {"invalid": _l("must be yes or no")},
    fields.Date: {"invalid": _l("must be a date (YYYY-MM-DD)")},
    fields.DateTime: {"invalid": _l("must be a date and time (YYYY-MM-DDTHH:MM)")},
    fields.List: {"invalid": _l("must be a list")},
    fields.Nested: {"type": _l("must be an object")},
    fields.Mapping: {"invalid": _l("must be an object")},
    fields.UUID: {"invalid_uuid": _l("must be an identifier (UUID)")},
}


MAX_INTEGER = 2**31 - 1
"""No whole number the service keeps (versions, pages, counts, ids) is larger; the databases'
``integer`` columns hold no more, so a larger one is refused as input, naming the field."""

FIRST_YEAR, LAST_YEAR = 1900, 2199
"""Dates and times outside these years are refused: no project runs then, and date arithmetic
(deadlines, time zones) must never overflow on what a client sends."""
YEAR_PATTERN = r"^(19[0-9][0-9]|2[01][0-9][0-9])-"  # the same years, for OpenAPI

_installed = False


def _bounded_integer(validated):
    def _validated(self, value: Any):
        number = validated(self, value)
        if number is not None and not -MAX_INTEGER <= number <= MAX_INTEGER:
            raise self.make_error("too_large", input=value)
        return number

    return _validated


def _bounded_time(deserialize):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any):
        try:
            moment = deserialize(self, value, attr, data, **kwargs)
        except OverflowError as error:
            raise self.make_error("out_of_range") from error
        if moment is not None and not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise self.make_error("out_of_range")
        return moment

    return _deserialize


def install() -> None:
    """Give every marshmallow field type, and schemas, the catalogue's messages and bounds."""
    global _installed
    if _installed:
        return
    _installed = True
    fields.Integer._validated = _bounded_integer(fields.Integer._validated)
    for temporal in (fields.Date, fields.DateTime):
        temporal._deserialize = _bounded_time(temporal._deserialize)
        temporal.default_error_messages = {
            **temporal.default_error_messages,
            "out_of_range": _l("must be between the years 1900 and 2199"),
        }
    for field_type, messages in _FIELD_MESSAGES.items():
        field_type.default_error_messages = {**field_type.default_error_messages, **messages}
    Schema._default_error_messages = {
        **Schema._default_error_messages,
        "type": _l("must be an object"),
        "unknown": _l("is not a known field"),
    }


class Range(validate.Range):
    """``validate.Range`` whose message is a catalogue string with the bounds."""

    def _format_error(self, value: Any, message: str) -> str:
        low, high = self.min, self.max
        if low is not None and high is not None:
            if self.min_inclusive:
                return _l("must be between %(min)s and %(max)s", min=low, max=high)
            return _l("must be more than %(min)s and at most %(max)s", min=low, max=high)
        if low is not None:
            if self.min_inclusive:
                return _l("must be at least %(min)s", min=low)
            return _l("must be more than %(min)s", min=low)
        if self.max_inclusive:
            return _l("must be at most %(max)s", max=high)
        return _l("must be less than %(max)s", max=high)


class Length(validate.Length):
    """``validate.Length`` whose message is a catalogue string with the bounds."""

    def _format_error(self, value: Any, message: str) -> str:
        if self.min and not value:
            return _l("must be filled in")
        if isinstance(value, list | tuple | set):
            if self.max is None:
                return _l("must list at least %(min)s entries", min=self.min)
            return _l("must list %(min)s to %(max)s entries", min=self.min or 0, max=self.max)
        if self.equal is not None:
            return _l("must have exactly %(equal)s characters", equal=self.equal)
        if self.min and self.max is not None:
            return _l("must have %(min)s to %(max)s characters", min=self.min, max=self.max)
        if self.min:
            return _l("must have at least %(min)s characters", min=self.min)
        return _l("must have at most %(max)s characters", max=self.max)


class OneOf(validate.OneOf):
    """``validate.OneOf`` whose message is a catalogue string listing the choices.

    With a label ``kind``, a page lists the choices by their labels (基础类、完善类…); the
    API lists the codes a client sends.
    """

    def __init__(self, choices: Any, *, kind: str | None = None, **kwargs: Any) -> None:
        super().__init__(choices, **kwargs)
        self.kind = kind

    def _format_error(self, value: Any) -> str:
        from flask import has_request_context, request

        from renovation.web.i18n import words

        choices = self.choices_text
        if self.kind and has_request_context() and not request.path.startswith("/api"):
            choices = words().show(f"list:{self.kind}", list(self.choices))
        return _l("must be one of %(choices)s", choices=choices)


class NotBlank(validate.Regexp):
    """Text with at least one character that is not a space (OpenAPI: a ``pattern``)."""

    def __init__(self) -> None:
        super().__init__(r"\S")

    def _format_error(self, value: Any) -> str:
        return _l("must be filled in")
