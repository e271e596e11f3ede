"""The vocabulary of the current request, and refusals in its words.

Pages speak the visitor's language (``?lang=``, Chinese by default). The API speaks English
unless the client asks for Chinese with ``Accept-Language``; its ``code`` and ``params`` are
the same in every language.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_babel import get_locale

from renovation.domain.errors import DomainError, Problem
from renovation.vocabulary import LANGUAGES, Vocabulary, vocabulary


def api_language() -> str:
    """The API's language: English unless ``Accept-Language`` prefers Chinese."""
    best = request.accept_languages.best_match(LANGUAGES, default="en")
    return best or "en"


def current_language() -> str:
    if not has_request_context():
        return "zh"
    if request.path.startswith("/api"):
        return api_language()
    locale = get_locale()
    return locale.language if locale and locale.language in LANGUAGES else "zh"


def words() -> Vocabulary:
    """The vocabulary of the current request."""
    return vocabulary(current_language())


def label(kind: str, value: Any) -> str:
    return words().label(kind, value)


def refusal_message(error: DomainError) -> str:
    """The banner sentence of a refusal, in the request's language."""
    return words().refusal(error.code, error.params)


def refusal_problems(error: DomainError) -> dict[str, list[str]]:
    """The refusal by field, each reason in the request's language."""
    v = words()
    return {
        field: [v.problem(problem) if isinstance(problem, Problem) else str(problem)
                for problem in problems]
        for field, problems in error.problems().items()
    }


def json_params(params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as JSON values (dates and decimals as ISO text)."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, list | tuple):
            out[name] = [v if isinstance(v, int | float | bool | str) or v is None else str(v)
                         for v in value]
        elif isinstance(value, int | float | bool | str) or value is None:
            out[name] = value
        else:
            out[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return out
