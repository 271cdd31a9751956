from django.urls import path

from escalade.directory import views

app_name = "directory"

urlpatterns = [
    path("self-service/", views.self_service_start, name="start"),
    path("self-service/<str:token>/", views.self_service_code, name="code"),
    path("access/", views.access, name="access"),
    path("access/request/<int:pk>/", views.access_request, name="access_request"),
    path("access/revoke/<int:pk>/", views.access_revoke, name="access_revoke"),
    path("approvals/<int:pk>/", views.decide, name="decide"),
    path("desk/", views.directory_list, name="list"),
    path("desk/new/", views.directory_create, name="create"),
    path("desk/<int:pk>/", views.directory_detail, name="detail"),
    path("desk/<int:pk>/sync/", views.directory_sync, name="sync"),
    path("desk/<int:pk>/rules/", views.rule_add, name="rule_add"),
    path("desk/ticket/<str:reference>/", views.desk_panel, name="desk_panel"),
    path("desk/ticket/<str:reference>/unlock/", views.desk_unlock, name="desk_unlock"),
]
