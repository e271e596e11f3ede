"""Registering a compound with its whole flat register in one step: the staff new-project page
takes an XLSX or CSV register file (the columns of a later import), on SQLite and PostgreSQL.
A refused row refuses the registration: the rows are listed, the other fields kept, nothing
written."""

from __future__ import annotations

import io
import json
from html import unescape
from uuid import UUID

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from renovation.web import runtime
from tests.conftest import bearer, project_payload
from tests.helpers import signed_in
from tests.web.test_flat_register import HEADER_EN, HEADER_ZH, csv_bytes, xlsx

FORM = {
    "name": "富丽花园",
    "district": "清江浦区",
    "city": "淮安市",
    "flats": "1,1,101,1,68.5,OWN-A",
    "content_items": "基础类,雨污分流改造,m,320",
    "budget": "中央补助资金,1200000",
    "command_id": "0123456789abcdef0123456789abcdef",
}


def send(client, content: bytes | None, name: str = "清册.xlsx", **changes):
    data: dict = {**FORM, **changes}
    if content is not None:
        data["register"] = FileStorage(io.BytesIO(content), name)
    return post_parts(client, "/staff/projects/new", data)


def registered(app) -> int:
    return app.test_client().get("/api/projects").get_json()["total"]


def test_a_good_xlsx_registers_the_compound_with_its_whole_register(pages_app):
    client = signed_in(pages_app, districts=["*"])
    content = xlsx(
        [
            HEADER_ZH,
            [1, 1, 102, 1, 70.5, "OWN-B", "否"],
            [2, 1, 101, 1, "66.00", None, "是"],
            [2, 2, 301, 3, 80, "OWN-C", None],
        ]
    )
    response = send(client, content)
    assert response.status_code == 302, unescape(response.get_data(as_text=True))
    pid = response.headers["Location"].rsplit("/", 1)[1]
    with pages_app.app_context():
        project = runtime().app.get_project(UUID(pid))
        assert project.flat_ids() == {"1-1-101", "1-1-102", "2-1-101", "2-2-301"}
        assert project.find_flat("2-1-101")["owner_ref"] == "developer"
        assert project.version == 1  # one registration event holds the whole register
    listed = pages_app.test_client().get("/api/projects", query_string={"q": "富丽花园"})
    assert listed.get_json()["items"][0]["flats"] == 4


def test_a_csv_register_alone_is_enough(pages_app):
    client = signed_in(pages_app, districts=["*"])
    content = csv_bytes([HEADER_EN, ["5", "1", "101", "2", "55.5", "甲-1", "no"]], "gb18030")
    response = send(client, content, "flats.csv", flats="")
    assert response.status_code == 302, unescape(response.get_data(as_text=True))
    assert registered(pages_app) == 1


def test_a_bad_file_lists_its_rows_keeps_the_fields_and_registers_nothing(pages_app):
    client = signed_in(pages_app, districts=["*"])
    content = csv_bytes(
        [
            HEADER_ZH,
            ["1", "1", "101", "1", "70", "O-1", ""],  # typed in the form already
            ["3", "1", "102", "1", "-5", "O-3", ""],
            ["3", "1", "103", "一楼", "60", "O-4", ""],
        ]
    )
    response = send(client, content, "flats.csv")
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'id="import-report"' in html and "未登记" in html
    report = html[html.index('id="import-report"') : html.index("</section>")]
    for row, column, reason in [
        ("2", "房号", "1-1-101已登记"),
        ("3", "专有面积", "应大于 0"),
        ("4", "楼层", "楼层"),
    ]:
        assert f"<td>{row}</td><td>{column}" in report and reason in report
    # What was typed is kept for the next try.
    assert 'value="富丽花园"' in html and "基础类,雨污分流改造,m,320" in html
    assert "中央补助资金,1200000" in html
    assert registered(pages_app) == 0


def test_a_file_that_is_not_a_register_is_named_under_its_field(pages_app):
    client = signed_in(pages_app, districts=["*"])
    for name, content in [
        ("flats.pdf", b"%PDF-1.4 not a register"),
        ("flats.xlsx", b"not a zip at all"),
        ("flats.csv", b""),
        ("flats.csv", b"a," * 600_000),
    ]:
        response = send(client, content, name)
        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 422, name
        start = html.index('id="register-errors"')
        assert html[start : html.index("</ul>", start)].strip(), name
        assert 'value="富丽花园"' in html
    missing = send(client, xlsx([["楼栋", "单元", "房号", "楼层"], [3, 1, 101, 1]]))
    assert missing.status_code == 422
    assert "专有面积 / area" in unescape(missing.get_data(as_text=True))
    assert registered(pages_app) == 0


