from django.urls import path

from escalade.alerts import views

app_name = "alerts"

urlpatterns = [
    path("sources/", views.source_list, name="sources"),
    path("sources/<int:pk>/", views.source_detail, name="source"),
    path("sources/<int:pk>/rotate/", views.source_rotate, name="rotate"),
    path("triage/", views.triage_list, name="triage"),
    path("triage/<int:pk>/", views.triage_file, name="triage_file"),
    path("maintenance/", views.maintenance, name="maintenance"),
]

intake_patterns = [
    path("", views.intake, name="intake_bearer"),
    path("<str:token>/", views.intake, name="intake"),
]
