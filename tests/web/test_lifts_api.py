"""Lift retrofits over the API: poll, votes by code and on paper, stages, objections, shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import bearer, project_payload


def payload_with_unit() -> dict:
    payload = project_payload()
    flats = [
        {
            "number": f"{floor}0{door}",
            "floor": floor,
            "area": "60.00" if door == 1 else "80.00",
            "owner_ref": f"L-{floor}{door}",
        }
        for floor in range(1, 7)
        for door in (1, 2)
    ]
    payload["buildings"].append({"code": "3", "units": [{"code": "1", "flats": flats}]})
    return payload


@pytest.fixture
def lift(client, web_app):
    pid = client.post(
        "/api/projects", json=payload_with_unit(), headers=bearer(web_app)
    ).get_json()["id"]
    now = datetime.now(UTC)
    created = client.post(
        f"/api/projects/{pid}/lifts",
        headers=bearer(web_app),
        json={
            "building": "3",
            "unit": "1",
            "veto_flats": ["3-1-101"],
            "poll_opens_at": (now - timedelta(hours=1)).isoformat(),
            "poll_closes_at": (now + timedelta(days=10)).isoformat(),
        },
    )
    assert created.status_code == 201, created.get_json()
    return pid, created.get_json()["lift_id"]


def close_poll(client, web_app, pid, lift_id):
    app = web_app.extensions["renovation"].app
    real = app.clock
    app.clock = lambda: real() + timedelta(days=11)
    try:
        return client.post(
            f"/api/projects/{pid}/lifts/{lift_id}/close-poll", headers=bearer(web_app)
        )
    finally:
        app.clock = real


def test_a_unit_votes_by_code_and_on_paper_and_the_result_explains_itself(client, web_app, lift):
    pid, lift_id = lift
    codes = {
        c["flat_id"]: c["code"]
        for c in client.post(
            f"/api/projects/{pid}/household-codes", json={"building": "3"}, headers=bearer(web_app)
        ).get_json()["codes"]
    }
    for flat_id, code in codes.items():
        choice = "disagree" if flat_id == "3-1-202" else "agree"
        vote = client.post(
            f"/api/projects/{pid}/lifts/{lift_id}/votes", json={"code": code, "choice": choice}
        )
        assert vote.status_code == 201, vote.get_json()
    paper = client.post(
        f"/api/projects/{pid}/lifts/{lift_id}/paper-votes",
        headers=bearer(web_app),
        json={"flat_id": "3-1-202", "choice": "agree", "effective_on": "2026-11-20"},
    )
    assert paper.status_code == 201
    live = client.get(f"/api/projects/{pid}/lifts/{lift_id}").get_json()
    assert live["stage"] == "willingness_poll" and live["consent"]["passed"] is True
    assert {f["flat_id"]: f["vote"] for f in live["flats"]}["3-1-202"] == "agree"
    assert "owner_ref" not in str(live) and "L-11" not in str(live)
    closed = close_poll(client, web_app, pid, lift_id)
    assert closed.status_code == 200 and closed.get_json()["stage"] == "consent_passed"
    checks = {c["name"]: c for c in closed.get_json()["consent"]["checks"]}
    assert checks["quorum_area"]["rendered"].startswith("840.00/840.00")


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("votes", {"code": "ZZZZZ-ZZZZZ", "choice": "agree"}, 422, "code"),
        ("votes", {"code": "ZZZZZ-ZZZZZ", "choice": "maybe"}, 422, "choice"),
        ("paper-votes", {"flat_id": "1-1-101", "choice": "agree"}, 422, "code"),
        ("paper-votes", {"flat_id": "3-1-999", "choice": "agree"}, 422, "code"),
        ("transitions", {"to_stage": "in_service"}, 409, "to_stage"),
        ("transitions", {"to_stage": "flying"}, 422, "to_stage"),
        ("transitions", {"to_stage": "abandoned"}, 422, "details.reason"),
        ("objections", {"text": "挡光"}, 409, "lift_id"),
    ],
)
def test_bad_lift_requests_are_refused_and_write_nothing(
    client, web_app, lift, path, body, status, field
):
    pid, lift_id = lift
    before = client.get(f"/api/projects/{pid}").get_json()["version"]
    headers = bearer(web_app) if path in ("paper-votes", "transitions") else {}
    response = client.post(
        f"/api/projects/{pid}/lifts/{lift_id}/{path}", json=body, headers=headers
    )
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["errors"], response.get_json()
    assert client.get(f"/api/projects/{pid}").get_json()["version"] == before


def test_cost_shares_wait_for_the_agreement_and_then_add_up(client, web_app, lift):
    pid, lift_id = lift
    for floor in range(1, 7):
        for door in (1, 2):
            client.post(
                f"/api/projects/{pid}/lifts/{lift_id}/paper-votes",
                headers=bearer(web_app),
                json={"flat_id": f"3-1-{floor}0{door}", "choice": "agree"},
            )
    close_poll(client, web_app, pid, lift_id)
    early = client.get(f"/api/projects/{pid}/lifts/{lift_id}/cost-shares")
    assert early.status_code == 422 and early.get_json()["code"] == "budget_missing"
    signed = client.post(
        f"/api/projects/{pid}/lifts/{lift_id}/transitions",
        headers=bearer(web_app),
        json={
            "to_stage": "agreement_signed",
            "on": "2026-11-20",
            "details": {
                "manager": "业主小组",
                "budget": "550000.00",
                "subsidy": "100000.00",
                "cost_sharing": "按楼层系数与面积",
                "maintenance_sharing": "均摊",
            },
        },
    )
    assert signed.status_code == 200, signed.get_json()
    shares = client.get(f"/api/projects/{pid}/lifts/{lift_id}/cost-shares").get_json()
    assert shares["amount"] == "450000.00"
    total = sum(round(float(s["share"]) * 100) for s in shares["shares"])
    assert total == 45_000_000
    notice = client.get(f"/api/projects/{pid}/lifts/{lift_id}/notice.pdf")
    assert notice.status_code == 200 and notice.mimetype == "application/pdf"
    unknown_language = client.get(f"/api/projects/{pid}/lifts/{lift_id}/notice.pdf?lang=fr")
    assert unknown_language.status_code == 422
    assert "lang" in unknown_language.get_json()["errors"]


def test_unknown_lifts_are_404(client, web_app, lift):
    pid, _ = lift
    assert client.get(f"/api/projects/{pid}/lifts/9-9").status_code == 404
    assert (
        client.post(
            f"/api/projects/{pid}/lifts/9-9/votes", json={"code": "AAAAA-AAAAA", "choice": "agree"}
        ).status_code
        == 404
    )
    duplicate = client.post(
        f"/api/projects/{pid}/lifts",
        headers=bearer(web_app),
        json={
            "building": "3",
            "unit": "1",
            "poll_opens_at": "2026-12-01T09:00",
            "poll_closes_at": "2026-12-11T18:00",
        },
    )
    assert duplicate.status_code == 422 and "unit" in duplicate.get_json()["errors"]


def test_refusals_carry_a_code_params_and_words_in_each_language(client, web_app, lift):
    pid, lift_id = lift
    duplicate = {
        "building": "3",
        "unit": "1",
        "poll_opens_at": "2026-12-01T09:00",
        "poll_closes_at": "2026-12-11T18:00",
    }
    english = client.post(f"/api/projects/{pid}/lifts", headers=bearer(web_app), json=duplicate)
    body = english.get_json()
    assert (body["code"], body["params"]) == ("unit_has_lift", {"unit": "3-1"})
    assert body["message"] == "Unit 3-1 has a lift retrofit already."
    chinese = client.post(
        f"/api/projects/{pid}/lifts",
        headers={**bearer(web_app), "Accept-Language": "zh"},
        json=duplicate,
    ).get_json()
    assert chinese["code"] == "unit_has_lift" and chinese["message"] == "3-1 单元已有加装电梯项目。"

    early = client.post(f"/api/projects/{pid}/lifts/{lift_id}/close-poll", headers=bearer(web_app))
    body = early.get_json()
    assert early.status_code == 409 and body["code"] == "poll_open_until"
    assert body["message"].startswith("The poll is open until 20")
    assert set(body["params"]) == {"until"}

    skipped = client.post(
        f"/api/projects/{pid}/lifts/{lift_id}/transitions",
        headers={**bearer(web_app), "Accept-Language": "zh"},
        json={"to_stage": "design", "on": "2026-11-20"},
    )
    body = skipped.get_json()
    assert skipped.status_code == 409 and body["code"] == "lift_stage_skipped"
    assert body["gate"] == "requires_agreement_signed"
    assert body["message"] == "电梯不能进入“加装方案设计”阶段：须先到达“签订加装协议”阶段。"


def version_of(client, pid) -> int:
    return client.get(f"/api/projects/{pid}").get_json()["version"]


def history_length(client, web_app, pid) -> int:
    events = client.get(f"/api/projects/{pid}/events", headers=bearer(web_app, "auditor"))
    return len(events.get_json()["events"])


def poll_window() -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "poll_opens_at": (now - timedelta(hours=1)).isoformat(),
        "poll_closes_at": (now + timedelta(days=10)).isoformat(),
    }


# Every lift write: its path, whether staff send it, a body the schema accepts.
LIFT_WRITES = [
    ("lifts", True, {"building": "2", "unit": "1", **poll_window()}),
    ("lifts/{lift_id}/votes", False, {"code": "ZZZZZ-ZZZZZ", "choice": "agree"}),
    ("lifts/{lift_id}/paper-votes", True, {"flat_id": "3-1-101", "choice": "agree"}),
    ("lifts/{lift_id}/close-poll", True, None),
    ("lifts/{lift_id}/reopen-poll", True, poll_window()),
    ("lifts/{lift_id}/transitions", True, {"to_stage": "abandoned", "details": {"reason": "撤回"}}),
    ("lifts/{lift_id}/objections", False, {"text": "挡光"}),
    ("lifts/{lift_id}/objections/x1/answer", True, {"outcome": "mediated", "reason": "已协商"}),
]


@pytest.mark.parametrize(("path", "staff", "body"), LIFT_WRITES)
def test_a_lift_write_with_a_stale_if_match_is_a_409_and_writes_nothing(
    client, web_app, lift, path, staff, body
):
    pid, lift_id = lift
    current = version_of(client, pid)
    events = history_length(client, web_app, pid)
    headers = {**(bearer(web_app) if staff else {}), "If-Match": f'"{current - 1}"'}
    stale = client.post(
        f"/api/projects/{pid}/{path.format(lift_id=lift_id)}", json=body, headers=headers
    )
    assert stale.status_code == 409, stale.get_json()
    refusal = stale.get_json()
    assert refusal["code"] == "stale_version" and refusal["version"] == current
    assert refusal["params"] == {"expected": current - 1, "actual": current}
    assert "If-Match" in refusal["errors"]
    assert version_of(client, pid) == current
    assert history_length(client, web_app, pid) == events


def test_lift_writes_at_the_current_version_go_through_and_answer_the_new_one(
    client, web_app, lift
):
    pid, lift_id = lift
    current = version_of(client, pid)
    paper = client.post(
        f"/api/projects/{pid}/lifts/{lift_id}/paper-votes",
        json={"flat_id": "3-1-101", "choice": "agree"},
        headers={**bearer(web_app), "If-Match": f'"{current}"'},
    )
    assert paper.status_code == 201 and paper.headers["ETag"] == f'"{current + 1}"'
    moved = client.post(
        f"/api/projects/{pid}/lifts/{lift_id}/transitions",
        json={"to_stage": "abandoned", "details": {"reason": "撤回"}},
        headers={**bearer(web_app), "If-Match": paper.headers["ETag"]},
    )
    assert moved.status_code == 200 and moved.get_json()["version"] == current + 2


def test_a_repeated_idempotency_key_on_a_lift_write_is_replayed_not_doubled(client, web_app, lift):
    pid, lift_id = lift
    key = {**bearer(web_app), "Idempotency-Key": "lift-2-1-first-try"}
    body = {"building": "2", "unit": "1", **poll_window()}
    first = client.post(f"/api/projects/{pid}/lifts", json=body, headers=key)
    assert first.status_code == 201 and first.get_json()["replayed"] is False
    events = history_length(client, web_app, pid)
    # Retried with the same key, even with the If-Match of before the first try.
    stale = {"If-Match": f'"{first.get_json()["version"] - 1}"'}
    again = client.post(f"/api/projects/{pid}/lifts", json=body, headers={**key, **stale})
    assert again.status_code == 200
    assert again.get_json() == {**first.get_json(), "replayed": True}
    assert history_length(client, web_app, pid) == events
    assert len(client.get(f"/api/projects/{pid}/lifts").get_json()) == 2

    # A resident's vote sent twice with one key is counted once; a short key is refused.
    codes = client.post(
        f"/api/projects/{pid}/household-codes", json={"building": "3"}, headers=bearer(web_app)
    ).get_json()["codes"]
    url = f"/api/projects/{pid}/lifts/{lift_id}/votes"
    vote = {"code": codes[0]["code"], "choice": "agree"}
    resident_key = {"Idempotency-Key": "5f0c8a1e-vote-retry-3-1"}
    cast = client.post(url, json=vote, headers=resident_key)
    events = history_length(client, web_app, pid)
    recast = client.post(url, json=vote, headers=resident_key)
    assert cast.status_code == 201 and recast.status_code == 200
    assert recast.get_json() == {**cast.get_json(), "replayed": True}
    assert history_length(client, web_app, pid) == events
    short = client.post(url, json=vote, headers={"Idempotency-Key": "short"})
    assert short.status_code == 400 and "Idempotency-Key" in short.get_json()["errors"]
