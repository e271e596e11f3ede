"""The completion acceptance record over HTTP: public, now or as of a past time, one language."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from renovation.web import runtime
from tests.conftest import STAFF, registration, walk
from tests.helpers import cjk_fonts_embedded, credit_code, pdf_text, record_acceptance


def project_in_rectification(web_app) -> str:
    with web_app.app_context():
        app = runtime().app
        pid = app.register_project(registration(), actor=STAFF).project_id
        walk(app, pid, "acceptance_inspection")
        defect = {
            "what": "单元门禁对讲不通",
            "building": "2",
            "unit": "1",
            "responsible": "construction",
            "due_on": app.today() + timedelta(days=7),
        }
        record_acceptance(
            app, pid, actor=STAFF, conclusion="passed_with_rectification", defects=[defect]
        )
        runtime().catch_up()
    return str(pid)


def test_the_record_is_served_to_anyone_as_a_pdf(client, web_app, tmp_path):
    pid = project_in_rectification(web_app)

    response = client.get(f"/api/projects/{pid}/acceptance.pdf")  # no token: it is public

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="acceptance-{pid}.pdf"'
    text = pdf_text(response.data, tmp_path)
    assert "竣工验收记录" in text and "单元门禁对讲不通" in text and credit_code(5) in text
    assert "已登记" in text and "整改后合格" in re.sub(r"\s+", "", text)
    assert cjk_fonts_embedded(response.data, tmp_path)
    english = pdf_text(client.get(f"/api/projects/{pid}/acceptance.pdf?lang=en").data, tmp_path)
    assert "Completion acceptance record" in english and "Recorded" in english


def test_the_record_as_of_a_past_time(client, web_app, tmp_path):
    pid = client.post(
        "/api/projects",
        json=registration_payload(),
        headers={"Authorization": f"Bearer {web_app.tokens['staff']}"},
    ).get_json()["id"]
    between = datetime.now(UTC).isoformat()

    then = client.get(f"/api/projects/{pid}/acceptance.pdf", query_string={"as_of": between})

    assert then.status_code == 200
    flat = pdf_text(then.data, tmp_path, squeeze=True)
    assert "历史状态时点" in flat and "本项目没有竣工验收记录。" in flat


def test_a_project_without_a_record_gets_a_record_saying_so(client, web_app, tmp_path):
    with web_app.app_context():
        pid = runtime().app.register_project(registration(), actor=STAFF).project_id
        runtime().catch_up()
    response = client.get(f"/api/projects/{pid}/acceptance.pdf")
    assert response.status_code == 200
    assert "本项目没有竣工验收记录。" in pdf_text(response.data, tmp_path, squeeze=True)


def test_record_errors_are_clear(client):
    missing = client.get(f"/api/projects/{uuid.uuid4()}/acceptance.pdf")
    assert missing.status_code == 404 and missing.get_json()["code"] == "project_not_found"
    bad = client.get(f"/api/projects/{uuid.uuid4()}/acceptance.pdf?as_of=soon")
    assert bad.status_code == 422 and "as_of" in bad.get_json()["errors"]
    assert client.get(f"/api/projects/{uuid.uuid4()}/acceptance.pdf?lang=fr").status_code == 422
    assert client.get("/api/projects/not-a-uuid/acceptance.pdf").status_code == 404


def test_the_record_is_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    operation = paths["/api/projects/{project_id}/acceptance.pdf"]["get"]
    assert "(PDF)" in operation["responses"]["200"]["description"]
    assert {p["name"] for p in operation["parameters"]} >= {"as_of", "lang"}


def registration_payload() -> dict:
    from tests.conftest import project_payload

    return project_payload()
