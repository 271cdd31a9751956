"""The monthly client report: a client's month for the monthly meeting, previewed in the desk, sent as a
PDF (WeasyPrint) in the client's language with the provider's logo and colours, kept once sent.

The page and the PDF are the same template and the same SVG charts (ADR 0021). Prepared on demand, and
on the first working day of each month for the month before (``tasks.monthly_reports``), exactly once
per client and month (a unique row, claimed under a row lock before it is sent).
"""

from __future__ import annotations

import base64
import datetime as dt
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from escalade.accounts.models import Role, User
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError
from escalade.core.outbox import outbox_defer
from escalade.core.services import event_record
from escalade.orgs.models import Organisation
from escalade.reports.content import ReportContent, report_content
from escalade.reports.forms import month_bounds
from escalade.reports.models import MonthlyReport
from escalade.reports.selectors import ReportFilters, Table
from escalade.tickets.models import Ticket

LANGUAGES = {"fr", "en"}


def managers_of(organisation: Organisation) -> list[User]:
    """The people who receive the client's report: its active client managers."""
    return list(
        User.objects.filter(organisation=organisation, role=Role.CLIENT_MANAGER, is_active=True).order_by(
            "pk"
        )
    )


def client_language(organisation: Organisation) -> str:
    """The client's language: that of its first manager, else the desk's."""
    languages = [person.language for person in managers_of(organisation) if person.language in LANGUAGES]
    return (
        languages[0]
        if languages
        else (settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in LANGUAGES else "fr")
    )


def monthly_report_prepare(*, actor: Actor, organisation: Organisation, month: dt.date) -> MonthlyReport:
    """The report of ``organisation`` for ``month`` (created as a draft the first time)."""
    first, _last = month_bounds(month)
    report, created = MonthlyReport.objects.get_or_create(
        organisation=organisation, month=first, defaults={"language": client_language(organisation)}
    )
    if created:
        event_record(
            actor=actor, obj=report, action="monthly_report.prepared", organisation_id=organisation.pk
        )
    return report


@transaction.atomic
def monthly_report_edit(
    *, actor: Actor, report: MonthlyReport, free_text: str, language: str
) -> MonthlyReport:
    """Change the supervisor's words (and the language) of a report not yet sent."""
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.is_sent:
        raise ConflictError(translation.gettext("This report has been sent: it can no longer change."))
    before = {"free_text": report.free_text, "language": report.language}
    report.free_text = free_text.strip()[:20_000]
    report.language = language if language in LANGUAGES else report.language
    report.save(update_fields=["free_text", "language", "updated_at"])
    changes = {k: {"from": v, "to": getattr(report, k)} for k, v in before.items() if v != getattr(report, k)}
    event_record(
        actor=actor, obj=report, action="monthly_report.edited", changes=changes,
        organisation_id=report.organisation_id,
    )  # fmt: skip
    return report


@dataclass(frozen=True, kw_only=True)
class MonthlyContent:
    report: MonthlyReport
    month: ReportContent
    trend: Table
    trend_svg: str
    incidents: list[Ticket]
    logo: str
    colour: str
    provider: str


def monthly_content(*, report: MonthlyReport) -> MonthlyContent:
    """What the report shows: the month's figures and charts, the 12-month trend, major incidents."""
    from escalade.reports.charts import bar_chart  # noqa: PLC0415 - a small module
    from escalade.reports.selectors import monthly_volumes  # noqa: PLC0415

    first, last = month_bounds(report.month)
    ids = frozenset({report.organisation_id})
    with translation.override(report.language):
        month = report_content(filters=ReportFilters(start=first, end=last, organisation_ids=ids))
        year_start = (first - dt.timedelta(days=335)).replace(day=1)
        trend = monthly_volumes(filters=ReportFilters(start=year_start, end=last, organisation_ids=ids))
        trend_svg = bar_chart(
            title=trend.title, labels=[str(row[0]) for row in trend.rows],
            series=[
                (translation.gettext("Created"), [row[1] for row in trend.rows]),
                (translation.gettext("Resolved"), [row[2] for row in trend.rows]),
            ],
            colours=(settings.ESCALADE_REPORT_COLOUR, "#94a3b8"),
        )  # fmt: skip
    zone = timezone.get_default_timezone()
    incidents = list(
        Ticket.objects.filter(
            organisation_id=report.organisation_id, priority=1,
            created_at__gte=dt.datetime.combine(first, dt.time(0), tzinfo=zone),
            created_at__lt=dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=zone),
        ).order_by("created_at")[:50]
    )  # fmt: skip
    provider = (
        Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).values_list("name", flat=True).first()
    )
    return MonthlyContent(
        report=report, month=month, trend=trend, trend_svg=trend_svg, incidents=incidents, logo=_logo(),
        colour=settings.ESCALADE_REPORT_COLOUR, provider=provider or "",
    )  # fmt: skip


