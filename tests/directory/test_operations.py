"""Operations: the periodic sync runs once per tick across workers, the command, the pluggable phone
sender, the demo (configuration and past level-0 tickets, no server needed)."""

from __future__ import annotations

import re
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from escalade.accounts.models import User
from escalade.demo import load_demo
from escalade.directory.models import Directory, SelfServiceRequest, Verification
from escalade.directory.senders import MemoryPhoneSender
from escalade.directory.services import self_service_start, self_service_verify
from escalade.directory.tasks import sync_all
from escalade.tickets.choices import Channel, State
from escalade.tickets.models import Ticket
from tests.directory.conftest import Directories


def test_the_periodic_sync_runs_once_per_tick_however_many_workers(directories: Directories) -> None:
    assert sync_all.run_once() is True
    assert sync_all.run_once() is False  # a second worker, same tick

    assert User.objects.filter(directory_account__directory__in=[directories.a, directories.b]).count() == 4


def test_the_command_syncs_and_reports_an_unreachable_directory(directories: Directories) -> None:
    out = StringIO()
    call_command("directory_sync", stdout=out)
    assert "created 3" in out.getvalue()

    directories.server.stop()
    with pytest.raises(CommandError):
        call_command("directory_sync", directory=directories.a.pk, stdout=StringIO(), stderr=StringIO())


@override_settings(ESCALADE_DIRECTORY_PHONE_SENDER="escalade.directory.senders.MemoryPhoneSender")
def test_a_code_by_text_message_goes_through_the_configured_sender(
    directories: Directories, django_capture_on_commit_callbacks
) -> None:
    call_command("directory_sync", stdout=StringIO())
    Directory.objects.filter(pk=directories.a.pk).update(verification=Verification.PHONE_CODE)
    MemoryPhoneSender.sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        token = self_service_start(email="alice@a.example", action="unlock", idempotency_key=uuid.uuid4().hex)

    [(number, text)] = MemoryPhoneSender.sent
    assert number == "+33600000001"
    code = re.search(r"\b(\d{6})\b", text)
    assert code is not None
    assert self_service_verify(token=token, code=code.group(1)).support_level == 0


@pytest.mark.django_db
def test_the_demo_shows_a_configured_directory_and_past_level_zero_resolutions() -> None:
    load_demo()
    load_demo()

    directory = Directory.objects.get()
    assert directory.organisation.slug == "lemoine"
    assert directory.bind_password_encrypted
    assert SelfServiceRequest.objects.filter(state=SelfServiceRequest.State.DONE).count() == 4
    tickets = Ticket.objects.filter(channel=Channel.SELF_SERVICE)
    assert tickets.count() == 4
    assert set(tickets.values_list("support_level", "state")) == {(0, State.RESOLVED)}
    admin = User.objects.get(role="administrator", email__startswith="admin")
    browser = Client()
    browser.force_login(admin)
    page = browser.get(reverse("directory:detail", args=[directory.pk])).content.decode()
    assert "injoignable" in page  # the demo has no server: said plainly
    assert tickets.first().reference in page  # type: ignore[union-attr]
