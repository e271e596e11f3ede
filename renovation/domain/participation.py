"""Rules of residents' participation: consultation rounds, ballots, opinions and answers.

Pure functions over plain values; the project aggregate calls them before it triggers events.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any

from renovation.domain.checks import check_text
from renovation.domain.consent import FlatVoteInput, evaluate_consent
from renovation.domain.errors import DomainError, InvalidProjectDataError, Problem, add_problem
from renovation.domain.rulesets import Matter, Ruleset
from renovation.domain.satisfaction import (
    SATISFACTION_CHOICES,
    SATISFACTION_OPTIONS,
    SatisfactionResult,
    evaluate_satisfaction,
)

ROUND_KINDS = ("needs", "plan", "evaluation")
# "satisfaction": the evaluation round's question with the three fixed answers
# (满意 / 基本满意 / 不满意) that the satisfaction rate is counted from.
QUESTION_TYPES = ("single", "multiple", "rating", "text", "satisfaction")
SCOPE_LEVELS = ("community", "building", "unit")
CONSENT_CHOICES = ("agree", "disagree", "abstain")
OPINION_CATEGORIES = (
    "plan",
    "construction",
    "nuisance",
    "safety",
    "lift",
    "property_management",
    "other",
)
OUTCOMES = ("adopted", "partly_adopted", "not_adopted", "referred")
OPINION_STATUSES = ("open", "answered")
# A round (or a lift's willingness poll) before its window, during it, and after.
ROUND_STATUSES = ("upcoming", "open", "closed")
LINK_KINDS = ("content_item", "milestone")
MAX_TITLE = 200
MAX_QUESTIONS = 50
MAX_OPTIONS = 20
MAX_TEXT_ANSWER = 1000
MAX_OPINION = 2000
MAX_ANSWER = 4000


class RoundClosedError(DomainError):
    """A ballot came before the round opened or after it closed."""

    code = "round_closed"


class UnknownRoundError(DomainError):
    code = "unknown_consultation"


class UnknownHouseholdCodeError(DomainError):
    code = "unknown_household_code"


class OutOfScopeError(DomainError):
    code = "out_of_scope"


class UnknownOpinionError(DomainError):
    code = "unknown_opinion"


class UnknownFlatError(DomainError):
    code = "unknown_flat"


def flat_id(building: str, unit: str, number: str) -> str:
    """The stable id of a flat inside its project: building-unit-number."""
    return f"{building}-{unit}-{number}"


# ---- rounds ----------------------------------------------------------------------------


def check_round(
    *,
    kind: str,
    title: str,
    questions: list[dict[str, Any]],
    opens_at: datetime,
    closes_at: datetime,
    scope: dict[str, Any],
    intent_vote: bool,
    matter: str | None,
    buildings: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Normalised questions and scope of a new round; every problem named by its field."""
    problems: dict[str, list[Problem]] = {}
    if kind not in ROUND_KINDS:
        add_problem(problems, "kind", "not_allowed_value", choices=list(ROUND_KINDS))
    if not title.strip() or len(title) > MAX_TITLE:
        add_problem(problems, "title", "length_between", min=1, max=MAX_TITLE)
    if closes_at <= opens_at:
        add_problem(problems, "closes_at", "closes_before_opening")
    if intent_vote and kind != "needs":
        add_problem(problems, "intent_vote", "intent_vote_is_needs_round")
    if intent_vote and matter not in {m.value for m in Matter}:
        add_problem(problems, "matter", "not_allowed_value", choices=[m.value for m in Matter])
    checked = check_questions(kind, intent_vote, questions, problems)
    checked_scope = _check_scope(scope, buildings, problems)
    if problems:
        raise InvalidProjectDataError(problems)
    return checked, checked_scope