def _logo() -> str:
    """The provider's logo as a data: URL (the PDF needs no file access), or "" without one."""
    path = settings.ESCALADE_REPORT_LOGO
    if not path:
        return ""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError:
        return ""
    kind = mimetypes.guess_type(file.name)[0] or "image/png"
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def monthly_html(*, report: MonthlyReport) -> str:
    """The report as a standalone HTML page (the preview's frame and the PDF's source)."""
    content = monthly_content(report=report)
    with translation.override(report.language):
        return render_to_string("reports/monthly.html", {"content": content, "report": report})


def monthly_pdf(*, report: MonthlyReport) -> bytes:
    """The report as PDF: the stored one once sent, else rendered now."""
    if report.is_sent and report.pdf:
        with report.pdf.open("rb") as stored:
            kept: bytes = stored.read()
            return kept
    from weasyprint import HTML  # noqa: PLC0415 - heavy; only the PDF needs it

    return bytes(HTML(string=monthly_html(report=report), base_url=settings.ESCALADE_SITE_URL).write_pdf())


def monthly_report_send(*, actor: Actor, report: MonthlyReport) -> MonthlyReport:
    """Render the PDF, keep it, and mail the client's managers (after commit); once only."""
    pdf = monthly_pdf(report=report)  # rendered outside the lock: it takes a moment
    with transaction.atomic():
        report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
        if report.is_sent:
            return report  # the scheduled job and a person raced: the first one sent it
        managers = managers_of(report.organisation)
        report.pdf.save(f"{report.month:%Y-%m}.pdf", ContentFile(pdf), save=False)
        report.sent_at = timezone.now()
        report.sent_to = ", ".join(person.email for person in managers)
        report.save(update_fields=["pdf", "sent_at", "sent_to", "updated_at"])
        event_record(
            actor=actor, obj=report, action="monthly_report.sent", data={"to": report.sent_to},
            organisation_id=report.organisation_id,
        )  # fmt: skip
        if managers:
            from escalade.reports.tasks import mail_monthly_report  # noqa: PLC0415 - tasks import this module

            outbox_defer(mail_monthly_report, report.pk)
    return report


def monthly_report_mail(*, report_id: int) -> None:
    """Send the kept PDF of a sent report to the client's managers, each in the report's language."""
    report = (
        MonthlyReport.objects.select_related("organisation")
        .filter(pk=report_id, sent_at__isnull=False)
        .first()
    )
    if report is None or not report.pdf:
        return
    managers = managers_of(report.organisation)
    if not managers:
        return
    with translation.override(report.language):
        subject = translation.gettext("%(client)s: your service report for %(month)s") % {
            "client": report.organisation.name, "month": f"{report.month:%m/%Y}",
        }  # fmt: skip
        body = render_to_string(
            "reports/monthly_mail.txt", {"report": report, "portal": settings.ESCALADE_SITE_URL}
        )
    message = EmailMessage(subject=subject, body=body, to=[person.email for person in managers])
    with report.pdf.open("rb") as stored:
        message.attach(
            f"{report.organisation.slug}-{report.month:%Y-%m}.pdf", stored.read(), "application/pdf"
        )
    message.send()


def first_working_day(month: dt.date) -> dt.date:
    """The first working day of ``month`` in the default SLA policy's calendar (Monday-Friday without
    one): 1 May is a holiday in France, so May's is the 2nd at the earliest."""
    from escalade.sla.models import SlaPolicy  # noqa: PLC0415
    from escalade.sla.selectors import working_calendar  # noqa: PLC0415

    first, last = month_bounds(month)
    policy = SlaPolicy.objects.select_related("calendar").filter(is_default=True).first()
    day = first
    while day <= last:
        if policy is None:
            if day.weekday() < 5:
                return day
        else:
            moment = dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_default_timezone())
            calendar = working_calendar(calendar=policy.calendar, around=(moment,))
            if next(iter(calendar.wall_intervals(day)), None) is not None:
                return day
        day += dt.timedelta(days=1)
    return first


def monthly_reports_run(*, today: dt.date | None = None) -> int:
    """On the first working day of a month: prepare and send last month's report of every active client
    with a manager (a report already sent is left alone). Returns how many were sent."""
    today = today or timezone.localdate()
    if today != first_working_day(today):
        return 0
    previous = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    actor = Actor.system("reports.monthly")
    sent = 0
    clients = Organisation.objects.filter(kind=Organisation.Kind.CLIENT, is_active=True).order_by("pk")
    for organisation in clients:
        if not managers_of(organisation):
            continue
        report = monthly_report_prepare(actor=actor, organisation=organisation, month=previous)
        if not report.is_sent:
            monthly_report_send(actor=actor, report=report)
            sent += 1
    return sent
