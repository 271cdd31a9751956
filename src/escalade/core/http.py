"""Small helpers for views: the client's address as seen through the configured proxies."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files import File
from django.http import FileResponse, HttpRequest
from django_htmx.middleware import HtmxDetails
from ipware import get_client_ip


class HtmxHttpRequest(HttpRequest):
    """A request as seen after django-htmx's middleware (``request.htmx``)."""

    htmx: HtmxDetails


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address; X-Forwarded-For is trusted only when ESCALADE_BEHIND_PROXY is set."""
    if not settings.AXES_IPWARE_PROXY_COUNT:
        return request.META.get("REMOTE_ADDR") or None
    address, _routable = get_client_ip(request, proxy_count=settings.AXES_IPWARE_PROXY_COUNT)
    return address


# Shown in the page when asked for; everything else (SVG and HTML included) is always a download.
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
# Types a browser would run as a document (scripts included): sent as bytes, whatever was stored.
ACTIVE_TYPES = frozenset(
    {
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
        "text/javascript", "application/javascript", "text/xsl", "application/x-shockwave-flash",
    }
)  # fmt: skip
DOWNLOAD_CSP = "sandbox; default-src 'none'"


def download_type(content_type: str) -> str:
    """The type a stored file is sent with: its own, unless a browser could render it as a page."""
    essence = content_type.split(";", 1)[0].strip().lower()
    return "application/octet-stream" if not essence or essence in ACTIVE_TYPES else content_type


def file_download(
    file: File[Any], *, filename: str, content_type: str, inline_images: bool = False
) -> FileResponse:
    """A stored file sent back safely, by every download of the desk, the portal, the help centre and
    the API: as a download under its original name, with its sniffed type (never one a browser renders
    as a page: ``download_type``), ``X-Content-Type-Options: nosniff`` and a sandboxing
    ``Content-Security-Policy``, so that even a file opened directly cannot run anything; raster
    images may be shown inline."""
    inline = inline_images and content_type in INLINE_IMAGE_TYPES
    response = FileResponse(
        file.open("rb"), as_attachment=not inline, filename=filename, content_type=download_type(content_type)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    return response
