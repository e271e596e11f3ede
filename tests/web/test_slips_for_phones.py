"""Household code slips that work from a phone: the service knows its public address
(PUBLIC_BASE_URL); unset or a loopback address, the slips page, the slips and the API say that
phones cannot open the links. Tests stay on loopback addresses."""

from __future__ import annotations

import pytest

from renovation.web.links import reachable_from_phones
from tests.conftest import bearer
from tests.helpers import confirmed, make_app, pdf_text, signed_in
from tests.web.test_participation_api import new_project
from tests.web.test_participation_pages import register, text


@pytest.mark.parametrize(
    ("base", "reachable"),
    [
        (None, False),
        ("", False),
        ("http://127.0.0.1:5000", False),
        ("http://127.8.9.1", False),
        ("http://localhost:5000", False),
        ("http://demo.localhost", False),
        ("http://[::1]:5000", False),
        ("http://0.0.0.0:5000", False),
        ("http://192.168.1.20:5000", True),
        ("https://gaizao.huaian.gov.cn", True),
    ],
)
def test_which_public_addresses_phones_can_open(base, reachable):
    assert reachable_from_phones(base) is reachable


@pytest.fixture(name="app")
def _app(pages_app):
    return pages_app


def test_without_a_public_address_the_page_and_the_slips_say_phones_cannot_open_them(app, tmp_path):
    project_id = register(app)
    staff = signed_in(app, username="zhang")

    page = text(staff.get(f"/staff/projects/{project_id}/household-codes"))
    confirm = text(staff.get(f"/staff/projects/{project_id}/household-codes/confirm?building=1"))
    sheet = confirmed(staff, f"/staff/projects/{project_id}/household-codes/confirm?building=1")
    slips = pdf_text(sheet.data, tmp_path, squeeze=True)

    assert "手机暂时打不开这些通知单上的链接" in page and "PUBLIC_BASE_URL" in page
    assert f"http://localhost/projects/{project_id}/vote" in page
    assert "扫码即打开投票页，户码已自动填好" in page  # what the QR code does
    assert "未设置公开地址（PUBLIC_BASE_URL）" in confirm
    assert slips.count("注意：此为本机测试地址，手机无法打开。") == 6  # one a slip
    assert "手机无法打开：请设置服务的公开地址后重新发放户码" in slips
    assert "扫描二维码：打开投票页，户码已自动填好。" in slips


def test_with_a_public_address_no_warning_and_the_slips_point_there(tmp_path, database_url):
    app = make_app(tmp_path, DATABASE_URL=database_url, PUBLIC_BASE_URL="https://gaizao.example")
    try:
        project_id = register(app)
        staff = signed_in(app, username="zhang")

        page = text(staff.get(f"/staff/projects/{project_id}/household-codes"))
        sheet = confirmed(staff, f"/staff/projects/{project_id}/household-codes/confirm?building=1")
        slips = pdf_text(sheet.data, tmp_path, squeeze=True)
    finally:
        app.extensions["renovation"].close()

    assert "手机暂时打不开" not in page
    assert "手机无法打开" not in slips
    assert f"https://gaizao.example/projects/{project_id}/vote" in slips


def test_the_api_says_whether_phones_can_open_the_codes_links(web_app, client, tmp_path):
    project_id = new_project(client, web_app)

    issued = client.post(
        f"/api/projects/{project_id}/household-codes",
        json={"building": "2"},
        headers=bearer(web_app),
    )
    sheet = client.post(
        f"/api/projects/{project_id}/household-codes?format=pdf",
        json={"building": "2"},
        headers=bearer(web_app),
    )

    assert issued.status_code == 201 and issued.get_json()["phones_can_open"] is False
    assert sheet.status_code == 201 and sheet.mimetype == "application/pdf"
    assert "手机无法打开" in pdf_text(sheet.data, tmp_path, squeeze=True)
