from django.urls import path

from escalade.timetracking import portal_views

app_name = "timetracking_portal"

urlpatterns = [
    path("", portal_views.account, name="account"),
    path("approve/<str:reference>/", portal_views.approve, name="approve"),
    path("refuse/<str:reference>/", portal_views.refuse, name="refuse"),
    path("export.<str:extension>", portal_views.export, name="export"),
]
