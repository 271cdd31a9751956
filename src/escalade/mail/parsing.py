"""Reading a raw message with the standard ``email`` package (modern policy), tolerating broken mail.

Nothing here touches the database: :func:`parse` turns bytes into a :class:`ParsedMessage`.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import errors as email_errors
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3
from django.conf import settings

# Charsets that mailers declare but Python does not know, or declare wrongly.
CHARSET_ALIASES = {
    "x-unknown": "cp1252", "unknown-8bit": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "ks_c_5601-1987": "cp949",
    "x-mac-roman": "mac_roman", "macintosh": "mac_roman", "gb2312": "gb18030", "gbk": "gb18030",
    "x-gbk": "gb18030", "windows-874": "cp874", "utf8": "utf-8", "x-user-defined": "cp1252",
}  # fmt: skip
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
LONE_SURROGATE = re.compile("[\udc80-\udcff]")  # an undeclared 8-bit byte, kept by surrogateescape
BLOCK_TAGS = re.compile(r"(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6]|/blockquote|/table)\b[^>]*>")
HEAD_END = re.compile(rb"\r?\n\r?\n")
# What makes two deliveries the same message: who wrote it, when, to whom, about what, and its body.
# Trace headers (Received, Return-Path, DKIM-Signature, X-…) differ from one delivery path to another.
IDENTITY_HEADERS = ("message-id", "from", "date", "subject", "to", "cc", "in-reply-to", "references")
# What a broken header can raise from the standard library's structured parsing.
HEADER_ERRORS = (ValueError, TypeError, IndexError, LookupError, AttributeError, email_errors.MessageError)


class _ParsedHeaders(HeaderRegistry):
    """The standard header registry, remembering what it parsed.

    The modern policy parses a header again (and builds a new class for it) on every read: a message's
    Content-Type is read a dozen times. Header objects are immutable, so one parse per distinct
    ``(name, value)`` serves every read, in this message and the next ones.
    """

    @functools.lru_cache(maxsize=2048)  # noqa: B019 - one module-level instance, never collected
    def __call__(self, name: str, value: str) -> BaseHeader:
        return super().__call__(name, value)


PARSING_POLICY = policy.default.clone(header_factory=_ParsedHeaders())


@dataclass
class Part:
    """A file carried by the message (attachment or inline image)."""

    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    is_inline: bool = False


@dataclass
class ParsedMessage:
    """What Escalade needs from a message."""

    message_id: str
    subject: str
    sender: str
    sender_name: str
    recipients: list[str]
    in_reply_to: list[str]
    references: list[str]
    text: str
    html: str
    parts: list[Part] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    message: Message | None = None
    digest: str = ""  # see content_digest: equal for two deliveries of the same message
    parts_skipped: int = 0  # MIME parts not read (over ESCALADE_MAIL_MAX_PARTS)


@dataclass(frozen=True)
class Head:
    """What :func:`read_head` takes from a message's header block alone: enough to know whether we
    already received it (and what it answers) without parsing a large body."""

    message_id: str
    in_reply_to: list[str]
    references: list[str]
    digest: str


def split_head(raw: bytes) -> tuple[bytes, memoryview]:
    """The header block and the body (a view: a large body is not copied)."""
    match = HEAD_END.search(raw)
    if match is None:
        return raw, memoryview(b"")
    return raw[: match.start()], memoryview(raw)[match.end() :]


def content_digest(headers: dict[str, str], body: memoryview) -> str:
    """A SHA-256 of the message as its author sent it: identity headers (as :func:`_raw_headers` reads
    them) and the body with line ends normalised. Two deliveries of one message agree; a different
    message reusing a Message-ID (mailing lists, broken mailers) does not."""
    digest = hashlib.sha256()
    for name in IDENTITY_HEADERS:
        digest.update(f"{name}:{headers.get(name, '')}\n".encode("utf-8", "surrogateescape"))
    digest.update(b"\n")
    digest.update(bytes(body).replace(b"\r\n", b"\n").rstrip())
    return digest.hexdigest()


def read_head(raw: bytes) -> Head:
    """The Message-ID (made up from the content when missing), what it answers and its content digest,
    from the header block alone (the body is only hashed)."""
    head, body = split_head(raw)
    headers = _raw_headers(BytesParser(policy=PARSING_POLICY).parsebytes(head + b"\n\n", headersonly=True))
    digest = content_digest(headers, body)
    return Head(
        message_id=_message_id(headers, digest),
        in_reply_to=message_ids(headers.get("in-reply-to", "")),
        references=message_ids(headers.get("references", "")),
        digest=digest,
    )


def _message_id(headers: dict[str, str], digest: str) -> str:
    message_id = (message_ids(headers.get("message-id", "")) or [""])[0]
    return (message_id or f"<sha256.{digest[:40]}@escalade.invalid>")[:998]


def clean_text(value: str) -> str:
    """Text safe to store: lone surrogates (from undeclared 8-bit bytes) re-decoded, NULs removed."""
    if LONE_SURROGATE.search(value):
        raw = value.encode("utf-8", "surrogateescape")
        value = decode_bytes(raw, None)
    return value.replace("\x00", "")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, then UTF-8, then Windows-1252 (which accepts almost anything)."""
    candidates = []
    if charset:
        name = charset.strip().strip('"').lower()
        candidates.append(CHARSET_ALIASES.get(name, name))
    candidates += ["utf-8", "cp1252"]
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
        return text
    return data.decode("latin-1")


