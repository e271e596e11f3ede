"""Residents' voice on the pages, through Flask's test client: opinions and their tracking,
household voting, and the staff console's opinion queue, rounds, paper ballots and code sheets."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from flask.testing import FlaskClient

from renovation.answer_templates import list_templates
from renovation.domain.base import LOCAL_TZ
from renovation.web import runtime
from tests.conftest import STAFF, hold_intent_vote, project_payload, registration, walk
from tests.helpers import confirmed, make_app, signed_in

SECRET_CONTACT = "13800138000"
SECRET_FLAT = "302室"


# ---- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A resident's phone: no account."""
    return app.test_client()


def register(app: Flask, name: str = "凤凰新村", district: str = "清江浦区") -> str:
    with app.app_context():
        rt = runtime()
        payload = project_payload(name=name, district=district)
        project_id = rt.app.register_project(registration(payload), actor=STAFF).project_id
        rt.catch_up()
    return str(project_id)


def text(response) -> str:
    return response.get_data(as_text=True)


def events(app: Flask) -> int:
    with app.app_context():
        return runtime().app.recorder.max_notification_id() or 0


def event_names(app: Flask, project_id: str) -> list[str]:
    with app.app_context():
        return [type(e).__name__ for e in runtime().app.events.get(UUID(project_id))]


def stored_events(app: Flask, project_id: str) -> list[Any]:
    with app.app_context():
        return list(runtime().app.events.get(UUID(project_id)))


def submit(client: FlaskClient, project_id: str, **fields: str):
    data = {"category": "construction", "text": "楼道施工噪声太大，请合理安排时间。", **fields}
    return client.post(f"/projects/{project_id}/opinions/new", data=data)


def tracking_code(html: str) -> str:
    match = re.search(r'href="/opinions/([0-9A-Z]{8})"', html)
    assert match, html
    return match.group(1)


def opinion_id_for(app: Flask, code: str) -> str:
    from renovation.projections.queries import find_opinion

    with app.app_context():
        return find_opinion(runtime().engine, tracking_code=code)["opinion_id"]


def open_round(app: Flask, project_id: str, **overrides: Any) -> str:
    """A round open now: a required multiple choice, a single choice, a rating and a text."""
    with app.app_context():
        rt = runtime()
        now = rt.app.clock()
        data = {
            "kind": "needs",
            "title": "改造需求调查",
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(days=7),
            "scope": {"level": "community"},
            "questions": [
                {
                    "type": "multiple",
                    "text": "您最希望改造哪些内容？",
                    "options": ["雨污管网", "加装电梯", "充电设施"],
                    "required": True,
                },
                {"type": "single", "text": "是否愿意出资？", "options": ["愿意", "不愿意"]},
                {"type": "rating", "text": "您对小区现状的满意程度"},
                {"type": "text", "text": "其他意见"},
            ],
            **overrides,
        }
        consultation_id = rt.app.open_consultation(UUID(project_id), data, actor=STAFF).value[
            "consultation_id"
        ]
        rt.catch_up()
    return consultation_id


def issue_codes(app: Flask, project_id: str, building: str | None = None) -> dict[str, str]:
    with app.app_context():
        rt = runtime()
        codes = rt.app.issue_household_codes(UUID(project_id), building=building, actor=STAFF)
        rt.catch_up()
        return codes.value


def ballots(app: Flask, project_id: str, consultation_id: str) -> int:
    with app.app_context():
        return runtime().app.round_result(UUID(project_id), consultation_id)["ballots"]


def move_clock(app: Flask, by: timedelta) -> None:
    with app.app_context():
        rt_app = runtime().app
        start = rt_app.clock()
        rt_app.clock = lambda: start + by


GOOD_BALLOT = {"q-q1": ["雨污管网", "充电设施"], "q-q2": "愿意", "q-q3": "4", "q-q4": "多种树"}


# ---- opinions: the resident's side -----------------------------------------------------------


def test_opinion_form_is_big_plain_and_in_chinese(app, client):
    project_id = register(app)

    html = text(client.get(f"/projects/{project_id}/opinions/new"))

    assert "提意见" in html and "最多 2000 字" in html
    assert '<option value="lift">加装电梯</option>' in html
    assert '<option value="property_management">物业管理</option>' in html
    assert "仅住建部门工作人员可以看到" in html
    assert 'name="csrf_token"' in html and "<script" not in html


def test_submitted_opinion_gets_a_code_and_its_tracking_page_shows_it(app, client):
    project_id = register(app)

    response = submit(client, project_id, building="1", unit="2")

    html = text(response)
    assert response.status_code == 200
    assert "请记下您的查询码" in html
    code = tracking_code(html)
    assert f"{code[:4]}</span><span>{code[4:]}" in html  # large, in two groups
    page = text(client.get(f"/opinions/{code}"))
    assert "楼道施工噪声太大，请合理安排时间。" in page
    assert "办理中" in page and "施工" in page and "凤凰新村" in page
    assert "尚未答复" in page


