from django.urls import path

from escalade.maintenance import portal_views

app_name = "maintenance_portal"

urlpatterns = [
    path("", portal_views.overview, name="overview"),
    path("feed/rotate/", portal_views.feed_rotate, name="feed_rotate"),
]
