"""Parsing, sanitising, trimming and threading rules, without the database where possible."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalade.mail.models import Direction, MailMessage
from escalade.mail.parsing import decode_bytes, parse
from escalade.mail.threads import reference_in_subject, strip_reply_prefixes
from escalade.mail.trimming import trim_reply
from tests.mail.conftest import ingest

CORPUS = Path(__file__).parent / "corpus"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def test_html_is_sanitised_scripts_trackers_and_javascript_links_removed():
    parsed = parse(corpus("html-only-with-script-and-tracker.eml"))
    assert "<script" not in parsed.html
    assert "tracker.example" not in parsed.html
    assert "javascript:" not in parsed.html
    assert "onclick" not in parsed.html
    assert "<iframe" not in parsed.html
    assert "Le badge ne fonctionne plus." in parsed.text
    assert "alert" not in parsed.text


def test_inline_cid_image_is_kept_and_stored_as_a_part():
    parsed = parse(corpus("multipart-related-inline-image.eml"))
    assert 'src="cid:shot1@corpus"' in parsed.html
    [image] = parsed.parts
    assert (image.filename, image.content_id, image.is_inline) == ("capture.png", "shot1@corpus", True)


@pytest.mark.parametrize(
    ("name", "filename"),
    [
        ("attachment-rfc2231-filename.eml", "compte rendu réunion été.txt"),
        ("attachment-rfc2047-filename.eml", "données.bin"),
    ],
)
def test_encoded_file_names(name, filename):
    assert [part.filename for part in parse(corpus(name)).parts] == [filename]


def test_headers_decoded():
    assert parse(corpus("header-rfc2047-q.eml")).subject == "Accès impossible à l'intranet"
    parsed = parse(corpus("from-encoded-display-name.eml"))
    assert (parsed.sender_name, parsed.sender) == ("Renée Dupré", "renee@a.example")


def test_charset_fallbacks():
    assert decode_bytes("été".encode("latin-1"), "utf-8") == "été"
    assert decode_bytes("été".encode(), "no-such-charset") == "été"
    assert decode_bytes(b"\x81\x8d", None)  # undefined in cp1252: never raises


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Oui.\n\nOn Mon, 1 Jan 2026 at 10:00, X <x@y> wrote:\n> q", "Oui."),
        ("Oui.\n\nLe lun. 1 janv. 2026 à 10:00, X <x@y> a écrit :\n> q", "Oui."),
        ("Oui.\n\n-----Original Message-----\nFrom: X\nSent: Monday", "Oui."),
        ("Oui.\n\nDe : X\nEnvoyé : lundi\nÀ : Y", "Oui."),
        ("Oui.\n-- \nAlice\n01 02", "Oui."),
        ("Oui.\n\nSent from my iPhone", "Oui."),
        ("> only a quote", "> only a quote"),
    ],
)
def test_trim_reply(text, expected):
    assert trim_reply(text) == expected


def test_subject_helpers():
    assert reference_in_subject("RE: [esc-2026-123] Imprimante") == "ESC-2026-000123"
    assert reference_in_subject("Imprimante") is None
    assert strip_reply_prefixes("RE: TR: Fwd: Imprimante") == "Imprimante"


@pytest.mark.django_db
def test_full_text_and_html_kept_for_the_original(mail_world, mailbox):
    outcome = ingest(corpus("multipart-alternative.eml"), mailbox=mailbox)
    record = MailMessage.objects.get(ticket=outcome.ticket, direction=Direction.INBOUND)
    assert "Version texte" in record.full_text
    assert "<b>HTML</b>" in record.html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "dropped"),
    [
        ("attachment-huge.eml", "enorme.log"),
        ("attachment-executable.eml", "outil.exe"),
        ("attachment-zero-byte.eml", "vide.dat"),
    ],
)
def test_dropped_files_are_noted_on_the_ticket(mail_world, mailbox, settings, name, dropped):
    settings.ESCALADE_ATTACHMENT_MAX_BYTES = 256 * 1024
    ticket = ingest(corpus(name), mailbox=mailbox).ticket
    assert dropped in ticket.followups.get(kind="note").body
    assert not ticket.attachments.filter(filename=dropped).exists()


@pytest.mark.django_db
def test_message_over_the_mail_limit_keeps_the_text_and_notes_the_files(mail_world, mailbox, settings):
    settings.ESCALADE_MAIL_MAX_BYTES = 1000  # the message is about 3 kB
    ticket = ingest(corpus("attachment-many.eml"), mailbox=mailbox).ticket
    assert ticket.attachments.count() == 0
    assert ticket.description == "Plusieurs fichiers."
    assert "f11.txt" in ticket.followups.get(kind="note").body
