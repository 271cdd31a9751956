from django.urls import path

from escalade.oncall import views

app_name = "oncall"

urlpatterns = [
    path("", views.schedule_list, name="schedules"),
    path("schedules/<int:pk>/", views.schedule_detail, name="schedule"),
    path("schedules/<int:pk>/overrides/", views.override_add, name="override_add"),
    path("overrides/<int:pk>/remove/", views.override_remove, name="override_remove"),
    path("pages/", views.paging_list, name="pagings"),
    path("pages/<int:pk>/acknowledge/", views.paging_acknowledge, name="acknowledge"),
    path("report/", views.report, name="report"),
]