def check_questions(
    kind: str, intent_vote: bool, questions: list[dict[str, Any]], problems: dict
) -> list[dict[str, Any]]:
    """A round's questions, normalised: at least one (but in an intent vote), each well
    formed and asked once; an evaluation round asks exactly one satisfaction question."""
    if not questions and not intent_vote:
        add_problem(problems, "questions", "questions_required")
    if len(questions) > MAX_QUESTIONS:
        add_problem(problems, "questions", "too_many_questions", max=MAX_QUESTIONS)
    checked = [_check_question(index, q, problems) for index, q in enumerate(questions)]
    asked: dict[str, int] = {}
    for index, question in enumerate(checked):
        key = " ".join(question["text"].split()).casefold()
        if key and key in asked:
            add_problem(
                problems, f"questions.{index}.text", "question_duplicated", position=asked[key] + 1
            )
        asked.setdefault(key, index)
    satisfaction = sum(1 for q in checked if q["type"] == "satisfaction")
    if kind == "evaluation" and satisfaction != 1:
        add_problem(problems, "questions", "evaluation_needs_one_satisfaction_question")
    elif kind != "evaluation" and satisfaction:
        add_problem(problems, "questions", "satisfaction_question_in_evaluation_only")
    return checked


def _check_question(index: int, question: dict[str, Any], problems: dict) -> dict[str, Any]:
    path = f"questions.{index}"
    qtype = question.get("type")
    text = (question.get("text") or "").strip()
    options = [str(o).strip() for o in question.get("options") or []]
    if qtype not in QUESTION_TYPES:
        add_problem(problems, f"{path}.type", "not_allowed_value", choices=list(QUESTION_TYPES))
    if not text or len(text) > MAX_TITLE:
        add_problem(problems, f"{path}.text", "length_between", min=1, max=MAX_TITLE)
    if qtype in ("single", "multiple"):
        if not 2 <= len(options) <= MAX_OPTIONS:
            add_problem(problems, f"{path}.options", "options_between", max=MAX_OPTIONS)
        if len(set(options)) != len(options) or not all(options):
            add_problem(problems, f"{path}.options", "options_distinct")
    elif options:
        add_problem(problems, f"{path}.options", "question_takes_no_options")
    if qtype == "satisfaction":  # fixed: 满意 / 基本满意 / 不满意
        options = list(SATISFACTION_OPTIONS)
    return {
        "id": f"q{index + 1}",
        "type": qtype,
        "text": text,
        "options": options,
        # The satisfaction rate is counted over those who answered: the question is asked of all.
        "required": qtype == "satisfaction" or bool(question.get("required", False)),
    }


def _check_scope(scope: dict[str, Any], buildings: list[dict], problems: dict) -> dict[str, Any]:
    level = scope.get("level", "community")
    building = scope.get("building") or None
    unit = scope.get("unit") or None
    if level not in SCOPE_LEVELS:
        add_problem(problems, "scope.level", "not_allowed_value", choices=list(SCOPE_LEVELS))
    elif level == "community" and (building or unit):
        add_problem(problems, "scope.level", "community_round_names_no_building")
    elif level in ("building", "unit"):
        found = next((b for b in buildings if b["code"] == building), None)
        if building is None:
            add_problem(problems, "scope.building", "required")
        elif found is None:
            add_problem(problems, "scope.building", "unknown_building", building=building)
        elif level == "unit" and unit is None:
            add_problem(problems, "scope.unit", "required")
        elif level == "unit" and not any(u["code"] == unit for u in found["units"]):
            add_problem(problems, "scope.unit", "unknown_unit", building=building, unit=unit)
        elif level == "building" and unit:
            add_problem(problems, "scope.unit", "building_round_names_no_unit")
    return {"level": level, "building": building, "unit": unit}


def round_status(round_: dict[str, Any], now: datetime) -> str:
    """upcoming, open or closed: a round's state at ``now`` (closed once its window is over,
    whether or not its result is stored yet)."""
    if round_["closed"] or now >= round_["closes_at"]:
        return "closed"
    return "open" if now >= round_["opens_at"] else "upcoming"


def in_scope(scope: dict[str, Any], flat: dict[str, Any]) -> bool:
    """Whether a flat (with its building and unit codes) is in a round's scope."""
    if scope["level"] == "community":
        return True
    if flat["building"] != scope["building"]:
        return False
    return scope["level"] == "building" or flat["unit"] == scope["unit"]


