"""The JSON API end to end through Flask's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import bearer, project_payload, walk


def register(client, web_app, payload=None, **headers):
    return client.post(
        "/api/projects", json=payload or project_payload(), headers={**bearer(web_app), **headers}
    )


def count_projects(client) -> int:
    return client.get("/api/projects").get_json()["total"]


def move(client, web_app, pid, stage, role="staff", **headers):
    return client.post(
        f"/api/projects/{pid}/transitions",
        json={"to_stage": stage},
        headers={**bearer(web_app, role), **headers},
    )


def test_staff_register_a_project_and_everyone_reads_it(client, web_app):
    created = register(client, web_app)
    assert created.status_code == 201
    pid = created.get_json()["id"]
    assert created.headers["ETag"] == '"1"'
    listed = client.get("/api/projects").get_json()
    assert listed["total"] == 1 and listed["items"][0]["name"] == "凤凰新村"
    project = client.get(f"/api/projects/{pid}")
    assert project.status_code == 200
    body = project.get_json()
    assert body["stage"] == "registered" and body["next_stages"] == ["needs_survey"]
    assert body["buildings"][0]["units"][0]["flats"][0] == {
        "number": "101",
        "floor": 1,
        "area": "62.30",
        "unsold": False,
    }
    assert "owner_ref" not in str(body)  # personal data stays out of public reads


def test_list_filters_and_pages(client, web_app):
    register(client, web_app, project_payload(name="甲小区"))
    register(client, web_app, project_payload(name="乙小区"))
    other = project_payload(name="丙小区", district="天宁区")
    assert (
        client.post("/api/projects", json=other, headers=bearer(web_app, "other_staff")).status_code
        == 201
    )
    assert client.get("/api/projects?district=天宁区").get_json()["total"] == 1
    assert client.get("/api/projects?q=乙").get_json()["items"][0]["name"] == "乙小区"
    # Ordered by district, then name: 天宁区 丙, then 清江浦区 乙, 甲.
    page_two = client.get("/api/projects?stage=registered&per_page=2&page=2").get_json()
    assert [p["name"] for p in page_two["items"]] == ["甲小区"]
    bad = client.get("/api/projects?stage=flying&page=0")
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"stage", "page"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p.update(colour="red"), "colour"),
        (lambda p: p["community"].update(name=""), "community.name"),
        (lambda p: p["community"].update(year_built="old"), "community.year_built"),
        (
            lambda p: p["buildings"][0]["units"][0]["flats"][0].update(area="-5"),
            "buildings.0.units.0.flats.0.area",
        ),
        (
            lambda p: p["buildings"][0]["units"][0]["flats"][0].update(floor="two"),
            "buildings.0.units.0.flats.0.floor",
        ),
        (
            lambda p: p["buildings"][0]["units"][0]["flats"].append(
                dict(p["buildings"][0]["units"][0]["flats"][0])
            ),
            "buildings.0.units.0.flats.4.number",
        ),
        (lambda p: p["content_items"][0].update(category="luxury"), "content_items.0.category"),
        (lambda p: p["budget"][0].update(amount="12.345"), "budget.0.amount"),
        (lambda p: p["budget"][0].update(amount="1e30"), "budget.0.amount"),
        (lambda p: p["budget"][0].update(amount=1e30), "budget.0.amount"),
        (lambda p: p.update(planned_start="2026-13-01"), "planned_start"),
        (lambda p: p.update(planned_finish="2020-01-01"), "planned_finish"),
        (lambda p: p.pop("buildings"), "buildings"),
    ],
)
def test_bad_registrations_name_the_field_and_write_nothing(client, web_app, change, field):
    payload = project_payload()
    change(payload)
    response = register(client, web_app, payload)
    assert response.status_code == 422
    body = response.get_json()
    assert field in body["errors"], body
    assert body["code"] and body["message"]
    assert count_projects(client) == 0


def test_malformed_json_is_a_400_not_a_500(client, web_app):
    response = client.post(
        "/api/projects",
        data="{not json",
        headers={**bearer(web_app), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "bad_request"


def test_a_json_list_instead_of_an_object_is_refused(client, web_app):
    response = client.post("/api/projects", json=[1, 2], headers=bearer(web_app))
    assert response.status_code == 422


def test_writes_need_a_staff_token(client, web_app):
    assert client.post("/api/projects", json=project_payload()).status_code == 401
    assert (
        client.post(
            "/api/projects", json=project_payload(), headers={"Authorization": "Bearer rnv_forged"}
        ).status_code
        == 401
    )
    refused = client.post(
        "/api/projects", json=project_payload(), headers=bearer(web_app, "auditor")
    )
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    assert count_projects(client) == 0


def test_staff_write_only_in_their_district(client, web_app):
    outside = client.post(
        "/api/projects", json=project_payload(district="天宁区"), headers=bearer(web_app)
    )
    assert outside.status_code == 403
    pid = register(client, web_app).get_json()["id"]
    assert move(client, web_app, pid, "needs_survey", role="other_staff").status_code == 403
    assert move(client, web_app, pid, "needs_survey", role="admin").status_code == 200


def test_stage_moves_and_a_skipped_gate_is_a_409_naming_it(client, web_app):
    pid = register(client, web_app).get_json()["id"]
    moved = move(client, web_app, pid, "needs_survey")
    assert moved.status_code == 200 and moved.get_json()["version"] == 2
    skipped = move(client, web_app, pid, "under_construction")
    assert skipped.status_code == 409
    body = skipped.get_json()
    assert body["gate"] == "requires_plan_approved" and body["code"] == "gate_closed"
    assert "“Plan approved”" in body["message"] and "requires_" not in body["message"]
    assert client.get(f"/api/projects/{pid}").get_json()["version"] == 2
    unknown = move(client, web_app, pid, "demolished")
    assert unknown.status_code == 422 and "to_stage" in unknown.get_json()["errors"]


def test_unknown_projects_are_404(client, web_app):
    missing = uuid.uuid4()
    assert client.get(f"/api/projects/{missing}").status_code == 404
    assert move(client, web_app, missing, "needs_survey").status_code == 404
    assert client.get("/api/projects/not-a-uuid").status_code == 404
    assert (
        client.get(
            f"/api/projects/{missing}/events", headers=bearer(web_app, "auditor")
        ).status_code
        == 404
    )


def test_idempotency_key_makes_one_project_and_one_move(client, web_app):
    first = register(client, web_app, **{"Idempotency-Key": "reg-001"})
    again = register(client, web_app, **{"Idempotency-Key": "reg-001"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"] and again.get_json()["replayed"]
    pid = first.get_json()["id"]
    for _ in range(2):
        assert (
            move(client, web_app, pid, "needs_survey", **{"Idempotency-Key": "mv-1"}).status_code
            == 200
        )
    assert client.get(f"/api/projects/{pid}").get_json()["version"] == 2
    assert count_projects(client) == 1
    bad = register(client, web_app, **{"Idempotency-Key": "has spaces!"})
    assert bad.status_code == 400 and "Idempotency-Key" in bad.get_json()["errors"]


def test_if_match_with_a_stale_version_is_a_409(client, web_app):
    pid = register(client, web_app).get_json()["id"]
    assert move(client, web_app, pid, "needs_survey", **{"If-Match": '"1"'}).status_code == 200
    stale = move(client, web_app, pid, "intent_vote", **{"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.get_json()["code"] == "stale_version" and stale.get_json()["version"] == 2
    assert move(client, web_app, pid, "intent_vote", **{"If-Match": "garbage"}).status_code == 400
    assert client.get(f"/api/projects/{pid}").get_json()["stage"] == "needs_survey"


def test_state_as_of_a_time_or_a_version(client, web_app):
    from datetime import UTC, datetime

    pid = register(client, web_app).get_json()["id"]
    move(client, web_app, pid, "needs_survey")
    between = datetime.now(UTC).isoformat()
    move(client, web_app, pid, "intent_vote")
    then = client.get(f"/api/projects/{pid}", query_string={"as_of": between})
    assert then.status_code == 200 and then.get_json()["stage"] == "needs_survey"
    assert then.get_json()["as_of"] is not None
    assert client.get(f"/api/projects/{pid}?version=1").get_json()["stage"] == "registered"
    assert client.get(f"/api/projects/{pid}?as_of=2000-01-01T00:00:00").status_code == 404
    assert client.get(f"/api/projects/{pid}?version=99").status_code == 404
    malformed = client.get(f"/api/projects/{pid}?as_of=yesterday")
    assert malformed.status_code == 422 and "as_of" in malformed.get_json()["errors"]
    both = client.get(f"/api/projects/{pid}", query_string={"as_of": between, "version": 1})
    assert both.status_code == 200 and both.get_json()["version"] == 1  # the earlier of the two


def test_auditors_read_the_history_and_verify_the_chain(client, web_app):
    pid = register(client, web_app).get_json()["id"]
    move(client, web_app, pid, "needs_survey")
    assert client.get(f"/api/projects/{pid}/events").status_code == 401
    history = client.get(f"/api/projects/{pid}/events", headers=bearer(web_app, "auditor"))
    assert history.status_code == 200
    events = history.get_json()["events"]
    assert [e["type"] for e in events] == ["ProjectRegistered", "StageChanged"]
    assert events[1]["actor_id"] == "user:zhang" and events[1]["actor_role"] == "staff"
    assert events[1]["data"]["to_stage"] == "needs_survey"
    verified = client.get(f"/api/projects/{pid}/verify", headers=bearer(web_app, "auditor"))
    assert verified.status_code == 200 and verified.get_json()["ok"] is True
    assert verified.get_json()["events_checked"] == 2
    assert client.get(f"/api/projects/{pid}/verify", headers=bearer(web_app)).status_code == 403


def test_progress_is_recorded_on_content_items(client, web_app):
    pid = register(client, web_app).get_json()["id"]
    walk(web_app.extensions["renovation"].app, uuid.UUID(pid), "plan_approved")
    url = f"/api/projects/{pid}/content-items/item-1/progress"
    early = client.post(url, json={"actual_quantity": "1"}, headers=bearer(web_app))
    assert early.status_code == 409 and early.get_json()["code"] == "item_progress_closed"
    assert early.get_json()["gate"] == "requires_under_construction"
    assert early.get_json()["params"]["from_stage"] == "plan_approved"
    assert early.get_json()["message"] == (
        "Not possible at the stage “Plan approved”: progress is recorded from the start of "
        "construction until rectification ends."
    )
    assert move(client, web_app, pid, "under_construction").status_code == 200
    version = client.get(f"/api/projects/{pid}").get_json()["version"]
    done = client.post(url, json={"actual_quantity": "600"}, headers=bearer(web_app))
    assert done.status_code == 200 and done.get_json()["version"] == version + 1
    summary = client.get("/api/projects").get_json()["items"][0]
    assert summary["version"] == version + 1
    unknown = client.post(
        f"/api/projects/{pid}/content-items/item-99/progress",
        json={"actual_quantity": "1"},
        headers=bearer(web_app),
    )
    assert unknown.status_code == 422 and "item_id" in unknown.get_json()["errors"]
    assert unknown.get_json()["code"] == "unknown_content_item"
    assert unknown.get_json()["params"] == {"item_id": "item-99"}
    negative = client.post(url, json={"actual_quantity": "-1"}, headers=bearer(web_app))
    assert negative.status_code == 422


def test_the_openapi_document_describes_the_api(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {
        "/api/projects",
        "/api/projects/{project_id}",
        "/api/projects/{project_id}/transitions",
    } <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert "ProjectCreate" in schemas and "area" in schemas["FlatCreate"]["properties"]


def test_a_signed_in_auditor_reads_history_in_the_browser_without_a_token(client, web_app):
    pid = register(client, web_app).get_json()["id"]
    web_app.config["WTF_CSRF_ENABLED"] = False
    signed_in = client.post("/login", data={"username": "chen", "password": "correct horse"})
    assert signed_in.status_code == 302
    assert client.get(f"/api/projects/{pid}/events").status_code == 200
    assert client.get(f"/api/projects/{pid}/verify").get_json()["ok"] is True
    # A session never writes through the API: that needs a bearer token (no CSRF there).
    assert move(client, web_app, pid, "needs_survey", role="auditor").status_code == 403
    assert (
        client.post(
            f"/api/projects/{pid}/transitions", json={"to_stage": "needs_survey"}
        ).status_code
        == 401
    )


def test_the_openapi_document_is_valid_openapi_3(client):
    from openapi_spec_validator import validate

    spec = client.get("/api/openapi.json").get_json()
    validate(spec)  # raises on any schema that is not valid OpenAPI 3
    area = spec["components"]["schemas"]["FlatCreate"]["properties"]["area"]
    assert area["type"] == "string" and area["format"] == "decimal"


WRITE_METHODS = {"post", "put", "patch", "delete"}
WRITE_HEADERS = {"Idempotency-Key", "If-Match"}
WRITE_ANSWERS = {"409", "412", "422", "429"}


def _resolve(spec: dict, item: dict) -> dict:
    """An OpenAPI object, following its ``$ref`` within the document."""
    while "$ref" in item:
        node: dict = spec
        for part in item["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        item = node
    return item


def test_every_write_declares_both_headers_and_the_refusals(client):
    spec = client.get("/api/openapi.json").get_json()
    problems, writes = [], 0
    for path, item in spec["paths"].items():
        shared = [_resolve(spec, p) for p in item.get("parameters", [])]
        for method, operation in item.items():
            if method not in WRITE_METHODS:
                continue
            writes += 1
            where = f"{method.upper()} {path}"
            parameters = shared + [_resolve(spec, p) for p in operation.get("parameters", [])]
            headers = {p["name"] for p in parameters if p["in"] == "header"}
            problems += [f"{where}: no {h} header" for h in sorted(WRITE_HEADERS - headers)]
            for status in sorted(WRITE_ANSWERS):
                answer = operation["responses"].get(status)
                if answer is None:
                    problems.append(f"{where}: no {status} answer")
                    continue
                schema = _resolve(spec, answer)["content"]["application/json"]["schema"]
                if schema != {"$ref": "#/components/schemas/Refusal"}:
                    problems.append(f"{where}: the {status} answer is not a Refusal: {schema}")
    assert writes >= 29  # every write of the API, not a few
    assert problems == []


def test_an_if_match_where_there_is_no_version_is_a_412_and_a_malformed_one_a_400(
    client, web_app
):
    before = count_projects(client)
    refused = register(client, web_app, **{"If-Match": '"1"'})
    assert refused.status_code == 412 and "If-Match" in refused.get_json()["errors"]
    assert count_projects(client) == before
    assert register(client, web_app, **{"If-Match": "*"}).status_code == 201
    template = client.post(
        "/api/answer-templates",
        json={"text": "已转交街道办理。"},
        headers={**bearer(web_app), "If-Match": '"3"'},
    )
    assert template.status_code == 412
    huge = register(client, web_app, **{"If-Match": '"' + "9" * 5000 + '"'})
    assert huge.status_code == 400 and "If-Match" in huge.get_json()["errors"]


def test_codes_carry_their_labels_in_the_language_asked_for(client, web_app):
    pid = register(client, web_app).get_json()["id"]
    english = client.get(f"/api/projects/{pid}").get_json()
    chinese = client.get(f"/api/projects/{pid}", headers={"Accept-Language": "zh"}).get_json()
    assert english["stage"] == chinese["stage"] == "registered"
    assert (english["stage_label"], chinese["stage_label"]) == ("Registered", "已登记")
    item = chinese["content_items"][0]
    assert item["category_label"] in ("基础类", "完善类", "提升类")
    listed = client.get("/api/projects", headers={"Accept-Language": "zh"}).get_json()
    assert {p["stage_label"] for p in listed["items"]} == {"已登记"}
    document = client.get("/api/openapi.json").get_json()
    project = document["components"]["schemas"]["Project"]["properties"]
    assert project["stage_label"]["readOnly"] is True