def header(message: Message, name: str) -> str:
    """A header's decoded value ('' when absent or unreadable), on one line."""
    try:
        value = message.get(name)
        text = "" if value is None else " ".join(clean_text(str(value)).split())
    except HEADER_ERRORS:  # the modern policy raises on some broken headers: read it as written
        text = "\ufffd"
    if "\ufffd" not in text:
        return text
    # An encoded word that does not decode: keep the header as written rather than mojibake.
    raw = {key.lower(): value for key, value in reversed(list(message.raw_items()))}.get(name.lower())
    return "" if raw is None else " ".join(clean_text(str(raw)).split())


def message_ids(value: str) -> list[str]:
    """The ``<id@host>`` items of In-Reply-To / References, in order, without duplicates."""
    return list(dict.fromkeys(MESSAGE_ID.findall(value)))


def _sender(message: Message) -> tuple[str, str]:
    # From first (Reply-To says where to answer, not who wrote), then the envelope's traces.
    for name in ("From", "Sender", "Return-Path"):
        value = header(message, name)
        display, address = parseaddr(value)
        address = address.strip().lower()
        if "@" not in address or " " in address:
            display, address = _loose_address(value)
        if address:
            return display.strip(), address
    return "", ""


LOOSE_ADDRESS = re.compile(r"<?([^\s<>@\"]+@[^\s<>@\"]+\.[^\s<>@\"]+)>?")


def _loose_address(value: str) -> tuple[str, str]:
    """``Name <addr>`` read without RFC 5322's ASCII rules: internationalised addresses (UTF-8 local
    parts, IDN domains, RFC 6532) that ``parseaddr`` gives up on are valid senders."""
    match = LOOSE_ADDRESS.search(value)
    if match is None:
        return "", ""
    display = value[: match.start()].strip().strip('"').strip()
    return display, match.group(1).strip(".").lower()


def html_to_text(markup: str) -> str:
    """Readable text from HTML: block ends become new lines, tags and entities are removed."""
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", markup)
    markup = BLOCK_TAGS.sub("\n", markup)
    text = html.unescape(nh3.clean(markup, tags=set()))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def sanitise_html(markup: str) -> str:
    """HTML safe to show: nh3's allow-list, no scripts, no remote images (trackers), links noopener."""
    cleaned = nh3.clean(
        markup,
        tags=set(nh3.ALLOWED_TAGS),
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_drop_remote_images,
    )
    return str(cleaned)


def _drop_remote_images(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not value.startswith("cid:"):
        return None  # remote images are trackers or leaks; inline (cid:) ones are kept
    return value


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, AssertionError):
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _part_text(part: Message) -> str:
    try:
        charset = part.get_content_charset()
    except HEADER_ERRORS:
        charset = None
    return clean_text(decode_bytes(_payload(part), charset))


