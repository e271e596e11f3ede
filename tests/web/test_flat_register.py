"""The flat register imported from XLSX or CSV (API and staff page), on SQLite and PostgreSQL:
good files add flats; each kind of bad file is refused row by row and nothing is written."""

from __future__ import annotations

import io
from html import unescape
from uuid import UUID

import pytest
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from renovation.web import runtime
from tests.conftest import bearer, registration
from tests.helpers import register_project, signed_in

HEADER_ZH = ["楼栋", "单元", "房号", "楼层", "专有面积", "业主编号", "未售"]
HEADER_EN = ["Building", "Unit", "Number", "Floor", "Exclusive area", "Owner ref", "Unsold"]


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    return "\n".join(",".join(str(c) for c in row) for row in rows).encode(encoding)


def upload(client, pid: str, name: str, content: bytes, headers: dict):
    # Encoded in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), name)})
    return client.post(
        f"/api/projects/{pid}/flats/import",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


@pytest.fixture
def project(web_app):
    return register_project(web_app, registration())


def flat_count(web_app, pid: str) -> tuple[int, int]:
    with web_app.app_context():
        project = runtime().app.get_project(UUID(pid))
        return len(project.flats()), project.version


def test_an_xlsx_with_chinese_headers_adds_buildings_units_and_flats(web_app, client, project):
    before, _version = flat_count(web_app, project)
    content = xlsx(
        [
            HEADER_ZH,
            [3, 1, 101, 1, 70.5, "O-9", "否"],
            [3, 1, 102, 1, "66.00", None, "是"],
            [3, 2, 101, 1, 80, "O-9", None],
            [1, 1, 301, 3, "62.30", "O-301", ""],
        ]
    )
    answer = upload(client, project, "清册.xlsx", content, bearer(web_app))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["added"] == 4
    with web_app.app_context():
        project_now = runtime().app.get_project(UUID(project))
        assert project_now.find_flat("3-1-102")["owner_ref"] == "developer"
        assert str(project_now.find_flat("3-2-101")["area"]) == "80"
        assert project_now.find_flat("1-1-301")["floor"] == 3
    assert flat_count(web_app, project)[0] == before + 4
    summary = client.get("/api/projects", query_string={"q": "凤凰新村"}).get_json()["items"][0]
    assert summary["flats"] == before + 4


def test_a_csv_with_english_headers_in_gbk_is_imported(web_app, client, project):
    content = csv_bytes([HEADER_EN, ["5", "1", "101", "2", "55.5", "甲-1", "no"]], "gb18030")
    answer = upload(client, project, "flats.csv", content, bearer(web_app))
    assert answer.status_code == 200, answer.get_json()
    with web_app.app_context():
        assert runtime().app.get_project(UUID(project)).find_flat("5-1-101")["owner_ref"] == "甲-1"


def refused_rows(answer) -> set[tuple]:
    body = answer.get_json()
    assert answer.status_code == 422, body
    assert body["code"] == "flat_import_refused"
    return {(line["row"], line["column"], line["code"]) for line in body["rows"]}


def test_bad_rows_are_reported_row_by_row_and_nothing_is_written(web_app, client, project):
    before = flat_count(web_app, project)
    content = csv_bytes(
        [
            HEADER_ZH,
            ["3", "1", "101", "1", "70", "O-1", ""],
            ["3", "1", "101", "1", "70", "O-2", ""],  # the same flat twice
            ["3", "1", "102", "1", "-5", "O-3", ""],  # negative area
            ["3", "1", "103", "1", "很大", "O-4", ""],  # not a number
            ["3", "1", "104", "1", "60", "", "否"],  # sold, no owner
            ["1", "1", "101", "1", "60", "O-5", ""],  # already registered
            ["3", "1", "105", "一楼", "60", "O-6", "也许"],
        ]
    )
    rows = refused_rows(upload(client, project, "flats.csv", content, bearer(web_app)))
    assert rows == {
        (3, "number", "flat_listed_twice"),
        (4, "area", "must_be_positive"),
        (5, "area", "must_be_number"),
        (6, "owner_ref", "required"),
        (7, "number", "flat_already_registered"),
        (8, "floor", "must_be_floor"),
        (8, "unsold", "must_be_yes_no"),
    }
    assert flat_count(web_app, project) == before


def test_missing_columns_are_named(web_app, client, project):
    content = xlsx([["楼栋", "单元", "房号", "楼层"], [3, 1, 101, 1]])
    rows = refused_rows(upload(client, project, "flats.xlsx", content, bearer(web_app)))
    assert rows == {(1, "area", "import_column_missing"), (1, "owner_ref", "import_column_missing")}


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("flats.pdf", b"%PDF-1.4 not a register", 422, "import_not_spreadsheet"),
        ("flats.xlsx", b"not a zip at all", 422, "import_not_spreadsheet"),
        ("flats.xlsx", b"PK\x03\x04broken zip", 422, "import_not_spreadsheet"),
        ("flats.csv", xlsx([HEADER_ZH]), 422, "import_not_spreadsheet"),
        ("flats.csv", b"\xff\xfe\x00\x00binary", 422, "import_not_spreadsheet"),
        ("flats.csv", b"", 422, "import_no_rows"),
        ("flats.csv", b"a," * 700_000, 413, "import_file_too_large"),
        ("flats.csv", b"a," * 1_100_000, 413, "import_file_too_large"),
    ],
)
def test_files_that_are_not_a_register_are_refused(web_app, client, project, name, content,
                                                   status, code):
    before = flat_count(web_app, project)
    answer = upload(client, project, name, content, bearer(web_app))
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["code"] == code
    assert flat_count(web_app, project) == before


