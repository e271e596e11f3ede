"""A resident on a phone, in the real browser: Debian's chromium driven by Playwright.

Against a real server process (gunicorn) on SQLite: open the project page, send an opinion,
read its tracking page, then vote with the household code from the printed slip's QR link.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from renovation.application.household_codes import load_code_key
from renovation.runtime import Runtime
from tests.conftest import STAFF, project_payload, registration, walk
from tests.e2e.conftest import PHONE, start_server, stop_server

pytestmark = pytest.mark.e2e


def under_construction_with_a_late_milestone(app):
    """A second project under construction: a milestone a quarter built, due five days ago."""
    project_id = app.register_project(
        registration(project_payload(name="富丽花园")), actor=STAFF
    ).project_id
    walk(app, project_id, "in_plan")
    today = app.today()
    milestone_id = app.plan_milestone(
        project_id,
        {
            "name": "一期雨污分流",
            "item_id": "item-1",
            "quantity": Decimal("600"),
            "planned_start": today - timedelta(days=60),
            "planned_finish": today - timedelta(days=5),
        },
        actor=STAFF,
    ).value["milestone_id"]
    walk(app, project_id, "under_construction")
    app.report_milestone_progress(
        project_id,
        milestone_id,
        {"done_quantity": Decimal("150"), "on_date": today - timedelta(days=10)},
        actor=STAFF,
    )
    return project_id


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server with one project, an open needs survey and household codes for building 1."""
    tmp = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{tmp}/events.sqlite"
    # The server's instance folder, whose household-code key the server will read too.
    runtime = Runtime(url, code_key=load_code_key(tmp / "instance"))
    runtime.create_tables()
    app = runtime.app
    project_id = app.register_project(registration(), actor=STAFF).project_id
    now = datetime.now(UTC)
    app.open_consultation(
        project_id,
        {
            "kind": "needs",
            "title": "改造需求调查",
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(days=7),
            "scope": {"level": "community"},
            "questions": [
                {
                    "type": "single",
                    "text": "最希望改造什么？",
                    "options": ["雨污管网", "加装电梯"],
                    "required": True,
                },
            ],
        },
        actor=STAFF,
    )
    codes = app.issue_household_codes(project_id, building="1", actor=STAFF).value
    building = under_construction_with_a_late_milestone(app)
    runtime.catch_up()
    runtime.close()
    server, base, log = start_server(url, tmp)
    yield {
        "base": base,
        "project_id": str(project_id),
        "building_id": str(building),
        "codes": codes,
        "url": url,
        "shots": tmp,
    }
    stop_server(server, log)


def test_a_resident_sends_an_opinion_and_follows_it(site, phone):
    phone.goto(f"{site['base']}/projects/{site['project_id']}")
    expect(phone.locator("h1")).to_contain_text("凤凰新村")
    phone.get_by_role("link", name="提意见").first.click()
    phone.select_option("#category", "construction")
    phone.fill("#text", "施工车辆早上六点就进小区，噪音太大，希望七点以后再进场。")
    phone.fill("#contact", "13800000000")
    phone.get_by_role("button", name="提交意见").click()
    expect(phone.locator(".code-note")).to_contain_text("查询码")
    code = phone.locator(".code-big").inner_text().replace("\n", "").replace(" ", "")
    assert len(code) == 8
    phone.screenshot(path=str(Path(site["shots"]) / "opinion-done.png"), full_page=True)
    # Keeping the code: the QR code to the tracking page is drawn, the receipt is offered,
    # and the copy button (shown by its script on this secure loopback page) copies the code.
    qr = phone.locator(".tracking-qr img")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0
    expect(phone.get_by_role("link", name="保存回执（PDF）")).to_be_visible()
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"])
    phone.get_by_role("button", name="复制查询码").click()
    expect(phone.locator("#copy-status")).to_have_text("已复制")
    assert phone.evaluate("navigator.clipboard.readText()") == code

    # Later, on the tracking page, typed by hand in lower case.
    phone.goto(f"{site['base']}/opinions/track")
    phone.fill("#code", code.lower())
    phone.get_by_role("button", name="查询").click()
    expect(phone.locator("body")).to_contain_text("施工车辆早上六点")
    expect(phone.locator("body")).to_contain_text("办理中")
    # The contact stays private.
    assert "13800000000" not in phone.content()