def check_ballot(
    round_: dict[str, Any], answers: dict[str, Any], consent: str | None, now: datetime
) -> dict[str, Any]:
    """Normalised answers of a ballot; refuses one outside the round's window."""
    if now < round_["opens_at"]:
        raise RoundClosedError(
            "consultation_not_open",
            field="consultation_id",
            opens_at=round_["opens_at"].isoformat(),
        )
    if now >= round_["closes_at"] or round_["closed"]:
        raise RoundClosedError(
            "consultation_closed",
            field="consultation_id",
            closes_at=round_["closes_at"].isoformat(),
        )
    problems: dict[str, list[Problem]] = {}
    if round_["intent_vote"] and consent not in CONSENT_CHOICES:
        add_problem(problems, "consent", "consent_choice")
    if not round_["intent_vote"] and consent is not None:
        add_problem(problems, "consent", "consent_not_asked")
    known = {q["id"]: q for q in round_["questions"]}
    for qid in answers:
        if qid not in known:
            add_problem(problems, f"answers.{qid}", "unknown_question")
    checked: dict[str, Any] = {}
    for qid, question in known.items():
        value = answers.get(qid)
        if value in (None, "", []):
            if question["required"]:
                add_problem(problems, f"answers.{qid}", "answer_required")
            continue
        checked[qid] = _check_answer(question, value, f"answers.{qid}", problems)
    if problems:
        raise InvalidProjectDataError(problems)
    return checked


def _check_answer(question: dict[str, Any], value: Any, path: str, problems: dict) -> Any:
    qtype = question["type"]
    if qtype == "single":
        if value not in question["options"]:
            add_problem(problems, path, "choose_an_option")
        return value
    if qtype == "multiple":
        values = value if isinstance(value, list) else [value]
        if not values or any(v not in question["options"] for v in values):
            add_problem(problems, path, "choose_from_options")
        return (
            sorted(set(values), key=question["options"].index) if not problems.get(path) else values
        )
    if qtype == "satisfaction":  # stored as the choice; its option's words are taken too
        if value in question["options"]:
            return SATISFACTION_CHOICES[question["options"].index(value)]
        if value not in SATISFACTION_CHOICES:
            add_problem(problems, path, "choose_satisfaction")
        return value
    if qtype == "rating":
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            add_problem(problems, path, "rating_1_to_5")
        return value
    text = str(value).strip()
    if len(text) > MAX_TEXT_ANSWER:
        add_problem(problems, path, "too_long", max=MAX_TEXT_ANSWER)
    return text


def round_result(
    round_: dict[str, Any], flats: list[dict[str, Any]], ruleset: Ruleset | None
) -> dict[str, Any]:
    """Participation by head and by area, answers per question, an intent vote's consent and
    an evaluation round's satisfaction result (``satisfaction``).

    Headcount is one per owner (unsold developer flats together count as one), as Civil Code
    art. 278 counts it; every number is exact, shown as strings.
    """
    scope_flats = [f for f in flats if in_scope(round_["scope"], f)]
    ballots = round_["ballots"]
    voted = [f for f in scope_flats if flat_id(f["building"], f["unit"], f["number"]) in ballots]
    owners = {_owner(f) for f in scope_flats}
    voted_owners = {_owner(f) for f in voted}
    area = sum((Decimal(f["area"]) for f in scope_flats), Decimal(0))
    voted_area = sum((Decimal(f["area"]) for f in voted), Decimal(0))
    result: dict[str, Any] = {
        "round_id": round_["round_id"],
        "flats": len(scope_flats),
        "ballots": len(voted),
        "owners": len(owners),
        "participating_owners": len(voted_owners),
        "area": format(area, "f"),
        "participating_area": format(voted_area, "f"),
        "participation_by_head": _share(len(voted_owners), len(owners)),
        "participation_by_area": _share(voted_area, area),
        "questions": [_tally(q, ballots) for q in round_["questions"]],
        "consent": None,
    }
    if round_["intent_vote"] and ruleset is not None and scope_flats:
        consent = evaluate_consent(
            [
                FlatVoteInput(
                    flat_id=flat_id(f["building"], f["unit"], f["number"]),
                    owner_id=f["owner_ref"],
                    area=Decimal(f["area"]),
                    is_unsold_developer_flat=f["unsold"],
                )
                for f in scope_flats
            ],
            {fid: b["consent"] for fid, b in ballots.items() if b["consent"]},
            ruleset,
            matter=round_["matter"],
        )
        result["consent"] = consent.to_dict()
        result["passed"] = consent.passed
    satisfaction = satisfaction_of(round_, flats, ruleset) if ruleset is not None else None
    if satisfaction is not None:
        result["satisfaction"] = satisfaction.to_dict()
    return result


