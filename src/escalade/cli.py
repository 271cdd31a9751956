"""The ``escalade`` command: init, serve, worker, demo, and Django's management commands.

Configuration comes from ``ESCALADE_*`` environment variables (see docs/configuration.md);
``--data-dir`` is a shortcut for ``ESCALADE_DATA_DIR``.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import click

SETTINGS_MODULE = "escalade.settings"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


@contextmanager
def _step(label: str) -> Iterator[None]:
    """Print a long step's name, then how long it took."""
    click.echo(f"» {label}…", nl=False)
    started = time.monotonic()
    yield
    click.secho(f" done ({time.monotonic() - started:.1f} s)", fg="green")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="ESCALADE_DATA_DIR",
    help="Where the embedded database, task queue, uploads and secret key live "
    "(ESCALADE_DATA_DIR, default ./escalade-data).",
)
@click.version_option(package_name="escalade")
def main(data_dir: Path | None) -> None:
    """Escalade, the open-source IT service desk.

    \b
    Quick start:   escalade demo      (demo data, then http://127.0.0.1:8000)
    Production:    escalade init; escalade serve; escalade worker
    """
    if data_dir is not None:
        os.environ["ESCALADE_DATA_DIR"] = str(data_dir.resolve())


def _migrate() -> None:
    from django.core.management import call_command

    click.echo("» Applying database migrations…")
    call_command("migrate", interactive=False, verbosity=1)


