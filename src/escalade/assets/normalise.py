"""Normalised spellings: one product whatever the agent calls it, one MAC address whatever its case."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Words that vary between reports of one product: architecture, language, edition noise, legal forms.
_NAME_NOISE = re.compile(
    r"\((?:x64|x86|64-bit|32-bit|64 bits|32 bits|[a-z]{2}-[a-z]{2})[^)]*\)"
    r"|\b(?:x64|x86|x86_64|amd64|64-bit|32-bit|en-us|fr-fr)\b",
    re.IGNORECASE,
)
_PUBLISHER_NOISE = re.compile(
    r"\b(?:corporation|corp|incorporated|inc|ltd|limited|llc|gmbh|s\.?a\.?s?|co|company|foundation|project)\b\.?",
    re.IGNORECASE,
)
_VERSION_IN_NAME = re.compile(r"\s+v?\d+(?:\.\d+){1,}[\w.-]*$")
_SPACES = re.compile(r"[\s,]+")
_MAC = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$")


def _fold(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _SPACES.sub(" ", ascii_text.lower()).strip(" .-_")


@lru_cache(maxsize=16_384)  # an estate reports the same few thousand products again and again
def publisher_key(publisher: str) -> str:
    """ "Microsoft Corporation", "microsoft corp." and "Microsoft" → "microsoft"."""
    return _fold(_PUBLISHER_NOISE.sub(" ", publisher))[:200]


@lru_cache(maxsize=65_536)
def name_key(name: str, publisher: str = "") -> str:
    """ "Mozilla Firefox (x64 en-US)", "Mozilla Firefox 128.0.3" and "firefox" → "firefox": the
    architecture, language, a trailing version and a leading publisher name are dropped."""
    folded = _fold(_VERSION_IN_NAME.sub("", _NAME_NOISE.sub(" ", name).strip()))
    lead = publisher_key(publisher)
    if lead and folded.startswith(lead + " "):
        folded = folded[len(lead) + 1 :]
    return folded[:200] or _fold(name)[:200]


def version_key(version: str) -> str:
    """A version as reported, trimmed (``1:2.6-3`` stays itself: versions are compared as written)."""
    return version.strip()[:100]


def mac_normalise(value: str) -> str:
    """``02-FC-00-00-00-01`` → ``02:fc:00:00:00:01``; empty for what is no usable MAC (all zeros)."""
    mac = value.strip().lower().replace("-", ":")
    if not _MAC.match(mac) or mac == "00:00:00:00:00:00":
        return ""
    return mac