def test_the_same_form_sent_twice_makes_one_opinion(app, client):
    project_id = register(app)
    fields = {"command_id": "a" * 32}

    first = tracking_code(text(submit(client, project_id, **fields)))
    before = events(app)
    second = tracking_code(text(submit(client, project_id, **fields)))

    assert first == second and events(app) == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"text": "长" * 2001}, "text", "您写了 2001 字，最多 2000 字"),
        ({"text": "   "}, "text", "请写下您的意见"),
        ({"category": "weather"}, "category", "请选择意见的类别"),
        ({"building": "99"}, "building", "本小区没有这个楼栋"),
        ({"building": "1", "unit": "9"}, "unit", "1幢没有9单元"),
        ({"contact": "1" * 101}, "contact", "最多 100 字"),
    ],
)
def test_a_bad_opinion_is_refused_with_422_by_its_field_and_nothing_is_written(
    app, client, fields, field, message
):
    project_id = register(app)
    before = events(app)

    response = submit(client, project_id, **fields)

    html = text(response)
    assert response.status_code == 422
    assert message in html
    assert f'id="{field}-errors"' in html
    assert events(app) == before
    if "text" in fields and fields["text"].strip():
        assert fields["text"] in html  # the text is kept for the resident to shorten


def test_tracking_lookup_forgives_case_spaces_and_dashes_and_unknown_codes_are_404(app, client):
    project_id = register(app)
    code = tracking_code(text(submit(client, project_id)))
    messy = f" {code[:4].lower()}-{code[4:]} "

    found = client.get("/opinions/track", query_string={"code": messy})
    lower = client.get(f"/opinions/{code.lower()}")
    missing = client.get("/opinions/ZZZZ2345")

    assert found.status_code == 302 and found.headers["Location"].endswith(f"/opinions/{code}")
    assert lower.status_code == 302 and lower.headers["Location"].endswith(f"/opinions/{code}")
    assert missing.status_code == 404
    assert "没有找到查询码为“ZZZZ2345”的意见" in text(missing)
    assert 'action="/opinions/track"' in text(missing)  # the lookup form again
    assert "查询码" in text(client.get("/opinions/track"))


# ---- opinions: the staff side ------------------------------------------------------------------


def template_id(app, beginning: str) -> str:
    """The id of the common answer that begins so (the defaults of a new installation)."""
    engine = app.extensions["renovation"].engine
    return next(str(t.id) for t in list_templates(engine) if t.text.startswith(beginning))


def test_staff_answer_to_one_opinion_shows_on_its_tracking_page(app, client):
    project_id = register(app)
    code = tracking_code(text(submit(client, project_id)))
    opinion_id = opinion_id_for(app, code)
    staff = signed_in(app, username="zhang")

    response = staff.post(
        f"/staff/projects/{project_id}/opinions/{opinion_id}",
        data={
            "outcome": "adopted",
            "template": template_id(app, "已通知施工单位整改"),
            "answer": "下周一起调整施工时间。",
        },
    )

    assert response.status_code == 302
    page = text(client.get(f"/opinions/{code}"))
    assert "已答复" in page and "采纳" in page
    assert "已通知施工单位整改" in page and "下周一起调整施工时间。" in page


def test_staff_answer_several_opinions_at_once(app, client):
    project_id = register(app)
    codes = [tracking_code(text(submit(client, project_id, text=f"意见{n}"))) for n in range(3)]
    ids = [opinion_id_for(app, c) for c in codes[:2]]
    staff = signed_in(app, username="zhang")

    queue = text(staff.get(f"/staff/projects/{project_id}/opinions"))
    response = staff.post(
        f"/staff/projects/{project_id}/opinions?status=open",
        data={
            "opinion_ids": ids,
            "outcome": "not_adopted",
            "answer": "感谢您的意见。",
            "reason": "外墙颜色须符合街区风貌导则。",
        },
    )

    assert all(f'value="{i}"' in queue for i in ids) and "感谢您的宝贵意见" in queue
    assert response.status_code == 302 and response.headers["Location"].endswith("?status=open")
    for code in codes[:2]:
        page = text(client.get(f"/opinions/{code}"))
        assert "不采纳" in page and "外墙颜色须符合街区风貌导则。" in page
    assert "尚未答复" in text(client.get(f"/opinions/{codes[2]}"))
    still_open = text(staff.get(f"/staff/projects/{project_id}/opinions?status=open"))
    assert "1 条意见" in still_open and "意见2" in still_open and "意见0" not in still_open