def _initialise(
    *,
    admin_email: str | None,
    admin_password: str | None,
    provider_name: str,
    with_admin: bool = True,
) -> None:
    """Create the data directory and database, collect static files, create the first administrator."""
    from django.conf import settings
    from django.core.management import call_command

    settings.CONFIG.data_dir.mkdir(parents=True, exist_ok=True)
    click.echo(f"» Data directory: {settings.CONFIG.data_dir}")
    click.echo(f"» Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    _migrate()
    with _step("Collecting static files"):
        call_command("collectstatic", interactive=False, verbosity=0)
    if with_admin:
        _ensure_administrator(email=admin_email, password=admin_password, provider_name=provider_name)


def _ensure_administrator(*, email: str | None, password: str | None, provider_name: str) -> None:
    from escalade.accounts.models import Role, User
    from escalade.accounts.services import user_create
    from escalade.core.actors import Actor
    from escalade.orgs.services import provider_organisation

    if User.objects.filter(role=Role.ADMINISTRATOR, is_active=True).exists():
        return
    if not email:
        if not sys.stdin.isatty():
            click.echo("» No administrator yet: run `escalade init --admin-email you@example.com`.")
            return
        email = click.prompt("E-mail address of the first administrator")
    generated = not password
    password = password or secrets.token_urlsafe(12)
    actor = Actor.system("init")
    provider = provider_organisation(actor=actor, default_name=provider_name)
    user_create(
        actor=actor,
        email=email or "",
        full_name="Administrator",
        organisation=provider,
        role=Role.ADMINISTRATOR,
        password=password,
    )
    click.secho(f"» Administrator created: {email}", fg="green")
    if generated:
        click.secho(f"  password (shown once): {password}", fg="yellow")


@main.command()
@click.option("--admin-email", envvar="ESCALADE_ADMIN_EMAIL", help="First administrator's e-mail.")
@click.option(
    "--admin-password",
    envvar="ESCALADE_ADMIN_PASSWORD",
    help="First administrator's password (generated and printed when omitted).",
)
@click.option(
    "--provider-name",
    default="IT Services",
    show_default=True,
    help="Name of your own organisation (the provider).",
)
def init(admin_email: str | None, admin_password: str | None, provider_name: str) -> None:
    """Create the data directory, migrate the database, create the first administrator."""
    _setup_django()
    _initialise(admin_email=admin_email, admin_password=admin_password, provider_name=provider_name)
    click.secho("Escalade is initialised. Start it with `escalade serve`.", fg="green")


def _start_in_process_worker(threads: int) -> Any:
    """Start Huey's scheduler and worker threads inside this process (the embedded default)."""
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")
    consumer = HUEY.create_consumer(workers=threads, worker_type="thread", periodic=True)
    # Start the threads without Consumer.start(): it would take over SIGINT/SIGTERM from the web server.
    consumer.scheduler.start()
    for _name, worker in consumer.worker_threads:
        worker.start()
    _start_outbox_relay()
    from escalade.core.tasks import worker_ping

    worker_ping()
    return consumer


def _start_outbox_relay() -> None:
    """Hand the queue the after-commit work it refused while it was down (``core.outbox``)."""
    from django.conf import settings

    from escalade.core.outbox import OutboxRelay

    OutboxRelay(interval=settings.CONFIG.outbox_relay_seconds).start()


def _listening_socket(host: str, port: int) -> socket.socket:
    """A listening socket that other ``serve --reuse-port`` processes can share (the kernel balances)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def _serve(*, host: str, port: int, threads: int, with_worker: bool, reuse_port: bool = False) -> None:
    from django.conf import settings
    from waitress import serve as waitress_serve

    from escalade.wsgi import application

    consumer = _start_in_process_worker(settings.CONFIG.worker_threads) if with_worker else None

    def _terminate(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    click.secho(f"Escalade is running at http://{host}:{port}/  (Ctrl+C to stop)", fg="green", bold=True)
    try:
        proxy: dict[str, Any] = {}
        if settings.CONFIG.behind_proxy:
            proxy = {
                "trusted_proxy": "*",
                "trusted_proxy_headers": {"x-forwarded-proto", "x-forwarded-for"},
                "clear_untrusted_proxy_headers": True,
            }
        where: dict[str, Any] = (
            {"sockets": [_listening_socket(host, port)]} if reuse_port else {"host": host, "port": port}
        )
        waitress_serve(application, threads=threads, ident="Escalade", **where, **proxy)
    except KeyboardInterrupt:
        click.echo("Stopping…")
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int, help="Web request threads.")
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=None,
    help="Run the background worker and scheduler in this process "
    "(default: yes in embedded mode, no when ESCALADE_REDIS_URL is set).",
)
@click.option(
    "--reuse-port", is_flag=True,
    help="Share the port with other `serve --reuse-port` processes (SO_REUSEPORT): run N to use N cores.",
)  # fmt: skip
def serve(host: str, port: int, threads: int, with_worker: bool | None, reuse_port: bool) -> None:
    """Run the web server (and, in embedded mode, the background worker and scheduler)."""
    _setup_django()
    from django.conf import settings

    if with_worker is None:
        with_worker = settings.CONFIG.redis_url is None
    _serve(host=host, port=port, threads=threads, with_worker=with_worker, reuse_port=reuse_port)


@main.command()
@click.option("--threads", default=None, type=int, help="Worker threads (default ESCALADE_WORKER_THREADS).")
def worker(threads: int | None) -> None:
    """Run a background worker and scheduler (start several, on several machines, when scaled)."""
    _setup_django()
    import logging

    from django.conf import settings
    from django.utils.module_loading import autodiscover_modules
    from huey.contrib.djhuey import HUEY

    autodiscover_modules("tasks")
    consumer = HUEY.create_consumer(
        workers=threads or settings.CONFIG.worker_threads, worker_type="thread", periodic=True
    )
    logging.getLogger("huey").setLevel(settings.CONFIG.log_level)
    _start_outbox_relay()
    from escalade.core.tasks import worker_ping

    worker_ping()
    click.secho(f"Escalade worker started ({type(HUEY).__name__}).", fg="green")
    consumer.run()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-serve", is_flag=True, help="Load the demo data and exit without serving.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Initialise if needed, load bilingual demo data, print the demo logins, and serve."""
    # The demo's notifications are real mails; a line each in the log, not whole messages on the console.
    os.environ.setdefault("ESCALADE_EMAIL_URL", "log:")
    _setup_django()
    from django.conf import settings

    from escalade.demo import DEMO_PASSWORD, load_demo

    _initialise(
        admin_email=None,
        admin_password=None,
        provider_name="Escalade IT Services",
        with_admin=False,
    )
    click.echo("» Loading demo data:")
    started = time.monotonic()
    context = load_demo(progress=lambda step: click.echo(f"    · {step}"))
    click.secho(
        f"  done ({time.monotonic() - started:.1f} s, {context.created_people} people created)",
        fg="green",
    )
    click.echo("")
    click.secho(f"Demo logins (password for every account: {DEMO_PASSWORD}):", bold=True)
    for email, role in context.logins:
        click.echo(f"  {email:45} {role}")
    click.echo("")
    if no_serve:
        return
    _serve(host=host, port=port, threads=8, with_worker=settings.CONFIG.redis_url is None)


@main.command()
@click.option("--tickets", type=click.IntRange(1, 10_000_000), required=True, help="How many tickets.")
@click.option("--seed", default=42, show_default=True, help="Random seed (same seed, same data).")
@click.option(
    "--open-share", default=0.05, show_default=True, type=click.FloatRange(0, 0.5),
    help="Share of tickets still open (queues and the SLA sweep work on them).",
)  # fmt: skip
def generate(tickets: int, seed: int, open_share: float) -> None:
    """Generate realistic synthetic tickets (with clients, people, teams, contracts) for benchmarks."""
    _setup_django()
    from escalade.generator.generate import generate as run

    started = time.monotonic()
    with click.progressbar(length=tickets, label="Generating tickets", show_eta=True) as bar:
        report = run(tickets=tickets, seed=seed, open_share=open_share, progress=bar.update)
    elapsed = time.monotonic() - started
    click.secho(
        f"{report.tickets} tickets, {report.followups} follow-ups, {report.events} events, "
        f"{report.documents} search documents for {report.organisations} new organisations "
        f"in {elapsed:.1f} s ({report.tickets / elapsed:.0f} tickets/s)",
        fg="green",
    )


@main.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--followups", "followups_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With a CSV of tickets: the CSV of their follow-ups (keyed by ticket_external_id).",
)  # fmt: skip
@click.option(
    "--create-people", is_flag=True, help="Create unknown requesters whose domain maps to a client."
)
@click.option(
    "--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rejected rows (line, external id, reason) to this file.",
)  # fmt: skip
def import_command(
    path: Path, followups_path: Path | None, create_people: bool, report_path: Path | None
) -> None:
    """Import tickets and their follow-ups from CSV or JSON Lines (format: docs/import.md).

    Running it again skips the tickets already imported (same external_id) and imports the rest.
    """
    _setup_django()
    from escalade.importer.load import import_tickets, rejected_lines

    lines = sum(1 for _ in path.open(encoding="utf-8-sig"))
    started = time.monotonic()
    with click.progressbar(length=lines, label=f"Importing {path.name}", show_eta=True) as bar:
        report = import_tickets(
            path=path, followups_path=followups_path, create_people=create_people, progress=bar.update
        )
    elapsed = time.monotonic() - started
    click.secho(
        f"{report.imported} imported, {report.skipped} already there, {len(report.rejected)} rejected, "
        f"{report.people_created} people created in {elapsed:.1f} s "
        f"({report.imported / elapsed:.0f} tickets/s)",
        fg="green" if not report.rejected else "yellow",
    )
    if report.rejected:
        for rejected in report.rejected[:10]:
            click.echo(f"  line {rejected.line} {rejected.external_id}: {rejected.reason}")
        if report_path is not None:
            report_path.write_text("".join(rejected_lines(report)), encoding="utf-8")
            click.echo(f"  all {len(report.rejected)} rejected rows: {report_path}")


