"""A connection lost between the commit and its acknowledgement stores a command once.

The event store's PostgreSQL recorder retries an append whose connection failed. When the
append had in fact committed, the retry meets the rows it wrote itself (a version conflict);
deciding the command again from there would store it twice. A proxy on the loopback
interface forwards the append to PostgreSQL, lets it commit, and drops the connection
instead of passing the answer back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from renovation.domain.project import Actor
from tests.conftest import STAFF, registration

RESIDENT = Actor(id="resident:anonymous", role="resident", channel="test")
# The append's parameters carry each event's topic (the statement itself is prepared once,
# apart): a client message holding this topic is the append of the opinion.
APPEND = b"participation:OpinionSubmitted"
READY_FOR_QUERY = b"Z\x00\x00\x00\x05"  # the server's message that a statement is over


class DroppingProxy:
    """Forwards TCP to PostgreSQL; once armed, swallows the answer to the next append of an
    opinion and cuts the connection when the server has finished the statement."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed = threading.Event()
        self.dropped = 0
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target, timeout=10)
            self.sockets += [client, server]
            state = {"swallow": False}
            threading.Thread(target=self._up, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, state), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, state: dict) -> None:
        while chunk := self._recv(client):
            if self.armed.is_set() and APPEND in chunk:
                self.armed.clear()
                state["swallow"] = True
            try:
                server.sendall(chunk)
            except OSError:
                return

    def _down(self, server: socket.socket, client: socket.socket, state: dict) -> None:
        while chunk := self._recv(server):
            if state["swallow"]:
                if READY_FOR_QUERY in chunk:  # the statement is done: the append is committed
                    self.dropped += 1
                    for end in (client, server):
                        self._cut(end)
                    return
                continue
            try:
                client.sendall(chunk)
            except OSError:
                return

    @staticmethod
    def _cut(end: socket.socket) -> None:
        # shutdown first: a bare close() leaves the connection open while the other pump
        # thread is still blocked reading it.
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)
        end.close()

    @staticmethod
    def _recv(end: socket.socket) -> bytes:
        try:
            return end.recv(65536)
        except OSError:
            return b""

    def close(self) -> None:
        self.listener.close()
        for end in self.sockets:
            self._cut(end)


@pytest.fixture
def proxied_runtime(database_url: str) -> Iterator[tuple]:
    from renovation.runtime import Runtime

    url = make_url(database_url)
    proxy = DroppingProxy(url.host or "127.0.0.1", url.port or 5432)
    rt = Runtime(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    rt.create_tables()
    yield rt, proxy
    rt.close()
    proxy.close()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_an_append_whose_answer_was_lost_is_stored_once(proxied_runtime):
    rt, proxy = proxied_runtime
    app = rt.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    before = app.get_project(pid).version

    proxy.armed.set()
    result = app.submit_opinion(pid, {"category": "plan", "text": "楼道灯坏了"}, actor=RESIDENT)

    assert proxy.dropped == 1  # the answer really was lost after the commit
    stored = list(app.events.get(pid, gt=before))
    assert [type(e).__name__ for e in stored] == ["OpinionSubmitted"]
    assert result.version == before + 1
    assert stored[0].opinion_id == result.value["opinion_id"]
    assert app.get_project(pid).version == before + 1


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_a_conflict_with_another_writer_is_still_decided_again(proxied_runtime):
    """The check compares whole events: another writer's event at our version is not ours."""
    from renovation.application.app import RenovationApplication

    rt, _proxy = proxied_runtime
    app = rt.app
    pid = app.register_project(registration(), actor=STAFF).project_id
    other = RenovationApplication(rt.storage.event_store_env)  # a second process
    other.code_key = app.code_key
    other.submit_opinion(pid, {"category": "plan", "text": "之前的"}, actor=RESIDENT)
    before = app.get_project(pid).version
    try:
        # ``other`` decides on the copy it kept from its last command, before ``app``
        # appended: its append collides and it decides again.
        app.submit_opinion(pid, {"category": "plan", "text": "先来的"}, actor=RESIDENT)
        other.submit_opinion(pid, {"category": "plan", "text": "后到的"}, actor=RESIDENT)
    finally:
        other.close()
    texts = [e.text for e in app.events.get(pid, gt=before)]
    assert texts == ["先来的", "后到的"]
