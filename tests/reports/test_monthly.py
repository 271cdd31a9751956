"""The monthly client report: preview, PDF read back as text (and one page as PNG in test-artifacts/),
sent once and kept, mailed to the client's managers, scheduled on the first working day, and the
portal's reports of one's own organisation only."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from pypdf import PdfReader

from escalade.core.actors import Actor
from escalade.reports.models import MonthlyReport
from escalade.reports.monthly import (
    first_working_day,
    monthly_pdf,
    monthly_report_prepare,
    monthly_reports_run,
)
from escalade.sla.selectors import working_calendar_forget
from tests.conftest import World
from tests.reports.fixture_month import build_month

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def _fresh_calendars(settings, tmp_path) -> None:
    working_calendar_forget()
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def march_report(world: World, *, language: str = "fr") -> MonthlyReport:
    build_month(world)
    report = monthly_report_prepare(
        actor=Actor.of(world.supervisor), organisation=world.client_a, month=dt.date(2026, 3, 10)
    )
    report.language = language
    report.free_text = "Mois chargé : la migration du réseau est terminée."
    report.save()
    return report


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_reads_back_with_the_months_figures_in_french(world):
    report = march_report(world)

    data = monthly_pdf(report=report)

    text = pdf_text(data)
    assert "Client A" in text
    assert "mars 2026" in text
    assert "Mois chargé" in text
    assert "Tickets créés" in text
    assert "80.0 %" in text  # first responses on time (hand-computed in fixture_month.py)
    assert "Client B" not in text
    _png(data, "monthly-report-fr")


def test_the_report_speaks_english_for_an_english_client(world):
    report = march_report(world, language="en")

    text = pdf_text(monthly_pdf(report=report))

    assert "March 2026" in text
    assert "Tickets created" in text


def _png(data: bytes, name: str) -> None:
    """Render the first page to PNG so a person can look at it (pdftoppm, Debian's poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm (poppler-utils) is missing: see scripts/system-packages.txt")
        return
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(ARTIFACTS / name),
        ],
        check=True,
        timeout=60,
    )
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 1000


def test_sending_keeps_the_pdf_and_mails_the_managers_once(client, world, django_capture_on_commit_callbacks):
    report = march_report(world)
    client.force_login(world.supervisor)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/desk/reports/monthly/{report.pk}/",
            {"free_text": "Bon mois", "language": "fr", "action": "send"},
        )
        client.post(
            f"/desk/reports/monthly/{report.pk}/", {"free_text": "Autre", "language": "fr", "action": "send"}
        )

    report.refresh_from_db()
    assert report.sent_at is not None
    assert report.free_text == "Bon mois"  # a sent report no longer changes
    assert [message.to for message in mail.outbox] == [["manager@a.example"]]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    kept = report.pdf.read()
    world.client_a.name = "Renamed"
    world.client_a.save()
    assert monthly_pdf(report=report) == kept  # re-downloaded, not recomputed


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager_a", 200), ("manager_b", 404), ("requester_a", 403), ("agent_a", 403), ("supervisor", 403)],
)
def test_the_portal_gives_a_manager_their_own_clients_reports_only(client, world, role, status):
    report = march_report(world)
    MonthlyReport.objects.filter(pk=report.pk).update(sent_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    report.refresh_from_db()
    report.pdf.save("march.pdf", ContentFile(b"%PDF-1.4 kept"), save=True)
    client.force_login(world.person(role))

    response = client.get(f"/portal/reports/{report.pk}/pdf/")

    assert response.status_code == status
    listing = client.get("/portal/reports/")
    assert listing.status_code == (200 if role.startswith("manager") else 403)
    if role == "manager_b":
        assert "2026" not in listing.content.decode().split("portal-reports")[1]


@pytest.mark.parametrize("role", ["agent_a", "manager_a", "requester_a"])
def test_the_desk_pages_are_for_supervisors_and_administrators(client, world, role):
    report = march_report(world)
    client.force_login(world.person(role))

    for path in ("", f"{report.pk}/", f"{report.pk}/preview/", f"{report.pk}/pdf/"):
        assert client.get(f"/desk/reports/monthly/{path}").status_code == 403


def test_the_preview_is_the_pdfs_html(client, world):
    report = march_report(world)
    client.force_login(world.supervisor)

    page = client.get(f"/desk/reports/monthly/{report.pk}/preview/")

    assert page.status_code == 200
    assert "Mois chargé" in page.content.decode()
    assert "unsafe-inline" in page["Content-Security-Policy"]


def test_the_schedule_runs_on_the_first_working_day_once(world):
    build_month(world)

    assert first_working_day(dt.date(2026, 5, 1)) == dt.date(2026, 5, 4)  # 1 May holiday, then a weekend
    assert monthly_reports_run(today=dt.date(2026, 4, 2)) == 0  # 1 April 2026 is the first working day
    assert monthly_reports_run(today=dt.date(2026, 4, 1)) == 2  # clients A and B have a manager
    assert monthly_reports_run(today=dt.date(2026, 4, 1)) == 0  # never twice
    assert set(MonthlyReport.objects.values_list("month", flat=True)) == {dt.date(2026, 3, 1)}