def test_a_referred_answer_names_whom_it_went_to(app, client):
    project_id = register(app)
    code = tracking_code(text(submit(client, project_id, category="property_management")))
    staff = signed_in(app, username="zhang")

    staff.post(
        f"/staff/projects/{project_id}/opinions/{opinion_id_for(app, code)}",
        data={"outcome": "referred", "answer": "已转交。", "referred_to": "街道城管科"},
    )

    page = text(client.get(f"/opinions/{code}"))
    assert "转办" in page and "转交至：街道城管科" in page


def test_an_answer_links_the_opinion_to_a_milestone_and_an_unknown_link_is_refused(app, client):
    from datetime import date
    from decimal import Decimal

    project_id = register(app)
    with app.app_context():
        rt = runtime()
        walk(rt.app, UUID(project_id), "in_plan")
        milestone_id = rt.app.plan_milestone(
            UUID(project_id),
            {
                "name": "一期雨污分流",
                "item_id": "item-1",
                "quantity": Decimal("600"),
                "planned_start": date(2026, 4, 1),
                "planned_finish": date(2026, 6, 30),
            },
            actor=STAFF,
        ).value["milestone_id"]
        rt.catch_up()
    code = tracking_code(text(submit(client, project_id)))
    opinion_id = opinion_id_for(app, code)
    staff = signed_in(app, username="zhang")
    form = text(staff.get(f"/staff/projects/{project_id}/opinions/{opinion_id}"))
    assert f'value="{milestone_id}"' in form and "一期雨污分流" in form

    before = events(app)
    unknown = staff.post(
        f"/staff/projects/{project_id}/opinions/{opinion_id}",
        data={"outcome": "adopted", "answer": "将在一期施工中解决。", "link": "milestone-9"},
    )
    assert unknown.status_code == 422 and events(app) == before
    linked = staff.post(
        f"/staff/projects/{project_id}/opinions/{opinion_id}",
        data={"outcome": "adopted", "answer": "将在一期施工中解决。", "link": milestone_id},
    )
    assert linked.status_code == 302
    answered = stored_events(app, project_id)[-1]
    assert answered.links == [{"kind": "milestone", "id": milestone_id}]


def test_not_adopted_without_a_reason_is_refused_and_nothing_is_written(app, client):
    project_id = register(app)
    code = tracking_code(text(submit(client, project_id)))
    opinion_id = opinion_id_for(app, code)
    staff = signed_in(app, username="zhang")
    before = events(app)

    single = staff.post(
        f"/staff/projects/{project_id}/opinions/{opinion_id}",
        data={"outcome": "not_adopted", "answer": "不予采纳。"},
    )
    batch = staff.post(
        f"/staff/projects/{project_id}/opinions",
        data={"opinion_ids": [opinion_id], "outcome": "not_adopted", "answer": "不予采纳。"},
    )
    none_ticked = staff.post(
        f"/staff/projects/{project_id}/opinions", data={"outcome": "adopted", "answer": "好"}
    )

    assert single.status_code == 422 and batch.status_code == 422
    assert "不采纳时必须说明理由" in text(single) and "不采纳时必须说明理由" in text(batch)
    assert "不予采纳。" in text(single)  # the answer is kept
    assert none_ticked.status_code == 422 and "请至少勾选一条意见" in text(none_ticked)
    assert events(app) == before


def test_moderation_hides_the_text_on_the_tracking_page_and_shows_it_again(app, client):
    project_id = register(app)
    code = tracking_code(text(submit(client, project_id, text="骂人的话")))
    opinion_id = opinion_id_for(app, code)
    staff = signed_in(app, username="zhang")
    url = f"/staff/projects/{project_id}/opinions/{opinion_id}/moderation"

    no_reason = staff.post(url, data={"hidden": "1", "reason": ""}, follow_redirects=True)
    staff.post(url, data={"hidden": "1", "reason": "含侮辱性语言"})
    hidden = text(client.get(f"/opinions/{code}"))
    staff_view = text(staff.get(f"/staff/projects/{project_id}/opinions/{opinion_id}"))
    staff.post(url, data={"hidden": "0", "reason": ""})
    shown = text(client.get(f"/opinions/{code}"))

    again = staff.post(url, data={"hidden": "0", "reason": ""}, follow_redirects=True)
    assert "这条意见已经公开显示" in text(again)
    assert "请说明隐藏的理由" in text(no_reason)
    assert "该内容已被隐藏" in hidden and "骂人的话" not in hidden
    assert "骂人的话" in staff_view and "含侮辱性语言" in staff_view
    assert "骂人的话" in shown and "该内容已被隐藏" not in shown


