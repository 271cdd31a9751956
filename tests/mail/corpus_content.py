# ruff: noqa: E501 - the corpus reads best one case a line
"""Corpus cases about content: charsets, MIME structures, attachments."""

from __future__ import annotations

import base64
from typing import Any

from tests.mail.corpus_kit import basic, case, message, raw, simple


def charsets() -> None:
    samples = {
        "utf-8": "Le serveur d'impression répond « erreur 500 » — été, cœur, naïve.",
        "iso-8859-1": "Le poste ne démarre plus après la mise à jour de sécurité.",
        "windows-1252": "L’écran affiche « œuvre » et des guillemets “typographiques” – tiret.",
        "iso-8859-15": "Le coût est de 15 € pour la licence œuvre.",
        "koi8-r": "Принтер не печатает с утра.",
        "shift_jis": "プリンターが動きません。",
        "iso-2022-jp": "メールが届きません。",
        "gb2312": "打印机无法工作。",
        "big5": "印表機無法列印。",
        "euc-kr": "프린터가 작동하지 않습니다.",
        "utf-16": "Le VPN coupe toutes les deux minutes.",
        "iso-8859-7": "Ο εκτυπωτής δεν λειτουργεί.",
    }
    for charset, text in samples.items():
        body = text.encode(charset)
        encoding = "base64" if charset in {"utf-16", "shift_jis", "big5", "euc-kr", "gb2312"} else "8bit"
        payload = base64.encodebytes(body) if encoding == "base64" else body
        headers = basic(
            f"cs-{charset}",
            subject=f"Charset {charset}",
            extra=f"MIME-Version: 1.0\nContent-Type: text/plain; charset={charset}\n"
            f"Content-Transfer-Encoding: {encoding}",
        )
        case(f"charset-{charset}", raw(headers, payload), "ticket", contains=text[:8])
    latin = "Le réseau est très lent à l'étage.".encode("latin-1")
    case(
        "charset-missing-8bit",
        raw(
            basic(
                "cs-missing", subject="Pas de charset", extra="MIME-Version: 1.0\nContent-Type: text/plain"
            ),
            latin,
        ),
        "ticket",
        contains="réseau",
    )
    case(
        "charset-wrong-declared-utf8",
        raw(basic("cs-wrong", extra="Content-Type: text/plain; charset=utf-8"), latin),
        "ticket",
        contains="très lent",
    )
    case(
        "charset-unknown-name",
        raw(
            basic("cs-unknown", extra="Content-Type: text/plain; charset=x-foobar-9"),
            "Rien de spécial.".encode(),
        ),
        "ticket",
        contains="spécial",
    )
    case(
        "charset-ascii-declared-utf8-bytes",
        raw(
            basic("cs-ascii", extra="Content-Type: text/plain; charset=us-ascii"),
            "Accès refusé au partage.".encode(),
        ),
        "ticket",
        contains="partage",
    )
    case(
        "charset-ks_c_5601",
        raw(
            basic("cs-ksc", extra="Content-Type: text/plain; charset=ks_c_5601-1987"),
            "메일 오류".encode("cp949"),
        ),
        "ticket",
        contains="메일",
    )
    qp = "Le mot de passe a expir=C3=A9 ce matin.=\n Merci."
    case(
        "qp-utf8",
        raw(
            basic(
                "qp",
                extra="MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable",
            ),
            qp,
        ),
        "ticket",
        contains="expiré",
    )
    case(
        "header-rfc2047-q",
        raw(basic("h2047q", subject="=?iso-8859-1?Q?Acc=E8s_impossible_=E0_l'intranet?="), "Bonjour"),
        "ticket",
        contains="Bonjour",
    )
    case(
        "header-rfc2047-b-utf8",
        raw(basic("h2047b", subject="=?UTF-8?B?w4ljcmFuIGNhc3PDqSDwn5KU?="), "Écran cassé"),
        "ticket",
        contains="cassé",
    )
    case(
        "header-rfc2047-unknown-charset",
        raw(basic("h2047u", subject="=?x-weird?Q?Bizarre?="), "Sujet bizarre"),
        "ticket",
        contains="bizarre",
    )
    case(
        "header-raw-8bit-undeclared",
        raw(basic("h8bit", subject="Problème d'accès"), "corps").replace(
            "Problème".encode(), "Problème".encode("latin-1")
        ),
        "ticket",
        contains="corps",
    )
    case(
        "from-encoded-display-name",
        raw(
            basic("fromenc", sender="=?utf-8?Q?Ren=C3=A9e_Dupr=C3=A9?= <renee@a.example>"),
            "Bonjour, c'est Renée.",
        ),
        "ticket",
        contains="Renée",
    )


