"""Writes of the alerts app: sources, intake (deduplication into incidents), maintenance windows, triage.

Each incoming alert is handled in its own transaction: the open row of its (source, fingerprint) is
locked and counted, or created (the partial unique constraint ``alert_one_open`` makes a concurrent
second creation fail; it is then read back and counted: one incident per alert, whatever the
concurrency). The incident's history is on the ticket as ``ticket.alert_*`` events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.accounts.models import Role, Team, User
from escalade.alerts.models import (
    Alert,
    AlertSource,
    AlertState,
    MaintenanceWindow,
    OnResolved,
    RejectedPayload,
    SourceKind,
    new_token,
)
from escalade.alerts.normalise import (
    Incoming,
    MalformedPayload,
    alertmanager_alerts,
    generic_alerts,
    parse_json,
)
from escalade.assets.models import Asset, AssetStatus
from escalade.assets.services import ticket_asset_link
from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.services import JSONValue, event_record
from escalade.orgs.models import Organisation, Site
from escalade.tickets.choices import OPEN_STATES, Channel, Priority, ResolutionCode
from escalade.tickets.models import Category, Ticket
from escalade.tickets.services import ticket_add_note, ticket_create, ticket_reopen, ticket_resolve
from escalade.tickets.services._common import locked, record, record_many

DEFAULT_PRIORITIES = {
    "critical": 1,
    "disaster": 1,
    "high": 2,
    "error": 2,
    "warning": 3,
    "average": 3,
    "info": 4,
}
REJECTED_BODY_LIMIT = 64 * 1024
REPEAT_HISTORY = dt.timedelta(minutes=5)  # repeats written to the incident at most this often


@dataclass
class IntakeReport:
    """What one intake call did, by alert (returned to the sender as JSON)."""

    opened: int = 0
    repeated: int = 0
    resolved: int = 0
    silenced: int = 0
    triaged: int = 0
    ignored: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Route:
    """Where an alert's incident goes, read from the source's routes."""

    organisation: Organisation | None
    site_id: int | None = None
    category_id: int | None = None
    team_id: int | None = None
    priority: int | None = None
    asset_label: str = ""  # the label naming the machine (see ASSET_LABELS)


def channel_actor(source: AlertSource) -> Actor:
    return Actor.channel(f"monitoring:{source.name}"[:200])


# ---------------------------------------------------------------- sources


def source_create(
    *, actor: Actor, name: str, kind: str, organisation: Organisation | None, requester: User | None = None,
    mapping: Mapping[str, Any] | None = None, routes: Sequence[Mapping[str, Any]] = (),
    severity_priorities: Mapping[str, int] | None = None, on_resolved: str = OnResolved.RESOLVE,
) -> AlertSource:  # fmt: skip
    """Create an intake endpoint with a new token (shown on the source's page)."""
    if kind not in SourceKind.values:
        raise ValidationFailed(_("Unknown kind of source."), field="kind")
    if requester is not None and organisation is not None and requester.organisation_id != organisation.pk:
        raise ValidationFailed(_("The contact must belong to the organisation."), field="requester")
    source = AlertSource.objects.create(
        name=name.strip(), kind=kind, organisation=organisation, requester=requester,
        mapping=dict(mapping or {}),
        routes=[dict(route) for route in routes], severity_priorities=dict(severity_priorities or {}),
        on_resolved=on_resolved,
    )  # fmt: skip
    event_record(
        actor=actor, obj=source, action="alert_source.created", organisation_id=source.organisation_id
    )
    return source


def source_token_rotate(*, actor: Actor, source: AlertSource) -> AlertSource:
    """A new token; the old one stops working at once."""
    source.token = new_token()
    source.save(update_fields=["token"])
    event_record(actor=actor, obj=source, action="alert_source.token_rotated")
    return source


def payload_reject(*, source: AlertSource | None, body: bytes, reason: str) -> RejectedPayload:
    """Keep a refused body with its reason (the first 64 KiB), for the administrators to inspect."""
    text = body[:REJECTED_BODY_LIMIT].decode("utf-8", errors="replace").replace("\x00", "")
    return RejectedPayload.objects.create(source=source, reason=reason[:300], body=text)


# ---------------------------------------------------------------- intake


def incoming_read(*, source: AlertSource, body: bytes) -> list[Incoming]:
    """The alerts of a body, in the source's format; raises MalformedPayload."""
    data = parse_json(body)
    if source.kind == SourceKind.ALERTMANAGER:
        return alertmanager_alerts(data)
    return generic_alerts(data, source.mapping)


def alerts_receive(*, source: AlertSource, body: bytes) -> IntakeReport:
    """Handle one intake body: each alert deduplicated into its incident. A malformed body is kept
    (:func:`payload_reject`) and MalformedPayload raised for the caller's 4xx.

    Repeats of alerts already firing (a storm's bulk) are counted together, in one transaction for the
    body (their open rows locked in one query, updated in one); the others (new, resolved, silenced,
    flapping) are handled one by one, each in its own transaction."""
    try:
        incoming = incoming_read(source=source, body=body)
    except MalformedPayload as error:
        payload_reject(source=source, body=body, reason=str(error))
        raise
    report = IntakeReport()
    for item in _repeats_count(source, incoming, report):
        outcome = alert_receive(source=source, incoming=item)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _repeats_count(source: AlertSource, incoming: Sequence[Incoming], report: IntakeReport) -> list[Incoming]:
    """Count the repeats of firing alerts in one go; return the alerts left for :func:`alert_receive`."""
    resolving = {item.fingerprint for item in incoming if item.is_resolved}
    wanted = {item.fingerprint for item in incoming if item.fingerprint not in resolving}
    if not wanted:
        return list(incoming)
    now = timezone.now()
    with transaction.atomic():
        rows = {
            row.fingerprint: row
            for row in Alert.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(source=source, is_open=True, state=AlertState.FIRING, fingerprint__in=wanted)
        }
        rest: list[Incoming] = []
        counted: dict[int, Alert] = {}
        for item in incoming:
            row = rows.get(item.fingerprint) if item.fingerprint in wanted else None
            if row is None:
                rest.append(item)
                continue
            row.occurrences += 1
            row.last_seen_at = now
            counted[row.pk] = row
            report.repeated += 1
        due = [row for row in counted.values() if row.ticket_id is not None and _history_due(row, now)]
        for row in due:
            row.history_at = now
        if counted:
            Alert.objects.bulk_update(counted.values(), ["occurrences", "last_seen_at", "history_at"])
        if due:
            record_many(
                actors=[channel_actor(source)] * len(due), tickets=[row.ticket for row in due if row.ticket],
                action="ticket.alert_repeated", data=[_event_data(source, row) for row in due],
            )  # fmt: skip
    return rest


def _history_due(alert: Alert, now: dt.datetime) -> bool:
    return alert.history_at is None or now - alert.history_at >= REPEAT_HISTORY


def alert_receive(*, source: AlertSource, incoming: Incoming) -> str:
    """Handle one alert; returns what happened (an :class:`IntakeReport` field name)."""
    for _attempt in range(3):
        try:
            with transaction.atomic():
                if incoming.is_resolved:
                    return _resolve(source, incoming)
                return _fire(source, incoming)
        except IntegrityError:
            continue  # another worker opened this alert meanwhile: count on its row
    raise RuntimeError("alert intake kept colliding")  # pragma: no cover - three collisions in a row


def _open_row(source: AlertSource, fingerprint: str) -> Alert | None:
    rows = Alert.objects.select_for_update(of=("self",)).select_related("ticket")
    return rows.filter(source=source, fingerprint=fingerprint, is_open=True).first()


def _ticket_of(alert: Alert) -> Ticket | None:
    return alert.ticket if alert.ticket_id is not None else None


def _fire(source: AlertSource, incoming: Incoming) -> str:
    now = timezone.now()
    alert = _open_row(source, incoming.fingerprint)
    if alert is not None:
        return _repeat(source, alert, incoming, now)
    flapping = _recently_resolved(source, incoming.fingerprint, now)
    if flapping is not None:
        return _flap(source, flapping, incoming, now)
    route = route_for(source, incoming.labels)
    alert = Alert(
        source=source, organisation=route.organisation, fingerprint=incoming.fingerprint,
        title=incoming.title[:200], description=incoming.description, labels=incoming.labels,
        first_seen_at=now, last_seen_at=now,
    )  # fmt: skip
    return _open(source, alert, route, now)


def _open(source: AlertSource, alert: Alert, route: Route, now: dt.datetime) -> str:
    """Decide a new (or no longer silenced) alert's fate: triage, silenced, or an incident."""
    requester = requester_for(source, route.organisation)
    if route.organisation is None or requester is None:
        alert.state = AlertState.TRIAGE
        alert.triage_reason = (
            _("No route gives an organisation.")
            if route.organisation is None
            else _("No contact to log for.")
        )
    elif maintenance_covering(organisation=route.organisation, labels=alert.labels, at=now) is not None:
        alert.state = AlertState.SILENCED
    else:
        alert.state = AlertState.FIRING
        alert.ticket = _incident_create(source, alert, route, requester)
    with transaction.atomic():
        alert.save()
    if alert.ticket is not None:
        _ticket_event(source, alert.ticket, "ticket.alert_fired", alert)
    return {AlertState.TRIAGE: "triaged", AlertState.SILENCED: "silenced"}.get(alert.state, "opened")


def _repeat(source: AlertSource, alert: Alert, incoming: Incoming, now: dt.datetime) -> str:
    alert.occurrences += 1
    alert.last_seen_at = now
    if alert.state == AlertState.SILENCED and alert.organisation is not None:
        still = maintenance_covering(organisation=alert.organisation, labels=alert.labels, at=now)
        if still is None:  # the window is over and the alert still fires: now it is an incident
            return _open(source, alert, route_for(source, alert.labels), now)
    fields = ["occurrences", "last_seen_at"]
    if alert.ticket_id is not None and _history_due(alert, now):
        alert.history_at = now
        fields.append("history_at")
        _ticket_event(source, _ticket_of(alert), "ticket.alert_repeated", alert)
    alert.save(update_fields=fields)
    return "repeated" if alert.state == AlertState.FIRING else str(_quiet_outcome(alert))


def _quiet_outcome(alert: Alert) -> str:
    return "triaged" if alert.state == AlertState.TRIAGE else "silenced"


def _recently_resolved(source: AlertSource, fingerprint: str, now: dt.datetime) -> Alert | None:
    if not source.flap_minutes:
        return None
    since = now - dt.timedelta(minutes=source.flap_minutes)
    return (
        Alert.objects.select_for_update(of=("self",))
        .select_related("ticket")
        .filter(source=source, fingerprint=fingerprint, is_open=False, resolved_at__gte=since)
        .order_by("-id")
        .first()
    )


def _flap(source: AlertSource, alert: Alert, incoming: Incoming, now: dt.datetime) -> str:
    """The alert fires again soon after it resolved: the same incident, reopened, one more flap."""
    alert.is_open, alert.state, alert.resolved_at = True, AlertState.FIRING, None
    alert.occurrences += 1
    alert.flaps += 1
    alert.last_seen_at = now
    with transaction.atomic():
        alert.save(update_fields=["is_open", "state", "resolved_at", "occurrences", "flaps", "last_seen_at"])
    ticket = _ticket_of(alert)
    if ticket is not None:
        if ticket.state not in OPEN_STATES:
            ticket_reopen(
                actor=channel_actor(source), ticket=ticket, reason=_("The alert fires again (flapping).")
            )
        _ticket_event(source, locked(ticket), "ticket.alert_flapped", alert)
    return "repeated"


def _resolve(source: AlertSource, incoming: Incoming) -> str:
    alert = _open_row(source, incoming.fingerprint)
    if alert is None:
        return "ignored"  # resolved before we knew it fired, or already resolved
    now = timezone.now()
    alert.is_open, alert.state, alert.resolved_at, alert.last_seen_at = False, AlertState.RESOLVED, now, now
    alert.save(update_fields=["is_open", "state", "resolved_at", "last_seen_at"])
    ticket = _ticket_of(alert)
    if ticket is None:
        return "resolved"
    actor = channel_actor(source)
    _ticket_event(source, ticket, "ticket.alert_resolved", alert)
    if ticket.state in OPEN_STATES:
        text = _("Monitoring reports the alert “%(title)s” resolved.") % {"title": alert.title}
        if source.on_resolved == OnResolved.RESOLVE:
            ticket_resolve(actor=actor, ticket=ticket, resolution_code=ResolutionCode.SOLVED, solution=text)
        else:
            ticket_add_note(actor=actor, ticket=ticket, body=text)
    return "resolved"


def _event_data(source: AlertSource, alert: Alert) -> dict[str, JSONValue]:
    return {
        "alert": alert.pk, "fingerprint": alert.fingerprint, "title": alert.title,
        "occurrences": alert.occurrences, "flaps": alert.flaps, "source": source.name,
    }  # fmt: skip


def _ticket_event(source: AlertSource, ticket: Ticket | None, action: str, alert: Alert) -> None:
    if ticket is None:
        return
    data = _event_data(source, alert)
    if action == "ticket.alert_fired":
        data["labels"] = alert.labels
    record(actor=channel_actor(source), ticket=ticket, action=action, data=data)


# ---------------------------------------------------------------- routing


def _matches(matchers: object, labels: Mapping[str, str]) -> bool:
    return isinstance(matchers, Mapping) and all(labels.get(str(k)) == str(v) for k, v in matchers.items())


def route_for(source: AlertSource, labels: Mapping[str, str]) -> Route:
    """The first route whose ``match`` the labels satisfy, else the source's organisation alone; the
    priority from the route, else from the ``severity`` label."""
    found: Mapping[str, Any] = next(
        (route for route in source.routes if _matches(route.get("match", {}), labels)), {}
    )
    organisation = source.organisation
    if found.get("organisation"):
        organisation = Organisation.objects.filter(slug=str(found["organisation"])).first()
        if source.organisation is not None and organisation != source.organisation:
            organisation = None  # a client's token never files into another client
    severities = {**DEFAULT_PRIORITIES, **source.severity_priorities}
    priority = found.get("priority") or severities.get(labels.get("severity", "").lower())
    return Route(
        organisation=organisation, site_id=_int(found.get("site")), category_id=_int(found.get("category")),
        team_id=_int(found.get("team")), priority=_int(priority),
        asset_label=str(found.get("asset_label", ""))[:60],
    )  # fmt: skip


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else None


def requester_for(source: AlertSource, organisation: Organisation | None) -> User | None:
    """Whom the incident is logged for: the source's contact, else the organisation's first manager."""
    if organisation is None:
        return None
    if source.requester is not None and source.requester.organisation_id == organisation.pk:
        return source.requester
    return (
        User.objects.filter(organisation=organisation, role=Role.CLIENT_MANAGER, is_active=True)
        .order_by("pk")
        .first()
    )


def _incident_create(source: AlertSource, alert: Alert, route: Route, requester: User) -> Ticket:
    organisation = requester.organisation
    site = Site.objects.filter(pk=route.site_id, organisation=organisation).first() if route.site_id else None
    category = Category.objects.filter(pk=route.category_id).first() if route.category_id else None
    team = Team.objects.filter(pk=route.team_id).first() if route.team_id else None
    priority = route.priority if route.priority in Priority.values else None
    ticket = ticket_create(
        actor=channel_actor(source), requester=requester, title=alert.title, channel=Channel.MONITORING,
        description=alert.description or "\n".join(f"{k}={v}" for k, v in sorted(alert.labels.items())),
        priority=priority, priority_reason=_("Severity of the monitoring alert.") if priority else "",
        site=site, category=category, team=team,
    )  # fmt: skip
    asset = asset_for(organisation=organisation, labels=alert.labels, label=route.asset_label)
    if asset is not None:
        ticket_asset_link(actor=channel_actor(source), ticket=ticket, asset=asset)
    return ticket


# Labels that name the machine an alert is about, in the order they are read (Prometheus' ``instance``
# is "host:port"); a route may name its own (``"asset_label": "node"``).
ASSET_LABELS = ("asset", "hostname", "host", "nodename", "instance")


def asset_for(
    *, organisation: Organisation | None, labels: Mapping[str, str], label: str = ""
) -> Asset | None:
    """The organisation's asset an alert is about: the first of the asset labels whose value (without a
    port) is an asset's hostname or serial there; never an asset of another organisation."""
    if organisation is None:
        return None
    for name in (label,) if label else ASSET_LABELS:
        value = str(labels.get(name, "")).strip()
        if not value:
            continue
        host = value.rsplit(":", 1)[0] if value.count(":") == 1 else value  # "db1:9100", not a MAC or IPv6
        found = (
            Asset.objects.filter(organisation=organisation, name__iexact=host[:200])
            .exclude(status=AssetStatus.DISPOSED)
            .order_by("pk")
            .first()
        ) or (
            Asset.objects.filter(organisation=organisation, serial__iexact=host[:200])
            .exclude(status=AssetStatus.DISPOSED)
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found
    return None


# ---------------------------------------------------------------- maintenance, triage


def maintenance_covering(
    *, organisation: Organisation, labels: Mapping[str, str], at: dt.datetime
) -> MaintenanceWindow | None:
    """The maintenance window of ``organisation`` covering ``at`` whose labels the alert has."""
    windows = MaintenanceWindow.objects.filter(organisation=organisation, starts_at__lte=at, ends_at__gt=at)
    return next((window for window in windows if _matches(window.matchers, labels)), None)


def maintenance_create(
    *, actor: Actor, organisation: Organisation, starts_at: dt.datetime, ends_at: dt.datetime, reason: str,
    matchers: Mapping[str, str] | None = None,
) -> MaintenanceWindow:  # fmt: skip
    """Silence the organisation's alerts (those with ``matchers`` among their labels) for a period."""
    if ends_at <= starts_at:
        raise ValidationFailed(_("The window must end after it starts."), field="ends_at")
    if not reason.strip():
        raise ValidationFailed(_("Say what the maintenance is."), field="reason")
    window = MaintenanceWindow.objects.create(
        organisation=organisation, starts_at=starts_at, ends_at=ends_at, reason=reason.strip(),
        matchers={str(k): str(v) for k, v in (matchers or {}).items()}, created_by=actor.user,
    )  # fmt: skip
    event_record(actor=actor, obj=window, action="maintenance.created", organisation_id=organisation.pk)
    return window


@transaction.atomic
def alert_triage(*, actor: Actor, alert: Alert, organisation: Organisation) -> Alert:
    """File a triage alert under ``organisation``: its incident is opened now."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.state != AlertState.TRIAGE:
        raise ValidationFailed(_("This alert is not waiting for triage."), field="state")
    source = alert.source
    route = route_for(source, alert.labels)
    route = Route(organisation=organisation, priority=route.priority, site_id=route.site_id,
                  category_id=route.category_id, team_id=route.team_id)  # fmt: skip
    requester = requester_for(source, organisation)
    if requester is None:
        raise ValidationFailed(
            _("This organisation has no manager to log the incident for."), field="organisation"
        )
    alert.organisation, alert.state, alert.triage_reason = organisation, AlertState.FIRING, ""
    alert.ticket = _incident_create(source, alert, route, requester)
    alert.save()
    _ticket_event(source, alert.ticket, "ticket.alert_fired", alert)
    event_record(actor=actor, obj=alert, action="alert.triaged", organisation_id=organisation.pk)
    return alert