def satisfaction_of(
    round_: dict[str, Any], flats: list[dict[str, Any]], ruleset: Ruleset
) -> SatisfactionResult | None:
    """An evaluation round's satisfaction result from its stored ballots (online and paper).

    ``None`` for a round that asks no satisfaction question (any other round, or an
    evaluation round opened before the question existed).
    """
    question = next((q for q in round_["questions"] if q["type"] == "satisfaction"), None)
    if round_["kind"] != "evaluation" or question is None:
        return None
    in_scope_ids = {
        flat_id(f["building"], f["unit"], f["number"])
        for f in flats
        if in_scope(round_["scope"], f)
    }
    answers = [
        ballot["answers"][question["id"]]
        for fid, ballot in round_["ballots"].items()
        if fid in in_scope_ids and question["id"] in ballot["answers"]
    ]
    return evaluate_satisfaction(
        answers,
        households_in_scope=len(in_scope_ids),
        threshold=ruleset.satisfaction_threshold,
        min_coverage=ruleset.evaluation_min_coverage,
    )


def _owner(flat: dict[str, Any]) -> str:
    return "developer" if flat["unsold"] else flat["owner_ref"]


def _share(part: Decimal | int, whole: Decimal | int) -> str:
    if not whole:
        return "0.00%"
    return f"{Decimal(part) * 100 / Decimal(whole):.2f}%"


def _tally(question: dict[str, Any], ballots: dict[str, dict[str, Any]]) -> dict[str, Any]:
    answers = [
        b["answers"][question["id"]] for b in ballots.values() if question["id"] in b["answers"]
    ]
    tally: dict[str, Any] = {
        "id": question["id"],
        "type": question["type"],
        "text": question["text"],
        "answered": len(answers),
    }
    if question["type"] in ("single", "multiple"):
        counts = Counter(v for a in answers for v in (a if isinstance(a, list) else [a]))
        tally["counts"] = {option: counts.get(option, 0) for option in question["options"]}
    elif question["type"] == "satisfaction":  # by the options' words, as for a single choice
        counts = Counter(answers)
        tally["counts"] = {
            option: counts.get(choice, 0)
            for option, choice in zip(question["options"], SATISFACTION_CHOICES, strict=True)
        }
    elif question["type"] == "rating":
        counts = Counter(answers)
        tally["counts"] = {str(n): counts.get(n, 0) for n in range(1, 6)}
        tally["mean"] = f"{Decimal(sum(answers)) / len(answers):.2f}" if answers else None
    else:
        tally["texts"] = len(answers)
    return tally


# ---- opinions ----------------------------------------------------------------------------


def check_opinion(category: str, text: str) -> str:
    problems: dict[str, list[Problem]] = {}
    if category not in OPINION_CATEGORIES:
        add_problem(problems, "category", "not_allowed_value", choices=list(OPINION_CATEGORIES))
    text = check_text(text, "text", problems, limit=MAX_OPINION)
    if problems:
        raise InvalidProjectDataError(problems)
    return text


def check_answer(
    outcome: str,
    answer: str,
    reason: str,
    referred_to: str,
    links: list[dict[str, Any]],
    known_links: dict[str, set[str]],
) -> None:
    """An answer's rules: a reason for 不采纳, an addressee for 转办, links that exist."""
    problems: dict[str, list[Problem]] = {}
    if outcome not in OUTCOMES:
        add_problem(problems, "outcome", "not_allowed_value", choices=list(OUTCOMES))
    if not answer.strip() or len(answer) > MAX_ANSWER:
        add_problem(problems, "answer", "length_between", min=1, max=MAX_ANSWER)
    if outcome == "not_adopted" and not reason.strip():
        add_problem(problems, "reason", "not_adopted_reason_required")
    if outcome == "referred" and not referred_to.strip():
        add_problem(problems, "referred_to", "referred_to_required")
    for index, link in enumerate(links):
        kind, target = link.get("kind"), link.get("id")
        if kind not in LINK_KINDS:
            add_problem(
                problems, f"links.{index}.kind", "not_allowed_value", choices=list(LINK_KINDS)
            )
        elif target not in known_links.get(kind, set()):
            add_problem(problems, f"links.{index}.id", "unknown_link", target=target)
    if problems:
        raise InvalidProjectDataError(problems)
