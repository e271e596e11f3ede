"""The project report over HTTP: rendered from the read model, now or as of a past time."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.conftest import bearer, project_payload
from tests.helpers import pdf_fonts, pdf_text


def test_the_report_shows_the_project_as_projected_with_its_position(client, web_app, tmp_path):
    pid = client.post("/api/projects", json=project_payload(), headers=bearer(web_app)).get_json()[
        "id"
    ]
    client.post(
        f"/api/projects/{pid}/transitions",
        json={"to_stage": "needs_survey"},
        headers=bearer(web_app),
    )
    response = client.get(f"/api/projects/{pid}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    summary = client.get("/api/projects").get_json()["items"][0]
    assert "凤凰新村" in text and "问需" in text and "雨污分流改造" in text
    assert "1,250,000.50" in text
    assert str(summary["position"]) in text
    fonts = pdf_fonts(response.data, tmp_path)
    assert any("CJK" in line and " yes " in line for line in fonts.splitlines())


def test_the_report_as_of_a_past_time_shows_the_stage_then(client, web_app, tmp_path):
    pid = client.post("/api/projects", json=project_payload(), headers=bearer(web_app)).get_json()[
        "id"
    ]
    between = datetime.now(UTC).isoformat()
    client.post(
        f"/api/projects/{pid}/transitions",
        json={"to_stage": "needs_survey"},
        headers=bearer(web_app),
    )
    then = pdf_text(
        client.get(f"/api/projects/{pid}/report.pdf", query_string={"as_of": between}).data,
        tmp_path,
    )
    assert "已登记" in then and "问需（需求调查）" not in then
    english = pdf_text(client.get(f"/api/projects/{pid}/report.pdf?lang=en").data, tmp_path)
    assert "Needs survey" in english


def test_report_errors_are_clear(client):
    assert client.get(f"/api/projects/{uuid.uuid4()}/report.pdf").status_code == 404
    bad = client.get(f"/api/projects/{uuid.uuid4()}/report.pdf?as_of=soon")
    assert bad.status_code == 422 and "as_of" in bad.get_json()["errors"]
    assert client.get(f"/api/projects/{uuid.uuid4()}/report.pdf?lang=fr").status_code == 422
