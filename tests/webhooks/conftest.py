"""A real HTTP receiver on 127.0.0.1 (an ephemeral port), scripted per request, and webhook helpers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from escalade.core.actors import Actor
from escalade.tickets.services import ticket_create
from escalade.webhooks.services import subscription_create


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next step of ``script`` (then ``default``): an HTTP status, or
    ``"hang"`` (answers only after ``hang_seconds``, past the client's timeout)."""

    url: str = ""
    script: list[int | str] = field(default_factory=list)
    default: int | str = 200
    answer: bytes = b'{"ok": true}'
    hang_seconds: float = 2.0
    received: list[Received] = field(default_factory=list)

    def next_step(self) -> int | str:
        return self.script.pop(0) if self.script else self.default


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            )
            step = receiver.next_step()
            if step == "hang":
                time.sleep(receiver.hang_seconds)
                step = 200
            assert isinstance(step, int)
            self.send_response(step)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(receiver.answer)))
            self.end_headers()
            self.wfile.write(receiver.answer)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
            return

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    server.block_on_close = False
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/escalade"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    """The receiver listens on loopback, which webhooks refuse unless told (SSRF guard)."""
    settings.ESCALADE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.ESCALADE_WEBHOOK_TIMEOUT = 0.5
    settings.ESCALADE_WEBHOOK_CONNECT_TIMEOUT = 0.5


@pytest.fixture
def hook(world, receiver):
    """A subscription of every organisation's ticket events, to the receiver."""
    return subscription_create(
        actor=Actor.of(world.administrator), name="Supervision", url=receiver.url, event_types=["ticket.*"]
    )


@pytest.fixture
def new_ticket(world):
    def make(requester=None, **fields):
        requester = requester or world.requester_a
        fields.setdefault("title", "Imprimante bloquée")
        return ticket_create(actor=Actor.of(requester), requester=requester, **fields)

    return make
