"""Residents' voice over the API: rounds, codes, ballots, opinions, answers, figures."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import bearer, project_payload, walk

NOW = datetime.now(UTC)


def new_project(client, web_app, **payload) -> str:
    return client.post(
        "/api/projects", json=project_payload(**payload), headers=bearer(web_app)
    ).get_json()["id"]


def open_round(client, web_app, pid, **overrides) -> str:
    body = {
        "kind": "needs",
        "title": "改造需求调查",
        "opens_at": (NOW - timedelta(hours=1)).isoformat(),
        "closes_at": (NOW + timedelta(days=7)).isoformat(),
        "questions": [
            {
                "type": "multiple",
                "text": "最希望改造什么？",
                "options": ["管网", "停车", "电梯"],
                "required": True,
            },
            {"type": "rating", "text": "满意度"},
        ],
        **overrides,
    }
    response = client.post(f"/api/projects/{pid}/consultations", json=body, headers=bearer(web_app))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["consultation_id"]


def issue_codes(client, web_app, pid, building=None) -> dict[str, str]:
    response = client.post(
        f"/api/projects/{pid}/household-codes",
        json={"building": building} if building else {},
        headers=bearer(web_app),
    )
    assert response.status_code == 201, response.get_json()
    return {c["flat_id"]: c["code"] for c in response.get_json()["codes"]}


def history_types(client, web_app, pid) -> list[str]:
    events = client.get(f"/api/projects/{pid}/events", headers=bearer(web_app, "auditor"))
    return [e["type"] for e in events.get_json()["events"]]


def past_the_close(web_app, days: int = 8):
    app = web_app.extensions["renovation"].app
    app.clock = lambda: datetime.now(UTC) + timedelta(days=days)


def test_a_household_votes_with_its_code_and_voting_again_replaces_it(client, web_app):
    pid = new_project(client, web_app)
    rid = open_round(client, web_app, pid)
    codes = issue_codes(client, web_app, pid)
    assert len(codes) == 7 and all(len(c) == 11 for c in codes.values())
    url = f"/api/projects/{pid}/consultations/{rid}/votes"
    first = client.post(url, json={"code": codes["1-1-101"], "answers": {"q1": ["管网"], "q2": 3}})
    assert first.status_code == 201 and first.get_json()["flat"] == "1-1-101"
    assert first.get_json()["replaced"] is False
    # Typed by hand: lower case, spaces instead of the dash.
    typed = codes["1-1-101"].lower().replace("-", " ")
    again = client.post(url, json={"code": typed, "answers": {"q1": ["停车", "电梯"], "q2": 5}})
    assert again.status_code == 201 and again.get_json()["replaced"] is True
    result = client.get(f"/api/projects/{pid}/consultations/{rid}", headers=bearer(web_app))
    live = result.get_json()["result"]
    assert live["ballots"] == 1
    assert live["questions"][0]["counts"] == {"管网": 0, "停车": 1, "电梯": 1}
    assert history_types(client, web_app, pid).count("BallotCast") == 2
    # The public sees no count while the round is open.
    assert client.get(f"/api/projects/{pid}/consultations/{rid}").get_json()["result"] is None


@pytest.mark.parametrize(
    ("ballot", "status", "field"),
    [
        ({"code": "ZZZZZ-ZZZZZ", "answers": {"q1": ["管网"]}}, 422, "code"),
        ({"code": "CODE-OF-1-1-101", "answers": {"q1": ["花园"]}}, 422, "answers.q1"),
        ({"code": "CODE-OF-1-1-101", "answers": {"q2": 3}}, 422, "answers.q1"),
        ({"code": "CODE-OF-1-1-101", "answers": {"q1": ["管网"], "q2": 9}}, 422, "answers.q2"),
        ({"code": "CODE-OF-1-1-101", "answers": {"q1": ["管网"], "q9": 1}}, 422, "answers.q9"),
        (
            {"code": "CODE-OF-1-1-101", "answers": {"q1": ["管网"]}, "consent": "agree"},
            422,
            "consent",
        ),
        ({"answers": {"q1": ["管网"]}}, 422, "code"),
    ],
)
def test_bad_ballots_are_refused_and_write_nothing(client, web_app, ballot, status, field):
    pid = new_project(client, web_app)
    rid = open_round(client, web_app, pid)
    codes = issue_codes(client, web_app, pid)
    if ballot.get("code") == "CODE-OF-1-1-101":
        ballot = dict(ballot, code=codes["1-1-101"])
    before = history_types(client, web_app, pid)
    response = client.post(f"/api/projects/{pid}/consultations/{rid}/votes", json=ballot)
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["errors"]
    assert history_types(client, web_app, pid) == before


def test_another_projects_code_and_an_out_of_scope_flat_are_refused(client, web_app):
    pid, other = new_project(client, web_app), new_project(client, web_app, name="富丽花园")
    rid = open_round(client, web_app, pid, scope={"level": "unit", "building": "1", "unit": "2"})
    mine, theirs = issue_codes(client, web_app, pid), issue_codes(client, web_app, other)
    url = f"/api/projects/{pid}/consultations/{rid}/votes"
    ballot = {"answers": {"q1": ["管网"]}}
    foreign = client.post(url, json={**ballot, "code": theirs["1-2-101"]})
    assert foreign.status_code == 422 and foreign.get_json()["code"] == "unknown_household_code"
    assert "code" in foreign.get_json()["errors"]
    outside = client.post(
        url, json={**ballot, "code": mine["1-1-101"]}, headers={"Accept-Language": "zh"}
    )
    assert outside.status_code == 422 and outside.get_json()["code"] == "out_of_scope"
    assert outside.get_json()["message"] == "1幢1单元101室不在本轮征询的范围内。"
    assert outside.get_json()["params"]["flat_id"] == "1-1-101"
    inside = client.post(url, json={**ballot, "code": mine["1-2-101"]})
    assert inside.status_code == 201


def test_codes_issued_again_under_the_same_key_are_refused_for_they_are_not_kept(
    client, web_app
):
    pid = new_project(client, web_app)
    headers = {**bearer(web_app), "Idempotency-Key": str(uuid.uuid4())}
    url = f"/api/projects/{pid}/household-codes"
    assert client.post(url, json={"building": "1"}, headers=headers).status_code == 201
    again = client.post(url, json={"building": "1"}, headers=headers)
    assert again.status_code == 409 and again.get_json()["code"] == "household_codes_not_kept"
    unknown = client.post(url, json={"building": "9"}, headers=bearer(web_app))
    assert unknown.status_code == 422 and unknown.get_json()["code"] == "unknown_building"
    assert unknown.get_json()["errors"] == {"building": ["there is no building 9"]}


def test_reissued_codes_replace_the_old_ones(client, web_app):
    pid = new_project(client, web_app)
    rid = open_round(client, web_app, pid)
    old = issue_codes(client, web_app, pid, building="1")
    new = issue_codes(client, web_app, pid, building="1")
    url = f"/api/projects/{pid}/consultations/{rid}/votes"
    lapsed = client.post(url, json={"code": old["1-1-101"], "answers": {"q1": ["管网"]}})
    assert lapsed.status_code == 422
    assert (
        client.post(url, json={"code": new["1-1-101"], "answers": {"q1": ["管网"]}}).status_code
        == 201
    )


def test_a_round_takes_no_ballots_before_it_opens_or_after_it_closes(client, web_app):
    pid = new_project(client, web_app)
    later = open_round(client, web_app, pid, opens_at=(NOW + timedelta(days=1)).isoformat())
    codes = issue_codes(client, web_app, pid)
    early = client.post(
        f"/api/projects/{pid}/consultations/{later}/votes",
        json={"code": codes["1-1-101"], "answers": {"q1": ["管网"]}},
    )
    assert early.status_code == 409 and early.get_json()["code"] == "consultation_not_open"
    assert early.get_json()["message"].startswith("Voting opens at ")
    assert "opens_at" in early.get_json()["params"]
    rid = open_round(client, web_app, pid)
    past_the_close(web_app)
    late = client.post(
        f"/api/projects/{pid}/consultations/{rid}/votes",
        json={"code": codes["1-1-101"], "answers": {"q1": ["管网"]}},
        headers={"Accept-Language": "zh-CN"},
    )
    assert late.status_code == 409 and late.get_json()["code"] == "consultation_closed"
    message = late.get_json()["message"]
    assert message.startswith("投票已于") and "T" not in message


def test_bad_rounds_name_the_field(client, web_app):
    pid = new_project(client, web_app)
    url = f"/api/projects/{pid}/consultations"
    cases = [
        ({"closes_at": (NOW - timedelta(days=1)).isoformat()}, "closes_at"),
        (
            {"questions": [{"type": "single", "text": "选一个", "options": ["只有一个"]}]},
            "questions.0.options",
        ),
        ({"questions": [{"type": "essay", "text": "写"}]}, "questions.0.type"),
        ({"scope": {"level": "unit", "building": "9", "unit": "1"}}, "scope.building"),
        ({"kind": "plan", "intent_vote": True, "matter": "alteration"}, "intent_vote"),
        ({"intent_vote": True}, "matter"),
        ({"opens_at": "next monday"}, "opens_at"),
    ]
    base = {
        "kind": "needs",
        "title": "调查",
        "opens_at": NOW.isoformat(),
        "closes_at": (NOW + timedelta(days=3)).isoformat(),
        "questions": [{"type": "text", "text": "意见"}],
    }
    for change, field in cases:
        response = client.post(url, json={**base, **change}, headers=bearer(web_app))
        assert response.status_code == 422, (change, response.get_json())
        assert field in response.get_json()["errors"], (change, response.get_json())
    assert client.get(url).get_json() == []


def test_an_intent_vote_closes_with_its_civil_code_result_and_moves_the_project(client, web_app):
    pid = new_project(client, web_app)
    walk(web_app.extensions["renovation"].app, uuid.UUID(pid), "intent_vote")
    rid = open_round(client, web_app, pid, questions=[], intent_vote=True, matter="alteration")
    codes = issue_codes(client, web_app, pid)
    url = f"/api/projects/{pid}/consultations/{rid}/votes"
    no_consent = client.post(url, json={"code": codes["1-1-101"]})
    assert no_consent.status_code == 422 and "consent" in no_consent.get_json()["errors"]
    for flat, code in codes.items():
        if flat != "2-1-101":
            assert client.post(url, json={"code": code, "consent": "agree"}).status_code == 201
    paper = client.post(
        f"/api/projects/{pid}/consultations/{rid}/paper-votes",
        json={"flat_id": "2-1-101", "consent": "disagree"},
        headers=bearer(web_app),
    )
    assert paper.status_code == 201
    early = client.post(f"/api/projects/{pid}/consultations/{rid}/close", headers=bearer(web_app))
    assert early.status_code == 409 and early.get_json()["code"] == "consultation_still_open"
    past_the_close(web_app)
    closed = client.post(f"/api/projects/{pid}/consultations/{rid}/close", headers=bearer(web_app))
    assert closed.status_code == 200
    result = closed.get_json()["result"]
    assert result["passed"] is True and result["consent"]["ruleset_id"] == "national-2021"
    assert {c["name"] for c in result["consent"]["checks"]} >= {"quorum_area", "pass_owners"}
    assert client.get(f"/api/projects/{pid}").get_json()["stage"] == "in_plan"
    events = client.get(f"/api/projects/{pid}/events", headers=bearer(web_app, "auditor"))
    paper_event = [e for e in events.get_json()["events"] if e["type"] == "BallotCast"][-1]
    assert paper_event["channel"] == "paper" and paper_event["actor_id"] == "user:zhang"
    again = client.post(f"/api/projects/{pid}/consultations/{rid}/close", headers=bearer(web_app))
    assert again.status_code == 409 and again.get_json()["code"] == "consultation_closed_already"


def test_unknown_rounds_and_opinions_are_404(client, web_app):
    pid = new_project(client, web_app)
    assert client.get(f"/api/projects/{pid}/consultations/nope").status_code == 404
    assert (
        client.post(
            f"/api/projects/{pid}/consultations/nope/votes", json={"code": "AAAAA-AAAAA"}
        ).status_code
        == 404
    )
    by_code = client.get("/api/opinions/NOPE1234")
    assert by_code.status_code == 404 and by_code.get_json()["code"] == "unknown_tracking_code"
    answer = client.post(
        f"/api/projects/{pid}/opinions/0123456789ab/answer",
        json={"outcome": "adopted", "answer": "好"},
        headers=bearer(web_app),
    )
    assert answer.status_code == 404 and answer.get_json()["code"] == "unknown_opinion"
    assert answer.get_json()["params"] == {"opinion_id": "0123456789ab"}
    staff_view = client.get(f"/api/projects/{pid}/opinions/0123456789ab", headers=bearer(web_app))
    assert staff_view.status_code == 404 and staff_view.get_json()["code"] == "unknown_opinion"
    not_an_id = client.get(f"/api/projects/{pid}/opinions/nope", headers=bearer(web_app))
    assert not_an_id.status_code == 404 and not_an_id.get_json()["code"] == "not_found"


def test_opinions_are_submitted_tracked_answered_and_moderated(client, web_app):
    pid = new_project(client, web_app)
    sent = client.post(
        f"/api/projects/{pid}/opinions",
        json={
            "category": "nuisance",
            "text": "夜间施工噪音太大",
            "building": "1",
            "unit": "1",
            "flat": "101",
            "contact": "13800000000",
        },
    )
    assert sent.status_code == 201
    code = sent.get_json()["tracking_code"]
    tracked = client.get(f"/api/opinions/{code.lower()}")
    assert tracked.status_code == 200
    body = tracked.get_json()
    assert body["status"] == "open" and body["text"] == "夜间施工噪音太大"
    assert "13800000000" not in tracked.get_data(as_text=True)
    oid = sent.get_json()["opinion_id"]
    refused = client.post(
        f"/api/projects/{pid}/opinions/{oid}/answer",
        json={"outcome": "not_adopted", "answer": "不能调整"},
        headers=bearer(web_app),
    )
    assert refused.status_code == 422 and "reason" in refused.get_json()["errors"]
    answered = client.post(
        f"/api/projects/{pid}/opinions/{oid}/answer",
        json={
            "outcome": "adopted",
            "answer": "已要求22点后停工",
            "links": [{"kind": "content_item", "id": "item-1"}],
        },
        headers=bearer(web_app),
    )
    assert answered.status_code == 200
    body = client.get(f"/api/opinions/{code}").get_json()
    assert body["status"] == "answered" and body["outcome"] == "adopted"
    assert body["links"] == [{"kind": "content_item", "id": "item-1"}]
    hidden = client.post(
        f"/api/projects/{pid}/opinions/{oid}/moderation",
        json={"hidden": True, "reason": "含辱骂"},
        headers=bearer(web_app),
    )
    assert hidden.status_code == 200
    assert client.get(f"/api/opinions/{code}").get_json()["text"] is None
    # Staff of the district read the sender's contact; the read is logged for auditors.
    staff_view = client.get(f"/api/projects/{pid}/opinions/{oid}", headers=bearer(web_app))
    assert staff_view.get_json()["personal"] == {"flat": "101", "contact": "13800000000"}
    assert staff_view.get_json()["text"] == "夜间施工噪音太大"
    auditor_view = client.get(
        f"/api/projects/{pid}/opinions/{oid}", headers=bearer(web_app, "auditor")
    )
    assert auditor_view.get_json()["personal"] is None
    log = client.get("/api/access-log", headers=bearer(web_app, "auditor")).get_json()
    assert log["total"] == 1 and log["items"][0]["subject"] == f"opinion:{oid}"


@pytest.mark.parametrize(
    ("opinion", "field"),
    [
        ({"category": "nuisance", "text": ""}, "text"),
        ({"category": "nuisance", "text": "字" * 2001}, "text"),
        ({"category": "gossip", "text": "你好"}, "category"),
        ({"category": "nuisance", "text": "你好", "building": "99"}, "building"),
        ({"category": "nuisance", "text": "你好", "extra": 1}, "extra"),
    ],
)
def test_bad_opinions_are_refused_and_write_nothing(client, web_app, opinion, field):
    pid = new_project(client, web_app)
    response = client.post(f"/api/projects/{pid}/opinions", json=opinion)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert history_types(client, web_app, pid) == ["ProjectRegistered"]


def test_an_opinion_retried_with_the_same_key_is_stored_once(client, web_app):
    pid = new_project(client, web_app)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post(
        f"/api/projects/{pid}/opinions",
        json={"category": "plan", "text": "增加充电桩"},
        headers=key,
    )
    again = client.post(
        f"/api/projects/{pid}/opinions",
        json={"category": "plan", "text": "增加充电桩"},
        headers=key,
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["tracking_code"] == again.get_json()["tracking_code"]
    assert history_types(client, web_app, pid).count("OpinionSubmitted") == 1
    short = client.post(
        f"/api/projects/{pid}/opinions",
        json={"category": "plan", "text": "x"},
        headers={"Idempotency-Key": "1"},
    )
    assert short.status_code == 400


def test_several_opinions_are_answered_at_once_or_not_at_all(client, web_app):
    pid = new_project(client, web_app)
    ids = [
        client.post(
            f"/api/projects/{pid}/opinions", json={"category": "plan", "text": f"意见{n}"}
        ).get_json()["opinion_id"]
        for n in range(3)
    ]
    bad = client.post(
        f"/api/projects/{pid}/opinions/answers",
        json={"opinion_ids": [*ids, "nope"], "outcome": "adopted", "answer": "采纳"},
        headers=bearer(web_app),
    )
    assert bad.status_code == 404 and bad.get_json()["code"] == "unknown_opinion"
    twice = client.post(
        f"/api/projects/{pid}/opinions/answers",
        json={"opinion_ids": [ids[0], ids[0]], "outcome": "adopted", "answer": "采纳"},
        headers=bearer(web_app),
    )
    assert twice.status_code == 422
    assert twice.get_json()["errors"]["opinion_ids"] == [f"{ids[0]} is listed twice"]
    assert (
        client.get(
            f"/api/projects/{pid}/opinions?status=answered", headers=bearer(web_app)
        ).get_json()["total"]
        == 0
    )
    done = client.post(
        f"/api/projects/{pid}/opinions/answers",
        json={
            "opinion_ids": ids,
            "outcome": "referred",
            "answer": "已转办",
            "referred_to": "供电公司",
        },
        headers=bearer(web_app),
    )
    assert done.status_code == 200
    queue = client.get(f"/api/projects/{pid}/opinions?status=answered", headers=bearer(web_app))
    assert queue.get_json()["total"] == 3
    assert {o["referred_to"] for o in queue.get_json()["items"]} == {"供电公司"}


def test_figures_per_project_and_district(client, web_app):
    pid = new_project(client, web_app)
    other = client.post(
        "/api/projects",
        json=project_payload(name="丙小区", district="天宁区"),
        headers=bearer(web_app, "other_staff"),
    ).get_json()["id"]
    ids = [
        client.post(
            f"/api/projects/{pid}/opinions", json={"category": "plan", "text": f"意见{n}"}
        ).get_json()["opinion_id"]
        for n in range(4)
    ]
    client.post(f"/api/projects/{other}/opinions", json={"category": "plan", "text": "别处"})
    for oid, outcome in zip(ids[:3], ["adopted", "partly_adopted", "not_adopted"], strict=True):
        client.post(
            f"/api/projects/{pid}/opinions/{oid}/answer",
            json={"outcome": outcome, "answer": "答复", "reason": "理由"},
            headers=bearer(web_app),
        )
    stats = client.get("/api/stats", query_string={"district": "清江浦区"}).get_json()
    figures = stats["opinions"]
    assert (figures["received"], figures["answered"], figures["open"]) == (4, 3, 1)
    assert figures["answered_on_time"] == 3 and figures["on_time_rate"] == "100.0%"
    assert figures["adoption_rate"] == "66.7%"
    assert [p["name"] for p in stats["projects"]] == ["凤凰新村"]
    assert client.get("/api/stats").get_json()["opinions"]["received"] == 5


def test_residents_writes_are_rate_limited(database_url, tmp_path):
    from renovation.web import create_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "PUBLIC_WRITE_RATE_LIMIT": "3/minute",
        }
    )
    rt = app.extensions["renovation"]
    from tests.conftest import STAFF, registration

    pid = rt.app.register_project(registration(), actor=STAFF).project_id
    client = app.test_client()
    responses = [
        client.post(f"/api/projects/{pid}/opinions", json={"category": "plan", "text": "限流"})
        for _ in range(4)
    ]
    statuses = [r.status_code for r in responses]
    rt.close()
    assert statuses == [201, 201, 201, 429]


def test_the_openapi_document_lists_the_participation_routes(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "/api/projects/{project_id}/consultations/{consultation_id}/votes" in paths
    assert "/api/opinions/{tracking_code}" in paths
    assert "/api/stats" in paths


def test_household_codes_come_as_printable_slips(client, web_app, tmp_path):
    import subprocess

    pid = new_project(client, web_app)
    response = client.post(
        f"/api/projects/{pid}/household-codes?format=pdf",
        json={"building": "2"},
        headers=bearer(web_app),
    )
    assert response.status_code == 201 and response.mimetype == "application/pdf"
    path = tmp_path / "codes.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "凤凰新村" in text and "101" in text
    codes = [line.strip() for line in text.splitlines() if len(line.strip()) == 11 and "-" in line]
    assert len(codes) == 1  # building 2 has one flat
    # The printed code works: it is the flat's code.
    rid = open_round(client, web_app, pid)
    vote = client.post(
        f"/api/projects/{pid}/consultations/{rid}/votes",
        json={"code": codes[0], "answers": {"q1": ["管网"]}},
    )
    assert vote.status_code == 201 and vote.get_json()["flat"] == "2-1-101"
    assert (
        client.post(
            f"/api/projects/{pid}/household-codes?format=doc", json={}, headers=bearer(web_app)
        ).status_code
        == 422
    )


def test_an_admin_erases_a_residents_personal_data_and_the_chain_still_verifies(client, web_app):
    pid = new_project(client, web_app)
    sent = client.post(
        f"/api/projects/{pid}/opinions",
        json={"category": "safety", "text": "楼道堆物", "flat": "302", "contact": "13912345678"},
    )
    oid = sent.get_json()["opinion_id"]
    url = f"/api/projects/{pid}/opinions/{oid}/erasure"
    assert client.post(url, json={"reason": "本人申请"}, headers=bearer(web_app)).status_code == 403
    assert client.post(url, json={}, headers=bearer(web_app, "admin")).status_code == 422
    erased = client.post(
        url, json={"reason": "本人2026-11-26申请删除"}, headers=bearer(web_app, "admin")
    )
    assert erased.status_code == 200
    staff_view = client.get(f"/api/projects/{pid}/opinions/{oid}", headers=bearer(web_app))
    assert staff_view.get_json()["personal"] is None
    assert staff_view.get_json()["text"] == "楼道堆物"  # the opinion itself stays
    history = client.get(f"/api/projects/{pid}/events", headers=bearer(web_app, "auditor"))
    assert "13912345678" not in history.get_data(as_text=True)
    assert history.get_json()["events"][-1]["type"] == "PersonalDataErased"
    verified = client.get(f"/api/projects/{pid}/verify", headers=bearer(web_app, "auditor"))
    assert verified.get_json()["ok"] is True
    again = client.post(url, json={"reason": "再次"}, headers=bearer(web_app, "admin"))
    assert again.status_code == 409 and again.get_json()["code"] == "personal_data_erased"


def test_an_erasure_sent_twice_with_one_key_is_replayed_and_a_stale_one_destroys_nothing(
    client, web_app
):
    pid = new_project(client, web_app)
    sent = client.post(
        f"/api/projects/{pid}/opinions",
        json={"category": "safety", "text": "楼道堆物", "flat": "302", "contact": "13912345678"},
    )
    oid = sent.get_json()["opinion_id"]
    url = f"/api/projects/{pid}/opinions/{oid}/erasure"
    admin = bearer(web_app, "admin")
    version = client.get(f"/api/projects/{pid}").get_json()["version"]
    stale = client.post(
        url, json={"reason": "本人申请"}, headers={**admin, "If-Match": f'"{version - 1}"'}
    )
    assert stale.status_code == 409 and stale.get_json()["code"] == "stale_version"
    kept = client.get(f"/api/projects/{pid}/opinions/{oid}", headers=bearer(web_app))
    assert kept.get_json()["personal"] == {"flat": "302", "contact": "13912345678"}
    key = {**admin, "Idempotency-Key": "erase-302-request"}
    erased = client.post(url, json={"reason": "本人申请"}, headers=key)
    again = client.post(url, json={"reason": "本人申请"}, headers=key)
    assert erased.status_code == 200 and again.status_code == 200
    assert again.get_json() == {**erased.get_json(), "replayed": True}


def test_a_consultation_carries_its_kind_and_status_labels(client, web_app):
    pid = new_project(client, web_app)
    consultation_id = open_round(client, web_app, pid)
    (shown,) = client.get(
        f"/api/projects/{pid}/consultations", headers={"Accept-Language": "zh"}
    ).get_json()
    assert shown["consultation_id"] == consultation_id
    assert shown["kind"] == "needs" and shown["kind_label"] != "needs"
    assert shown["status"] == "open" and shown["status_label"] != "open"
    assert all("\u4e00" <= ch <= "\u9fff" for ch in shown["kind_label"][:1])
