"""An admin erases a resident, named by flat or contact, over the API (PIPL)."""

from __future__ import annotations

from tests.conftest import bearer, project_payload

PHONE = "13912345678"


def new_project(client, web_app) -> str:
    return client.post("/api/projects", json=project_payload(), headers=bearer(web_app)).get_json()[
        "id"
    ]


def send(client, pid: str, **personal) -> str:
    sent = client.post(
        f"/api/projects/{pid}/opinions",
        json={"category": "safety", "text": "楼道堆物", **personal},
    )
    assert sent.status_code == 201, sent.get_json()
    return sent.get_json()["opinion_id"]


def personal(client, web_app, pid: str, oid: str):
    return client.get(f"/api/projects/{pid}/opinions/{oid}", headers=bearer(web_app)).get_json()[
        "personal"
    ]


def test_an_admin_erases_a_household_and_everything_it_sent(client, web_app):
    pid = new_project(client, web_app)
    first = send(client, pid, building="1", unit="2", flat="101", contact=PHONE)
    second = send(client, pid, building="1", unit="2", flat="101")
    # Sent with a phone only, then found as the same resident by the phone.
    by_phone = send(client, pid, contact="139 1234 5678")
    neighbour = send(client, pid, building="1", unit="2", flat="102", contact="13700000000")
    url = f"/api/projects/{pid}/residents/erasure"
    body = {"building": "1", "unit": "2", "flat": "101", "contact": PHONE, "reason": "本人申请"}

    erased = client.post(url, json=body, headers=bearer(web_app, "admin"))

    assert erased.status_code == 200, erased.get_json()
    assert erased.get_json()["keys_destroyed"] == 2  # the household's key and the phone's
    for oid in (first, second, by_phone):
        assert personal(client, web_app, pid, oid) is None
    assert personal(client, web_app, pid, neighbour) == {"flat": "102", "contact": "13700000000"}
    history = client.get(f"/api/projects/{pid}/events", headers=bearer(web_app, "auditor"))
    assert PHONE not in history.get_data(as_text=True)
    assert history.get_json()["events"][-1]["type"] == "PersonalDataErased"
    verified = client.get(f"/api/projects/{pid}/verify", headers=bearer(web_app, "auditor"))
    assert verified.get_json()["ok"] is True
    # The search through the project's sealed records was logged, naming no one.
    reads = client.get("/api/access-log", headers=bearer(web_app, "auditor"))
    logged = [r for r in reads.get_json()["items"] if r["subject"] == "resident"]
    assert len(logged) == 1 and logged[0]["actor_role"] == "admin"

    again = client.post(url, json=body, headers=bearer(web_app, "admin"))
    assert again.status_code == 409
    assert again.get_json()["code"] == "resident_has_no_personal_data"


def test_a_resident_erasure_is_refused_clearly_and_changes_nothing(client, web_app):
    pid = new_project(client, web_app)
    oid = send(client, pid, building="1", unit="2", flat="101", contact=PHONE)
    url = f"/api/projects/{pid}/residents/erasure"
    body = {"building": "1", "unit": "2", "flat": "101", "reason": "本人申请"}
    version = client.get(f"/api/projects/{pid}", headers=bearer(web_app)).get_json()["version"]

    assert client.post(url, json=body, headers=bearer(web_app)).status_code == 403  # staff
    assert client.post(url, json=body).status_code == 401
    unnamed = client.post(url, json={"reason": "本人申请"}, headers=bearer(web_app, "admin"))
    assert unnamed.status_code == 422
    assert "flat" in unnamed.get_json()["errors"]
    no_reason = client.post(url, json={**body, "reason": ""}, headers=bearer(web_app, "admin"))
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    stranger = client.post(url, json={**body, "flat": "102"}, headers=bearer(web_app, "admin"))
    assert stranger.status_code == 409
    assert stranger.get_json()["code"] == "resident_has_no_personal_data"
    unknown = client.post(
        "/api/projects/00000000-0000-4000-8000-000000000000/residents/erasure",
        json=body,
        headers=bearer(web_app, "admin"),
    )
    assert unknown.status_code == 404

    assert personal(client, web_app, pid, oid) == {"flat": "101", "contact": PHONE}
    after = client.get(f"/api/projects/{pid}", headers=bearer(web_app)).get_json()["version"]
    assert after == version
