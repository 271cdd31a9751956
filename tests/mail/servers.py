"""The real mail servers of scripts/mail-servers.sh, and small helpers to deliver and read mail."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dovecot", "postfix", "swaks")


@dataclass(frozen=True)
class MailServers:
    directory: Path
    imap_port: int
    smtp_port: int
    sink_port: int
    domain: str
    password: str

    def imap(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=30)
        client.login(f"{user}@{self.domain}", self.password)
        client.select_folder("INBOX")
        return client

    def empty(self, user: str) -> None:
        client = self.imap(user)
        uids = client.search("ALL")
        if uids:
            client.delete_messages(uids)
            client.expunge()
        client.logout()

    def swaks(
        self, *, sender: str, to: str, subject: str, body: str, headers: dict[str, str] | None = None
    ) -> None:
        args = ["swaks", "--server", "127.0.0.1", "--port", str(self.smtp_port), "--from", sender, "--to", to,
                "--header", f"Subject: {subject}", "--body", body]  # fmt: skip
        for name, value in (headers or {}).items():
            args += ["--header", f"{name}: {value}"]
        result = subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stdout + result.stderr

    def wait_for_messages(self, user: str, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            client = self.imap(user)
            found = len(client.search("ALL"))
            client.logout()
            if found >= count:
                return
            time.sleep(0.1)
        raise AssertionError(f"{user}: {found} of {count} messages delivered")

    def sink_messages(self) -> list[EmailMessage]:
        files = sorted((self.directory / "sink").glob("*.eml"))
        return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in files]


def start() -> MailServers:
    """Start (or reuse) the servers; skip outside CI when they are not installed, fail under CI."""
    in_ci = os.environ.get("CI") == "true"
    missing = [
        name for name in PACKAGES if shutil.which(name) is None and not Path(f"/usr/sbin/{name}").exists()
    ]
    if missing and not in_ci:
        pytest.skip(
            f"mail servers not installed ({', '.join(missing)}): apt-get install the e-mail "
            "lines of scripts/system-packages.txt"
        )
    if os.geteuid() != 0 and not in_ci:
        pytest.skip("scripts/mail-servers.sh needs root (Postfix runs system-wide)")
    # Output goes to a file, not a pipe: a daemon that kept an inherited pipe open would hang the read.
    with tempfile.TemporaryFile("w+") as output:
        result = subprocess.run(
            ["bash", str(ROOT / "scripts" / "mail-servers.sh"), "start"],
            stdout=output, stderr=subprocess.STDOUT, text=True, timeout=120, check=False, cwd=ROOT,
        )  # fmt: skip
        output.seek(0)
        printed = output.read()
    if result.returncode != 0:
        pytest.fail(f"scripts/mail-servers.sh failed:\n{printed}")
    values = dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)
    return MailServers(
        directory=Path(values["MAIL_DIR"]), imap_port=int(values["IMAP_PORT"]),
        smtp_port=int(values["SMTP_PORT"]), sink_port=int(values["SINK_PORT"]),
        domain=values["DOMAIN"], password=values["PASSWORD"],
    )  # fmt: skip
