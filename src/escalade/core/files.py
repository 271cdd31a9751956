"""Checking an uploaded file before it is stored: size limit, type read from the bytes, no executables.

Used by every place that stores a file (ticket attachments, knowledge-base files, e-mail parts).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

import filetype
from django.utils.translation import gettext as _

from escalade.core.errors import ValidationFailed

# Content types we refuse to store whatever their name says (sniffed from the bytes).
BLOCKED_TYPES = frozenset(
    {"application/x-msdownload", "application/x-executable", "application/x-elf", "application/x-mach-binary"}
)


def sniff_content_type(head: bytes) -> str:
    """The content type read from the file's first bytes (not from its name or the client's claim)."""
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "application/octet-stream"
    return "text/plain"


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, ready to store under its hash."""

    name: str
    data: bytes
    content_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def file_check(*, filename: str, content: IO[bytes], limit: int) -> CheckedFile:
    """Read at most ``limit`` bytes of ``content``; refuse larger files and executables."""
    data = content.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(
            _("The file is larger than %(size)d MB.") % {"size": max(1, limit // 1_048_576)}, field="file"
        )
    content_type = sniff_content_type(data[:8192])
    if content_type in BLOCKED_TYPES:
        raise ValidationFailed(_("Executable files are not accepted."), field="file")
    name = (filename or "file").replace("/", "_").replace("\\", "_").strip()[:255] or "file"
    return CheckedFile(
        name=name, data=data, content_type=content_type, sha256=hashlib.sha256(data).hexdigest()
    )
