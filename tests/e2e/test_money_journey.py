"""A clerk on a desktop, in the real browser (Debian's chromium via Playwright), against a real
server process with CSRF on: register a compound with its flat register as a file (a refused
file first: its rows listed, the fields kept), then record payments out of its funding sources,
one beyond the plan, and see planned against spent."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import Browser, expect

from renovation import accounts
from renovation.application.household_codes import load_code_key
from renovation.runtime import Runtime
from tests.e2e.conftest import start_server, stop_server

pytestmark = pytest.mark.e2e
PASSWORD = "住建局-2026-pass"
HEADER = ["楼栋", "单元", "房号", "楼层", "专有面积", "业主编号", "未售"]


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e-money")
    url = f"sqlite:///{tmp}/events.sqlite"
    runtime = Runtime(url, code_key=load_code_key(tmp / "instance"))
    runtime.create_tables()
    accounts.add_user(runtime.engine, "zhang", PASSWORD, "staff", districts=["清江浦区"])
    runtime.close()
    server, base, log = start_server(url, tmp)
    yield {"base": base, "tmp": tmp}
    stop_server(server, log)


@pytest.fixture
def desktop(browser: Browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_a_clerk_registers_with_a_register_file_and_records_payments(site, desktop):
    base, tmp = site["base"], site["tmp"]
    bad, good = tmp / "bad.xlsx", tmp / "清册.xlsx"
    bad.write_bytes(workbook([[1, 1, 101, 1, -3, "O-1", "否"], [1, 1, 102, "一楼", 60, "O-2", ""]]))
    good.write_bytes(workbook([[1, 1, 101, 1, 70.5, "O-1", "否"], [1, 2, 201, 2, 66, None, "是"]]))
    desktop.goto(f"{base}/login")
    desktop.fill("#username", "zhang")
    desktop.fill("#password", PASSWORD)
    desktop.get_by_role("button", name="登录").click()

    desktop.goto(f"{base}/staff/projects/new")
    desktop.fill("#name", "清册花园")
    desktop.fill("#content_items", "基础类,雨污分流改造,m,320")
    desktop.fill("#budget", "中央补助资金,1000\n居民出资,200")
    desktop.set_input_files("#register", str(bad))
    desktop.get_by_role("button", name="登记项目").click()
    report = desktop.locator("#import-report")
    expect(report).to_contain_text("应大于 0")
    expect(report.locator("tbody tr")).to_have_count(2)
    expect(desktop.locator("#name")).to_have_value("清册花园")  # the fields are kept
    expect(desktop.locator("#budget")).to_have_value("中央补助资金,1000\n居民出资,200")

    desktop.set_input_files("#register", str(good))
    desktop.get_by_role("button", name="登记项目").click()
    expect(desktop.locator(".flash-success")).to_contain_text("清册花园")
    project_id = desktop.url.rstrip("/").rsplit("/", 1)[1]

    desktop.goto(f"{base}/staff")
    desktop.locator(f"#project-{project_id}").get_by_role("link", name="资金").click()
    expect(desktop.locator("h1")).to_have_text("资金：清册花园")
    desktop.fill("#amount", "400.00")
    desktop.fill("#purpose", "设计费")
    desktop.fill("#voucher", "记-001")
    desktop.get_by_role("button", name="登记该笔支付").click()
    expect(desktop.locator(".flash-success")).to_contain_text("记-001")
    # The same voucher again is refused, naming it; what was typed stays.
    desktop.select_option("#source", "居民出资")
    desktop.fill("#amount", "250")
    desktop.fill("#purpose", "材料款")
    desktop.fill("#voucher", "记-001")
    desktop.get_by_role("button", name="登记该笔支付").click()
    expect(desktop.locator(".flash-error")).to_contain_text("凭证号记-001已登记")
    expect(desktop.locator("#purpose")).to_have_value("材料款")
    desktop.fill("#voucher", "记-002")
    desktop.get_by_role("button", name="登记该笔支付").click()
    expect(desktop.locator(".flash-info")).to_contain_text("超出计划")
    over = desktop.locator("table.investment tr.over-plan")
    expect(over).to_contain_text("居民出资")
    expect(over).to_contain_text("125.0%")
    expect(desktop.locator("table.investment")).to_contain_text("40.0%")
    desktop.screenshot(path=str(tmp / "investment.png"), full_page=True)
