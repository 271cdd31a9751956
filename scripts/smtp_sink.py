"""An SMTP server that keeps what it receives: ``python scripts/smtp_sink.py PORT DIR``.

Each message is saved as ``DIR/NNNNNN.eml`` and its envelope appended to ``DIR/envelopes.jsonl``.
Used by scripts/mail-servers.sh so the tests can read Escalade's outgoing mail.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd API
        with self.lock:
            number = len(list(self.directory.glob("*.eml"))) + 1
            path = self.directory / f"{number:06d}.eml"
            path.write_bytes(envelope.original_content or envelope.content)
            record = {"file": path.name, "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
            with (self.directory / "envelopes.jsonl").open("a", encoding="utf-8") as log:
                log.write(json.dumps(record) + "\n")
        return "250 Message accepted for delivery"


def main() -> None:
    port, directory = int(sys.argv[1]), Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(Keep(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"smtp sink on 127.0.0.1:{port} -> {directory}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
