from django.urls import path

from escalade.maintenance import views

app_name = "maintenance_public"

urlpatterns = [path("feed/<str:token>.ics", views.feed, name="feed")]
