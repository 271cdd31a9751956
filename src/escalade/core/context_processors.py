"""Template context shared by every page: what the navigation may show this person."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from escalade import authz


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "nav": {
            "audit": authz.can_view_audit_log(user),
            "admin": authz.can_access_admin_site(user),
            "automation": authz.can_manage_automation(user),
            "reports": authz.can_view_reports(user),
        }
    }
