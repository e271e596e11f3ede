"""Staff on a desktop, in the real browser (Debian's chromium via Playwright), against a real
server process: build a round with the question builder (add, move, remove, no syntax), open
it; a household answers in its own words on a phone; staff read the written answer back and
mark it taken up into the plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from renovation import accounts
from renovation.application.household_codes import load_code_key
from renovation.runtime import Runtime
from tests.conftest import STAFF, registration
from tests.e2e.conftest import start_server, stop_server

pytestmark = pytest.mark.e2e
PASSWORD = "住建局-2026-pass"
DESKTOP = {"width": 1280, "height": 900}
WRITTEN = "楼道灯坏了半年，晚上回家很不方便，请尽快修理。"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A registered project, a staff account of its district, household codes of building 1."""
    tmp = tmp_path_factory.mktemp("e2e-builder")
    url = f"sqlite:///{tmp}/events.sqlite"
    runtime = Runtime(url, code_key=load_code_key(tmp / "instance"))
    runtime.create_tables()
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    codes = app.issue_household_codes(pid, building="1", actor=STAFF).value
    accounts.add_user(runtime.engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])
    runtime.catch_up()
    runtime.close()
    server, base, log = start_server(url, tmp)
    yield {"base": base, "project_id": str(pid), "codes": codes, "shots": tmp}
    stop_server(server, log)


@pytest.fixture
def desktop(browser: Browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_staff_build_a_round_a_household_writes_and_staff_read_it_back(site, desktop, phone):
    base, pid = site["base"], site["project_id"]
    desktop.goto(f"{base}/login")
    desktop.fill("#username", "zhang")
    desktop.fill("#password", PASSWORD)
    desktop.get_by_role("button", name="登录").click()

    # Build: a required single choice, a rating and a written question; move, then remove.
    desktop.goto(f"{base}/staff/projects/{pid}/consultations/new")
    desktop.fill("#title", "楼道改造需求调查")
    desktop.select_option("#q0_type", "single")
    desktop.fill("#q0_text", "最希望先改造什么？")
    desktop.fill("#q0_options", "雨污管网\n加装电梯")
    desktop.locator('input[name="q0_required"]').check()
    desktop.get_by_role("button", name="添加一题").click()
    desktop.select_option("#q1_type", "text")
    desktop.fill("#q1_text", "其他意见和建议")
    desktop.get_by_role("button", name="添加一题").click()
    desktop.select_option("#q2_type", "rating")
    desktop.fill("#q2_text", "您对楼道现状的满意程度")
    desktop.get_by_role("button", name="第 3 题上移").click()
    expect(desktop.locator("#q1_text")).to_have_value("您对楼道现状的满意程度")
    expect(desktop.locator("#q2_text")).to_have_value("其他意见和建议")
    desktop.get_by_role("button", name="删除第 2 题").click()
    expect(desktop.locator("#q1_text")).to_have_value("其他意见和建议")
    expect(desktop.locator("#q2_text")).to_have_count(0)
    # The preview shows the ballot as a phone will, choices and the text box included.
    preview = desktop.locator(".phone-preview")
    expect(preview).to_contain_text("最希望先改造什么？")
    expect(preview.locator("textarea")).to_have_count(1)
    desktop.screenshot(path=str(Path(site["shots"]) / "builder.png"), full_page=True)
    desktop.get_by_role("button", name="发起征询").click()
    expect(desktop.locator("h1")).to_have_text("楼道改造需求调查")

    # A household answers on its phone, in its own words.
    code = site["codes"]["1-1-101"]
    phone.goto(f"{base}/projects/{pid}/vote#code={code}")
    expect(phone.locator("#code")).to_have_value(code)
    phone.get_by_text("加装电梯", exact=True).click()
    phone.locator("textarea#q-q2-text").fill(WRITTEN)
    phone.get_by_role("button", name="提交投票").click()
    expect(phone.locator("body")).to_contain_text("投票已记录")

    # Staff read it back, by building and unit only, and take it up into the plan.
    desktop.reload()
    desktop.get_by_role("link", name="阅读书面回答").click()
    answer = desktop.locator(".written-answer").first
    expect(answer).to_contain_text(WRITTEN)
    expect(answer.locator(".where")).to_contain_text("1幢1单元")
    assert "101" not in answer.inner_text()
    answer.locator("summary").click()
    answer.get_by_label("备注").fill("列入楼道照明改造")
    answer.get_by_role("button", name="标记为已采纳").click()
    expect(desktop.locator(".written-answer").first).to_contain_text("已纳入改造方案")
    desktop.screenshot(path=str(Path(site["shots"]) / "written-answers.png"), full_page=True)