def test_a_household_votes_with_its_code_from_the_qr_link(site, phone):
    code = site["codes"]["1-1-101"]
    sent: list[str] = []
    phone.on("request", lambda r: sent.append(r.url))
    # The slip's link: the code in the fragment, which the browser never sends; the page's
    # script fills the field and clears the fragment from the address bar.
    phone.goto(f"{site['base']}/projects/{site['project_id']}/vote#code={code}")
    # The script checks the code at once (sent in a form's body, never in an address).
    expect(phone.locator(".code-ok")).to_be_visible()
    expect(phone.locator("#code")).to_have_value(code)
    assert phone.url == f"{site['base']}/projects/{site['project_id']}/vote"
    assert not [u for u in sent if code in u], sent
    expect(phone.locator(".voted-before")).to_have_count(0)
    phone.get_by_text("加装电梯", exact=True).click()
    phone.get_by_role("button", name="提交投票").click()
    expect(phone.locator("body")).to_contain_text("投票已记录")
    phone.screenshot(path=str(Path(site["shots"]) / "vote-done.png"), full_page=True)

    # Reopening the slip's link later (from another page: the same address with a new fragment
    # would not load anew): the page says when the household voted, its choice ticked.
    phone.goto(f"{site['base']}/projects/{site['project_id']}")
    phone.goto(f"{site['base']}/projects/{site['project_id']}/vote#code={code}")
    expect(phone.locator(".voted-before")).to_contain_text("您已于")
    expect(phone.locator(".voted-before")).to_contain_text("新的投票将替换之前的投票")
    expect(phone.get_by_label("加装电梯", exact=True)).to_be_checked()
    expect(phone.get_by_label("雨污管网", exact=True)).not_to_be_checked()
    phone.screenshot(path=str(Path(site["shots"]) / "vote-again.png"), full_page=True)

    # An older slip's link (?code=) still fills the form, then leaves the address bar.
    phone.goto(f"{site['base']}/projects/{site['project_id']}/vote?code={code}")
    expect(phone.locator("#code")).to_have_value(code)
    expect(phone.locator(".code-ok")).to_be_visible()
    assert phone.url == f"{site['base']}/projects/{site['project_id']}/vote"

    # A mistyped code is refused with a clear message, and nothing is stored.
    phone.goto(f"{site['base']}/projects/{site['project_id']}/vote")
    phone.fill("#code", "AAAAA-BBBBB")
    phone.get_by_text("雨污管网", exact=True).click()
    phone.get_by_role("button", name="提交投票").click()
    expect(phone.locator("body")).to_contain_text("户码")
    runtime = Runtime(site["url"])
    project = runtime.app.get_project(uuid.UUID(site["project_id"]))
    ballots = next(iter(project.rounds.values()))["ballots"]
    runtime.close()
    assert list(ballots) == ["1-1-101"]
    assert ballots["1-1-101"]["answers"] == {"q1": "加装电梯"}


def test_a_resident_sees_how_far_the_works_have_come_and_what_is_late(site, phone):
    phone.goto(f"{site['base']}/projects/{site['building_id']}")
    section = phone.locator("#milestones")
    expect(section).to_be_visible()
    expect(section.locator(".milestone-name")).to_have_text("一期雨污分流")
    expect(section.locator(".progress-percent")).to_have_text("25%")
    expect(section.locator(".progress-quantity")).to_contain_text("150 / 600 m")
    # The bar is drawn by the stylesheet alone (no inline style): a quarter of its track, red.
    bar = section.locator(".milestone .progress-bar").first
    track, drawn = bar.bounding_box(), bar.locator(".bar-fill").bounding_box()
    assert track and drawn and abs(drawn["width"] / track["width"] - 0.25) < 0.02, (track, drawn)
    fill = bar.locator(".bar-fill").evaluate("e => getComputedStyle(e).fill")
    assert fill not in ("rgb(0, 0, 0)", "none"), fill
    # Late is said in words, not by colour alone.
    expect(section.locator(".milestone-alert")).to_contain_text("一期雨污分流")
    expect(section.locator(".overdue-flag")).to_be_visible()
    phone.screenshot(path=str(Path(site["shots"]) / "milestones.png"), full_page=True)


def test_the_pages_fit_a_phone_without_sideways_scrolling(site, phone):
    # The Content-Security-Policy forbids inline script and style: nothing may be refused.
    refused: list[str] = []
    phone.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    for path in (
        "/",
        f"/projects/{site['project_id']}",
        f"/projects/{site['building_id']}",
        f"/projects/{site['project_id']}/opinions/new",
        "/opinions/track",
    ):
        phone.goto(site["base"] + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        size = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 16, (path, size)
    assert refused == []
