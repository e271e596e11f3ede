"""Numbers and dates no database or clock can hold are refused with a 4xx naming the field,
never a 500 (OverflowError on SQLite, NumericValueOutOfRange on PostgreSQL)."""

from __future__ import annotations

import pytest

from tests.conftest import bearer, project_payload
from tests.helpers import make_app, signed_in

HUGE = "9" * 30


@pytest.fixture
def pid(client, web_app):
    response = client.post("/api/projects", json=project_payload(), headers=bearer(web_app))
    assert response.status_code == 201
    return response.get_json()["id"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/projects?page={huge}", "page"),
        ("/api/projects?page=2147483648", "page"),
        ("/api/projects/{pid}?version={huge}", "version"),
        ("/api/projects/{pid}/events?after_version={huge}", "after_version"),
        ("/api/projects/{pid}?as_of=0001-01-01T00:00:00", "as_of"),
        ("/api/projects/{pid}/report.pdf?as_of=0001-01-01T00:00:00", "as_of"),
        ("/api/projects/{pid}?as_of=9999-12-31T23:59:59", "as_of"),
    ],
)
def test_out_of_range_query_values_are_a_422_naming_the_field(client, web_app, pid, path, field):
    response = client.get(path.format(pid=pid, huge=HUGE), headers=bearer(web_app, "auditor"))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["errors"]


def test_a_huge_template_id_is_not_found(client, web_app):
    for method in (client.put, client.delete):
        response = method(
            f"/api/answer-templates/{HUGE}", json={"text": "x"}, headers=bearer(web_app)
        )
        assert response.status_code == 404


def test_a_huge_template_id_on_the_page_is_not_found(tmp_path):
    staff = signed_in(make_app(tmp_path))
    assert staff.post(f"/staff/answer-templates/{HUGE}", data={"text": "x"}).status_code == 404
    assert staff.post(f"/staff/answer-templates/{HUGE}/delete").status_code == 404
