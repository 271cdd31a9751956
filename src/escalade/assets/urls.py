from django.urls import path

from escalade.assets import edit_views, views

app_name = "assets"

urlpatterns = [
    path("", views.asset_list, name="list"),
    path("new/", edit_views.asset_create, name="create"),
    path("<int:pk>/", views.asset_detail, name="detail"),
    path("<int:pk>/edit/", edit_views.asset_edit, name="edit"),
    path("<int:pk>/status/", edit_views.asset_status, name="status"),
    path("<int:pk>/relate/", edit_views.asset_relate, name="relate"),
    path("<int:pk>/unrelate/<int:relation>/", edit_views.asset_unrelate, name="unrelate"),
    path("licences/", views.compliance, name="compliance"),
    path("licences/new/", edit_views.licence_create, name="licence_create"),
    path("licences/<int:pk>/", edit_views.licence_edit, name="licence_edit"),
    path("licences/<int:pk>/assign/", edit_views.licence_assign, name="licence_assign"),
    path("import/", views.asset_import, name="import"),
    path("ticket/<str:reference>/", views.ticket_panel, name="ticket_panel"),
    path("ticket/<str:reference>/link/", views.ticket_link, name="ticket_link"),
    path("ticket/<str:reference>/unlink/<int:pk>/", views.ticket_unlink, name="ticket_unlink"),
]
