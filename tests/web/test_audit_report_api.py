"""The audit report over the API: who may have it, its period's checks, the PDF itself."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import bearer, project_payload
from tests.helpers import pdf_text


@pytest.fixture
def project(client, web_app) -> str:
    answer = client.post("/api/projects", json=project_payload(), headers=bearer(web_app))
    assert answer.status_code == 201
    return answer.get_json()["id"]  # in 清江浦区, zhang's district


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff", 200), ("other_staff", 403), ("auditor", 200), ("admin", 200)],
)
def test_the_audit_report_by_role_and_district(client, web_app, project, role, status, tmp_path):
    answer = client.get(f"/api/projects/{project}/audit-report.pdf", headers=bearer(web_app, role))
    assert answer.status_code == status
    if status == 200:
        assert answer.mimetype == "application/pdf"
        text = pdf_text(answer.data, tmp_path, squeeze=True)
        assert "项目历史审计报告" in text and "链完整" in text and "登记小区" in text
    else:
        assert answer.get_json()["code"]


def test_in_english(client, web_app, project, tmp_path):
    answer = client.get(
        f"/api/projects/{project}/audit-report.pdf?lang=en", headers=bearer(web_app, "auditor")
    )
    text = pdf_text(answer.data, tmp_path, squeeze=True)
    assert "Auditreportofaproject'shistory" in text and "Registeredthecommunity" in text


def test_anonymous_callers_and_unknown_projects(client, web_app, project):
    assert client.get(f"/api/projects/{project}/audit-report.pdf").status_code == 401
    missing = f"/api/projects/{uuid.uuid4()}/audit-report.pdf"
    assert client.get(missing, headers=bearer(web_app, "auditor")).status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2026-02-30", "from"), ("to=soon", "to"), ("from=2026-05-02&to=2026-05-01", "to")],
)
def test_a_bad_period_names_its_field(client, web_app, project, query, field):
    answer = client.get(
        f"/api/projects/{project}/audit-report.pdf?{query}", headers=bearer(web_app, "auditor")
    )
    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]