def test_personal_data_is_shown_to_staff_only_and_each_read_is_logged(app, client, caplog):
    project_id = register(app)
    code = tracking_code(text(submit(client, project_id, flat=SECRET_FLAT, contact=SECRET_CONTACT)))
    opinion_id = opinion_id_for(app, code)
    staff = signed_in(app, username="zhang")
    outsider = signed_in(app, username="li", districts=("天宁区",))
    auditor = signed_in(app, "auditor", username="chen", districts=())

    public_pages = [
        text(client.get(f"/opinions/{code}")),
        text(client.get(f"/projects/{project_id}")),
        text(client.get(f"/projects/{project_id}/consultations")),
    ]
    queue = text(staff.get(f"/staff/projects/{project_id}/opinions"))
    with caplog.at_level(logging.INFO, logger="renovation.personal_data"):
        single = text(staff.get(f"/staff/projects/{project_id}/opinions/{opinion_id}"))

    for html in [*public_pages, queue]:
        assert SECRET_CONTACT not in html and SECRET_FLAT not in html
    assert SECRET_CONTACT in single and SECRET_FLAT in single
    reads = [r for r in caplog.records if r.name == "renovation.personal_data"]
    assert len(reads) == 1 and reads[0].levelno == logging.INFO
    assert "#" in reads[0].getMessage() and opinion_id in reads[0].getMessage()
    assert "zhang" not in reads[0].getMessage()  # the account's number, never a name
    assert outsider.get(f"/staff/projects/{project_id}/opinions/{opinion_id}").status_code == 403
    assert auditor.get(f"/staff/projects/{project_id}/opinions/{opinion_id}").status_code == 403
    assert client.get(f"/staff/projects/{project_id}/opinions").status_code == 302  # sign in


def test_the_queue_filters_overdue_opinions(app, client):
    project_id = register(app)
    code = tracking_code(text(submit(client, project_id, text="早就该答复了")))
    staff = signed_in(app, username="zhang")

    before = text(staff.get(f"/staff/projects/{project_id}/opinions?overdue=1"))
    move_clock(app, timedelta(days=60))
    after = text(staff.get(f"/staff/projects/{project_id}/opinions?overdue=1"))

    assert code not in before and "0 条意见" in before
    assert code in after and "已超期" in after


# ---- voting --------------------------------------------------------------------------------------


def test_vote_with_the_code_from_the_letter_stores_one_ballot(app, client):
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    code = issue_codes(app, project_id)["1-1-101"]

    form = text(client.get(f"/projects/{project_id}/vote", query_string={"code": code}))
    response = client.post(
        f"/projects/{project_id}/vote", data={"round": consultation_id, "code": code, **GOOD_BALLOT}
    )

    assert f'value="{code}"' in form and "户码有效：1幢1单元101室" in form
    assert 'type="checkbox" name="q-q1" value="雨污管网"' in form
    assert 'type="radio" name="q-q2" value="愿意"' in form
    assert 'type="radio" name="q-q3" value="5"' in form
    assert '<textarea id="q-q4-text" name="q-q4"' in form
    assert response.status_code == 200
    done = text(response)
    assert "您的投票已记录" in done and "将替换这一次的投票" in done
    assert ballots(app, project_id, consultation_id) == 1


def test_voting_again_replaces_the_ballot(app, client):
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    code = issue_codes(app, project_id)["1-1-101"]
    url = f"/projects/{project_id}/vote"

    client.post(url, data={"round": consultation_id, "code": code, **GOOD_BALLOT})
    again = client.post(url, data={"round": consultation_id, "code": code, "q-q1": "加装电梯"})

    assert again.status_code == 200 and "这次投票替换了您之前的投票" in text(again)
    assert ballots(app, project_id, consultation_id) == 1
    assert event_names(app, project_id).count("BallotCast") == 2
    with app.app_context():
        ballot = runtime().app.get_project(UUID(project_id)).rounds[consultation_id]["ballots"]
    assert ballot["1-1-101"]["answers"] == {"q1": ["加装电梯"]}


def test_several_open_rounds_are_offered_to_choose_keeping_the_code(app, client):
    project_id = register(app)
    first = open_round(app, project_id, title="第一轮")
    open_round(app, project_id, title="第二轮")

    html = text(client.get(f"/projects/{project_id}/vote?code=ABCDE-FGHJK"))

    assert "第一轮" in html and "第二轮" in html
    assert f"consultation={first}" in html and "code=ABCDE-FGHJK" in html


def test_a_wrong_or_foreign_code_is_refused_and_nothing_is_written(app, client):
    project_id = register(app)
    other_id = register(app, name="河海新村")
    consultation_id = open_round(app, project_id)
    issue_codes(app, project_id)
    foreign = issue_codes(app, other_id)["1-1-101"]
    url = f"/projects/{project_id}/vote"
    before = events(app)

    wrong = client.post(url, data={"round": consultation_id, "code": "AAAAA-BBBBB", **GOOD_BALLOT})
    other = client.post(url, data={"round": consultation_id, "code": foreign, **GOOD_BALLOT})
    empty = client.post(url, data={"round": consultation_id, "code": "", **GOOD_BALLOT})
    prefilled = text(client.get(url, query_string={"code": foreign}))

    for response in (wrong, other):
        assert response.status_code == 422
        assert "这个户码与本小区不符" in text(response)
    assert empty.status_code == 422 and "请输入信上的户码" in text(empty)
    assert "这个户码与本小区不符" in prefilled
    assert events(app) == before