@main.group()
def mail() -> None:
    """E-mail intake: import messages piped by a mail server, poll mailboxes."""


@mail.command("ingest")
@click.option("--mailbox", help="Name of the mailbox whose settings apply (unknown senders, team).")
def mail_ingest(mailbox: str | None) -> None:
    """Import one message read from standard input (for an MTA pipe, e.g. Postfix's `| escalade mail
    ingest`). Exits 0 when the message became a ticket, a follow-up or a quarantine entry."""
    _setup_django()
    from escalade.mail.models import Mailbox
    from escalade.mail.services import mail_ingest as ingest

    box = Mailbox.objects.filter(name=mailbox).first() if mailbox else None
    if mailbox and box is None:
        raise click.ClickException(f"no mailbox named {mailbox!r}")
    outcome = ingest(sys.stdin.buffer.read(), mailbox=box)
    target = outcome.ticket.reference if outcome.ticket else outcome.reason
    click.echo(f"{outcome.kind} {target}".strip())


@mail.command("retry")
@click.argument("entry", type=int, required=False)
@click.option("--reason", help="Retry every open quarantine entry of this reason (e.g. unknown_sender).")
def mail_retry(entry: int | None, reason: str | None) -> None:
    """Import quarantined messages again (one entry, or all of a reason) and say what each became;
    exits non-zero when one was not imported (already imported, or refused again)."""
    from django.core.management import call_command

    _setup_django()
    call_command(
        "mail_retry", *([str(entry)] if entry is not None else []), *(["--reason", reason] if reason else [])
    )


@mail.command("poll")
@click.option("--mailbox", help="Only this mailbox (by name).")
def mail_poll(mailbox: str | None) -> None:
    """Poll the active IMAP mailboxes now (the worker does it every minute)."""
    from django.core.management import call_command

    _setup_django()
    call_command("mail_poll", *(["--mailbox", mailbox] if mailbox else []))


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command (e.g. `escalade manage migrate --plan`)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["escalade manage", *args])
