"""Start real Escalade processes for end-to-end tests, and talk to them over HTTP."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ESCALADE = shutil.which("escalade") or str(Path(sys.executable).with_name("escalade"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_environment(**overrides: str) -> dict[str, str]:
    """The current environment without any ESCALADE_* or Django variables, plus ``overrides``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ESCALADE_") and name != "DJANGO_SETTINGS_MODULE"
    }
    env.update(overrides)
    return env


@contextmanager
def running(args: list[str], env: Mapping[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``escalade ARGS`` in the background; stop it (SIGTERM, then SIGKILL) afterwards."""
    with log_path.open("wb") as log:
        process = subprocess.Popen([ESCALADE, *args], env=dict(env), stdout=log, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(predicate, *, timeout: float, what: str, log_path: Path | None = None):
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except (OSError, urllib.error.URLError, ValueError) as error:
            last_error = error
            result = None
        if result:
            return result
        time.sleep(0.25)
    log = log_path.read_text(errors="replace")[-4000:] if log_path and log_path.exists() else ""
    raise AssertionError(f"timed out waiting for {what} (last error: {last_error})\n{log}")


class Browser:
    """A tiny cookie-keeping HTTP client for server-rendered pages (CSRF-aware)."""

    def __init__(self, base_url: str, language: str = "fr") -> None:
        self.base_url = base_url
        self.language = language
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> tuple[int, str]:
        request = urllib.request.Request(self.base_url + path, headers={"Accept-Language": self.language})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def json(self, path: str) -> dict[str, Any]:
        status, body = self.get(path)
        data = json.loads(body)
        data["_status"] = status
        return data  # type: ignore[no-any-return]

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        _status, page = self.get(path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no CSRF token on {path}"
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields}).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=body,
            headers={"Accept-Language": self.language, "Referer": self.base_url + path},
        )
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
