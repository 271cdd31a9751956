"""End to end, the embedded default: `escalade demo` on a fresh data directory, no server needed.

It boots, /health is OK, a background task runs on the SQLite queue, pages render in French and in
English, and a demo login works.
"""

from __future__ import annotations

import pytest

from tests.e2e.processes import Browser, clean_environment, free_port, running, wait_for

pytestmark = pytest.mark.e2e


def test_escalade_demo_boots_on_sqlite_and_serves_both_languages(tmp_path):
    port = free_port()
    env = clean_environment(ESCALADE_DATA_DIR=str(tmp_path / "data"))
    log = tmp_path / "demo.log"

    with running(["demo", "--port", str(port)], env, log):
        french = Browser(f"http://127.0.0.1:{port}", language="fr")
        health = wait_for(
            lambda: (h := french.json("/health")) and h["worker"] and h["worker"]["last_seen"] and h,
            timeout=240,  # first boot: migrations, static files, demo data (about 100 s on a busy machine)
            what="/health with a worker heartbeat",
            log_path=log,
        )
        assert health["_status"] == 200
        assert health["database"] == {"ok": True, "vendor": "sqlite"}
        assert health["queue"]["backend"] == "SqliteHuey"
        assert health["queue"]["immediate"] is False

        status, page = french.get("/accounts/login/")
        assert status == 200
        assert "Connexion" in page
        english = Browser(f"http://127.0.0.1:{port}", language="en")
        assert "Sign in" in english.get("/accounts/login/")[1]

        status, home = french.post_form(
            "/accounts/login/", {"username": "admin@escalade-it.example", "password": "demo"}
        )
        assert status == 200
        assert '<html lang="fr">' in home  # the administrator works in French: sent to the desk
        assert "Déconnexion" in home
        assert "Non assignés" in home  # the desk's queues, in French
        portal = english.post_form(
            "/accounts/login/", {"username": "oliver.smith@northwind.example", "password": "demo"}
        )[1]
        assert "My tickets" in portal  # an English requester lands in the portal
        assert "Password expired while travelling" in portal

    assert (tmp_path / "data" / "escalade.sqlite3").exists()
    assert (tmp_path / "data" / "queue.sqlite3").exists()
    assert "Escalade is running at" in log.read_text()
