"""The satisfaction evaluation (问效) and residents' rating of answers, on the pages and over
the API: the vote with the satisfaction question, a close refused below the minimum coverage,
the result with its definition, and the rating on the tracking page."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from renovation.web import runtime
from tests.conftest import STAFF, bearer, hold_evaluation, walk
from tests.helpers import confirmed, signed_in
from tests.web.test_participation_api import new_project, past_the_close
from tests.web.test_participation_api import open_round as open_api_round
from tests.web.test_participation_pages import (
    events,
    issue_codes,
    move_clock,
    open_round,
    opinion_id_for,
    register,
    stored_events,
    submit,
    text,
    tracking_code,
)


@pytest.fixture
def phone(app):
    """A resident's phone on the pages' app: no account."""
    return app.test_client()


DEFINITION = "满意率 = (满意 + 基本满意) ÷ 作答户数"
SATISFACTION = [{"type": "satisfaction", "text": "您对本次改造是否满意？"}]


def evaluation_round(app, project_id: str) -> str:
    return open_round(
        app, project_id, kind="evaluation", title="改造满意度测评", questions=SATISFACTION
    )


def paper(staff, project_id, consultation_id, flat_id, answer):
    return staff.post(
        f"/staff/projects/{project_id}/consultations/{consultation_id}/paper-votes",
        data={"flat_id": flat_id, "q-q1": answer},
        follow_redirects=True,
    )


def test_an_evaluation_counts_online_and_paper_answers_and_closes_only_with_coverage(app, phone):
    project_id = register(app)  # 7 flats; the national rules ask 1/2 to answer, 9/10 satisfied
    consultation_id = evaluation_round(app, project_id)
    codes = issue_codes(app, project_id)
    form = text(phone.get(f"/projects/{project_id}/vote", query_string={"code": codes["1-1-101"]}))
    for flat_id, answer in (("1-1-101", "satisfied"), ("1-1-102", "basically_satisfied")):
        phone.post(
            f"/projects/{project_id}/vote",
            data={"round": consultation_id, "code": codes[flat_id], "q-q1": answer},
        )
    staff = signed_in(app, username="zhang")
    paper(staff, project_id, consultation_id, "1-2-101", "satisfied")
    move_clock(app, timedelta(days=8))
    before = events(app)

    refused = text(
        confirmed(
            staff,
            f"/staff/projects/{project_id}/consultations/{consultation_id}/close/confirm",
            follow_redirects=True,
        )
    )

    assert 'type="radio" name="q-q1" value="satisfied"' in form and "基本满意" in form
    assert "7 户中只有 3 户作答" in refused and "42.9%" in refused and "50.0%" in refused
    assert events(app) == before
    live = text(staff.get(f"/staff/projects/{project_id}/consultations/{consultation_id}"))
    assert "42.9%" in live and DEFINITION in live

    move_clock(app, timedelta(days=-8))  # the window again: one more paper answer
    paper(staff, project_id, consultation_id, "1-2-102", "dissatisfied")
    move_clock(app, timedelta(days=8))
    closed = text(
        confirmed(
            staff,
            f"/staff/projects/{project_id}/consultations/{consultation_id}/close/confirm",
            follow_redirects=True,
        )
    )
    public = text(phone.get(f"/projects/{project_id}/consultations/{consultation_id}"))

    assert "本轮已结束，结果已公布" in closed
    names = [type(e).__name__ for e in stored_events(app, project_id)]
    assert names[-2:] == ["ConsultationClosed", "EvaluationResultRecorded"]
    for page in (public, closed):
        assert DEFINITION in page
        assert "(满意 2 + 基本满意 1) ÷ 作答 4 户 = 3/4 = 75.0%" in page
        assert "basically_satisfied" not in page.replace('value="basically_satisfied"', "")
        assert "7 户中的 4 户" in page  # sample size
        assert "57.1%" in page and "90.0%" in page  # coverage and threshold
        assert "未通过" in page and "satisfied" not in page.replace('value="satisfied"', "")


def test_the_project_moves_to_long_term_management_after_a_counted_evaluation(app):
    project_id = register(app)
    staff = signed_in(app, username="zhang")
    with app.app_context():
        walk(runtime().app, UUID(project_id), "evaluation")
        runtime().catch_up()
    before = events(app)
    held = text(
        staff.get(f"/staff/projects/{project_id}/transitions/confirm?to_stage=long_term_management")
    )
    assert "尚未开展满意度测评" in held and "confirm-form" not in held  # no button
    assert events(app) == before
    with app.app_context():
        hold_evaluation(runtime().app, UUID(project_id))
        runtime().app.transition_project(UUID(project_id), "long_term_management", actor=STAFF)
        assert runtime().app.get_project(UUID(project_id)).stage == "long_term_management"


# ---- rating the answer to one's opinion ---------------------------------------------------


def answered(app, phone, project_id: str) -> str:
    code = tracking_code(text(submit(phone, project_id)))
    with app.app_context():
        rt = runtime()
        rt.app.answer_opinions(
            UUID(project_id),
            [opinion_id_for(app, code)],
            {"outcome": "adopted", "answer": "已调整施工时间"},
            actor=STAFF,
        )
        rt.catch_up()
    return code


def test_the_resident_rates_the_answer_on_the_tracking_page_and_may_change_it(app, phone):
    project_id = register(app)
    unanswered = tracking_code(text(submit(phone, project_id, text="另一条意见")))
    code = answered(app, phone, project_id)

    first = phone.post(f"/opinions/{code}/rating", data={"rating": "dissatisfied"})
    second = phone.post(
        f"/opinions/{code}/rating", data={"rating": "basically_satisfied"}, follow_redirects=True
    )
    page = text(second)

    assert first.status_code == 302 and first.headers["Location"].endswith("#rating")
    assert "您的评价：基本满意" in page and "修改评价" in page
    rated = [e for e in stored_events(app, project_id) if type(e).__name__ == "OpinionAnswerRated"]
    assert [e.rating for e in rated] == ["dissatisfied", "basically_satisfied"]
    assert "对答复是否满意" not in text(phone.get(f"/opinions/{unanswered}"))


def test_a_bad_or_early_rating_is_refused_next_to_the_field_and_nothing_is_written(app, phone):
    project_id = register(app)
    early = tracking_code(text(submit(phone, project_id, text="还没答复的意见")))
    code = answered(app, phone, project_id)
    before = events(app)

    bad = phone.post(f"/opinions/{code}/rating", data={"rating": "great"})
    too_early = phone.post(f"/opinions/{early}/rating", data={"rating": "satisfied"})
    unknown = phone.post("/opinions/ZZZZ2345/rating", data={"rating": "satisfied"})

    assert bad.status_code == 422 and 'id="rating-errors"' in text(bad)
    assert "请选择满意、基本满意或不满意" in text(bad)
    assert too_early.status_code == 422 and "该意见尚未答复，暂不能评价" in text(too_early)
    assert unknown.status_code == 404
    assert events(app) == before


def test_the_rating_over_the_api(client, web_app):
    pid = new_project(client, web_app)
    sent = client.post(f"/api/projects/{pid}/opinions", json={"category": "plan", "text": "路灯"})
    code, oid = sent.get_json()["tracking_code"], sent.get_json()["opinion_id"]

    early = client.post(f"/api/opinions/{code}/rating", json={"rating": "satisfied"})
    client.post(
        f"/api/projects/{pid}/opinions/{oid}/answer",
        json={"outcome": "adopted", "answer": "已加装"},
        headers=bearer(web_app),
    )
    bad = client.post(f"/api/opinions/{code}/rating", json={"rating": "great"})
    rated = client.post(
        f"/api/opinions/{code.lower()}/rating",
        json={"rating": "satisfied"},
        headers={"Accept-Language": "zh"},
    )
    unknown = client.post("/api/opinions/ZZZZ2345/rating", json={"rating": "satisfied"})

    assert early.status_code == 409 and early.get_json()["code"] == "opinion_not_answered"
    assert bad.status_code == 422 and "rating" in bad.get_json()["errors"]
    assert rated.status_code == 200
    body = rated.get_json()
    assert body["rating"] == "satisfied" and body["rating_label"] == "满意"
    assert client.get(f"/api/opinions/{code}").get_json()["rating"] == "satisfied"
    figures = client.get("/api/stats").get_json()["opinions"]
    assert figures["ratings"] == {"satisfied": 1, "basically_satisfied": 0, "dissatisfied": 0}
    assert figures["rated"] == 1 and figures["answer_satisfaction_rate"] == "100.0%"
    assert unknown.status_code == 404


def test_the_round_over_the_api_carries_the_satisfaction_result(client, web_app):
    pid = new_project(client, web_app)
    with web_app.app_context():
        walk(runtime().app, UUID(pid), "evaluation")
        round_id, _ = hold_evaluation(
            runtime().app, UUID(pid), ["satisfied"] * 6 + ["dissatisfied"]
        )
    body = client.get(f"/api/projects/{pid}/consultations/{round_id}").get_json()
    result = body["result"]["satisfaction"]
    assert result["rate"] == "6/7" and result["rate_percent"] == "85.7%"
    assert result["answered"] == 7 and result["coverage_percent"] == "100.0%"
    assert result["passed"] is False and result["coverage_met"] is True
    assert result["definition"].startswith(DEFINITION)
    assert result["ruleset_id"] == "national-2021"


def test_staff_open_an_evaluation_round_with_a_satisfaction_question_or_are_told_it_lacks_one(
    app,
):
    project_id = register(app)
    staff = signed_in(app, username="zhang")
    form = {
        "kind": "evaluation",
        "title": "改造满意度测评",
        "opens_at": "2026-01-01T09:00",
        "closes_at": "2026-01-15T18:00",
        "level": "community",
    }
    before = events(app)
    lacking = staff.post(
        f"/staff/projects/{project_id}/consultations/new",
        data={**form, "action": "open", "q0_type": "text", "q0_text": "还有什么建议"},
    )
    assert lacking.status_code == 422
    assert "问效轮次须有且只有一道满意度题" in text(lacking) and events(app) == before

    opened = staff.post(
        f"/staff/projects/{project_id}/consultations/new",
        data={
            **form,
            "action": "open",
            "q0_type": "satisfaction",
            "q0_text": "您对本次改造是否满意？",
            "q1_type": "text",
            "q1_text": "还有什么建议",
        },
    )
    assert opened.status_code == 302
    (round_,) = [
        e for e in stored_events(app, project_id) if type(e).__name__ == "ConsultationOpened"
    ]
    assert [q["type"] for q in round_.questions] == ["satisfaction", "text"]
    assert round_.questions[0]["required"] is True


def test_an_evaluation_over_the_api_is_closed_only_with_enough_answers(client, web_app):
    pid = new_project(client, web_app)
    rid = open_api_round(
        client, web_app, pid, kind="evaluation", title="满意度测评", questions=SATISFACTION
    )
    for flat_id, answer in (("1-1-101", "satisfied"), ("1-1-102", "满意"), ("1-2-101", "不满意")):
        entered = client.post(
            f"/api/projects/{pid}/consultations/{rid}/paper-votes",
            json={"flat_id": flat_id, "answers": {"q1": answer}},
            headers=bearer(web_app),
        )
        assert entered.status_code == 201
    past_the_close(web_app)
    with web_app.app_context():
        before = runtime().app.recorder.max_notification_id()

    refused = client.post(f"/api/projects/{pid}/consultations/{rid}/close", headers=bearer(web_app))

    assert refused.status_code == 409
    body = refused.get_json()
    assert body["code"] == "evaluation_coverage_too_low"
    assert body["params"] == {
        "answered": 3, "households": 7, "coverage": "42.9%", "min_coverage": "50.0%",
    }  # fmt: skip
    with web_app.app_context():
        assert runtime().app.recorder.max_notification_id() == before
    live = client.get(f"/api/projects/{pid}/consultations/{rid}", headers=bearer(web_app))
    assert live.get_json()["result"]["satisfaction"]["answered"] == 3
