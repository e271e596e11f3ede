"""Residents' written answers for the bureau over the API (read, logged, exported, taken up),
and a round's questions: refused when badly formed, fixed once the round opens."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from tests.conftest import bearer
from tests.web.test_participation_api import history_types, issue_codes, new_project

NOW = datetime.now(UTC)
QUESTIONS = [
    {"type": "single", "text": "是否支持加装电梯？", "options": ["支持", "不支持"]},
    {"type": "text", "text": "其他意见和建议"},
    {"type": "rating", "text": "您对小区现状的满意程度"},
    {"type": "text", "text": "停车有什么困难？"},
]


def open_round(client, web_app, pid, *, opens_in=timedelta(hours=-1), questions=None):
    body = {
        "kind": "needs",
        "title": "改造需求调查",
        "opens_at": (NOW + opens_in).isoformat(),
        "closes_at": (NOW + timedelta(days=7)).isoformat(),
        "questions": QUESTIONS if questions is None else questions,
    }
    response = client.post(f"/api/projects/{pid}/consultations", json=body, headers=bearer(web_app))
    return response


def voted_round(client, web_app):
    pid = new_project(client, web_app)
    rid = open_round(client, web_app, pid).get_json()["consultation_id"]
    codes = issue_codes(client, web_app, pid)
    url = f"/api/projects/{pid}/consultations/{rid}/votes"
    for flat, answers in (
        ("1-1-101", {"q1": "支持", "q2": "=楼道灯坏了，请修", "q4": "车位太少"}),
        ("2-1-101", {"q1": "不支持", "q2": "希望保留绿化"}),
        ("1-1-102", {"q1": "支持", "q3": 4}),
    ):
        response = client.post(url, json={"code": codes[flat], "answers": answers})
        assert response.status_code == 201, response.get_json()
    return pid, rid, codes


def written(client, web_app, pid, rid, role="staff", fmt=None):
    query = f"?format={fmt}" if fmt else ""
    return client.get(
        f"/api/projects/{pid}/consultations/{rid}/written-answers{query}",
        headers=bearer(web_app, role),
    )


def test_staff_read_written_answers_by_question_masked_and_each_read_is_logged(client, web_app):
    pid, rid, _codes = voted_round(client, web_app)

    response = written(client, web_app, pid, rid)

    assert response.status_code == 200
    body = response.get_json()
    assert body["texts_shown"] is True
    assert [(q["question_id"], q["text"], q["count"]) for q in body["questions"]] == [
        ("q2", "其他意见和建议", 2),
        ("q4", "停车有什么困难？", 1),
    ]
    answers = body["questions"][0]["answers"]
    assert [(a["building"], a["unit"], a["text"]) for a in answers] == [
        ("1", "1", "=楼道灯坏了，请修"),
        ("2", "1", "希望保留绿化"),
    ]
    flat_words = str(body)
    assert "101" not in flat_words.replace(answers[0]["answer_id"], "")
    assert "owner" not in flat_words and "flat" not in flat_words
    log = client.get("/api/access-log", headers=bearer(web_app, "auditor")).get_json()
    assert log["total"] == 1
    assert log["items"][0]["subject"] == f"consultation:{rid}:written-answers"
    assert log["items"][0]["actor_role"] == "staff"


def test_auditors_see_counts_only_and_staff_of_another_district_nothing(client, web_app):
    pid, rid, _codes = voted_round(client, web_app)

    auditor = written(client, web_app, pid, rid, role="auditor")
    export = written(client, web_app, pid, rid, role="auditor", fmt="csv")
    other = written(client, web_app, pid, rid, role="other_staff")

    assert auditor.status_code == 200
    assert auditor.get_json()["texts_shown"] is False
    assert [(q["count"], q["answers"]) for q in auditor.get_json()["questions"]] == [
        (2, None),
        (1, None),
    ]
    assert export.status_code == 403
    assert export.get_json()["code"] == "written_answers_counts_only"
    assert other.status_code == 403
    log = client.get("/api/access-log", headers=bearer(web_app, "auditor")).get_json()
    assert log["total"] == 0


def test_auditors_read_the_texts_when_the_service_allows_it(client, web_app):
    pid, rid, _codes = voted_round(client, web_app)
    web_app.config["WRITTEN_ANSWERS_FOR_AUDITORS"] = True

    auditor = written(client, web_app, pid, rid, role="auditor").get_json()

    assert auditor["texts_shown"] is True and auditor["questions"][1]["answers"][0]["text"] == (
        "车位太少"
    )
    log = client.get("/api/access-log", headers=bearer(web_app, "auditor")).get_json()
    assert log["items"][0]["actor_role"] == "auditor"


def test_exports_as_csv_and_xlsx_with_chinese_headers(client, web_app):
    pid, rid, _codes = voted_round(client, web_app)

    as_csv = written(client, web_app, pid, rid, fmt="csv")
    as_xlsx = written(client, web_app, pid, rid, fmt="xlsx")

    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert as_csv.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert rows[0] == ["问题", "楼栋", "单元", "书面回答", "作答时间", "采纳情况", "备注"]
    assert rows[1][:4] == ["其他意见和建议", "1", "1", "'=楼道灯坏了，请修"]
    assert len(rows) == 4
    assert as_xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(as_xlsx.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("问题", "楼栋", "单元", "书面回答")
    assert values[1][3] == "=楼道灯坏了，请修" and sheet["D2"].data_type == "s"
    assert values[3][:4] == ("停车有什么困难？", "1", "1", "车位太少")
    log = client.get("/api/access-log", headers=bearer(web_app, "auditor")).get_json()
    assert log["total"] == 2


def test_an_answer_is_taken_up_into_the_plan_or_an_opinion(client, web_app):
    pid, rid, _codes = voted_round(client, web_app)
    first, second = written(client, web_app, pid, rid).get_json()["questions"][0]["answers"]
    opinion = client.post(
        f"/api/projects/{pid}/opinions", json={"category": "plan", "text": "楼道灯要修"}
    ).get_json()["opinion_id"]
    base = f"/api/projects/{pid}/consultations/{rid}/written-answers"

    plan = client.post(
        f"{base}/{first['answer_id']}/taken-up",
        json={"into": "plan", "note": "列入照明改造"},
        headers=bearer(web_app),
    )
    into_opinion = client.post(
        f"{base}/{second['answer_id']}/taken-up",
        json={"into": "opinion", "opinion_id": opinion},
        headers=bearer(web_app),
    )

    assert plan.status_code == 200 and into_opinion.status_code == 200
    first, second = written(client, web_app, pid, rid).get_json()["questions"][0]["answers"]
    assert (first["taken_up_into"], first["taken_up_label"], first["taken_up_note"]) == (
        "plan",
        "Taken up into the plan",
        "列入照明改造",
    )
    assert (second["taken_up_into"], second["taken_up_opinion_id"]) == ("opinion", opinion)
    assert history_types(client, web_app, pid).count("WrittenAnswerTakenUp") == 2


@pytest.mark.parametrize(
    ("answer", "body", "status", "code", "field"),
    [
        ("first", {"into": "opinion"}, 422, "invalid_data", "opinion_id"),
        ("first", {"into": "opinion", "opinion_id": "abc"}, 422, "invalid_data", "opinion_id"),
        ("first", {"into": "plan", "opinion_id": "abc"}, 422, "invalid_data", "opinion_id"),
        ("first", {"into": "archive"}, 422, None, "into"),
        ("9999-q2", {"into": "plan"}, 404, "unknown_written_answer", None),
    ],
)
def test_a_bad_take_up_is_refused_and_writes_nothing(
    client, web_app, answer, body, status, code, field
):
    pid, rid, _codes = voted_round(client, web_app)
    first = written(client, web_app, pid, rid).get_json()["questions"][0]["answers"][0]
    answer_id = first["answer_id"] if answer == "first" else answer
    before = history_types(client, web_app, pid)

    response = client.post(
        f"/api/projects/{pid}/consultations/{rid}/written-answers/{answer_id}/taken-up",
        json=body,
        headers=bearer(web_app),
    )

    assert response.status_code == status, response.get_json()
    if code:
        assert response.get_json()["code"] == code
    if field:
        assert field in response.get_json()["errors"]
    assert history_types(client, web_app, pid) == before


def test_voting_again_replaces_the_written_answer(client, web_app):
    pid, rid, codes = voted_round(client, web_app)
    old = written(client, web_app, pid, rid).get_json()["questions"][0]["answers"][0]

    again = client.post(
        f"/api/projects/{pid}/consultations/{rid}/votes",
        json={"code": codes["1-1-101"], "answers": {"q1": "支持", "q2": "灯已修好"}},
    )
    late = client.post(
        f"/api/projects/{pid}/consultations/{rid}/written-answers/{old['answer_id']}/taken-up",
        json={"into": "plan"},
        headers=bearer(web_app),
    )

    assert again.status_code == 201
    groups = written(client, web_app, pid, rid).get_json()["questions"]
    assert [a["text"] for a in groups[0]["answers"]] == ["灯已修好", "希望保留绿化"]
    assert groups[1]["answers"] == []
    assert late.status_code == 404 and late.get_json()["code"] == "unknown_written_answer"


# ---- questions: bad input and fixed once open -----------------------------------------------


@pytest.mark.parametrize(
    ("questions", "field", "message"),
    [
        ([], "questions", "add at least one question"),
        ([{"type": "single", "text": "选哪个？"}], "questions.0.options", None),
        (
            [{"type": "multiple", "text": "选哪些？", "options": ["甲"]}],
            "questions.0.options",
            None,
        ),
        (
            [{"type": "rating", "text": "打分", "options": ["1", "2", "3", "4", "5", "6"]}],
            "questions.0.options",
            None,
        ),
        (
            [{"type": "text", "text": "意见"}, {"type": "text", "text": " 意见 "}],
            "questions.1.text",
            "the same question is asked as question 1",
        ),
        ([{"type": "ranking", "text": "排序"}], "questions.0.type", None),
    ],
)
def test_a_badly_formed_round_is_refused_by_its_field_and_writes_nothing(
    client, web_app, questions, field, message
):
    pid = new_project(client, web_app)
    before = history_types(client, web_app, pid)

    response = open_round(client, web_app, pid, questions=questions)

    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    if message:
        assert any(message in m for m in response.get_json()["errors"][field])
    assert history_types(client, web_app, pid) == before


def test_a_rating_outside_1_to_5_is_refused(client, web_app):
    pid = new_project(client, web_app)
    rid = open_round(client, web_app, pid).get_json()["consultation_id"]
    codes = issue_codes(client, web_app, pid)
    before = history_types(client, web_app, pid)

    responses = [
        client.post(
            f"/api/projects/{pid}/consultations/{rid}/votes",
            json={"code": codes["1-1-101"], "answers": {"q3": value}},
        )
        for value in (0, 6)
    ]

    for response in responses:
        assert response.status_code == 422
        assert response.get_json()["errors"]["answers.q3"] == [
            "Please choose a number from 1 to 5."
        ]
    assert history_types(client, web_app, pid) == before


def test_questions_change_before_the_opening_and_are_fixed_from_it(client, web_app):
    pid = new_project(client, web_app)
    later = open_round(client, web_app, pid, opens_in=timedelta(days=1)).get_json()
    now_open = open_round(client, web_app, pid).get_json()
    new_questions = {"questions": [{"type": "text", "text": "还有什么建议？", "required": True}]}

    changed = client.put(
        f"/api/projects/{pid}/consultations/{later['consultation_id']}/questions",
        json=new_questions,
        headers=bearer(web_app),
    )
    before = history_types(client, web_app, pid)
    fixed = client.put(
        f"/api/projects/{pid}/consultations/{now_open['consultation_id']}/questions",
        json=new_questions,
        headers=bearer(web_app),
    )
    duplicated = client.put(
        f"/api/projects/{pid}/consultations/{later['consultation_id']}/questions",
        json={"questions": [{"type": "text", "text": "甲"}, {"type": "text", "text": "甲"}]},
        headers=bearer(web_app),
    )

    assert changed.status_code == 200, changed.get_json()
    round_ = client.get(
        f"/api/projects/{pid}/consultations/{later['consultation_id']}", headers=bearer(web_app)
    ).get_json()
    assert round_["questions"] == [
        {"id": "q1", "type": "text", "text": "还有什么建议？", "options": [], "required": True}
    ]
    assert fixed.status_code == 409 and fixed.get_json()["code"] == "consultation_questions_fixed"
    assert duplicated.status_code == 422 and "questions.1.text" in duplicated.get_json()["errors"]
    assert history_types(client, web_app, pid) == before


def test_a_rebuild_gives_the_same_written_answers(client, web_app):
    from renovation.projections.queries import dump_read_model

    pid, rid, _codes = voted_round(client, web_app)
    answer = written(client, web_app, pid, rid).get_json()["questions"][0]["answers"][0]
    client.post(
        f"/api/projects/{pid}/consultations/{rid}/written-answers/{answer['answer_id']}/taken-up",
        json={"into": "plan"},
        headers=bearer(web_app),
    )
    projection = web_app.extensions["renovation"].projection
    live = dump_read_model(projection.engine)

    projection.drop_tables()
    projection.create_tables()
    projection.catch_up(batch_size=2)

    rebuilt = dump_read_model(projection.engine)
    assert len(live["written_answers"]) == 3 and live["written_answers"][0][10] == "plan"
    assert rebuilt == live