def structures() -> None:
    msg = message("alt")
    msg.set_content("Version texte : le scanner ne marche pas.")
    msg.add_alternative("<p>Version <b>HTML</b> : le scanner ne marche pas.</p>", subtype="html")
    case("multipart-alternative", bytes(msg), "ticket", contains="Version texte")
    html = (
        "<html><head><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>Le <b>badge</b> ne fonctionne plus.</p><img src='https://tracker.example/pixel.gif?u=1' width=1>"
        "<a href='javascript:alert(1)' onclick='steal()'>lien</a><iframe src='https://evil.example'></iframe></body></html>"
    )
    msg = message("html-only")
    msg.set_content(html, subtype="html")
    case("html-only-with-script-and-tracker", bytes(msg), "ticket", contains="badge ne fonctionne")
    msg = message("related")
    msg.set_content("Voir la capture.")
    msg.add_alternative("<p>Voir la capture : <img src='cid:shot1@corpus'></p>", subtype="html")
    html_part: Any = msg.get_payload()[1]  # type: ignore[index]
    html_part.add_related(
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        maintype="image",
        subtype="png",
        cid="<shot1@corpus>",
        filename="capture.png",
    )
    case("multipart-related-inline-image", bytes(msg), "ticket", contains="Voir la capture")
    msg = message("nested")
    msg.set_content("Texte principal imbriqué.")
    msg.add_alternative("<p>Texte principal imbriqué.</p>", subtype="html")
    msg.add_attachment(b"col1;col2\n1;2\n", maintype="text", subtype="csv", filename="export.csv")
    inner = message("nested-inner", subject="Message joint")
    inner.set_content("Je suis un message joint.")
    msg.add_attachment(inner)
    case("nested-mixed-alternative-rfc822", bytes(msg), "ticket", contains="imbriqué")
    boundary_body = (
        "--XYZ\nContent-Type: text/plain; charset=utf-8\n\nPartie sans fin de frontière.\n--XYZ\n"
        "Content-Type: application/pdf; name=doc.pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
    )
    case(
        "broken-missing-final-boundary",
        raw(
            basic("nofinal", extra='MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XYZ"'),
            boundary_body,
        ),
        "ticket",
        contains="sans fin",
    )
    case(
        "broken-multipart-without-boundary",
        raw(
            basic("noboundary", extra="MIME-Version: 1.0\nContent-Type: multipart/mixed"),
            "Texte sans frontière déclarée.",
        ),
        "ticket",
        contains="frontière",
    )
    case(
        "broken-no-mime-version",
        raw(basic("nomime", extra="Content-Type: text/plain; charset=utf-8"), "Pas d'en-tête MIME-Version."),
        "ticket",
        contains="MIME-Version",
    )
    case(
        "broken-unknown-transfer-encoding",
        raw(
            basic(
                "badcte",
                extra="Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: x-uuencode-weird",
            ),
            "Encodage inconnu.",
        ),
        "ticket",
        contains="Encodage",
    )
    case(
        "broken-base64-body",
        raw(
            basic(
                "bad64", extra="Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64"
            ),
            "SGVsbG8gd29ybGQ!!!@@@ not base64 ===",
        ),
        "ticket",
    )
    case(
        "broken-garbage-headers",
        b"this is not\x00 an email at all\r\n\xff\xfe\r\n\r\nbody",
        "quarantine",
        reason="no_sender",
    )
    case("lf-line-endings", raw(basic("lf"), "Fins de ligne Unix.", crlf=False), "ticket", contains="Unix")
    case("nul-bytes-in-body", raw(basic("nul"), "Avant\x00après le NUL."), "ticket", contains="après le NUL")
    case("very-long-line", raw(basic("longline"), "mot " * 5000), "ticket", contains="mot mot")
    long_subject = "Objet très long " * 30
    case(
        "folded-long-subject",
        bytes(simple("folded", subject=long_subject.strip(), body="Objet plié.")),
        "ticket",
        contains="Objet plié",
    )
    case(
        "empty-message",
        raw("From: req.a@a.example\nTo: support@desk.example\nMessage-ID: <empty@corpus.example>", ""),
        "ticket",  # nothing lost: a request from its sender, even with nothing in it (issue 23)
    )
    case(
        "no-from-header",
        raw(
            "To: support@desk.example\nSubject: Sans expéditeur\nMessage-ID: <nofrom@corpus.example>",
            "Qui suis-je ?",
        ),
        "quarantine",
        reason="no_sender",
    )
    case(
        "from-invalid-address",
        raw(basic("badfrom", sender="not an address"), "Adresse invalide"),
        "quarantine",
        reason="no_sender",
    )
    case(
        "no-message-id",
        raw(
            "From: req.a@a.example\nTo: support@desk.example\nSubject: Sans Message-ID", "Pas d'identifiant."
        ),
        "ticket",
        contains="identifiant",
    )
    case(
        "subject-only-whitespace",
        raw(basic("blanksubject", subject="   "), "Le corps donne le titre.\nSuite."),
        "ticket",
        contains="Suite",
    )


