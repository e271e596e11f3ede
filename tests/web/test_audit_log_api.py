"""The audit log's public reads: the latest checkpoint, the key, inclusion and consistency
proofs (checked here as an outsider would, with only the checkpoint), their refusals, and the
checkpoint every PDF prints."""

from __future__ import annotations

import base64

import pytest

from renovation.ledger.log import stored_leaf
from renovation.ledger.merkle import verify_consistency, verify_inclusion
from renovation.ledger.notes import load_public_key, open_note
from tests.conftest import STAFF, project_payload, registration
from tests.helpers import audit_app, pdf_text


def _b(text: str) -> bytes:
    return base64.b64decode(text)


@pytest.fixture
def web_app(database_url, tmp_path):
    """The app on a fresh database; these reads need no account."""
    app = audit_app(database_url, tmp_path)
    yield app
    app.extensions["renovation"].close()


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture
def logged(web_app):
    """Three registered projects and one transition each: six events in the log."""
    rt = web_app.extensions["renovation"]
    for name in ("北门新村", "河海新村", "凤凰新村"):
        project_id = rt.app.register_project(
            registration(project_payload(name)), actor=STAFF
        ).project_id
        rt.app.transition_project(project_id, "needs_survey", actor=STAFF)
    rt.catch_up()
    return rt


def checkpoint(client):
    key = load_public_key(client.get("/api/audit/public-key").data)
    response = client.get("/api/audit/checkpoints/latest")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    return open_note(response.get_data(as_text=True), key)  # the signature holds


def test_an_empty_log_has_a_signed_checkpoint_of_size_zero(client):
    assert checkpoint(client).size == 0
    response = client.get("/api/audit/proofs/inclusion?position=1&size=1")
    assert response.status_code == 404 and response.json["code"] == "beyond_log_size"


def test_every_event_is_proved_in_the_checkpoint_anyone_can_fetch(client, logged):
    held = checkpoint(client)
    assert held.size == 6
    stored = logged.app.recorder.select_notifications(start=1, limit=100)
    for position, event in enumerate(stored, start=1):
        body = client.get(f"/api/audit/proofs/inclusion?position={position}&size={held.size}").json
        # the leaf is the hash of the stored bytes; the proof leads to the signed root
        assert _b(body["leaf_hash"]) == stored_leaf(event)
        assert _b(body["root"]) == held.root
        proof = [_b(h) for h in body["proof"]]
        assert verify_inclusion(position - 1, held.size, _b(body["leaf_hash"]), proof, held.root)


def test_a_checkpoint_kept_earlier_is_proved_a_prefix_of_the_latest(client, logged):
    earlier = checkpoint(client)
    rt = logged
    rt.app.register_project(registration(project_payload("新河小区")), actor=STAFF)
    rt.catch_up()
    rt.audit_log.checkpoint()  # `renovation audit checkpoint` (else one every 100 events)
    later = checkpoint(client)
    assert later.size == earlier.size + 1
    body = client.get(f"/api/audit/proofs/consistency?from={earlier.size}&to={later.size}").json
    assert (_b(body["from_root"]), _b(body["to_root"])) == (earlier.root, later.root)
    proof = [_b(h) for h in body["proof"]]
    assert verify_consistency(earlier.size, later.size, earlier.root, later.root, proof)


@pytest.mark.parametrize(
    ("proof", "query", "status", "field", "code"),
    [
        ("inclusion", "position=x&size=3", 400, "position", "bad_request"),
        ("inclusion", "size=3", 400, "position", "bad_request"),
        ("inclusion", "position=0&size=3", 400, "position", "bad_request"),
        ("inclusion", "position=1&size=-2", 400, "size", "bad_request"),
        ("inclusion", "position=1&size=99999999999", 400, "size", "bad_request"),
        ("inclusion", "position=1&size=7", 404, "size", "beyond_log_size"),
        ("inclusion", "position=5&size=4", 404, "position", "beyond_tree_size"),
        ("consistency", "to=3", 400, "from", "bad_request"),
        ("consistency", "from=1&to=ten", 400, "to", "bad_request"),
        ("consistency", "from=1&to=7", 404, "to", "beyond_log_size"),
        ("consistency", "from=4&to=3", 404, "from", "beyond_tree_size"),
    ],
)
def test_a_proof_outside_the_log_is_refused_naming_the_field(
    client, logged, proof, query, status, field, code
):
    response = client.get(f"/api/audit/proofs/{proof}?{query}")
    assert response.status_code == status
    assert response.json["code"] == code and field in response.json["errors"]


def test_refusals_speak_chinese_when_asked(client, logged):
    response = client.get(
        "/api/audit/proofs/inclusion?position=1&size=7", headers={"Accept-Language": "zh"}
    )
    assert response.json["errors"]["size"] == ["审计日志共有 6 条事件：最多为 6"]


def test_the_openapi_document_lists_the_audit_log_routes(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for path in ("checkpoints/latest", "public-key", "proofs/inclusion", "proofs/consistency"):
        assert f"/api/audit/{path}" in paths
    inclusion = paths["/api/audit/proofs/inclusion"]["get"]
    assert {p["name"] for p in inclusion["parameters"]} == {"position", "size"}
    assert {"200", "400", "404"} <= set(inclusion["responses"])
    consistency = paths["/api/audit/proofs/consistency"]["get"]
    assert {p["name"] for p in consistency["parameters"]} == {"from", "to"}


def test_a_report_prints_the_checkpoint_that_includes_its_events(client, logged, tmp_path):
    project_id = logged.app.recorder.select_notifications(start=1, limit=100)[-1].originator_id
    text = pdf_text(client.get(f"/api/projects/{project_id}/report.pdf").data, tmp_path)
    held = checkpoint(client)  # made for the report: none covered its events yet
    assert held.size == 6
    assert f"审计日志检查点：第 6 条，根哈希 {held.root_b64}" in text.replace("\n", "")