def test_a_closed_round_refuses_ballots(app, client):
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    code = issue_codes(app, project_id)["1-1-101"]
    move_clock(app, timedelta(days=8))
    before = events(app)

    response = client.post(
        f"/projects/{project_id}/vote", data={"round": consultation_id, "code": code, **GOOD_BALLOT}
    )
    page = text(client.get(f"/projects/{project_id}/vote?code={code}"))

    assert response.status_code == 409 and "投票已于" in text(response)
    assert "现在没有正在进行的投票" in page
    assert events(app) == before


def test_a_round_not_yet_open_refuses_ballots_naming_its_opening_in_beijing_time(app, client):
    project_id = register(app)
    with app.app_context():
        start = runtime().app.clock().astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    opens = start + timedelta(days=2)
    consultation_id = open_round(
        app, project_id, opens_at=opens, closes_at=opens + timedelta(days=7)
    )
    code = issue_codes(app, project_id)["1-1-101"]
    before = events(app)

    response = client.post(
        f"/projects/{project_id}/vote", data={"round": consultation_id, "code": code, **GOOD_BALLOT}
    )

    when = f"{opens.year}年{opens.month}月{opens.day}日 {opens:%H:%M}"
    assert response.status_code == 409
    assert f"投票将于 {when} 开始" in text(response)
    assert events(app) == before


def test_a_household_outside_the_scope_is_told_so(app, client):
    project_id = register(app)
    consultation_id = open_round(app, project_id, scope={"level": "building", "building": "1"})
    code = issue_codes(app, project_id)["2-1-101"]
    before = events(app)

    response = client.post(
        f"/projects/{project_id}/vote", data={"round": consultation_id, "code": code, **GOOD_BALLOT}
    )

    assert response.status_code == 422
    assert "您家不在本次投票的范围内：本次只限1幢" in text(response)
    assert events(app) == before


def test_missing_required_answers_are_marked_on_the_form(app, client):
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    code = issue_codes(app, project_id)["1-1-101"]
    before = events(app)

    response = client.post(
        f"/projects/{project_id}/vote",
        data={"round": consultation_id, "code": code, "q-q2": "愿意", "q-q3": "9"},
    )

    html = text(response)
    assert response.status_code == 422
    assert 'id="q-q1-errors"' in html and "请回答这个问题" in html
    assert 'id="q-q3-errors"' in html and "请选择 1 到 5 之间的数字" in html
    assert 'value="愿意" checked' in html  # what was chosen stays chosen
    assert events(app) == before


def test_an_intent_vote_asks_for_consent(app, client):
    project_id = register(app)
    consultation_id = open_round(
        app, project_id, questions=[], intent_vote=True, matter="alteration", title="改造意愿征询"
    )
    code = issue_codes(app, project_id)["1-1-101"]
    url = f"/projects/{project_id}/vote"

    form = text(client.get(url, query_string={"code": code}))
    missing = client.post(url, data={"round": consultation_id, "code": code})
    done = client.post(url, data={"round": consultation_id, "code": code, "consent": "agree"})

    assert 'name="consent" value="agree"' in form and "同意" in form and "弃权" in form
    assert missing.status_code == 422 and "请选择同意、不同意或弃权" in text(missing)
    assert done.status_code == 200
    with app.app_context():
        ballot = runtime().app.get_project(UUID(project_id)).rounds[consultation_id]["ballots"]
    assert ballot["1-1-101"]["consent"] == "agree"


def test_the_project_page_offers_opinions_tracking_and_open_votes(app, client):
    project_id = register(app)
    before = text(client.get(f"/projects/{project_id}"))
    consultation_id = open_round(app, project_id)
    after = text(client.get(f"/projects/{project_id}"))

    assert "提意见" in before and "查询意见办理" in before and "参与投票" not in before
    assert f'href="/projects/{project_id}/opinions/new"' in before
    assert 'href="/opinions/track"' in before
    assert (
        "参与投票" in after
        and f"/projects/{project_id}/vote?consultation={consultation_id}" in after
    )


def test_rounds_list_shows_open_upcoming_and_closed_in_beijing_time(app, client):
    project_id = register(app)
    with app.app_context():
        start = runtime().app.clock()
    open_round(app, project_id, title="正在进行")
    open_round(
        app,
        project_id,
        title="即将开始",
        opens_at=start + timedelta(days=1),
        closes_at=start + timedelta(days=2),
    )

    html = text(client.get(f"/projects/{project_id}/consultations"))

    assert "正在进行" in html and "即将开始" in html
    assert "投票中" in html and "尚未开始" in html
    local = (start + timedelta(days=1)).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in html


