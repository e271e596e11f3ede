"""Construction milestones over the API: plan, progress, delays, notes, completion, refusals."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from tests.conftest import bearer, project_payload, walk

TODAY = date(2026, 6, 30)
FIRST = {
    "name": "一期雨污分流",
    "item_id": "item-1",
    "quantity": "600",
    "planned_start": "2026-04-01",
    "planned_finish": "2026-05-31",
}
SECOND = {
    "name": "充电桩安装",
    "item_id": "item-2",
    "quantity": "12",
    "planned_start": "2026-05-01",
    "planned_finish": "2026-07-31",
}


def project_in(client, web_app, stage: str | None) -> str:
    """A registered project walked to ``stage`` (by the application), on a fixed today."""
    rt = web_app.extensions["renovation"]
    rt.app.today = lambda: TODAY
    pid = client.post("/api/projects", json=project_payload(), headers=bearer(web_app)).get_json()[
        "id"
    ]
    if stage is not None:
        walk(rt.app, uuid.UUID(pid), stage)
        rt.catch_up()
    return pid


def plan(client, web_app, pid, body=None, headers=None):
    return client.post(
        f"/api/projects/{pid}/milestones",
        json=FIRST if body is None else body,
        headers={**bearer(web_app), **(headers or {})},
    )


def version_of(client, pid) -> int:
    return client.get(f"/api/projects/{pid}").get_json()["version"]


@pytest.fixture
def building(client, web_app):
    """A project under construction with one planned milestone (600 of 1,200 m)."""
    pid = project_in(client, web_app, "under_construction")
    planned = plan(client, web_app, pid)
    assert planned.status_code == 201, planned.get_json()
    return pid, planned.get_json()["milestone_id"]


@pytest.fixture
def planned_only(client, web_app):
    """A project in the plan, not yet under construction, with one milestone."""
    pid = project_in(client, web_app, "in_plan")
    planned = plan(client, web_app, pid)
    assert planned.status_code == 201, planned.get_json()
    return pid, planned.get_json()["milestone_id"]


def test_a_milestone_goes_from_plan_to_completion_and_the_project_on_to_acceptance(client, web_app):
    pid = project_in(client, web_app, "in_plan")
    staff = bearer(web_app)
    # Planned in the plan stage: 201 with its id and the project version.
    planned = plan(client, web_app, pid)
    assert planned.status_code == 201, planned.get_json()
    body = planned.get_json()
    mid = body["milestone_id"]
    assert mid == "milestone-1" and body["replayed"] is False
    assert planned.headers["ETag"] == f'"{body["version"]}"'
    # Anyone reads the list, without a token; the planned finish has passed already.
    listed = client.get(f"/api/projects/{pid}/milestones")
    assert listed.status_code == 200 and listed.headers["ETag"] == f'"{body["version"]}"'
    (row,) = listed.get_json()
    assert row["status"] == "planned" and row["progress"] == 0 and row["overdue"] is True
    assert (row["item"], row["unit"], row["quantity"]) == ("雨污分流改造", "m", "600")
    walk(web_app.extensions["renovation"].app, uuid.UUID(pid), "under_construction")
    url = f"/api/projects/{pid}/milestones/{mid}"
    # A third of it built.
    reported = client.post(
        f"{url}/progress", json={"done_quantity": "200", "on_date": "2026-04-20"}, headers=staff
    )
    assert reported.status_code == 200, reported.get_json()
    # Rain: the finish moves on, with the reason.
    delayed = client.post(
        f"{url}/delay", json={"planned_finish": "2026-07-20", "reason": "雨季停工"}, headers=staff
    )
    assert delayed.status_code == 200, delayed.get_json()
    # A resident supervisor's note, dated today when no day is given.
    noted = client.post(
        f"{url}/notes", json={"supervisor": "1幢居民监督员", "note": "回填土未夯实"}, headers=staff
    )
    assert noted.status_code == 201, noted.get_json()
    one = client.get(url).get_json()
    assert one["status"] == "in_progress" and one["progress"] == 33 and one["overdue"] is False
    assert one["delays"][0]["from"] == "2026-05-31" and one["delays"][0]["to"] == "2026-07-20"
    assert one["delays"][0]["reason"] == "雨季停工"
    assert one["notes"] == [
        {"on": "2026-06-30", "supervisor": "1幢居民监督员", "note": "回填土未夯实"}
    ]
    # The project cannot leave construction with the milestone open.
    early = client.post(
        f"/api/projects/{pid}/transitions",
        json={"to_stage": "acceptance_inspection"},
        headers=staff,
    )
    assert early.status_code == 409 and early.get_json()["gate"] == "construction_finished"
    # All of it built, then completed.
    done = client.post(
        f"{url}/progress",
        json={"done_quantity": "600", "on_date": "2026-06-18", "note": "全部完成"},
        headers=staff,
    )
    assert done.status_code == 200, done.get_json()
    completed = client.post(f"{url}/complete", json={"on_date": "2026-06-19"}, headers=staff)
    assert completed.status_code == 200, completed.get_json()
    one = client.get(url)
    row = one.get_json()
    assert one.headers["ETag"] == f'"{completed.get_json()["version"]}"'
    assert row["version"] == completed.get_json()["version"]
    assert (row["status"], row["progress"], row["overdue"]) == ("completed", 100, False)
    assert (row["actual_start"], row["actual_finish"]) == ("2026-04-20", "2026-06-19")
    assert (row["first_planned_finish"], row["planned_finish"]) == ("2026-05-31", "2026-07-20")
    assert [(r["on"], r["done_quantity"]) for r in row["reports"]] == [
        ("2026-04-20", "200"),
        ("2026-06-18", "600"),
    ]
    moved = client.post(
        f"/api/projects/{pid}/transitions",
        json={"to_stage": "acceptance_inspection"},
        headers=staff,
    )
    assert moved.status_code == 200, moved.get_json()
    assert client.get(f"/api/projects/{pid}").get_json()["stage"] == "acceptance_inspection"


SCHEMA = "unprocessable_entity"  # refused by the request schema, before the domain


@pytest.mark.parametrize(
    ("path", "body", "status", "field", "code"),
    [
        # planning
        ("", {**SECOND, "colour": "red"}, 422, "colour", SCHEMA),
        ("", {**SECOND, "quantity": "lots"}, 422, "quantity", SCHEMA),
        ("", {**SECOND, "quantity": [12]}, 422, "quantity", SCHEMA),
        ("", {**SECOND, "planned_start": "next week"}, 422, "planned_start", SCHEMA),
        ("", {**SECOND, "name": 7}, 422, "name", SCHEMA),
        ("", {k: v for k, v in SECOND.items() if k != "name"}, 422, "name", SCHEMA),
        ("", {**SECOND, "quantity": "0"}, 422, "quantity", SCHEMA),
        ("", {**SECOND, "quantity": "-3"}, 422, "quantity", SCHEMA),
        ("", {**SECOND, "quantity": "NaN"}, 422, "quantity", SCHEMA),
        ("", {**SECOND, "name": "  "}, 422, "name", "length_between"),
        (
            "",
            {**FIRST, "name": "二期", "quantity": "600.01"},
            422,
            "quantity",
            "item_quantity_left",
        ),
        (
            "",
            {**SECOND, "planned_finish": "2026-04-30"},
            422,
            "planned_finish",
            "finish_before_start",
        ),
        ("", {**SECOND, "item_id": "item-9"}, 422, "item_id", "unknown_content_item"),
        ("", {**SECOND, "name": FIRST["name"]}, 422, "name", "milestone_exists"),
        # progress
        ("/milestone-1/progress", {"done_quantity": "10", "pct": 5}, 422, "pct", SCHEMA),
        ("/milestone-1/progress", {"done_quantity": "ten"}, 422, "done_quantity", SCHEMA),
        ("/milestone-1/progress", {"done_quantity": "-1"}, 422, "done_quantity", SCHEMA),
        (
            "/milestone-1/progress",
            {"done_quantity": "601"},
            422,
            "done_quantity",
            "more_than_milestone",
        ),
        (
            "/milestone-1/progress",
            {"done_quantity": "1", "on_date": "2026-07-01"},
            422,
            "on_date",
            "date_after_today",
        ),
        (
            "/milestone-1/progress",
            {"done_quantity": "1", "on_date": "30/06/2026"},
            422,
            "on_date",
            SCHEMA,
        ),
        ("/milestone-9/progress", {"done_quantity": "1"}, 404, "milestone_id", "unknown_milestone"),
        # delay
        (
            "/milestone-1/delay",
            {"planned_finish": "2026-05-31", "reason": "雨"},
            422,
            "planned_finish",
            "delay_not_later",
        ),
        (
            "/milestone-1/delay",
            {"planned_finish": "2026-05-01", "reason": "雨"},
            422,
            "planned_finish",
            "delay_not_later",
        ),
        ("/milestone-1/delay", {"planned_finish": "2026-08-01"}, 422, "reason", SCHEMA),
        (
            "/milestone-1/delay",
            {"planned_finish": "2026-08-01", "reason": "  "},
            422,
            "reason",
            "reason_required",
        ),
        (
            "/milestone-9/delay",
            {"planned_finish": "2026-08-01", "reason": "雨"},
            404,
            "milestone_id",
            "unknown_milestone",
        ),
        # completion
        ("/milestone-1/complete", {}, 422, "milestone_id", "milestone_not_fully_reported"),
        ("/milestone-1/complete", {"on_date": "yesterday"}, 422, "on_date", SCHEMA),
        ("/milestone-9/complete", {}, 404, "milestone_id", "unknown_milestone"),
        # supervisors' notes
        ("/milestone-1/notes", {"note": "好"}, 422, "supervisor", SCHEMA),
        ("/milestone-1/notes", {"supervisor": "王", "note": ""}, 422, "note", SCHEMA),
        (
            "/milestone-1/notes",
            {"supervisor": " ", "note": "好"},
            422,
            "supervisor",
            "length_between",
        ),
        (
            "/milestone-1/notes",
            {"supervisor": "王", "note": "好", "on_date": "2026-07-01"},
            422,
            "on_date",
            "date_after_today",
        ),
        (
            "/milestone-9/notes",
            {"supervisor": "王", "note": "好"},
            404,
            "milestone_id",
            "unknown_milestone",
        ),
    ],
)
def test_bad_milestone_requests_name_the_field_and_write_nothing(
    client, web_app, building, path, body, status, field, code
):
    pid, _mid = building
    before = version_of(client, pid)
    response = client.post(
        f"/api/projects/{pid}/milestones{path}", json=body, headers=bearer(web_app)
    )
    assert response.status_code == status, response.get_json()
    problem = response.get_json()
    assert problem["code"] == code, problem
    assert problem["errors"][field] and problem["message"], problem
    assert version_of(client, pid) == before


def test_a_refusal_carries_its_params_and_speaks_english_or_chinese(client, web_app, building):
    pid, mid = building
    url = f"/api/projects/{pid}/milestones"
    body = {**FIRST, "name": "二期", "quantity": "600.01"}
    english = plan(client, web_app, pid, body).get_json()
    assert english["code"] == "item_quantity_left"
    assert english["params"] == {
        "item_id": "item-1",
        "item": "雨污分流改造",
        "left": "600",
        "unit": "m",
    }
    assert english["message"] == "雨污分流改造 has only 600 m left to plan."
    assert english["errors"]["quantity"] == [english["message"]]
    chinese = plan(client, web_app, pid, body, headers={"Accept-Language": "zh"}).get_json()
    assert chinese["code"] == "item_quantity_left" and chinese["params"] == english["params"]
    assert chinese["message"] == "雨污分流改造仅剩 600 m 可安排。"
    late = client.post(
        f"{url}/{mid}/delay",
        json={"planned_finish": "2026-05-01", "reason": "雨"},
        headers={**bearer(web_app), "Accept-Language": "zh"},
    ).get_json()
    assert late["code"] == "delay_not_later"
    assert late["params"] == {"planned_finish": "2026-05-31"}
    assert late["errors"]["planned_finish"] == ["须晚于现计划完工日期 2026年5月31日"]


def test_a_lower_figure_needs_a_note_and_reports_keep_their_order(client, web_app, building):
    pid, mid = building
    url = f"/api/projects/{pid}/milestones/{mid}/progress"
    staff = bearer(web_app)
    first = client.post(url, json={"done_quantity": "300", "on_date": "2026-05-10"}, headers=staff)
    assert first.status_code == 200, first.get_json()
    before = version_of(client, pid)
    lower = client.post(url, json={"done_quantity": "250"}, headers=staff)
    assert lower.status_code == 422, lower.get_json()
    assert lower.get_json()["code"] == "correction_reason_required"
    assert lower.get_json()["params"] == {"last_quantity": "300"}
    assert lower.get_json()["errors"]["note"] == [
        "lower than the last figure, 300: this is a correction, so say why"
    ]
    earlier = client.post(
        url, json={"done_quantity": "350", "on_date": "2026-05-01"}, headers=staff
    )
    assert earlier.status_code == 422 and "on_date" in earlier.get_json()["errors"]
    assert earlier.get_json()["code"] == "before_last_report"
    assert earlier.get_json()["params"] == {"last_report_on": "2026-05-10"}
    assert version_of(client, pid) == before
    corrected = client.post(url, json={"done_quantity": "250", "note": "复核后更正"}, headers=staff)
    assert corrected.status_code == 200, corrected.get_json()
    row = client.get(f"/api/projects/{pid}/milestones/{mid}").get_json()
    assert row["done_quantity"] == "250" and row["reports"][-1]["note"] == "复核后更正"


def test_completion_waits_for_the_whole_quantity_and_is_not_dated_ahead(client, web_app, building):
    pid, mid = building
    url = f"/api/projects/{pid}/milestones/{mid}"
    staff = bearer(web_app)
    almost = client.post(f"{url}/progress", json={"done_quantity": "599.9"}, headers=staff)
    assert almost.status_code == 200
    early = client.post(f"{url}/complete", headers=staff)
    assert early.status_code == 422
    assert early.get_json()["code"] == "milestone_not_fully_reported"
    assert early.get_json()["params"] == {
        "percent": 99,
        "done_quantity": "599.9",
        "quantity": "600",
    }
    assert early.get_json()["errors"]["milestone_id"] == [
        "99% reported so far: report the whole quantity first"
    ]
    client.post(f"{url}/progress", json={"done_quantity": "600"}, headers=staff)
    before = version_of(client, pid)
    ahead = client.post(f"{url}/complete", json={"on_date": "2026-07-01"}, headers=staff)
    assert ahead.status_code == 422 and "on_date" in ahead.get_json()["errors"]
    assert version_of(client, pid) == before
    # No body at all: completed today.
    done = client.post(f"{url}/complete", headers=staff)
    assert done.status_code == 200, done.get_json()
    assert client.get(url).get_json()["actual_finish"] == TODAY.isoformat()
    again = client.post(f"{url}/progress", json={"done_quantity": "600"}, headers=staff)
    assert again.status_code == 422 and again.get_json()["code"] == "milestone_completed"
    assert again.get_json()["params"] == {"completed_on": TODAY.isoformat()}
    assert again.get_json()["errors"]["milestone_id"] == [
        f"It was completed on {TODAY.isoformat()}."
    ]


@pytest.mark.parametrize(
    ("path", "body", "code", "message"),
    [
        (
            "/milestone-1/progress",
            {"done_quantity": "1"},
            "milestone_progress_closed",
            "progress is reported while the project is under construction",
        ),
        (
            "/milestone-1/complete",
            {},
            "milestone_completion_closed",
            "milestones are completed while the project is under construction",
        ),
        (
            "/milestone-1/notes",
            {"supervisor": "王", "note": "好"},
            "supervisor_notes_closed",
            "supervisors' notes are recorded from construction until rectification ends",
        ),
    ],
)
def test_construction_work_waits_for_construction(
    client, web_app, planned_only, path, body, code, message
):
    pid, _mid = planned_only
    before = version_of(client, pid)
    response = client.post(
        f"/api/projects/{pid}/milestones{path}", json=body, headers=bearer(web_app)
    )
    assert response.status_code == 409, response.get_json()
    problem = response.get_json()
    assert problem["code"] == code and problem["gate"] == "requires_under_construction"
    assert problem["params"]["from_stage"] == "in_plan"
    assert problem["message"] == (f"Not possible at the stage “In the renovation plan”: {message}.")
    assert problem["errors"]["to_stage"] == [problem["message"]]
    assert version_of(client, pid) == before


def test_milestones_are_planned_only_once_the_project_is_in_the_plan(client, web_app):
    pid = project_in(client, web_app, None)
    before = version_of(client, pid)
    refused = plan(client, web_app, pid, headers={"Accept-Language": "zh"})
    assert refused.status_code == 409 and refused.get_json()["gate"] == "requires_in_plan"
    assert refused.get_json()["code"] == "milestone_planning_closed"
    assert refused.get_json()["params"]["from_stage"] == "registered"
    assert refused.get_json()["message"] == (
        "项目处于「已登记」阶段，不能办理：施工节点须在纳入改造计划后、施工结束前安排。"
    )
    assert version_of(client, pid) == before
    assert client.get(f"/api/projects/{pid}/milestones").get_json() == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("", SECOND),
        ("/milestone-1/progress", {"done_quantity": "1"}),
        ("/milestone-1/delay", {"planned_finish": "2026-08-31", "reason": "雨"}),
        ("/milestone-1/complete", {}),
        ("/milestone-1/notes", {"supervisor": "王", "note": "好"}),
    ],
)
def test_only_staff_of_the_district_write_milestones(client, web_app, building, path, body):
    pid, _mid = building
    before = version_of(client, pid)
    url = f"/api/projects/{pid}/milestones{path}"
    assert client.post(url, json=body).status_code == 401
    for role in ("auditor", "other_staff"):
        refused = client.post(url, json=body, headers=bearer(web_app, role))
        assert refused.status_code == 403, (role, refused.get_json())
        assert refused.get_json()["code"] == "forbidden"
    assert version_of(client, pid) == before


def test_a_retried_plan_with_the_same_idempotency_key_plans_once(client, web_app):
    pid = project_in(client, web_app, "in_plan")
    key = {"Idempotency-Key": "plan-first-stage"}
    first = plan(client, web_app, pid, headers=key)
    version = first.get_json()["version"]
    # Retried with the same key, even with the If-Match of before the first try.
    again = plan(client, web_app, pid, headers={**key, "If-Match": f'"{version - 1}"'})
    assert first.status_code == 201 and again.status_code == 200, again.get_json()
    assert again.get_json() == {**first.get_json(), "replayed": True}
    assert version_of(client, pid) == version
    assert [
        m["milestone_id"] for m in client.get(f"/api/projects/{pid}/milestones").get_json()
    ] == ["milestone-1"]


def test_a_retried_progress_report_with_the_same_key_reports_once(client, web_app, building):
    pid, mid = building
    url = f"/api/projects/{pid}/milestones/{mid}/progress"
    headers = {**bearer(web_app), "Idempotency-Key": "report-0620"}
    first = client.post(url, json={"done_quantity": "100"}, headers=headers)
    again = client.post(url, json={"done_quantity": "100"}, headers=headers)
    assert first.status_code == 200 and again.get_json()["replayed"] is True
    assert again.get_json()["version"] == first.get_json()["version"] == version_of(client, pid)
    assert len(client.get(f"/api/projects/{pid}/milestones/{mid}").get_json()["reports"]) == 1


def test_a_stale_if_match_is_refused_and_the_current_one_accepted(client, web_app, building):
    pid, mid = building
    url = f"/api/projects/{pid}/milestones/{mid}/delay"
    body = {"planned_finish": "2026-08-31", "reason": "材料延迟到货"}
    version = int(client.get(f"/api/projects/{pid}/milestones").headers["ETag"].strip('"'))
    assert version == version_of(client, pid)
    stale = client.post(url, json=body, headers={**bearer(web_app), "If-Match": f'"{version - 1}"'})
    assert stale.status_code == 409 and stale.get_json()["code"] == "stale_version"
    assert stale.get_json()["version"] == version and "If-Match" in stale.get_json()["errors"]
    bad = client.post(url, json=body, headers={**bearer(web_app), "If-Match": "latest"})
    assert bad.status_code == 400 and "If-Match" in bad.get_json()["errors"]
    assert version_of(client, pid) == version
    current = client.post(url, json=body, headers={**bearer(web_app), "If-Match": f'"{version}"'})
    assert current.status_code == 200 and current.get_json()["version"] == version + 1


def test_unknown_milestones_and_projects_are_404(client, web_app, building):
    pid, _mid = building
    missing = client.get(f"/api/projects/{pid}/milestones/milestone-9")
    assert missing.status_code == 404 and missing.get_json()["code"] == "unknown_milestone"
    assert missing.get_json()["params"] == {"milestone_id": "milestone-9"}
    assert missing.get_json()["errors"]["milestone_id"] == ["There is no milestone milestone-9."]
    nobody = uuid.uuid4()
    assert client.get(f"/api/projects/{nobody}/milestones").status_code == 404
    assert client.get(f"/api/projects/{nobody}/milestones/milestone-1").status_code == 404
    assert plan(client, web_app, nobody).status_code == 404


def test_an_opinion_answer_links_an_existing_milestone_only(client, web_app, building):
    pid, mid = building
    oid = client.post(
        f"/api/projects/{pid}/opinions",
        json={"category": "construction", "text": "雨污管道何时完工？"},
    ).get_json()["opinion_id"]
    url = f"/api/projects/{pid}/opinions/{oid}/answer"
    before = version_of(client, pid)
    unknown = client.post(
        url,
        json={
            "outcome": "adopted",
            "answer": "见节点",
            "links": [{"kind": "milestone", "id": "milestone-9"}],
        },
        headers=bearer(web_app),
    )
    assert unknown.status_code == 422 and "links.0.id" in unknown.get_json()["errors"]
    assert version_of(client, pid) == before
    linked = client.post(
        url,
        json={
            "outcome": "adopted",
            "answer": "见节点",
            "links": [{"kind": "milestone", "id": mid}],
        },
        headers=bearer(web_app),
    )
    assert linked.status_code == 200, linked.get_json()
    staff_view = client.get(f"/api/projects/{pid}/opinions/{oid}", headers=bearer(web_app))
    assert staff_view.get_json()["links"] == [{"kind": "milestone", "id": mid}]


def test_the_openapi_document_lists_the_milestone_routes(client):
    spec = client.get("/api/openapi.json").get_json()
    base = "/api/projects/{project_id}/milestones"
    assert {
        base,
        f"{base}/{{milestone_id}}",
        *(f"{base}/{{milestone_id}}/{verb}" for verb in ("progress", "delay", "complete", "notes")),
    } <= set(spec["paths"])
    assert spec["paths"][base]["post"]["requestBody"]
    quantity = spec["components"]["schemas"]["MilestoneCreate"]["properties"]["quantity"]
    assert quantity["type"] == "string" and quantity["format"] == "decimal"


def test_typed_progress_of_an_item_with_milestones_is_refused(client, web_app, building):
    pid, _mid = building
    before = version_of(client, pid)
    typed = client.post(
        f"/api/projects/{pid}/content-items/item-1/progress",
        json={"actual_quantity": "900"},
        headers=bearer(web_app),
    )
    assert typed.status_code == 422
    assert typed.get_json()["code"] == "progress_through_milestones"
    assert typed.get_json()["params"] == {"item_id": "item-1"}
    assert typed.get_json()["errors"]["item_id"] == [
        "This item's progress is reported through its milestones."
    ]
    assert version_of(client, pid) == before
    other = client.post(
        f"/api/projects/{pid}/content-items/item-2/progress",
        json={"actual_quantity": "3"},
        headers=bearer(web_app),
    )
    assert other.status_code == 200  # an item without milestones still takes typed progress
