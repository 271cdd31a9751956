"""Browser hardening (ADR 0014): a Content-Security-Policy without inline scripts, a Permissions-Policy,
no remote image fetched from what requesters write, and files that can never render as a page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.conf import settings

from escalade.core.actors import Actor
from escalade.tickets.models import Attachment
from escalade.tickets.services import attachment_add, ticket_create
from escalade.workspace.templatetags.desk import markdown
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.PACKAGE_DIR)


@pytest.fixture
def ticket(world):
    return ticket_create(
        actor=Actor.of(world.requester_a),
        requester=world.requester_a,
        title="Écran noir",
        description="Voir ![capture](https://tracker.example/pixel.gif) et <img src=https://x.example/a.png>",
    )


def test_pages_carry_a_csp_without_inline_script_and_a_permissions_policy(client, world, ticket):
    client.force_login(world.agent_a)

    response = client.get(f"/desk/t/{ticket.reference}/")

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"].startswith("'self'")
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert directives["img-src"] == "'self' data:"
    assert directives["object-src"] == "'none'"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_no_template_holds_an_inline_script_or_event_handler():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if inline_script.search(text := path.read_text(encoding="utf-8")) or handler.search(text)
    ]

    assert offenders == []


def test_requesters_images_are_not_fetched_by_agents_browsers(client, world, ticket):
    client.force_login(world.agent_a)

    page = client.get(f"/desk/t/{ticket.reference}/").content.decode()

    assert "<img" not in page.split('class="description"', 1)[1].split("</div>", 1)[0]
    assert '<a href="https://tracker.example/pixel.gif"' in page  # a link the agent may choose to open
    assert "https://x.example/a.png" not in page


def test_markdown_turns_images_into_links_and_drops_raw_img_tags():
    html = markdown(
        '![plan](https://cdn.example/plan.png) <img src="https://cdn.example/x.png" onerror=alert(1)>'
    )

    assert "<img" not in html
    assert "onerror" not in html
    assert 'href="https://cdn.example/plan.png"' in html
    assert "plan" in html


@pytest.mark.parametrize(
    "case",
    [
        ("page.html", b"<html><script>alert(1)</script></html>", None, "text/plain"),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', None, "text/plain"),
        ("legacy.html", b"<html></html>", "text/html", "application/octet-stream"),
        ("legacy.svg", b"<svg/>", "image/svg+xml", "application/octet-stream"),
    ],
)
@pytest.mark.parametrize("where", ["desk", "portal", "api"])
def test_downloads_are_sandboxed_and_never_typed_as_a_page(client, world, ticket, where, case):
    filename, data, stored_type, sent_type = case
    attachment = attachment_add(
        actor=Actor.of(world.requester_a), ticket=ticket, filename=filename, content=io.BytesIO(data)
    )
    if stored_type:
        Attachment.objects.filter(pk=attachment.pk).update(content_type=stored_type)
    urls = {
        "desk": f"/desk/t/{ticket.reference}/files/{attachment.pk}/",
        "portal": f"/portal/t/{ticket.reference}/files/{attachment.pk}/",
        "api": f"/api/tickets/{ticket.reference}/attachments/{attachment.pk}",
    }
    person = world.agent_a if where == "desk" else world.requester_a
    client.force_login(person)

    api = Api(client=client)
    response = api.get(urls[where], person) if where == "api" else client.get(urls[where])

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Content-Type"].split(";")[0] == sent_type
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
