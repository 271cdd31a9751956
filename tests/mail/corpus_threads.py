# ruff: noqa: E501 - the corpus reads best one case a line
"""Corpus cases about conversations: replies in every client's style, and automatic noise."""

from __future__ import annotations

from email.message import EmailMessage

from tests.mail.corpus_kit import REF, ROOT, case, message, raw, simple


def replies() -> None:
    threaded = {"In_Reply_To": ROOT, "References": ROOT}
    case(
        "reply-gmail",
        bytes(
            simple(
                "r-gmail",
                subject="Re: Imprimante",
                body="Ça remarche.\n\nOn Tue, 24 Nov 2026 at 10:00, Support <support@desk.example> wrote:\n> Pouvez-vous redémarrer ?\n",
                **threaded,
            )
        ),
        "followup",
        contains="Ça remarche.",
    )
    case(
        "reply-gmail-wrapped-header",
        bytes(
            simple(
                "r-gmail2",
                subject="Re: Imprimante",
                body="Merci.\n\nOn Tue, 24 Nov 2026 at 10:00, Support Escalade <support@desk.example>\nwrote:\n> texte\n",
                **threaded,
            )
        ),
        "followup",
        contains="Merci.",
    )
    case(
        "reply-outlook-english",
        bytes(
            simple(
                "r-outlook",
                subject="RE: Imprimante",
                body="Done.\n\n-----Original Message-----\nFrom: Support\nSent: Tuesday\nTo: Alice\nSubject: Imprimante\n\nold text",
                **threaded,
            )
        ),
        "followup",
        contains="Done.",
    )
    case(
        "reply-outlook-french",
        bytes(
            simple(
                "r-outlook-fr",
                subject="RE: Imprimante",
                body="C'est bon.\n\n________________________________\nDe : Support <support@desk.example>\nEnvoyé : mardi 24 novembre 2026 10:00\nÀ : Alice\nObjet : Imprimante\n\nancien texte",
                **threaded,
            )
        ),
        "followup",
        contains="C'est bon.",
    )
    case(
        "reply-french-gmail",
        bytes(
            simple(
                "r-fr",
                subject="Re: Imprimante",
                body="Toujours en panne.\n\nLe mar. 24 nov. 2026 à 10:00, Support <support@desk.example> a écrit :\n> Avez-vous essayé ?\n",
                **threaded,
            )
        ),
        "followup",
        contains="Toujours en panne.",
    )
    case(
        "reply-apple-mail",
        bytes(
            simple(
                "r-apple",
                subject="Re: Imprimante",
                body="Parfait\n\nEnvoyé de mon iPhone\n\n> On 24 Nov 2026, at 10:00, Support <support@desk.example> wrote:\n> \n> texte\n",
                **threaded,
            )
        ),
        "followup",
        contains="Parfait",
    )
    case(
        "reply-signature-dashes",
        bytes(
            simple(
                "r-sig",
                subject="Re: Imprimante",
                body="Je regarde demain.\n\n-- \nAlice Martin\nService comptable\n01 23 45 67 89\n",
                **threaded,
            )
        ),
        "followup",
        contains="Je regarde demain.",
    )
    case(
        "reply-references-only",
        bytes(
            simple(
                "r-refs",
                subject="Re: Imprimante",
                body="Via References seulement.",
                References=f"<other@x.example> {ROOT}",
            )
        ),
        "followup",
        contains="References seulement",
    )
    case(
        "reply-subject-reference-only",
        bytes(simple("r-subject", subject=f"Re: [{REF}] Imprimante", body="Trouvé par la référence.")),
        "followup",
        contains="référence",
    )
    case("reply-html-only-outlook", bytes(_html_reply()), "followup", contains="Réponse HTML")
    case(
        "reply-from-colleague-not-on-ticket",
        bytes(
            simple(
                "r-colleague",
                sender="Bob <bob.new@a.example>",
                subject="Re: Imprimante",
                body="Moi aussi.",
                **threaded,
            )
        ),
        "followup",  # a colleague of the requester's organisation adds to the thread (issue 23)
        contains="Moi aussi",
    )
    case(
        "reply-unknown-parent-is-new-ticket",
        bytes(
            simple(
                "r-unknown",
                subject="Re: Ancien sujet",
                body="Parent inconnu.",
                In_Reply_To="<nobody@x.example>",
            )
        ),
        "ticket",
        contains="Parent inconnu",
    )
    case(
        "forwarded-inline",
        bytes(
            simple(
                "fwd",
                subject="TR: Alerte disque",
                body="Pour info.\n\n---------- Forwarded message ---------\nFrom: monitor@a.example\nSubject: Alerte disque\n\nDisque plein sur SRV01.\n",
            )
        ),
        "ticket",
        contains="Disque plein",
    )
    fwd = simple("fwd-attached", subject="Fwd: facture", body="Voir le message joint.")
    fwd.add_attachment(simple("fwd-inner", subject="Facture", body="Facture en retard."))
    case("forwarded-as-attachment", bytes(fwd), "ticket", contains="message joint")
    case(
        "reply-top-posted-long-thread",
        bytes(
            simple(
                "r-thread",
                subject="RE: RE: RE: Imprimante",
                body="Dernier point.\n\nDe : Support\nEnvoyé : lundi\nÀ : Alice\n\nAvant-dernier\n\nDe : Alice\nEnvoyé : dimanche\n\nPremier",
                **threaded,
            )
        ),
        "followup",
        contains="Dernier point.",
    )


