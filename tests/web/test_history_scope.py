"""Who reads a project's raw history and opinion queue over the API: auditors and admins every
project; staff only those of their own districts (the outside probe's first finding)."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import bearer, project_payload


@pytest.fixture
def project(client, web_app) -> str:
    answer = client.post("/api/projects", json=project_payload(), headers=bearer(web_app))
    assert answer.status_code == 201
    return answer.get_json()["id"]  # in 清江浦区, zhang's district


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 200), ("other_staff", 403), ("auditor", 200), ("admin", 200)],
)
@pytest.mark.parametrize("path", ["events", "opinions"])
def test_history_and_queue_by_role_and_district(client, web_app, project, role, status, path):
    answer = client.get(f"/api/projects/{project}/{path}", headers=bearer(web_app, role))
    assert answer.status_code == status, answer.get_json()
    if status == 403:
        assert "events" not in answer.get_json() and "items" not in answer.get_json()


def test_an_opinion_of_another_district_is_refused_to_staff(client, web_app, project):
    sent = client.post(
        f"/api/projects/{project}/opinions",
        json={"category": "construction", "text": "楼道灯不亮。", "contact": "13800000000"},
    )
    assert sent.status_code == 201
    queue = client.get(f"/api/projects/{project}/opinions", headers=bearer(web_app))
    opinion_id = queue.get_json()["items"][0]["opinion_id"]
    path = f"/api/projects/{project}/opinions/{opinion_id}"
    refused = client.get(path, headers=bearer(web_app, "other_staff"))
    assert refused.status_code == 403 and "13800000000" not in refused.get_data(as_text=True)
    assert client.get(path, headers=bearer(web_app, "auditor")).status_code == 200


def test_unknown_projects_and_anonymous_callers(client, web_app):
    missing = uuid.uuid4()
    assert client.get(f"/api/projects/{missing}/events", headers=bearer(web_app)).status_code == 404
    assert client.get(f"/api/projects/{missing}/events").status_code == 401