def test_the_form_still_registers_without_a_file(pages_app):
    client = signed_in(pages_app, districts=["*"])
    response = send(client, None)
    assert response.status_code == 302
    assert registered(pages_app) == 1


# ---- the API: multipart, the registration as JSON text and the register file -----------------


def post_parts(client, url: str, parts: dict, headers: dict | None = None):
    """A multipart request, encoded in memory (the test client spools a large body to a file
    it never closes)."""
    boundary, body = encode_multipart(parts)
    return client.post(
        url,
        data=body,
        headers=headers or {},
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def api_register(client, headers: dict, content: bytes, name: str = "flats.csv", **changes):
    registration = {**project_payload(), **changes}
    parts = {
        "registration": json.dumps(registration, ensure_ascii=False),
        "register": FileStorage(io.BytesIO(content), name),
    }
    return post_parts(client, "/api/projects/with-register", parts, headers)


GOOD = [HEADER_ZH, ["3", "1", "101", "1", "70", "O-9", ""], ["3", "1", "102", "1", "66", "", "是"]]


def test_the_api_registers_a_project_with_its_register_file(web_app, client):
    headers = {**bearer(web_app), "Idempotency-Key": "reg-1"}
    answer = api_register(client, headers, csv_bytes(GOOD))
    assert answer.status_code == 201, answer.get_json()
    pid = answer.get_json()["id"]
    with web_app.app_context():
        project = runtime().app.get_project(UUID(pid))
        assert {"1-1-101", "3-1-101", "3-1-102"} <= project.flat_ids()
        assert len(project.flat_ids()) == 9  # seven typed in, two from the file
    again = api_register(client, headers, csv_bytes(GOOD))
    assert again.status_code == 200 and again.get_json()["replayed"] is True
    # The file alone may bring every flat.
    alone = api_register(client, bearer(web_app), csv_bytes(GOOD), buildings=[])
    assert alone.status_code == 201, alone.get_json()
    assert client.get("/api/projects").get_json()["total"] == 2


def test_the_api_refuses_a_bad_register_row_by_row_and_registers_nothing(web_app, client):
    bad = csv_bytes(
        [HEADER_ZH, ["1", "1", "101", "1", "70", "O-1", ""], ["3", "1", "1", "x", "-1", "O-2", ""]]
    )
    answer = api_register(client, bearer(web_app), bad)
    body = answer.get_json()
    assert answer.status_code == 422 and body["code"] == "flat_import_refused"
    assert {(r["row"], r["column"], r["code"]) for r in body["rows"]} == {
        (2, "number", "flat_already_registered"),
        (3, "floor", "must_be_floor"),
        (3, "area", "must_be_positive"),
    }
    wrong = api_register(client, bearer(web_app), b"%PDF-1.4", "flats.pdf")
    assert wrong.status_code == 422 and wrong.get_json()["code"] == "import_not_spreadsheet"
    assert list(wrong.get_json()["errors"]) == ["register"]
    big = api_register(client, bearer(web_app), b"a," * 600_000)
    assert big.status_code == 413
    assert client.get("/api/projects").get_json()["total"] == 0


def test_the_api_names_a_bad_registration_field_and_checks_the_district(web_app, client):
    answer = api_register(client, bearer(web_app), csv_bytes(GOOD), planned_start="昨天")
    assert answer.status_code == 422
    assert "registration.planned_start" in answer.get_json()["errors"]
    url = "/api/projects/with-register"
    broken = post_parts(
        client,
        url,
        {"registration": "{not json", "register": FileStorage(io.BytesIO(b"x"), "f.csv")},
        bearer(web_app),
    )
    assert broken.status_code == 422 and "registration" in broken.get_json()["errors"]
    parts = {"registration": json.dumps(project_payload()), "register": "not a file"}
    text = post_parts(client, url, parts, bearer(web_app))
    assert text.status_code == 422 and "register" in text.get_json()["errors"]
    other = api_register(client, bearer(web_app, "other_staff"), csv_bytes(GOOD))
    assert other.status_code == 403
    assert api_register(client, {}, csv_bytes(GOOD)).status_code == 401
    assert client.get("/api/projects").get_json()["total"] == 0