def _html_reply() -> EmailMessage:
    msg = message("r-html", subject="RE: Imprimante", In_Reply_To=ROOT)
    msg.set_content(
        "<div>Réponse HTML seulement.</div><div><br></div><div id='divRplyFwdMsg'><b>De :</b> Support<br><b>Envoyé :</b> lundi<br>texte cité</div>",
        subtype="html",
    )
    return msg


def noise() -> None:
    case(
        "auto-reply-rfc3834",
        bytes(
            simple("ooo1", subject="Absence du bureau", body="Je suis absent.", Auto_Submitted="auto-replied")
        ),
        "quarantine",
        reason="auto_reply",
    )
    case(
        "auto-reply-exchange",
        bytes(
            simple(
                "ooo2",
                subject="Automatic reply: Imprimante",
                body="I am out of office.",
                X_Auto_Response_Suppress="All",
                X_MS_Exchange_Inbox_Rules_Loop="req.a@a.example",
            )
        ),
        "quarantine",
        reason="auto_reply",
    )
    case(
        "auto-reply-x-autoreply",
        bytes(simple("ooo3", subject="Re: Imprimante", body="Réponse automatique", X_Autoreply="yes")),
        "quarantine",
        reason="auto_reply",
    )
    case(
        "auto-reply-french-subject",
        bytes(
            simple(
                "ooo4", sender="noreply@a.example", subject="Réponse automatique : Imprimante", body="Absent"
            )
        ),
        "quarantine",
        reason="auto_reply",
    )
    case(
        "auto-generated-monitoring",
        bytes(simple("mon", subject="[ALERT] disk", body="Disk 95%", Auto_Submitted="auto-generated")),
        "quarantine",
        reason="auto_reply",
    )
    case(
        "precedence-bulk-newsletter",
        bytes(simple("news1", subject="Notre newsletter", body="Promo", Precedence="bulk")),
        "quarantine",
        reason="bulk",
    )
    case(
        "precedence-junk",
        bytes(simple("junk", subject="Gagnez", body="Spam", Precedence="junk")),
        "quarantine",
        reason="bulk",
    )
    case(
        "mailing-list",
        bytes(
            simple(
                "list",
                subject="[users] question",
                body="Liste",
                List_Id="<users.lists.example>",
                Precedence="list",
            )
        ),
        "quarantine",
        reason="bulk",
    )
    news = message(
        "news2",
        sender="Shop <news@shop.example>",
        subject="Offres",
        List_Unsubscribe="<https://shop.example/u>",
    )
    news.set_content("<p>Offres</p><img src='https://t.shop.example/open.gif'>", subtype="html")
    case("newsletter-with-tracker", bytes(news), "quarantine", reason="bulk")
    case(
        "loop-own-notification",
        bytes(simple("loop", subject=f"[{REF}] Demande reçue", body="écho", X_Escalade_Ticket=REF)),
        "quarantine",
        reason="loop",
    )
    dsn = (
        "--B\nContent-Type: text/plain\n\nThis is the mail system at host mx.a.example.\nI'm sorry to have to inform you that your message could not be delivered.\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.a.example\n\nFinal-Recipient: rfc822; gone@a.example\nOriginal-Recipient: rfc822;gone@a.example\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <gone@a.example>: Recipient address rejected\n"
        "--B\nContent-Type: text/rfc822-headers\n\nFrom: support@desk.example\nTo: gone@a.example\nMessage-ID: <esc.1.abc@desk.example>\nSubject: [ESC-2026-000001] Demande reçue\n--B--\n"
    )
    case(
        "bounce-postfix-dsn",
        raw(
            'From: MAILER-DAEMON@mx.a.example (Mail Delivery System)\nTo: support@desk.example\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <dsn1@mx.a.example>\nMIME-Version: 1.0\nAuto-Submitted: auto-replied\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"',
            dsn,
        ),
        "quarantine",
        reason="bounce",
    )
    ndr = (
        "--N\nContent-Type: text/plain; charset=us-ascii\n\nDelivery has failed to these recipients or groups:\nold.user@b.example\n"
        "--N\nContent-Type: message/delivery-status\n\nReporting-MTA: dns;EXCH01.b.example\n\nFinal-recipient: RFC822; old.user@b.example\nAction: failed\nStatus: 5.1.10\n"
        "--N\nContent-Type: message/rfc822\n\nFrom: support@desk.example\nTo: old.user@b.example\nMessage-ID: <esc.2.def@desk.example>\nSubject: x\n\nbody\n--N--\n"
    )
    case(
        "bounce-exchange-ndr",
        raw(
            'From: postmaster@b.example\nTo: support@desk.example\nSubject: Undeliverable: [ESC-2026-000001] Demande\nMessage-ID: <ndr1@b.example>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="N"',
            ndr,
        ),
        "quarantine",
        reason="bounce",
    )
    case(
        "bounce-plain-mailer-daemon",
        raw(
            "From: Mail Delivery Subsystem <mailer-daemon@mx.c.example>\nTo: support@desk.example\nSubject: Mail delivery failed: returning message to sender\nMessage-ID: <plainbounce@mx.c.example>",
            "A message could not be delivered to:\n  <nobody@c.example>\nuser unknown",
        ),
        "quarantine",
        reason="bounce",
    )
    case(
        "auto-submitted-no-is-human",
        bytes(simple("human", subject="Vraie demande", body="Écrit par une personne.", Auto_Submitted="no")),
        "ticket",
        contains="personne",
    )
