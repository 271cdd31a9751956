from django.urls import path

from escalade.workspace import desk_views, ticket_views, views

app_name = "workspace"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("counters/", views.counters, name="counters"),
    path("density/", views.density, name="density"),
    path("bulk/", views.bulk, name="bulk"),
    path("views/", views.saved_view_create, name="saved_view_create"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
    path("call/", desk_views.call, name="call"),
    path("call/search/", desk_views.call_search, name="call_search"),
    path("macros/", desk_views.macros, name="macros"),
    path("macros/<int:pk>/", desk_views.macro_edit, name="macro_edit"),
    path("t/<str:reference>/", ticket_views.ticket, name="ticket"),
    path("t/<str:reference>/files/<int:pk>/", ticket_views.attachment, name="attachment"),
    path("t/<str:reference>/<slug:action>/", ticket_views.ticket_action, name="ticket_action"),
]