# ---- staff: rounds, paper ballots, closing ----------------------------------------------------


def test_staff_open_a_round_made_with_the_question_builder(app):
    project_id = register(app)
    staff = signed_in(app, username="zhang")

    page = text(staff.get(f"/staff/projects/{project_id}/consultations/new"))
    response = staff.post(
        f"/staff/projects/{project_id}/consultations/new",
        data={
            "action": "open",
            "kind": "plan",
            "title": "停车方案征询",
            "opens_at": "2026-01-01T09:00",
            "closes_at": "2030-01-31 18:00",
            "level": "building",
            "building": "1",
            "unit": "2",  # ignored: a building round names no unit
            "matter": "alteration",
            "q0_type": "single",
            "q0_text": "您支持哪个方案？",
            "q0_options": "方案一\r\n\r\n方案二\r\n",
            "q0_required": "1",
            "q1_type": "rating",
            "q1_text": "满意程度",
            "q1_options": "",
            "q2_type": "text",
            "q2_text": "其他意见",
            "q2_options": "写了也不算",  # options of a text question are not kept
        },
    )

    assert "type|text" not in page and 'name="q0_type"' in page and "添加一题" in page
    assert response.status_code == 302
    with app.app_context():
        (round_,) = runtime().app.get_project(UUID(project_id)).rounds.values()
    assert response.headers["Location"].endswith(f"/consultations/{round_['round_id']}")
    assert round_["scope"] == {"level": "building", "building": "1", "unit": None}
    assert [(q["type"], q["options"], q["required"]) for q in round_["questions"]] == [
        ("single", ["方案一", "方案二"], True),
        ("rating", [], False),
        ("text", [], False),
    ]
    assert round_["opens_at"].isoformat() == "2026-01-01T09:00:00+08:00"


def test_staff_round_form_names_each_problem_by_its_field(app):
    project_id = register(app)
    staff = signed_in(app, username="zhang")
    before = events(app)

    response = staff.post(
        f"/staff/projects/{project_id}/consultations/new",
        data={
            "action": "open",
            "kind": "needs",
            "title": "",
            "opens_at": "明天",
            "closes_at": "",
            "level": "unit",
            "building": "1",
            "unit": "7",
            "q0_type": "single",
            "q0_text": "只有一个选项",
            "q0_options": "甲",
        },
    )
    fixed = staff.post(
        f"/staff/projects/{project_id}/consultations/new",
        data={
            "action": "open",
            "kind": "needs",
            "title": "需求调查",
            "opens_at": "2026-01-02T09:00",
            "closes_at": "2026-01-01T09:00",
            "level": "unit",
            "building": "1",
            "unit": "7",
            "q0_type": "text",
            "q0_text": "意见",
            "q1_type": "single",
            "q1_text": "只有一个选项",
            "q1_options": "甲",
        },
    )

    assert response.status_code == 422
    assert "请填写日期和时间" in text(response)
    fixed_html = text(fixed)
    assert fixed.status_code == 422
    assert "没有发起征询：请修改标出的内容。" in fixed_html
    assert 'id="q1_options-errors"' in fixed_html and "请给出 2 到 20 个选项" in fixed_html
    assert "须晚于开始时间" in fixed_html and "1幢没有7单元" in fixed_html
    assert events(app) == before


def test_paper_ballot_entered_by_staff_records_channel_paper(app):
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    staff = signed_in(app, username="zhang")

    page = text(staff.get(f"/staff/projects/{project_id}/consultations/{consultation_id}"))
    response = staff.post(
        f"/staff/projects/{project_id}/consultations/{consultation_id}/paper-votes",
        data={"flat_id": "1-2-101", "effective_on": "2026-01-05", "q-q1": "加装电梯"},
        follow_redirects=True,
    )
    refused = staff.post(
        f"/staff/projects/{project_id}/consultations/{consultation_id}/paper-votes",
        data={"flat_id": "1-2-102", "q-q2": "愿意"},
        follow_redirects=True,
    )

    assert '<option value="1-2-101">1幢2单元101室</option>' in page
    assert "1幢2单元101室的纸质选票已录入" in text(response)
    assert "1幢2单元101室 — 已投票" in text(response)
    assert "请回答这个问题" in text(refused)
    (ballot,) = [e for e in stored_events(app, project_id) if type(e).__name__ == "BallotCast"]
    assert ballot.channel == "paper" and ballot.actor_id == "user:zhang"
    assert ballot.effective_on.isoformat() == "2026-01-05"
    assert ballots(app, project_id, consultation_id) == 1


