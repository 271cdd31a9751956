"""The traffic of a busy desk for locust (issue 20), driven by ``benchmarks/mixed_load.py``.

Three kinds of users, each with the sessions or tokens that ``mixed_load.py`` prepared (the JSON file
named by ``ESCALADE_MIXED_FIXTURES``):

* agents (most of the traffic): the team queue, a ticket page, the search page, and a reply through
  the ticket page's form now and then (its CSRF token and prefixed fields, as a browser posts it);
* portal users: their ticket list and one of their tickets;
* API clients: a new ticket, the list of 25, one ticket.

Every user waits so that it sends one request per ``ESCALADE_MIXED_PACE`` seconds at most
(``constant_pacing``): the total rate is set by the number of users.
"""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from typing import Any

from locust import HttpUser, constant_pacing, task

FIXTURES: dict[str, Any] = json.loads(Path(os.environ["ESCALADE_MIXED_FIXTURES"]).read_text())
PACE = float(os.environ.get("ESCALADE_MIXED_PACE", "1"))
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WORDS = ("imprimante", "printer", "mot de passe", "VPN", "password", "messagerie", "écran", "laptop")


class Agent(HttpUser):
    weight = 6
    wait_time = constant_pacing(PACE)

    def on_start(self) -> None:
        agent = random.choice(FIXTURES["agents"])
        self.client.cookies.set("sessionid", agent["session"])
        self.refs: list[str] = agent["refs"]

    @task(4)
    def queue(self) -> None:
        self.client.get("/desk/?queue=team", name="desk: queue")

    @task(4)
    def ticket(self) -> None:
        self.client.get(f"/desk/t/{random.choice(self.refs)}/", name="desk: ticket page")

    @task(2)
    def search(self) -> None:
        self.client.get("/help/search", params={"q": random.choice(WORDS)}, name="desk: search")

    @task(1)
    def reply(self) -> None:
        """The reply form of the ticket page, as a browser posts it: the page's CSRF token, the form's
        prefixed fields (``reply-body``…), multipart; success is the redirect back to the ticket."""
        reference = random.choice(self.refs)
        page = self.client.get(f"/desk/t/{reference}/", name="desk: ticket page (to reply)")
        found = CSRF_INPUT.search(page.text)
        if found is None:
            return  # counted as the page's failure (no form: signed out, or an error page)
        with self.client.post(
            f"/desk/t/{reference}/reply/",
            data={"csrfmiddlewaretoken": found.group(1), "reply-body": "Nous regardons votre demande."},
            files={"reply-attachments": ("", b"", "application/octet-stream")},  # no file chosen
            headers={"Referer": f"{self.host}/desk/t/{reference}/"},
            name="desk: reply",
            catch_response=True,
        ) as response:
            redirected = [step.status_code for step in response.history] == [302]
            if redirected and response.url.endswith(f"/desk/t/{reference}/"):
                response.success()
            else:
                response.failure(f"reply not accepted: {response.status_code} {response.url}")


class PortalUser(HttpUser):
    weight = 2
    wait_time = constant_pacing(PACE)

    def on_start(self) -> None:
        person = random.choice(FIXTURES["portal"])
        self.client.cookies.set("sessionid", person["session"])
        self.refs = person["refs"]

    @task(2)
    def my_tickets(self) -> None:
        self.client.get("/portal/", name="portal: my tickets")

    @task(1)
    def ticket(self) -> None:
        if self.refs:
            self.client.get(f"/portal/t/{random.choice(self.refs)}/", name="portal: ticket")


class ApiClient(HttpUser):
    weight = 2
    wait_time = constant_pacing(PACE)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {FIXTURES['api']['key']}"
        self.refs = FIXTURES["api"]["refs"]

    @task(1)
    def create(self) -> None:
        body = {
            "title": "Alerte supervision : disque plein sur srv-fichiers",
            "description": "Le volume /data dépasse 95 %.",
            "requester_id": FIXTURES["api"]["requester"],
            "impact": 2,
            "urgency": 2,
        }
        self.client.post("/api/tickets", json=body, name="api: create")

    @task(2)
    def list(self) -> None:
        self.client.get("/api/tickets?limit=25", name="api: list of 25")

    @task(2)
    def read(self) -> None:
        self.client.get(f"/api/tickets/{random.choice(self.refs)}", name="api: one ticket")