def test_only_staff_of_the_district_import(web_app, client, project):
    content = csv_bytes([HEADER_ZH, ["3", "1", "101", "1", "70", "O-1", ""]])
    assert upload(client, project, "f.csv", content, {}).status_code == 401
    assert upload(client, project, "f.csv", content, bearer(web_app, "other_staff")).status_code \
        == 403


def test_the_staff_page_reports_refused_rows_in_chinese_and_shows_owner_groups(pages_app):
    pid = register_project(pages_app, registration())
    client = signed_in(pages_app)
    page = unescape(client.get(f"/staff/projects/{pid}/flats").get_data(as_text=True))
    assert "1-2-301" in page  # the flat id format, shown where flats are asked for
    assert "开发商（未售房屋）" in page and "O***1" in page and "O-101" not in page
    bad = csv_bytes([HEADER_ZH, ["3", "1", "101", "1", "-1", "O-1", ""]])
    refused = client.post(
        f"/staff/projects/{pid}/flats/import",
        data={"file": (io.BytesIO(bad), "flats.csv")},
        content_type="multipart/form-data",
    )
    html = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422
    assert "专有面积 / area" in html and "应大于 0" in html and "未导入" in html
    good = csv_bytes([HEADER_ZH, ["3", "1", "101", "1", "71", "O-1", ""]])
    done = client.post(
        f"/staff/projects/{pid}/flats/import",
        data={"file": (io.BytesIO(good), "flats.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "已导入1套房屋" in unescape(done.get_data(as_text=True))


def test_the_staff_form_corrects_a_flat_and_names_a_refused_field_in_chinese(pages_app):
    pid = register_project(pages_app, registration())
    client = signed_in(pages_app)
    url = f"/staff/projects/{pid}/flats/correct"
    form = {"flat_id": "1-1-101", "area": "70", "owner_ref": "", "effective_on": "2026-06-01",
            "reason": ""}
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    assert "理由：" in unescape(refused.get_data(as_text=True))
    done = client.post(url, data={**form, "reason": "测绘更正"}, follow_redirects=True)
    assert "房屋1-1-101已更正" in unescape(done.get_data(as_text=True))
    with pages_app.app_context():
        assert str(runtime().app.get_project(UUID(pid)).find_flat("1-1-101")["area"]) == "70"
