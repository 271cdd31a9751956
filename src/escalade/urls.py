"""URL map: pages per app, Django's admin for configuration, the REST API, and /health."""

from django.contrib import admin
from django.urls import include, path

from escalade.alerts.urls import intake_patterns as alert_intake
from escalade.api.router import api
from escalade.assets.intake import agent_endpoint
from escalade.core import views as core_views

admin.site.site_header = "Escalade"
admin.site.site_title = "Escalade"

urlpatterns = [
    path("health", core_views.health, name="health"),
    path("accounts/", include("escalade.accounts.urls")),
    path("accounts/", include("escalade.identity.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("desk/automation/", include("escalade.automation.urls")),
    path("desk/webhooks/", include("escalade.webhooks.urls")),
    path("directory/", include("escalade.directory.urls")),
    path("desk/time/", include("escalade.timetracking.urls")),
    path("portal/account/", include("escalade.timetracking.portal_urls")),
    path("desk/alerts/", include("escalade.alerts.urls")),
    path("desk/oncall/", include("escalade.oncall.urls")),
    path("desk/maintenance/", include("escalade.maintenance.urls")),
    path("portal/maintenance/", include("escalade.maintenance.portal_urls")),
    path("maintenance/", include("escalade.maintenance.public_urls")),
    path("alerts/intake/", include(alert_intake)),
    path("oncall/", include("escalade.oncall.public_urls")),
    path("", include("escalade.reports.urls")),  # /desk/reports/, /survey/, /portal/reports/
    path("desk/assets/", include("escalade.assets.urls")),
    path("inventory/<str:token>/", agent_endpoint, name="inventory_agent"),
    path("desk/", include("escalade.workspace.urls")),
    path("portal/", include("escalade.portal.urls")),
    path("help/", include("escalade.kb.urls")),
    path("notifications/", include("escalade.notifications.urls")),
    path("", include("escalade.core.urls")),
]
