from django.urls import path

from escalade.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.my_tickets, name="my_tickets"),
    path("new/", views.new_ticket, name="new_ticket"),
    path("new/fields/", views.category_fields, name="category_fields"),
    path("t/<str:reference>/", views.ticket, name="ticket"),
    path("t/<str:reference>/reply/", views.reply, name="reply"),
    path("t/<str:reference>/confirm/", views.confirm, name="confirm"),
    path("t/<str:reference>/reopen/", views.reopen, name="reopen"),
    path("t/<str:reference>/files/<int:pk>/", views.attachment, name="attachment"),
]
