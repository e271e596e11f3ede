"""Residents' participation in the project report: opinion figures and consultation results.

Pure helpers turn the published opinion figures (:func:`opinion_figures`) and the stored
result of each closed consultation round (``round_result`` of the domain, with an intent
vote's art. 278 consent result) into plain template values: labels in Chinese or English,
percentages formatted, one row per threshold check. :func:`project_participation` gathers
those inputs for one project, now.

Flats that failed a veto are counted, not named: flat numbers are personal information and
the project report is published.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from renovation.domain.consent import CHECK_LABELS
from renovation.projections.opinions import LOCAL_TZ, opinion_figures
from renovation.projections.store import opinion_rows

if TYPE_CHECKING:
    from renovation.runtime import Runtime

NOT_APPLICABLE = "—"

OUTCOME_ORDER = ("adopted", "partly_adopted", "not_adopted", "referred")

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "居民参与 / Residents' participation",
        "opinions": "意见建议",
        "figure": "指标",
        "value": "数值",
        "received": "收到意见建议",
        "answered": "已答复",
        "open": "待答复",
        "open_value": "{open} 件（其中逾期 {overdue} 件）",
        "count_value": "{count} 件",
        "on_time": "按期答复率",
        "on_time_value": "{rate}（{part}/{whole}）",
        "adoption": "采纳率（采纳与部分采纳占已答复）",
        "adoption_value": "{rate}（{part}/{whole}）",
        "outcome": "答复结果",
        "outcome_count": "件数",
        "outcome_share": "占已答复",
        "no_opinions": "尚未收到意见建议。",
        "rounds": "征询结果",
        "no_rounds": "尚无已结束的征询。",
        "open_rounds": "另有 {count} 轮征询正在进行，结束后列入本报告。",
        "intent_vote": "改造意愿征询",
        "kind": "类型",
        "kind_with_vote": "{kind}（{vote}）",
        "period": "征询时间",
        "period_value": "{opens} 至 {closes}",
        "scope": "范围",
        "scope_community": "全小区",
        "scope_building": "{building}幢",
        "scope_unit": "{building}幢{unit}单元",
        "participation": "参与情况",
        "measure": "项目",
        "part": "参与",
        "whole": "总数",
        "rate": "比例",
        "ballots": "参与户数",
        "by_head": "按业主人数",
        "by_area": "按专有面积（m²）",
        "consent": "表决结果（《民法典》第二百七十八条）",
        "matter": "表决事项",
        "check_name": "名称",
        "check_required": "要求",
        "check_actual": "实际",
        "check_result": "结果",
        "check_passed": "达到",
        "check_failed": "未达到",
        "verdict_passed": "结论：表决通过（依据规则 {ruleset}）。",
        "verdict_failed": "结论：表决未通过（依据规则 {ruleset}）。",
        "no_consent": "未计算表决结果（范围内没有住户，或没有适用的规则）。",
        "vetoes": "另有 {count} 户专有部分受影响的业主未表示同意，依规则须其同意。",
        "questions": "问题",
        "question": "问题",
        "question_answered": "作答户数",
        "question_summary": "结果",
        "rating_summary": "平均 {mean} 分（满分 5 分）",
        "no_rating": "无人评分",
        "text_summary": "书面回答 {count} 条（不公开）",
        "as_of_note": "居民参与情况只见于当前状态的报告；历史状态报告不含此部分。",
    },
    "en": {
        "title": "Residents' participation",
        "opinions": "Opinions",
        "figure": "Figure",
        "value": "Value",
        "received": "Opinions received",
        "answered": "Answered",
        "open": "Awaiting an answer",
        "open_value": "{open} (overdue: {overdue})",
        "count_value": "{count}",
        "on_time": "Answered on time",
        "on_time_value": "{rate} ({part}/{whole})",
        "adoption": "Adoption rate (adopted or partly adopted, of answered)",
        "adoption_value": "{rate} ({part}/{whole})",
        "outcome": "Outcome",
        "outcome_count": "Count",
        "outcome_share": "Of answered",
        "no_opinions": "No opinions received yet.",
        "rounds": "Consultation results",
        "no_rounds": "No consultation round has closed yet.",
        "open_rounds": "{count} more round(s) still open; listed once closed.",
        "intent_vote": "Intent vote",
        "kind": "Kind",
        "kind_with_vote": "{kind} ({vote})",
        "period": "Open",
        "period_value": "{opens} to {closes}",
        "scope": "Scope",
        "scope_community": "whole community",
        "scope_building": "building {building}",
        "scope_unit": "building {building}, unit {unit}",
        "participation": "Participation",
        "measure": "Measure",
        "part": "Took part",
        "whole": "Total",
        "rate": "Share",
        "ballots": "Households",
        "by_head": "Owners (headcount)",
        "by_area": "Exclusive area (m²)",
        "consent": "Consent (Civil Code art. 278)",
        "matter": "Matter",
        "check_name": "Check",
        "check_required": "Required",
        "check_actual": "Actual",
        "check_result": "Result",
        "check_passed": "met",
        "check_failed": "not met",
        "verdict_passed": "Verdict: passed (ruleset {ruleset}).",
        "verdict_failed": "Verdict: not passed (ruleset {ruleset}).",
        "no_consent": "No consent result (no flats in scope, or no ruleset applied).",
        "vetoes": "{count} owner(s) whose exclusive part the works would occupy did not agree; "
        "their agreement is required.",
        "questions": "Questions",
        "question": "Question",
        "question_answered": "Answered",
        "question_summary": "Result",
        "rating_summary": "average {mean} of 5",
        "no_rating": "no ratings",
        "text_summary": "{count} written answers (not published)",
        "as_of_note": "Residents' participation is shown only in a report of the current "
        "state; this report as of a past date leaves it out.",
    },
}

OUTCOME_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "adopted": "采纳",
        "partly_adopted": "部分采纳",
        "not_adopted": "不采纳",
        "referred": "转办",
    },
    "en": {
        "adopted": "Adopted",
        "partly_adopted": "Partly adopted",
        "not_adopted": "Not adopted",
        "referred": "Referred",
    },
}

ROUND_KIND_LABELS: dict[str, dict[str, str]] = {
    "zh": {"needs": "问需", "plan": "问计", "evaluation": "问效"},
    "en": {"needs": "Needs", "plan": "Plan", "evaluation": "Evaluation"},
}

MATTER_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "alteration": "改建、重建等重大事项",
        "ordinary": "其他共有和共同管理事项",
    },
    "en": {
        "alteration": "alteration or rebuilding (major matter)",
        "ordinary": "other common matters",
    },
}


def labels(lang: str) -> dict[str, str]:
    """The participation section's labels in ``lang`` ("zh" or "en"; else Chinese)."""
    return LABELS.get(lang, LABELS["zh"])


