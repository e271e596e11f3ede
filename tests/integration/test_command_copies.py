"""Commands decided on a process's own copy of a project (issue 12, item 4).

Each process keeps the project it decided upon last and uses it for its next command without
asking the store for other processes' events first. A missed event makes the append collide,
so the command is decided again; what cannot collide (a refusal, a stale If-Match, a command
seen before, a command that stores nothing) is checked against the store before it is
answered. Two applications on one store stand for two gunicorn workers.
"""

from __future__ import annotations

import pytest

from renovation.application.app import RenovationApplication
from renovation.application.errors import StaleVersionError
from renovation.domain.errors import DomainError
from renovation.domain.project import Actor
from tests.conftest import STAFF, registration

RESIDENT = Actor(id="resident:anonymous", role="resident", channel="test")


@pytest.fixture
def two_processes(runtime):
    """The runtime's application and a second one on the same store, each having decided a
    command on one project (so each holds its own copy of it)."""
    first = runtime.app
    second = RenovationApplication(runtime.storage.event_store_env)
    second.code_key = first.code_key
    pid = first.register_project(registration(), actor=STAFF).project_id
    first.submit_opinion(pid, {"category": "plan", "text": "一号的意见"}, actor=RESIDENT)
    second.submit_opinion(pid, {"category": "plan", "text": "二号的意见"}, actor=RESIDENT)
    yield first, second, pid
    second.close()


def opinion(app, pid, text: str, **kwargs) -> str:
    result = app.submit_opinion(pid, {"category": "plan", "text": text}, actor=RESIDENT, **kwargs)
    return result.value["opinion_id"]


def submitted_texts(app, pid) -> list[str]:
    return [e.text for e in app.events.get(pid) if type(e).__name__ == "OpinionSubmitted"]


def test_an_opinion_submitted_through_another_process_can_be_answered(two_processes):
    first, second, pid = two_processes
    opinion_id = opinion(second, pid, "楼道灯坏了")  # ``first``'s copy has never seen it

    first.answer_opinions(
        pid, [opinion_id], {"outcome": "adopted", "answer": "本周更换"}, actor=STAFF
    )

    assert first.get_project(pid).opinions[opinion_id]["outcome"] == "adopted"


def test_a_refusal_is_still_given_when_the_store_agrees(two_processes):
    first, _second, pid = two_processes
    before = first.get_project(pid).version

    with pytest.raises(DomainError) as refused:
        first.answer_opinions(
            pid, ["0" * 16], {"outcome": "adopted", "answer": "无此意见"}, actor=STAFF
        )

    assert refused.value.code == "unknown_opinion"
    assert first.get_project(pid).version == before  # nothing stored


def test_if_match_is_checked_against_the_store(two_processes):
    first, second, pid = two_processes
    opinion(second, pid, "后来的意见")
    now = second.get_project(pid).version

    result = first.submit_opinion(
        pid, {"category": "plan", "text": "带版本的意见"}, actor=RESIDENT, expected_version=now
    )
    assert result.version == now + 1

    with pytest.raises(StaleVersionError):
        first.submit_opinion(
            pid, {"category": "plan", "text": "过期版本"}, actor=RESIDENT, expected_version=now
        )
    assert first.get_project(pid).version == now + 1


def test_a_command_stored_by_another_process_is_replayed_not_stored_twice(two_processes):
    first, second, pid = two_processes
    stored = second.submit_opinion(
        pid, {"category": "plan", "text": "只存一次"}, actor=RESIDENT, command_id="retry-1"
    )

    again = first.submit_opinion(
        pid, {"category": "plan", "text": "只存一次"}, actor=RESIDENT, command_id="retry-1"
    )

    assert again.replayed
    assert again.value["opinion_id"] == stored.value["opinion_id"]
    assert submitted_texts(first, pid).count("只存一次") == 1


def test_writers_taking_turns_on_one_project_lose_nothing(two_processes):
    first, second, pid = two_processes
    before = first.get_project(pid).version

    for n in range(30):
        writer = first if n % 3 else second  # each often misses the other's last event
        opinion(writer, pid, f"轮流的意见 {n}")

    project = first.get_project(pid)
    assert project.version == before + 30
    texts = submitted_texts(first, pid)
    assert [t for t in texts if t.startswith("轮流")] == [f"轮流的意见 {n}" for n in range(30)]


def test_a_command_that_stores_nothing_answers_from_the_project_as_stored(two_processes):
    first, second, pid = two_processes
    opinion(second, pid, "一号没看到的意见")
    stored = second.get_project(pid).version

    result = first.execute(pid, lambda project: project.version)  # decides, stores nothing

    assert result.value == stored
    assert result.version == stored