def attachments() -> None:
    msg = simple("att-2231", body="Pièce jointe au nom accentué.")
    msg.add_attachment(b"hello", maintype="text", subtype="plain", filename="compte rendu réunion été.txt")
    case("attachment-rfc2231-filename", bytes(msg), "ticket", contains="accentué")
    body = (
        "--B\nContent-Type: text/plain; charset=utf-8\n\nNom de fichier encodé RFC 2047.\n--B\n"
        'Content-Type: application/octet-stream; name="=?utf-8?Q?donn=C3=A9es.bin?="\n'
        'Content-Disposition: attachment; filename="=?utf-8?Q?donn=C3=A9es.bin?="\nContent-Transfer-Encoding: base64\n\nAAECAw==\n--B--\n'
    )
    case(
        "attachment-rfc2047-filename",
        raw(basic("att-2047", extra='MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"'), body),
        "ticket",
        contains="RFC 2047",
    )
    msg = simple("att-zero", body="Un fichier vide est joint.")
    msg.add_attachment(b"", maintype="application", subtype="octet-stream", filename="vide.dat")
    case("attachment-zero-byte", bytes(msg), "ticket", contains="fichier vide")
    msg = simple("att-huge", body="Un très gros journal.")
    msg.add_attachment(b"L" * 300_000, maintype="application", subtype="octet-stream", filename="enorme.log")
    case("attachment-huge", bytes(msg), "ticket", contains="gros journal")
    msg = simple("att-exe", body="Voici l'outil.")
    msg.add_attachment(
        b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00" + b"\x00" * 200,
        maintype="application",
        subtype="octet-stream",
        filename="outil.exe",
    )
    case("attachment-executable", bytes(msg), "ticket", contains="outil")
    msg = simple("att-many", body="Plusieurs fichiers.")
    for number in range(12):
        msg.add_attachment(
            f"fichier {number}".encode(), maintype="text", subtype="plain", filename=f"f{number}.txt"
        )
    case("attachment-many", bytes(msg), "ticket", contains="Plusieurs")
    body = "--B\nContent-Type: text/plain\n\nPièce sans nom.\n--B\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--B--\n"
    case(
        "attachment-without-filename",
        raw(
            basic("att-noname", extra='MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"'), body
        ),
        "ticket",
    )
    msg = message("att-only")
    msg.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename="facture.pdf")
    case("attachment-only-no-text", bytes(msg), "ticket")
    msg = simple("att-tnef", body="Envoyé depuis Outlook avec winmail.dat.")
    msg.add_attachment(
        b"\x78\x9f\x3e\x22" + b"\x00" * 100, maintype="application", subtype="ms-tnef", filename="winmail.dat"
    )
    case("attachment-outlook-tnef", bytes(msg), "ticket", contains="winmail")
    msg = simple("invite", body="Invitation à la réunion d'incident.")
    msg.add_attachment(
        "BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", subtype="calendar", filename="invite.ics"
    )
    case("calendar-invitation", bytes(msg), "ticket", contains="Invitation")
