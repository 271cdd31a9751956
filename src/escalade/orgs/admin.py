from django.contrib import admin

from escalade.core.admin_site import AuditedModelAdmin
from escalade.orgs.models import Organisation, OrganisationDomain, Site


class DomainInline(admin.TabularInline):  # type: ignore[type-arg]
    model = OrganisationDomain
    extra = 0


class SiteInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Site
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "slug", "domains__domain")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (DomainInline, SiteInline)


@admin.register(Site)
class SiteAdmin(AuditedModelAdmin):
    list_display = ("name", "organisation", "city", "country", "time_zone")
    list_filter = ("country",)
    search_fields = ("name", "city", "organisation__name")
    list_select_related = ("organisation",)