def test_a_paper_ballot_of_a_household_outside_the_scope_is_refused_by_name(app):
    project_id = register(app)
    consultation_id = open_round(app, project_id, scope={"level": "building", "building": "1"})
    staff = signed_in(app, username="zhang")
    before = events(app)

    refused = staff.post(
        f"/staff/projects/{project_id}/consultations/{consultation_id}/paper-votes",
        data={"flat_id": "2-1-101", **GOOD_BALLOT},
        follow_redirects=True,
    )

    assert "2幢1单元101室不在本轮征询的范围内" in text(refused)
    assert events(app) == before


def test_closing_a_round_publishes_its_result(app, client):
    project_id = register(app)
    with app.app_context():
        walk(runtime().app, UUID(project_id), "intent_vote")
        runtime().catch_up()
    consultation_id = open_round(
        app, project_id, questions=[], intent_vote=True, matter="alteration", title="改造意愿征询"
    )
    codes = issue_codes(app, project_id)
    for flat_id in ["1-1-101", "1-1-102", "1-1-201", "1-2-101", "1-2-102", "2-1-101"]:
        client.post(
            f"/projects/{project_id}/vote",
            data={"round": consultation_id, "code": codes[flat_id], "consent": "agree"},
        )
    staff = signed_in(app, username="zhang")
    early = staff.get(f"/staff/projects/{project_id}/consultations/{consultation_id}/close/confirm")
    move_clock(app, timedelta(days=8))

    live = text(staff.get(f"/staff/projects/{project_id}/consultations/{consultation_id}"))
    closed = confirmed(
        staff,
        f"/staff/projects/{project_id}/consultations/{consultation_id}/close/confirm",
        follow_redirects=True,
    )
    public = text(client.get(f"/projects/{project_id}/consultations/{consultation_id}"))
    listed = text(client.get(f"/projects/{project_id}/consultations"))

    assert "本轮开放至" in text(early) and "之后才能结束" in text(early)
    assert "结束本轮并公布结果" in live
    assert "本轮已结束，结果已公布" in text(closed)
    assert "通过：居民同意" in public
    assert "参与表决专有面积占比" in public and "同意人数占参与表决人数" in public
    assert "5/5 = 100.00%" in public and "7 户中的 6 户" in public
    assert "已结束" in listed and "查看结果" in listed
    with app.app_context():
        assert runtime().app.get_project(UUID(project_id)).stage == "in_plan"


def test_a_closed_needs_survey_shows_participation_and_counts(app, client):
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    codes = issue_codes(app, project_id)
    for flat_id, choice in [
        ("1-1-101", "雨污管网"),
        ("1-1-102", "雨污管网"),
        ("2-1-101", "加装电梯"),
    ]:
        client.post(
            f"/projects/{project_id}/vote",
            data={"round": consultation_id, "code": codes[flat_id], "q-q1": choice, "q-q3": "3"},
        )
    move_clock(app, timedelta(days=8))
    with app.app_context():
        runtime().app.close_consultation(UUID(project_id), consultation_id, actor=STAFF)
        runtime().catch_up()

    html = text(client.get(f"/projects/{project_id}/consultations/{consultation_id}"))

    assert "参与户数" in html and "7 户中的 3 户" in html
    assert "按人数" in html and "按面积" in html
    assert re.search(
        r'<span class="bar-label">雨污管网</span>\s*<span class="bar-count">2</span>', html
    )
    assert "平均 3.00 分（满分 5 分）" in html


def test_hold_intent_vote_helper_result_shows_on_staff_round_page(app):
    project_id = register(app)
    with app.app_context():
        walk(runtime().app, UUID(project_id), "intent_vote")
        hold_intent_vote(runtime().app, UUID(project_id), agree=False)
        runtime().catch_up()
        (consultation_id,) = runtime().app.get_project(UUID(project_id)).rounds
    staff = signed_in(app, username="zhang")

    html = text(staff.get(f"/staff/projects/{project_id}/consultations/{consultation_id}"))

    assert "未通过" in html and "✗" in html


def test_staff_of_another_district_cannot_run_this_projects_rounds(app):
    project_id = register(app)
    outsider = signed_in(app, username="li", districts=("天宁区",))

    assert outsider.get(f"/staff/projects/{project_id}/consultations").status_code == 403
    assert outsider.get(f"/staff/projects/{project_id}/opinions").status_code == 403
    assert (
        outsider.post(
            f"/staff/projects/{project_id}/household-codes", data={"building": "1"}
        ).status_code
        == 403
    )


def test_console_links_each_project_to_its_opinions_and_rounds(app):
    project_id = register(app)
    staff = signed_in(app, username="zhang")

    html = text(staff.get("/staff"))

    assert f'href="/staff/projects/{project_id}/opinions"' in html
    assert f'href="/staff/projects/{project_id}/consultations"' in html


# ---- household-code sheets --------------------------------------------------------------------


