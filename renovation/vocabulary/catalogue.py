"""Render labels, refusals and their parameters in one language, from the gettext catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

from renovation.domain.base import LOCAL_TZ
from renovation.vocabulary.labels import LABELS, REQUIRES_STAGE
from renovation.vocabulary.refusals import PARAMS, REFUSALS

LANGUAGES = ("zh", "en")
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
_SEPARATOR = {"zh": "、", "en": ", "}
# Roles whose people are named on a record (residents never are).
NAMED_ROLES = ("staff", "admin", "auditor")


@cache
def _translations(lang: str) -> NullTranslations:
    if lang == "en":
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [lang], domain="messages")


class Vocabulary:
    """Every word for a code, in one language (``zh`` or ``en``)."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {lang!r}")
        self.lang = lang
        self._translations = _translations(lang)

    # ---- plain text ---------------------------------------------------------------------

    def gettext(self, msgid: str, **params: Any) -> str:
        text = self._translations.gettext(msgid)
        return text % params if params else text

    def has_translation(self, msgid: str) -> bool:
        """Whether the catalogue holds this msgid in this language (English always does)."""
        return self.lang == "en" or self._translations.gettext(msgid) != msgid

    # ---- labels -------------------------------------------------------------------------

    def label(self, kind: str, value: Any) -> str:
        """The label of one member of a kind; an unknown member is shown as it is."""
        value = "" if value is None else str(value)
        msgid = LABELS.get(kind, {}).get(value)
        if msgid is not None:
            return self.gettext(msgid)
        if kind == "gate" and value.startswith("requires_"):
            return self.gettext(
                REQUIRES_STAGE, stage=self.label("project_stage", value.removeprefix("requires_"))
            )
        if kind == "ruleset":
            return _ruleset_name(value)
        return value

    def labels(self, kind: str) -> dict[str, str]:
        """Every member of a kind with its label, in the catalogue's order."""
        return {value: self.gettext(msgid) for value, msgid in LABELS[kind].items()}

    def actor(self, role: str | None, name: str | None = None) -> str:
        """Who recorded something, as a reader is told: the name of a member of staff or an
        auditor when it is known, else the role's label; never an internal id."""
        if name and role in NAMED_ROLES:
            return name
        return self.label("actor_role", role)

    # ---- refusals -----------------------------------------------------------------------

    def refusal(self, code: str, params: Mapping[str, Any] | None = None) -> str:
        """The message of a refusal code, its parameters shown in this language."""
        msgid = REFUSALS.get(code) or REFUSALS["rule_violated"]
        shown = {name: self.param(name, value) for name, value in (params or {}).items()}
        text = self._translations.gettext(msgid)
        try:
            return text % shown if "%(" in text else text
        except (KeyError, ValueError, TypeError):
            # A message whose parameter is missing still says what was refused.
            return self._translations.gettext(REFUSALS["rule_violated"])

    def problem(self, problem: Any) -> str:
        """A :class:`renovation.domain.errors.Problem` (or any ``code``/``params`` pair)."""
        return self.refusal(problem.code, problem.params)

    def param(self, name: str, value: Any) -> str:
        """One parameter as a person reads it: labels for codes, local dates and times."""
        return self.show(PARAMS.get(name, "text"), value)

    def show(self, kind: str, value: Any) -> str:
        if value is None:
            return ""
        if kind.startswith("list"):
            item_kind = kind.partition(":")[2] or "text"
            items = value if isinstance(value, list | tuple) else [value]
            return _SEPARATOR[self.lang].join(self.show(item_kind, item) for item in items)
        if kind == "text":
            return str(value)
        if kind == "number":
            return str(value)
        if kind == "date":
            return self.date(value)
        if kind == "datetime":
            return self.datetime(value)
        return self.label(kind, value)

    # ---- dates and times ----------------------------------------------------------------

    def date(self, value: date | str) -> str:
        day = date.fromisoformat(value) if isinstance(value, str) else value
        if self.lang == "zh":
            return f"{day.year}年{day.month}月{day.day}日"
        return day.isoformat()

    def datetime(self, value: datetime | str) -> str:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is not None:
            moment = moment.astimezone(LOCAL_TZ)
        if self.lang == "zh":
            return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
        return f"{moment:%Y-%m-%d %H:%M}"

    def join(self, items: Iterable[str]) -> str:
        return _SEPARATOR[self.lang].join(items)


def _ruleset_name(ruleset_id: str) -> str:
    """A ruleset the catalogue has no label for is shown by the name its file gives."""
    from renovation.domain.rulesets import RulesetNotFoundError, get_ruleset

    try:
        return get_ruleset(ruleset_id).name
    except RulesetNotFoundError:
        return ruleset_id


@cache
def vocabulary(lang: str) -> Vocabulary:
    """The shared :class:`Vocabulary` of a language."""
    return Vocabulary(lang)
