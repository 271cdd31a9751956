from django.urls import path

from escalade.assets import views

app_name = "assets"

urlpatterns = [
    path("", views.asset_list, name="list"),
    path("<int:pk>/", views.asset_detail, name="detail"),
    path("licences/", views.compliance, name="compliance"),
    path("import/", views.asset_import, name="import"),
    path("ticket/<str:reference>/", views.ticket_panel, name="ticket_panel"),
    path("ticket/<str:reference>/link/", views.ticket_link, name="ticket_link"),
    path("ticket/<str:reference>/unlink/<int:pk>/", views.ticket_unlink, name="ticket_unlink"),
]