def test_issuing_codes_returns_the_printable_sheet(app):
    project_id = register(app)
    staff = signed_in(app, username="zhang")
    before = events(app)

    page = text(staff.get(f"/staff/projects/{project_id}/household-codes"))
    response = confirmed(staff, f"/staff/projects/{project_id}/household-codes/confirm?building=2")

    assert "1幢" in page and "2幢" in page
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert response.headers["Cache-Control"] == "no-store"
    assert events(app) == before + 1


def test_the_sheet_context_has_one_slip_a_flat_with_its_voting_link(app, monkeypatch):
    import renovation.web.pages.household_codes as pages
    from renovation.reports.household_codes import render_household_code_sheet

    seen: dict[str, Any] = {}

    def render(context: dict[str, Any]) -> bytes:  # the real renderer, context kept to check
        seen["context"] = context
        return render_household_code_sheet(context)

    monkeypatch.setattr(pages, "render_household_code_sheet", render)
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    staff = signed_in(app, username="zhang")

    response = confirmed(staff, f"/staff/projects/{project_id}/household-codes/confirm?building=1")

    context = seen["context"]
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert context["project"] == {
        "id": project_id,
        "name": "凤凰新村",
        "district": "清江浦区",
        "street": "浦楼街道",
    }
    assert context["building"] == "1" and context["lang"] == "zh" and context["position"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", context["issued_at"])
    assert [f["flat_id"] for f in context["flats"]] == [
        "1-1-101",
        "1-1-102",
        "1-1-201",
        "1-1-202",
        "1-2-101",
        "1-2-102",
    ]
    slip = context["flats"][0]
    # The code rides in the fragment, which no browser sends: never in a query string.
    assert slip["vote_url"] == f"http://localhost/projects/{project_id}/vote#code={slip['code']}"
    assert "?code=" not in slip["vote_url"]
    # The printed code works on the voting page.
    done = staff.post(
        f"/projects/{project_id}/vote",
        data={"round": consultation_id, "code": slip["code"], **GOOD_BALLOT},
    )
    assert done.status_code == 200 and ballots(app, project_id, consultation_id) == 1


# ---- language, CSRF ------------------------------------------------------------------------------


def test_resident_pages_in_english_with_lang_en(app, client):
    project_id = register(app)
    open_round(app, project_id)

    form = text(client.get(f"/projects/{project_id}/opinions/new?lang=en"))
    vote = text(client.get(f"/projects/{project_id}/vote"))  # the choice is remembered
    lookup = text(client.get("/opinions/track"))

    assert '<html lang="en">' in form
    assert "Give an opinion" in form and "At most 2000 characters." in form
    assert "Only the housing bureau's staff can see" in form
    assert '<option value="lift">Lift retrofit</option>' in form
    assert "Household code" in vote and "Send my vote" in vote and "Tick all that apply." in vote
    assert "Track an opinion" in lookup and "提意见" not in form


def test_forms_need_the_csrf_token(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    try:
        project_id = register(app)
        client = app.test_client()
        before = events(app)

        refused = client.post(
            f"/projects/{project_id}/opinions/new", data={"category": "other", "text": "你好"}
        )
        after_refusal = events(app)
        page = text(client.get(f"/projects/{project_id}/opinions/new"))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        accepted = client.post(
            f"/projects/{project_id}/opinions/new",
            data={"category": "other", "text": "你好", "csrf_token": token},
        )

        assert refused.status_code == 400 and after_refusal == before
        assert accepted.status_code == 200 and "请记下您的查询码" in text(accepted)
    finally:
        app.extensions["renovation"].close()


def test_addresses_of_earlier_releases_lead_to_todays(app, client):
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    staff = signed_in(app, username="zhang")

    public = client.get(f"/projects/{project_id}/rounds/{consultation_id}?lang=zh")
    assert public.status_code == 301
    assert public.headers["Location"].endswith(
        f"/projects/{project_id}/consultations/{consultation_id}?lang=zh"
    )
    listed = client.get(f"/projects/{project_id}/rounds", follow_redirects=True)
    assert listed.status_code == 200 and listed.request.path.endswith("/consultations")
    codes = staff.get(f"/staff/projects/{project_id}/codes", follow_redirects=True)
    assert codes.status_code == 200 and codes.request.path.endswith("/household-codes")
    # A voting link from an earlier release names the consultation as "round".
    old_vote = text(client.get(f"/projects/{project_id}/vote?round={consultation_id}"))
    new_vote = text(client.get(f"/projects/{project_id}/vote?consultation={consultation_id}"))
    assert f'name="consultation" value="{consultation_id}"' in old_vote
    assert f'name="consultation" value="{consultation_id}"' in new_vote
    # The staff page behind an old address still asks who is there.
    anonymous = app.test_client().get(f"/staff/projects/{project_id}/codes", follow_redirects=True)
    assert anonymous.request.path == "/login"
