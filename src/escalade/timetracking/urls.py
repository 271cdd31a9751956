from django.urls import path

from escalade.timetracking import views

app_name = "timetracking"

urlpatterns = [
    path("contract-check/", views.contract_check, name="contract_check"),
    path("export/<slug:slug>.<str:extension>", views.export, name="export"),
    path("t/<str:reference>/", views.panel, name="panel"),
    path("t/<str:reference>/timer/start/", views.timer_start, name="timer_start"),
    path("t/<str:reference>/timer/stop/", views.timer_stop, name="timer_stop"),
    path("t/<str:reference>/entries/", views.entry_add, name="entry_add"),
    path("entries/<int:pk>/", views.entry_edit, name="entry_edit"),
    path("entries/<int:pk>/delete/", views.entry_delete, name="entry_delete"),
]
