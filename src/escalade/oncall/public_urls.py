from django.urls import path

from escalade.oncall import views

app_name = "oncall_public"

urlpatterns = [
    path("page/<str:token>/", views.page_link, name="page"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