def _filename(part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except HEADER_ERRORS:
        name = None
    name = clean_text(str(name or "")).strip().replace("/", "_").replace("\\", "_")
    if name:
        return name[:255]
    subtype = part.get_content_subtype() or "bin"
    return f"part-{index}.{'eml' if part.get_content_type() == 'message/rfc822' else subtype[:10]}"


def _walk(message: Message) -> tuple[list[str], list[str], list[Part], int]:
    """Texts, HTML and files of the first ``ESCALADE_MAIL_MAX_PARTS`` parts, and how many more there
    were (not read: a message of ten thousand parts must not cost seconds and thousands of files)."""
    texts: list[str] = []
    htmls: list[str] = []
    parts: list[Part] = []
    limit, skipped = settings.ESCALADE_MAIL_MAX_PARTS, 0
    for index, part in enumerate(message.walk()):
        if index >= limit:
            skipped += 1
            continue
        if part.is_multipart():
            continue
        try:
            content_type = part.get_content_type()
            disposition = (part.get_content_disposition() or "").lower()
        except HEADER_ERRORS:  # a broken Content-Type or Content-Disposition: a file of bytes
            content_type, disposition = "application/octet-stream", "attachment"
        content_id = header(part, "Content-ID").strip("<> ")
        is_body_text = content_type in {"text/plain", "text/html"} and disposition != "attachment"
        if is_body_text and not _filename_given(part):
            (texts if content_type == "text/plain" else htmls).append(_part_text(part))
            continue
        if content_type == "message/rfc822" or isinstance(part.get_payload(), list):
            data = part.as_bytes() if not isinstance(part.get_payload(), list) else _rfc822(part)
        else:
            data = _payload(part)
        parts.append(
            Part(
                filename=_filename(part, index),
                content_type=content_type,
                data=data,
                content_id=content_id,
                is_inline=disposition == "inline" or bool(content_id),  # referenced as cid: from the HTML
            )
        )
    return texts, htmls, parts, skipped


def _filename_given(part: Message) -> bool:
    try:
        return bool(part.get_filename())
    except HEADER_ERRORS:
        return True  # a name was written, if unreadably: a file


def _rfc822(part: Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        inner = payload[0]
        return bytes(inner.as_bytes(policy=policy.SMTP)) if isinstance(inner, Message) else b""
    return b""


def _recipients(headers: dict[str, str]) -> list[str]:
    values = [headers.get(name, "") for name in ("to", "cc", "delivered-to")]
    return [address.lower() for _name, address in getaddresses(values) if "@" in address]


def copied(headers: dict[str, str]) -> list[str]:
    """The people a message was written to (To and Cc), lower-case, in order, without duplicates."""
    values = [headers.get(name, "") for name in ("to", "cc")]
    found = [address.strip().lower() for _name, address in getaddresses(values) if "@" in address]
    return list(dict.fromkeys(found))


def _raw_headers(message: Message) -> dict[str, str]:
    """Every header by lower-case name (the first when repeated), unfolded, encoded words decoded.

    Read as stored, without the policy's structured parsing: a delivered message carries a dozen
    trace and signature headers (Received, DKIM-Signature…) that only need to be present or compared.
    """
    found: dict[str, str] = {}
    for name, value in message.raw_items():
        key = name.lower()
        if key not in found:
            found[key] = _unstructured(value)
    return found


def _unstructured(value: str) -> str:
    text = " ".join(clean_text(str(value)).split())
    if "=?" in text:
        with contextlib.suppress(ValueError, LookupError, UnicodeError):  # else kept as written
            text = " ".join(clean_text(str(make_header(decode_header(text)))).split())
    return text


def parse(raw: bytes) -> ParsedMessage:
    """Parse ``raw`` (RFC 5322 bytes). Never raises on bad MIME; the worst case is an empty text."""
    message = BytesParser(policy=PARSING_POLICY).parsebytes(raw)
    texts, htmls, parts, skipped = _walk(message) if _is_multipart(message) else _single(message)
    html_markup = "\n".join(htmls)
    text = "\n\n".join(chunk.strip() for chunk in texts if chunk.strip())
    if not text and html_markup:
        text = html_to_text(html_markup)
    sender_name, sender = _sender(message)
    headers = _raw_headers(message)
    digest = content_digest(headers, split_head(raw)[1])
    return ParsedMessage(
        message_id=_message_id(headers, digest),
        subject=header(message, "Subject")[:300],
        sender=sender,
        sender_name=sender_name[:200],
        recipients=_recipients(headers),
        in_reply_to=message_ids(headers.get("in-reply-to", "")),
        references=message_ids(headers.get("references", "")),
        text=text.replace("\r\n", "\n"),
        html=sanitise_html(html_markup) if html_markup else "",
        parts=parts,
        headers=headers,
        message=message,
        digest=digest,
        parts_skipped=skipped,
    )


def _is_multipart(message: Message) -> bool:
    try:
        return message.is_multipart()
    except HEADER_ERRORS:
        return False


def _single(message: Message) -> tuple[list[str], list[str], list[Part], int]:
    try:
        content_type = message.get_content_type()
    except HEADER_ERRORS:  # an unreadable Content-Type: the body as text
        content_type = "text/plain"
    if content_type == "text/html":
        return [], [_part_text(message)], [], 0
    if content_type.startswith(("text/", "multipart/")) or not message.get_payload():
        return [_part_text(message)], [], [], 0  # multipart without parts: a broken boundary, read as text
    return _walk(message)


def address_of(value: str) -> str:
    """The bare lower-case address of ``"Name <a@b>"``."""
    return parseaddr(value)[1].strip().lower()


def format_address(name: str, email: str) -> str:
    """``"Name <email>"`` with the display name encoded when needed."""
    username, _at, domain = email.partition("@")
    return str(Address(display_name=name, username=username, domain=domain))


__all__ = [
    "EmailMessage", "Head", "ParsedMessage", "Part", "address_of", "content_digest", "copied",
    "format_address", "parse", "read_head",
]  # fmt: skip
