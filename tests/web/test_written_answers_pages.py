"""The question builder and the written answers on the staff pages, on SQLite and PostgreSQL:
questions added, moved and removed without JavaScript, each bad round marked by its field,
questions fixed once a round opens; written answers read (logged), exported, taken up."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from uuid import UUID

import pytest
from openpyxl import load_workbook

from renovation.projections.queries import list_opinions
from renovation.web import runtime
from tests.conftest import STAFF, project_payload, registration
from tests.helpers import make_app, signed_in

FORM = {
    "kind": "needs",
    "title": "改造需求调查",
    "opens_at": "2026-01-01T09:00",
    "closes_at": "2030-01-31T18:00",
    "level": "community",
    "matter": "alteration",
}


@pytest.fixture
def app(database_url, tmp_path):
    app = make_app(tmp_path, DATABASE_URL=database_url)
    yield app
    app.extensions["renovation"].close()


def register(app) -> str:
    with app.app_context():
        rt = runtime()
        project_id = rt.app.register_project(registration(project_payload()), actor=STAFF)
        rt.catch_up()
    return str(project_id.project_id)


def events(app) -> int:
    with app.app_context():
        return runtime().app.recorder.max_notification_id() or 0


def rounds(app, project_id) -> dict:
    with app.app_context():
        return runtime().app.get_project(UUID(project_id)).rounds


def text(response) -> str:
    return response.get_data(as_text=True)


def new_round(staff, project_id, **fields):
    return staff.post(f"/staff/projects/{project_id}/consultations/new", data={**FORM, **fields})


# ---- the builder --------------------------------------------------------------------------


def test_the_builder_adds_moves_and_removes_questions_writing_nothing(app):
    project_id = register(app)
    staff = signed_in(app, username="zhang")
    before = events(app)
    two = {
        "q0_type": "single",
        "q0_text": "是否支持加装电梯？",
        "q0_options": "支持\n不支持",
        "q0_required": "1",
        "q1_type": "text",
        "q1_text": "其他意见",
    }

    blank = text(staff.get(f"/staff/projects/{project_id}/consultations/new"))
    added = new_round(staff, project_id, action="add", **two)
    moved = new_round(staff, project_id, action="up-1", **two)
    removed = new_round(staff, project_id, action="remove-0", **two)

    assert 'name="q0_type"' in blank and 'name="q1_type"' not in blank
    assert added.status_code == 200 and 'name="q2_type"' in text(added)
    page = text(moved)
    assert moved.status_code == 200
    assert re.search(r'id="q0_text"[^>]*value="其他意见"', page)
    assert re.search(r'id="q1_text"[^>]*value="是否支持加装电梯？"', page)
    # The preview shows the questions as residents will see them, in the new order.
    preview = page[page.index('class="phone-preview"') :]
    assert preview.index("其他意见") < preview.index("是否支持加装电梯？")
    assert 'type="radio" name="q-q2" value="支持"' in preview
    assert "（必填）" in preview
    assert 'name="q1_type"' not in text(removed) and 'value="其他意见"' in text(removed)
    assert events(app) == before


@pytest.mark.parametrize(
    ("questions", "field", "message"),
    [
        ({}, "questions", "请至少添加一个问题"),
        ({"q0_type": "single", "q0_text": "选哪个？", "q0_options": ""}, "q0_options", None),
        (
            {"q0_type": "text", "q0_text": "意见", "q1_type": "text", "q1_text": "意见"},
            "q1_text",
            "与第 1 题重复",
        ),
    ],
)
def test_a_bad_round_is_marked_by_its_field_with_a_banner_and_nothing_is_written(
    app, questions, field, message
):
    project_id = register(app)
    staff = signed_in(app, username="zhang")
    before = events(app)

    response = new_round(staff, project_id, action="open", **questions)

    html = text(response)
    assert response.status_code == 422
    assert "没有发起征询：请修改标出的内容。" in html
    assert f'id="{field}-errors"' in html
    if message:
        errors = html[html.index(f'id="{field}-errors"') :]
        assert message in errors[: errors.index("</ul>")]
    assert events(app) == before


def test_a_rating_outside_1_to_5_on_the_vote_page_is_marked_and_not_stored(app):
    project_id = register(app)
    staff = signed_in(app, username="zhang")
    new_round(staff, project_id, action="open", q0_type="rating", q0_text="打分", q0_required="1")
    (consultation_id,) = rounds(app, project_id)
    with app.app_context():
        code = runtime().app.issue_household_codes(UUID(project_id), actor=STAFF).value["1-1-101"]
    before = events(app)

    response = app.test_client().post(
        f"/projects/{project_id}/vote",
        data={"round": consultation_id, "code": code, "q-q1": "6"},
    )

    assert response.status_code == 422
    assert "请选择 1 到 5 之间的数字。" in text(response)
    assert events(app) == before


def test_questions_change_until_the_round_opens_and_are_fixed_after(app):
    project_id = register(app)
    staff = signed_in(app, username="zhang")
    with app.app_context():
        start = runtime().app.clock()
    later_opens = (start + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    new_round(staff, project_id, action="open", opens_at=later_opens, q0_type="text", q0_text="甲")
    new_round(staff, project_id, action="open", q0_type="text", q0_text="乙")
    by_opening = rounds(app, project_id)
    open_now, upcoming = sorted(by_opening, key=lambda rid: by_opening[rid]["opens_at"])
    url = f"/staff/projects/{project_id}/consultations/{{}}/questions"

    form = text(staff.get(url.format(upcoming)))
    saved = staff.post(
        url.format(upcoming),
        data={"action": "save", "q0_type": "multiple", "q0_text": "丙", "q0_options": "一\n二"},
    )
    before = events(app)
    fixed_page = text(staff.get(url.format(open_now)))
    fixed = staff.post(
        url.format(open_now), data={"action": "save", "q0_type": "text", "q0_text": "丁"}
    )

    assert 'value="甲"' in form
    assert saved.status_code == 302
    assert rounds(app, project_id)[upcoming]["questions"][0]["options"] == ["一", "二"]
    assert "问题已固定，不能再修改" in fixed_page and 'name="q0_type"' not in fixed_page
    assert fixed.status_code == 409 and "问题已固定，不能再修改" in text(fixed)
    assert rounds(app, project_id)[open_now]["questions"][0]["text"] == "乙"
    assert events(app) == before


# ---- written answers ------------------------------------------------------------------------


def voted(app):
    """A round with two written questions, answered by two households (one on paper)."""
    project_id = register(app)
    staff = signed_in(app, username="zhang")
    new_round(
        staff,
        project_id,
        action="open",
        q0_type="text",
        q0_text="其他意见",
        q1_type="single",
        q1_text="是否愿意出资？",
        q1_options="愿意\n不愿意",
        q2_type="text",
        q2_text="停车困难",
    )
    (consultation_id,) = rounds(app, project_id)
    with app.app_context():
        rt = runtime()
        code = rt.app.issue_household_codes(UUID(project_id), actor=STAFF).value["1-1-101"]
        rt.catch_up()
    resident = app.test_client()
    resident.post(
        f"/projects/{project_id}/vote",
        data={"round": consultation_id, "code": code, "q-q1": "楼道灯坏了", "q-q3": "车位太少"},
    )
    paper = staff.post(
        f"/staff/projects/{project_id}/consultations/{consultation_id}/paper-votes",
        data={"flat_id": "2-1-101", "q-q1": "希望保留绿化", "q-q2": "愿意"},
    )
    assert paper.status_code == 302
    return project_id, consultation_id, staff


def access_log(app) -> list[dict]:
    with app.app_context():
        return runtime().vault.reads()[0]


def test_staff_read_the_written_answers_by_question_with_building_and_unit_only(app):
    project_id, consultation_id, staff = voted(app)
    url = f"/staff/projects/{project_id}/consultations/{consultation_id}/written-answers"

    round_page = text(staff.get(f"/staff/projects/{project_id}/consultations/{consultation_id}"))
    page = text(staff.get(url))

    assert url in round_page and "阅读书面回答" in round_page
    assert page.index("其他意见") < page.index("楼道灯坏了") < page.index("希望保留绿化")
    assert page.index("希望保留绿化") < page.index("停车困难") < page.index("车位太少")
    assert "1幢1单元" in page and "2幢1单元" in page and "纸质" in page
    assert "101" not in page
    assert "共 2 条书面回答" in page and "共 1 条书面回答" in page
    (read,) = access_log(app)
    assert read["subject"] == f"consultation:{consultation_id}:written-answers"
    assert read["purpose"] == "read written answers (page)"


def test_auditors_see_counts_and_staff_of_another_district_nothing(app):
    project_id, consultation_id, _staff = voted(app)
    url = f"/staff/projects/{project_id}/consultations/{consultation_id}/written-answers"
    auditor = signed_in(app, "auditor", username="chen", districts=())
    other = signed_in(app, username="li", districts=("天宁区",))

    page = auditor.get(url)
    export = auditor.get(url + ".csv")

    assert page.status_code == 200
    assert "共 2 条书面回答" in text(page) and "楼道灯坏了" not in text(page)
    assert "您的账号只能查看书面回答的数量" in text(page)
    assert export.status_code == 403
    assert other.get(url).status_code == 403
    assert access_log(app) == []


def test_staff_export_the_written_answers_as_csv_and_xlsx(app):
    project_id, consultation_id, staff = voted(app)
    url = f"/staff/projects/{project_id}/consultations/{consultation_id}/written-answers"

    as_csv = staff.get(url + ".csv")
    as_xlsx = staff.get(url + ".xlsx")

    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert rows[0] == ["问题", "楼栋", "单元", "书面回答", "作答时间", "采纳情况", "备注"]
    assert [r[:4] for r in rows[1:]] == [
        ["其他意见", "1", "1", "楼道灯坏了"],
        ["其他意见", "2", "1", "希望保留绿化"],
        ["停车困难", "1", "1", "车位太少"],
    ]
    assert 'filename="answers-' in as_xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(as_xlsx.data)).active
    assert next(sheet.iter_rows(values_only=True))[:3] == ("问题", "楼栋", "单元")
    assert len(access_log(app)) == 2
    assert staff.get(url + ".pdf").status_code == 404


def test_staff_mark_an_answer_taken_up_and_a_bad_mark_writes_nothing(app):
    project_id, consultation_id, staff = voted(app)
    url = f"/staff/projects/{project_id}/consultations/{consultation_id}/written-answers"
    page = text(staff.get(url))
    first, second = re.findall(r'id="answer-([0-9]+-q[0-9]+)"', page)[:2]
    app.test_client().post(
        f"/projects/{project_id}/opinions/new", data={"category": "plan", "text": "楼道灯要修"}
    )
    with app.app_context():
        (opinion,) = list_opinions(runtime().engine, project_id=project_id)[0]
    before = events(app)

    lacking = staff.post(
        f"{url}/{first}/taken-up",
        data={"into": "opinion", "opinion_id": ""},
        follow_redirects=True,
    )
    unknown = staff.post(f"{url}/9999-q1/taken-up", data={"into": "plan"}, follow_redirects=True)
    assert "意见：必须填写" in text(lacking)
    assert "本轮没有书面回答 9999-q1" in text(unknown)
    assert events(app) == before
    plan = staff.post(f"{url}/{first}/taken-up", data={"into": "plan", "note": "列入照明改造"})
    into_opinion = staff.post(
        f"{url}/{second}/taken-up",
        data={"into": "opinion", "opinion_id": opinion["opinion_id"]},
    )

    assert plan.status_code == 302 and into_opinion.status_code == 302
    after = text(staff.get(url))
    assert "已纳入改造方案: 列入照明改造" in after and "已转为意见办理" in after
