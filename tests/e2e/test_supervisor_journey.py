"""A resident supervisor on a phone, in the real browser (Debian's chromium via Playwright),
against a real server process: sign in, find the rectification item waiting for review, send
it back with a reason once, then sign it off when the work is reported done again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from playwright.sync_api import expect

from renovation import accounts
from renovation.projections.store import get_acceptance
from renovation.runtime import Runtime
from tests.conftest import STAFF, registration, walk
from tests.e2e.conftest import PHONE, start_server, stop_server
from tests.helpers import record_acceptance

pytestmark = pytest.mark.e2e
PASSWORD = "监督员-2026-pass"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A project in rectification: one item, co-approved by a resident supervisor with an
    account, reported done and waiting for review."""
    tmp = tmp_path_factory.mktemp("e2e-supervisor")
    url = f"sqlite:///{tmp}/events.sqlite"
    runtime = Runtime(url)
    runtime.create_tables()
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    walk(app, pid, "acceptance_inspection")
    sid = app.appoint_supervisor(
        pid, {"name": "王秀英", "role_label": "2幢居民监督员"}, actor=STAFF
    ).value["supervisor_id"]
    (item,) = record_acceptance(
        app,
        pid,
        actor=STAFF,
        conclusion="passed_with_rectification",
        defects=[
            {
                "what": "2幢屋面防水层起鼓",
                "building": "2",
                "unit": "1",
                "responsible": "construction",
                "due_on": app.today() + timedelta(days=10),
                "supervisors": [sid],
            }
        ],
    )
    app.transition_project(pid, "rectification", actor=STAFF)
    app.rectification_step(pid, item, "ready", {"note": "已重做防水层"}, actor=STAFF)
    accounts.add_supervisor_account(
        runtime.engine, "wangxy", PASSWORD, project_id=str(pid), supervisor_id=sid
    )
    runtime.catch_up()
    runtime.close()
    server, base, log = start_server(url, tmp)
    yield {"base": base, "project_id": str(pid), "item": item, "url": url, "shots": tmp}
    stop_server(server, log)


def item_status(site) -> dict:
    runtime = Runtime(site["url"])
    try:
        return get_acceptance(runtime.engine, site["project_id"])["items"][site["item"]]
    finally:
        runtime.close()


def test_a_supervisor_sends_an_item_back_then_signs_it_off_on_a_phone(site, phone):
    phone.goto(f"{site['base']}/login")
    phone.fill("#username", "wangxy")
    phone.fill("#password", PASSWORD)
    phone.get_by_role("button", name="登录").click()
    expect(phone.locator("h1")).to_contain_text("凤凰新村")
    expect(phone.locator("body")).to_contain_text("有 1 项等待您复查")
    item = phone.locator(f"#item-{site['item']}")
    expect(item).to_contain_text("2幢屋面防水层起鼓")
    expect(item).to_contain_text("已重做防水层")

    # Sending it back needs a reason: the empty form is refused next to the field.
    item.get_by_text("整改不到位？退回重改").click()
    item.get_by_role("button", name="退回重改").click()
    expect(phone.locator(".field-errors").first).to_be_visible()
    assert item_status(site)["status"] == "ready_for_review"
    phone.locator(f"#reopen-{site['item']}-reason").fill("檐口处仍有积水")
    phone.locator(f"#item-{site['item']}").get_by_role("button", name="退回重改").click()
    expect(phone.locator("body")).to_contain_text("该项已退回")
    assert item_status(site)["status"] == "work_required"

    # The unit reports the work done again (staff, by the application).
    runtime = Runtime(site["url"])
    runtime.app.rectification_step(
        UUID(site["project_id"]),
        site["item"],
        "ready",
        {"note": "檐口已疏通"},
        actor=STAFF,
    )
    runtime.catch_up()
    runtime.close()

    phone.reload()
    item = phone.locator(f"#item-{site['item']}")
    expect(item).to_contain_text("檐口已疏通")
    item.get_by_role("button", name="签认：已整改到位").click()
    expect(phone.locator("body")).to_contain_text("签认已记录")
    row = item_status(site)
    assert row["approved_by"] == ["supervisor-1"]
    assert [h["on_behalf"] for h in row["history"] if h["status"] == "approved"] == [False]

    # An inspection note with a photo taken on the phone.
    from PIL import Image

    photo = Path(site["shots"]) / "roof.jpg"
    Image.new("RGB", (800, 600), (90, 110, 130)).save(photo, "JPEG")
    phone.locator("#note-text").fill("屋面已无积水")
    phone.locator("#note-photos").set_input_files(str(photo))
    phone.get_by_role("button", name="记录意见").click()
    expect(phone.locator("body")).to_contain_text("巡查记录已保存")
    expect(phone.locator("#notes img").first).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    phone.screenshot(path=str(Path(site["shots"]) / "supervisor-signed.png"), full_page=True)
