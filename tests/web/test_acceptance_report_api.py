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


def test_the_demo_records_in_chinese_show_no_internal_id_no_english_and_no_name(tmp_path):
    from renovation.demo import load_demo
    from tests.helpers import make_app
    from tests.web.test_report_language import LATIN_WORD, internal_ids, without_verification

    app = make_app(tmp_path)
    with app.app_context():
        ids = load_demo(runtime().app)["projects"]
        runtime().catch_up()
    client = app.test_client()
    texts = {}
    for pid in ids:
        response = client.get(f"/api/projects/{pid}/acceptance.pdf")
        assert response.status_code == 200
        texts[pid] = text = pdf_text(response.data, tmp_path)
        assert internal_ids(text, pid) == [], pid
        # Latin only in the units' credit codes and the digest's name.
        flat = CREDIT_CODE.sub(" ", without_verification(text, pid))
        assert set(LATIN_WORD.findall(flat)) <= {"SHA"}, pid
        assert "王秀英" not in text  # the demo's supervisor, by role label only
    app.extensions["renovation"].close()
    flat = {pid: re.sub(r"\s+", "", text) for pid, text in texts.items()}
    accepted = [t for t in flat.values() if "建竣备〔" in t]  # 健康新村 and 幸福里
    assert len(accepted) == 2
    for record in accepted:
        assert "已销项" in record and "2幢居民监督员" in record
        assert "闭水试验仍见渗水点" in record and "已在期限内备案" in record
        assert "满意率" in record  # the evaluation, with its arithmetic
    waiting = [t for t in flat.values() if "待复查" in t and "建竣备〔" not in t]
    assert len(waiting) == 1 and "已逾期" in waiting[0]
    assert sum("本项目没有竣工验收记录。" in t for t in flat.values()) == len(ids) - 3


CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
