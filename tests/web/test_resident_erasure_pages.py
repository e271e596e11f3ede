"""An admin erases an opinion sender's details from its page, through a confirmation; staff
cannot, and a post without the confirmation's token writes nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from renovation.domain.project import Actor
from renovation.projections.queries import find_opinion
from renovation.web import runtime
from tests.helpers import confirmation_form, confirmed, signed_in
from tests.web.test_participation_pages import events, register, text

RESIDENT = Actor("resident", "resident", "web")
PHONE = "13912345678"


@pytest.fixture(name="app")
def _app(pages_app):
    return pages_app


def send(app, project_id: str, **personal) -> str:
    from uuid import UUID

    data = {"category": "safety", "text": "楼道堆物", "building": "1", "unit": "2", **personal}
    with app.app_context():
        rt = runtime()
        oid = rt.app.submit_opinion(UUID(project_id), data, actor=RESIDENT).value["opinion_id"]
        rt.catch_up()
    return oid


def key_of(app, oid: str) -> str | None:
    with app.app_context():
        return find_opinion(runtime().engine, opinion_id=oid)["personal_key_id"]


def test_an_admin_erases_a_senders_details_for_all_their_opinions(app):
    project_id = register(app)
    first = send(app, project_id, flat="101", contact=PHONE)
    second = send(app, project_id, flat="101")
    neighbour = send(app, project_id, flat="102", contact="13700000000")
    admin = signed_in(app, "admin", districts=())
    page = f"/staff/projects/{project_id}/opinions/{first}"
    assert PHONE in text(admin.get(page))
    assert 'id="erasure"' in text(admin.get(page))
    confirm = f"{page}/erasure/confirm?reason=本人申请"

    html = text(admin.get(confirm))
    assert "删除这位居民的个人信息？" in html and "原因：本人申请" in html
    assert "将被删除个人信息的意见：2 条" in html and "此操作无法撤销" in html
    done = confirmed(admin, confirm, follow_redirects=True)

    assert done.status_code == 200 and "提交人的个人信息已删除。" in text(done)
    assert PHONE not in text(done) and "已删除" in text(done)
    assert key_of(app, first) is None and key_of(app, second) is None
    assert key_of(app, neighbour) is not None


def test_staff_see_no_erasure_and_are_refused_and_an_unconfirmed_post_writes_nothing(app):
    project_id = register(app)
    oid = send(app, project_id, flat="101", contact=PHONE)
    page = f"/staff/projects/{project_id}/opinions/{oid}"
    staff = signed_in(app, username="zhang")
    assert PHONE in text(staff.get(page)) and 'id="erasure"' not in text(staff.get(page))
    assert staff.get(f"{page}/erasure/confirm?reason=x").status_code == 403
    assert staff.post(f"{page}/erasure", data={"reason": "x"}).status_code == 403

    admin = signed_in(app, "admin", districts=())
    no_reason = admin.get(f"{page}/erasure/confirm?reason=")
    assert no_reason.status_code == 302 and no_reason.location.endswith("#erasure")
    action, form = confirmation_form(admin, f"{page}/erasure/confirm?reason=本人申请")
    before = events(app)
    bare = admin.post(action, data={k: v for k, v in form.items() if k != "confirmation"})
    assert bare.status_code == 400 and 'data-code="confirmation_missing"' in text(bare)
    assert events(app) == before and key_of(app, oid) is not None
    missing = admin.get(f"/staff/projects/{project_id}/opinions/ffffffffffffffff/erasure/confirm")
    assert missing.status_code == 404
