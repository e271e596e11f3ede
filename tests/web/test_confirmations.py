"""Steps that cannot be undone go through a confirmation page: it says what will happen and
what is checked, and its button posts a one-time token; a post without one is refused with its
code and nothing is written. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from renovation.web import runtime
from tests.conftest import STAFF, walk
from tests.helpers import confirmation_form, confirmed, signed_in
from tests.web import test_lift_pages as lifts
from tests.web.test_participation_pages import (
    events,
    move_clock,
    open_round,
    register,
    text,
)


@pytest.fixture(name="app")
def _app(pages_app):
    return pages_app


@pytest.fixture
def staff(app):
    return signed_in(app, username="zhang")


def stage(app, project_id: str) -> str:
    with app.app_context():
        return runtime().app.get_project(UUID(project_id)).stage


def refused(response, status: int, code: str) -> bool:
    html = text(response)
    return (
        response.status_code == status and f'data-code="{code}"' in html and "未做任何更改" in html
    )


# ---- stage moves from the console ---------------------------------------------------------------


def test_a_console_button_opens_a_confirmation_that_names_the_move_and_its_gate(app, staff):
    project_id = register(app)
    console = text(staff.get("/staff"))
    url = f"/staff/projects/{project_id}/transitions/confirm?to_stage=needs_survey"

    page = text(staff.get(url))

    assert url in console.replace("&amp;", "&") or "to_stage=needs_survey" in console
    assert "「凤凰新村」将从「已登记」阶段进入「问需（需求调查）」阶段" in page
    assert "此操作无法撤销" in page and "条件：" in page and "✓" in page
    assert 'name="confirmation"' in page and stage(app, project_id) == "registered"


def test_a_move_posted_without_its_token_is_refused_with_a_code_and_nothing_written(app, staff):
    project_id = register(app)
    action, form = confirmation_form(
        staff, f"/staff/projects/{project_id}/transitions/confirm?to_stage=needs_survey"
    )
    before = events(app)

    bare = staff.post(action, data={k: v for k, v in form.items() if k != "confirmation"})
    forged = staff.post(action, data={**form, "confirmation": "made-up"})
    other_stage = staff.post(action, data={**form, "to_stage": "intent_vote"})

    assert refused(bare, 400, "confirmation_missing")
    assert "这一步无法撤销：请先在确认页上确认" in text(bare)
    assert refused(forged, 400, "confirmation_missing")
    assert refused(other_stage, 400, "confirmation_missing")
    assert events(app) == before and stage(app, project_id) == "registered"


def test_a_token_serves_once_and_goes_stale_when_the_project_changes(app, staff):
    project_id = register(app)
    action, form = confirmation_form(
        staff, f"/staff/projects/{project_id}/transitions/confirm?to_stage=needs_survey"
    )
    with app.app_context():  # someone else moves it meanwhile, and back is not possible
        runtime().app.transition_project(UUID(project_id), "needs_survey", actor=STAFF)
        runtime().catch_up()
    before = events(app)

    late = staff.post(action, data=form)

    assert refused(late, 409, "confirmation_stale") and "确认已失效" in text(late)
    assert events(app) == before


def test_a_closed_gate_shows_its_missing_facts_and_offers_no_button(app, staff):
    project_id = register(app)
    with app.app_context():
        walk(runtime().app, UUID(project_id), "intent_vote")
        runtime().catch_up()

    page = text(staff.get(f"/staff/projects/{project_id}/transitions/confirm?to_stage=in_plan"))

    assert "✗" in page and "现在无法进行" in page and "confirm-form" not in page


def test_a_confirmed_move_is_made_once(app, staff):
    project_id = register(app)

    done = confirmed(
        staff,
        f"/staff/projects/{project_id}/transitions/confirm?to_stage=needs_survey",
        follow_redirects=True,
    )

    assert "已进入「问需（需求调查）」阶段" in text(done)
    assert stage(app, project_id) == "needs_survey"


def test_an_unknown_stage_or_another_district_has_no_confirmation_page(app):
    project_id = register(app)
    outsider = signed_in(app, username="li", districts=("天宁区",))
    staff = signed_in(app, username="zhang")

    unknown = staff.get(f"/staff/projects/{project_id}/transitions/confirm?to_stage=demolished")
    foreign = outsider.get(
        f"/staff/projects/{project_id}/transitions/confirm?to_stage=needs_survey"
    )

    assert unknown.status_code == 404 and foreign.status_code == 403


# ---- closing a round ----------------------------------------------------------------------------


def test_closing_a_round_is_confirmed_with_its_window_and_turnout(app):
    project_id = register(app)
    consultation_id = open_round(app, project_id)
    staff = signed_in(app, username="zhang")
    url = f"/staff/projects/{project_id}/consultations/{consultation_id}/close/confirm"
    early = text(staff.get(url))
    move_clock(app, timedelta(days=8))
    page = text(staff.get(url))
    action, form = confirmation_form(staff, url)
    before = events(app)

    bare = staff.post(action, data={"command_id": form["command_id"]})
    written = events(app) - before
    done = staff.post(action, data=form, follow_redirects=True)

    assert "confirm-form" not in early and "本轮开放至" in early
    assert "不再接受投票" in page and "7 户中已有 0 户投票" in page and "投票已于" in page
    assert refused(bare, 400, "confirmation_missing") and written == 0
    assert "本轮已结束，结果已公布" in text(done)
    with app.app_context():
        assert runtime().app.get_project(UUID(project_id)).rounds[consultation_id]["closed"]


# ---- lifts: closing the poll, abandoning --------------------------------------------------------


def test_closing_a_lift_poll_needs_its_confirmation(app):
    project_id = lifts.register(app)
    lifts.propose(app, project_id, lifts.VOTES)
    staff = signed_in(app, username="zhang")
    page = f"/staff/projects/{project_id}/lifts/{lifts.LIFT}"
    lifts.move_clock(app, timedelta(days=11))
    before = events(app)

    bare = staff.post(f"{page}/close-poll", data={"command_id": "a" * 32})
    confirm = text(staff.get(f"{page}/close-poll/confirm"))

    assert refused(bare, 400, "confirmation_missing") and events(app) == before
    assert "第二百七十八条" in confirm and "投票截止时间" in confirm
    assert "同意 10 户 · 反对 1 户 · 弃权 1 户 · 未表决 0 户" in confirm
    closed = confirmed(staff, f"{page}/close-poll/confirm", follow_redirects=True)
    assert "通过" in text(closed)
    assert lifts.lift_state(app, project_id)["stage"] == "consent_passed"


def test_abandoning_a_lift_is_its_own_confirmed_action_not_a_stage_to_choose(app):
    project_id = lifts.register(app)
    lifts.propose(app, project_id, lifts.VOTES)
    lifts.close_poll(app, project_id)
    lifts.to_public_notice(app, project_id)
    staff = signed_in(app, username="zhang")
    page = f"/staff/projects/{project_id}/lifts/{lifts.LIFT}"
    before = events(app)

    html = text(staff.get(page))
    selector = html[html.index('<select id="to_stage"') : html.index("</select>")]
    no_reason = staff.get(f"{page}/abandon/confirm?reason=", follow_redirects=True)
    confirm = text(staff.get(f"{page}/abandon/confirm?reason=一层住户诉讼"))
    by_selector = staff.post(
        f"{page}/transitions", data={"to_stage": "abandoned", "details-reason": "撤回"}
    )
    bare = staff.post(f"{page}/abandon", data={"reason": "撤回", "command_id": "b" * 32})

    assert 'value="abandoned"' not in selector and 'id="abandon-heading"' in html
    assert "请说明终止加装的原因" in text(no_reason)
    assert "永久终止" in confirm and "一层住户诉讼" in confirm and "公示期至" in confirm
    assert refused(by_selector, 400, "confirmation_missing")
    assert refused(bare, 400, "confirmation_missing")
    assert events(app) == before and lifts.lift_state(app, project_id)["stage"] == "public_notice"

    done = confirmed(staff, f"{page}/abandon/confirm?reason=一层住户诉讼", follow_redirects=True)

    assert "加装电梯已终止" in text(done)
    state = lifts.lift_state(app, project_id)
    assert state["stage"] == "abandoned"
    assert state["details"]["abandoned"]["reason"] == "一层住户诉讼"


# ---- household codes ----------------------------------------------------------------------------


def test_reissuing_codes_is_confirmed_and_lists_the_slips_it_voids(app, staff):
    project_id = register(app)
    url = f"/staff/projects/{project_id}/household-codes/confirm?building=2"
    first = text(staff.get(url))
    confirmed(staff, url)
    listing = text(staff.get(f"/staff/projects/{project_id}/household-codes"))
    again = text(staff.get(url))
    action, _form = confirmation_form(staff, url)
    before = events(app)

    bare = staff.post(action, data={"building": "2"})

    assert "没有通知单作废" in first
    assert "已于" in listing and "共 1 张通知单" in listing  # the flash: building 2, when
    row = listing[listing.index('id="building-2"') :]
    assert "1 户，最近一次于" in row[: row.index("</tr>")]
    assert "将作废的通知单" in again and "2幢1单元101室：" in again and "发放的通知单" in again
    assert refused(bare, 400, "confirmation_missing") and events(app) == before


def test_an_unknown_building_has_no_confirmation(app, staff):
    project_id = register(app)
    codes = f"/staff/projects/{project_id}/household-codes"

    assert staff.get(f"{codes}/confirm?building=9").status_code == 404
    assert staff.post(codes, data={"building": "9"}).status_code == 302


def test_issuing_codes_says_the_sheet_is_being_made_once_pressed(app, staff):
    project_id = register(app)
    codes = text(staff.get(f"/staff/projects/{project_id}/household-codes/confirm?building=2"))
    move_url = f"/staff/projects/{project_id}/transitions/confirm?to_stage=needs_survey"
    move = text(staff.get(move_url))
    with staff.get("/static/js/confirm-working.js") as script:
        served, body = script.status_code, script.data

    # hidden until the form is sent; the script (a file: the CSP allows no inline script)
    # shows it and disables the button so the codes are not issued twice
    notice = codes[codes.index('id="confirm-working"') :]
    assert notice[: notice.index(">")].rstrip().endswith("hidden")
    assert "正在生成户码通知单（PDF）…" in notice[: notice.index("</p>")]
    assert codes.index("confirm-form") < codes.index('id="confirm-working"')  # in the form
    assert "js/confirm-working.js" in codes
    assert served == 200 and b"button.disabled = true" in body
    # other confirmations answer at once: no notice, no script
    assert 'name="confirmation"' in move and "confirm-working" not in move
