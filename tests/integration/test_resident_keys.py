"""One key per resident (DOMAIN.md, PIPL): a household's records share a key, found by a keyed
digest of the household only; erasing the resident destroys it once for all of them."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from renovation.application.residents import contact_subject, household_subject
from renovation.domain.errors import ConflictError
from renovation.domain.project import Actor
from renovation.projections.queries import find_opinion
from renovation.vault import personal_data_keys, personal_data_subjects
from tests.conftest import STAFF, registration

RESIDENT = Actor("resident", "resident", "web")
ADMIN = Actor("root", "admin", "api")
PHONE = "13912345678"


def send(app, pid, **personal) -> str:
    data = {"category": "safety", "text": "楼道堆物", **personal}
    return app.submit_opinion(pid, data, actor=RESIDENT).value["opinion_id"]


def key_of(runtime, oid: str) -> str | None:
    runtime.catch_up()
    return find_opinion(runtime.engine, opinion_id=oid)["personal_key_id"]


def table(runtime, which) -> list[dict]:
    with runtime.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(which)).mappings()]


def test_a_households_records_share_one_key_and_others_have_their_own(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    first = send(runtime.app, pid, building="1", unit="2", flat="101", contact=PHONE)
    # The same household, its flat typed with full-width digits and spaces, no contact.
    again = send(runtime.app, pid, building="1", unit="2", flat=" １０1")
    neighbour = send(runtime.app, pid, building="1", unit="2", flat="102")
    by_phone = send(runtime.app, pid, contact="139-1234-5678")
    nobody = send(runtime.app, pid, building="1")

    assert key_of(runtime, first) == key_of(runtime, again)
    assert len({key_of(runtime, first), key_of(runtime, neighbour), key_of(runtime, by_phone)}) == 3
    assert key_of(runtime, nobody) is None
    assert len(table(runtime, personal_data_keys)) == 3
    # Subjects are stored as keyed digests only: no flat, no phone, no project id in clear.
    subjects = table(runtime, personal_data_subjects)
    assert len(subjects) == 3
    stored = repr(subjects)
    for clear in (PHONE, "household", "contact", "1/2/101", str(pid), pid.hex):
        assert clear not in stored
    assert {s["subject_digest"] for s in subjects} == {
        runtime.vault.subject_digest(household_subject(pid, "1", "2", "101")),
        runtime.vault.subject_digest(household_subject(pid, "1", "2", "102")),
        runtime.vault.subject_digest(contact_subject(pid, PHONE)),
    }
    # The same flat in another project is another resident.
    other = app.register_project(registration(), actor=STAFF).project_id
    assert key_of(runtime, send(app, other, building="1", unit="2", flat="101")) != key_of(
        runtime, first
    )


def test_erasing_one_opinions_sender_erases_the_whole_household_and_nobody_else(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    first = send(app, pid, building="1", unit="2", flat="101", contact=PHONE)
    second = send(app, pid, building="1", unit="2", flat="101", contact="13800000000")
    neighbour = send(app, pid, building="1", unit="2", flat="102", contact="13700000000")
    household_key = key_of(runtime, first)

    app.erase_opinion_personal_data(pid, second, reason="本人申请", actor=ADMIN)

    assert key_of(runtime, first) is None and key_of(runtime, second) is None
    row = find_opinion(runtime.engine, opinion_id=neighbour)
    assert runtime.vault.open(row["personal_key_id"], row["personal_sealed"])["flat"] == "102"
    assert household_key not in {k["key_id"] for k in table(runtime, personal_data_keys)}
    assert len(table(runtime, personal_data_subjects)) == 1  # the neighbour's only
    # The household writes again: a new key, readable.
    later = send(app, pid, building="1", unit="2", flat="101", contact=PHONE)
    assert key_of(runtime, later) not in (None, household_key)
    row = find_opinion(runtime.engine, opinion_id=later)
    assert runtime.vault.open(row["personal_key_id"], row["personal_sealed"])["contact"] == PHONE


def test_erasing_a_resident_by_contact_takes_their_keys_and_refuses_when_none_is_left(runtime):
    app = runtime.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    by_phone = send(app, pid, contact=PHONE)
    household = send(app, pid, building="1", unit="2", flat="101", contact=PHONE)
    other = send(app, pid, contact="13700000000")
    subjects = [contact_subject(pid, "139 1234 5678")]
    # The household's key is found only by opening its record (its subject is the flat).
    opened = {key_of(runtime, household)}

    done = app.erase_resident(pid, subjects, found_key_ids=opened, reason="本人申请", actor=ADMIN)

    assert done.value == 2
    assert key_of(runtime, by_phone) is None and key_of(runtime, household) is None
    assert key_of(runtime, other) is not None
    version = app.get_project(pid).version
    with pytest.raises(ConflictError) as refused:
        app.erase_resident(pid, subjects, found_key_ids=opened, reason="再次", actor=ADMIN)
    assert refused.value.code == "resident_has_no_personal_data"
    assert app.get_project(pid).version == version  # nothing written


def test_first_records_of_one_household_racing_get_one_key(runtime):
    pid = runtime.app.register_project(registration(), actor=STAFF).project_id
    subject = household_subject(pid, "1", "2", "101")
    start = threading.Barrier(6)
    keys: list[str] = []

    def seal() -> None:
        start.wait(timeout=30)
        keys.append(runtime.vault.seal({"flat": "101"}, subject)[0])

    threads = [threading.Thread(target=seal) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(keys) == 6 and len(set(keys)) == 1
    assert len(table(runtime, personal_data_keys)) == 1
