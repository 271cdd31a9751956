"""URL map: pages per app, Django's admin for configuration, the REST API, and /health."""

from django.contrib import admin
from django.urls import include, path

from escalade.api.router import api
from escalade.assets.intake import agent_endpoint
from escalade.core import views as core_views

admin.site.site_header = "Escalade"
admin.site.site_title = "Escalade"

urlpatterns = [
    path("health", core_views.health, name="health"),
    path("accounts/", include("escalade.accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("desk/automation/", include("escalade.automation.urls")),
    path("desk/webhooks/", include("escalade.webhooks.urls")),
    path("desk/assets/", include("escalade.assets.urls")),
    path("inventory/<str:token>/", agent_endpoint, name="inventory_agent"),
    path("desk/", include("escalade.workspace.urls")),
    path("portal/", include("escalade.portal.urls")),
    path("help/", include("escalade.kb.urls")),
    path("", include("escalade.core.urls")),
]