def _lang(lang: str) -> str:
    return lang if lang in LABELS else "zh"


def _share(part: int, whole: int, places: int = 1) -> str:
    return f"{part * 100 / whole:.{places}f}%" if whole else NOT_APPLICABLE


def _local_day_time(value: datetime | str | None) -> str:
    if value is None:
        return NOT_APPLICABLE
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


# ---- opinions --------------------------------------------------------------------------


def opinion_values(figures: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """The opinion figures as rows of (label, value), and the outcomes with their shares.

    ``figures`` is :func:`renovation.projections.opinions.opinion_figures`'s dict.
    """
    lang = _lang(lang)
    L = labels(lang)
    answered = figures["answered"]
    outcomes = figures.get("outcomes", {})
    adopted = outcomes.get("adopted", 0) + outcomes.get("partly_adopted", 0)
    rows = [
        {"label": L["received"], "value": L["count_value"].format(count=figures["received"])},
        {"label": L["answered"], "value": L["count_value"].format(count=answered)},
        {
            "label": L["open"],
            "value": L["open_value"].format(open=figures["open"], overdue=figures["overdue"]),
        },
        {
            "label": L["on_time"],
            "value": L["on_time_value"].format(
                rate=figures["on_time_rate"] or NOT_APPLICABLE,
                part=figures["answered_on_time"],
                whole=answered,
            ),
        },
        {
            "label": L["adoption"],
            "value": L["adoption_value"].format(
                rate=figures["adoption_rate"] or NOT_APPLICABLE, part=adopted, whole=answered
            ),
        },
    ]
    names = OUTCOME_LABELS[lang]
    order = list(OUTCOME_ORDER) + [o for o in outcomes if o not in OUTCOME_ORDER]
    return {
        "received": figures["received"],
        "rows": rows,
        "outcomes": [
            {
                "outcome": outcome,
                "label": names.get(outcome, outcome),
                "count": outcomes.get(outcome, 0),
                "share": _share(outcomes.get(outcome, 0), answered),
            }
            for outcome in order
        ],
    }


# ---- consultation rounds ---------------------------------------------------------------


def consent_values(consent: dict[str, Any] | None, lang: str = "zh") -> dict[str, Any] | None:
    """An art. 278 result (``ConsentResult.to_dict()``) as the table a notice (公示) prints."""
    if not consent:
        return None
    lang = _lang(lang)
    L = labels(lang)
    column = 0 if lang == "zh" else 1
    ruleset = consent.get("ruleset_id", NOT_APPLICABLE)
    vetoes = len(consent.get("veto_failures") or [])
    return {
        "matter": MATTER_LABELS[lang].get(consent.get("matter", ""), consent.get("matter", "")),
        "ruleset": ruleset,
        "rows": [
            {
                "name": CHECK_LABELS.get(check["name"], (check["name"], check["name"]))[column],
                "required": check["required"],
                "actual": check["rendered"],
                "passed": bool(check["passed"]),
                "result": L["check_passed"] if check["passed"] else L["check_failed"],
            }
            for check in consent["checks"]
        ],
        "passed": bool(consent["passed"]),
        "verdict": (L["verdict_passed"] if consent["passed"] else L["verdict_failed"]).format(
            ruleset=ruleset
        ),
        "veto_note": L["vetoes"].format(count=vetoes) if vetoes else None,
    }


def _scope_label(scope: dict[str, Any] | None, L: dict[str, str]) -> str:
    scope = scope or {}
    level = scope.get("level", "community")
    if level == "building":
        return L["scope_building"].format(building=scope.get("building"))
    if level == "unit":
        return L["scope_unit"].format(building=scope.get("building"), unit=scope.get("unit"))
    return L["scope_community"]


def _question_summary(question: dict[str, Any], L: dict[str, str]) -> str:
    if question["type"] == "rating":
        mean = question.get("mean")
        return L["rating_summary"].format(mean=mean) if mean else L["no_rating"]
    if "counts" in question:
        return " · ".join(f"{option} {count}" for option, count in question["counts"].items())
    return L["text_summary"].format(count=question.get("texts", question.get("answered", 0)))


def round_values(round_: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """One closed round as template values.

    ``round_`` has the round's ``kind``, ``title``, ``intent_vote``, ``scope``, ``opens_at``,
    ``closes_at`` (datetimes or ISO strings) and its stored ``result`` (the domain's
    ``round_result``: counts as ints, areas and shares as strings, ``consent`` or None).
    """
    lang = _lang(lang)
    L = labels(lang)
    result = round_["result"]
    kind = ROUND_KIND_LABELS[lang].get(round_.get("kind", ""), round_.get("kind", ""))
    if round_.get("intent_vote"):
        kind = L["kind_with_vote"].format(kind=kind, vote=L["intent_vote"])
    return {
        "round_id": result.get("round_id", round_.get("round_id")),
        "title": round_.get("title", ""),
        "kind": kind,
        "intent_vote": bool(round_.get("intent_vote")),
        "scope": _scope_label(round_.get("scope"), L),
        "period": L["period_value"].format(
            opens=_local_day_time(round_.get("opens_at")),
            closes=_local_day_time(round_.get("closes_at")),
        ),
        "participation": [
            {
                "label": L["ballots"],
                "part": result["ballots"],
                "whole": result["flats"],
                # two places, as the domain gives the shares by head and by area
                "rate": _share(result["ballots"], result["flats"], places=2),
            },
            {
                "label": L["by_head"],
                "part": result["participating_owners"],
                "whole": result["owners"],
                "rate": result["participation_by_head"],
            },
            {
                "label": L["by_area"],
                "part": result["participating_area"],
                "whole": result["area"],
                "rate": result["participation_by_area"],
            },
        ],
        "consent": consent_values(result.get("consent"), lang),
        "no_consent": L["no_consent"] if round_.get("intent_vote") else None,
        "questions": [
            {
                "number": index,
                "text": question["text"],
                "answered": question["answered"],
                "summary": _question_summary(question, L),
            }
            for index, question in enumerate(result.get("questions") or [], start=1)
        ],
    }


def participation_values(participation: dict[str, Any], lang: str = "zh") -> dict[str, Any]:
    """The whole section's values from :func:`project_participation`'s dict."""
    lang = _lang(lang)
    L = labels(lang)
    open_rounds = participation.get("open_rounds", 0)
    return {
        "L": L,
        "opinions": opinion_values(participation["opinion_figures"], lang),
        "rounds": [round_values(r, lang) for r in participation.get("rounds", [])],
        "open_rounds": open_rounds,
        "open_rounds_note": L["open_rounds"].format(count=open_rounds) if open_rounds else None,
    }


def as_of_note(lang: str = "zh") -> str:
    """The line a report as of a past date prints instead of the section."""
    return labels(lang)["as_of_note"]


# ---- gathering -------------------------------------------------------------------------


def project_participation(runtime: Runtime, project_id: UUID | str) -> dict[str, Any]:
    """A project's participation now: opinion figures from the read model, closed rounds.

    Returns ``{"opinion_figures": {...}, "rounds": [...], "open_rounds": int, "today": str}``;
    each round carries ``round_id``, ``kind``, ``title``, ``intent_vote``, ``matter``,
    ``scope``, ``opens_at``, ``closes_at`` (ISO strings) and its stored ``result``.
    Overdue opinions are counted against today in Asia/Shanghai, by the application's clock.
    """
    pid = project_id if isinstance(project_id, UUID) else UUID(str(project_id))
    today = runtime.app.clock().astimezone(LOCAL_TZ).date()
    figures = opinion_figures(opinion_rows(runtime.engine, project_id=str(pid)), today=today)
    project = runtime.app.get_project(pid)
    closed = [r for r in project.rounds.values() if r["closed"] and r["result"] is not None]
    closed.sort(key=lambda r: (r["closes_at"], r["round_id"]))
    return {
        "opinion_figures": figures,
        "rounds": [
            {
                "round_id": r["round_id"],
                "kind": r["kind"],
                "title": r["title"],
                "intent_vote": bool(r["intent_vote"]),
                "matter": r["matter"],
                "scope": dict(r["scope"] or {}),
                "opens_at": _iso(r["opens_at"]),
                "closes_at": _iso(r["closes_at"]),
                "result": r["result"],
            }
            for r in closed
        ],
        "open_rounds": sum(1 for r in project.rounds.values() if not r["closed"]),
        "today": today.isoformat(),
    }


def _iso(value: datetime | str | None) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value
