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


def file_download(
    file: File[Any], *, filename: str, content_type: str, inline_images: bool = False
) -> FileResponse:
    """A stored file sent back safely: as a download under its original name, with its sniffed type
    (``X-Content-Type-Options: nosniff`` is global); raster images may be shown inline."""
    inline = inline_images and content_type in INLINE_IMAGE_TYPES
    return FileResponse(
        file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type
    )
