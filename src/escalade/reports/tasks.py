"""Background jobs of the reports. Thin: each calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_task

from escalade.core.outbox import deferrable
from escalade.core.periodic import periodic_job
from escalade.reports.monthly import monthly_report_mail, monthly_reports_run
from escalade.reports.surveys import surveys_send_due


@periodic_job(crontab(minute="*"), name="reports.surveys_due")
def surveys_due() -> None:
    """Every minute: mail the satisfaction surveys whose delay after resolution is over."""
    surveys_send_due()


@deferrable
@db_task(name="reports.mail_monthly_report")
def mail_monthly_report(report_id: int) -> None:
    """Mail a sent monthly report's PDF to the client's managers (after the commit that kept it)."""
    monthly_report_mail(report_id=report_id)


@periodic_job(crontab(minute="0", hour="7"), name="reports.monthly_reports")
def monthly_reports() -> None:
    """Every day at 07:00: on the first working day of a month, last month's client reports."""
    monthly_reports_run()
