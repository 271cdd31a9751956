from django.urls import path

from escalade.kb import staff_views, views

app_name = "kb"

urlpatterns = [
    path("", views.index, name="index"),
    path("search", views.search, name="search"),
    path("suggest", views.suggest, name="suggest"),
    path("a/<slug:slug>/", views.article, name="article"),
    path("a/<slug:slug>/files/<int:pk>", views.attachment, name="attachment"),
    path("a/<slug:slug>/feedback", views.feedback, name="feedback"),
    path("a/<slug:slug>/quote", views.quote, name="quote"),
    path("ticket/<str:reference>/suggestions", views.ticket_suggestions, name="ticket_suggestions"),
    path("ticket/<str:reference>/solved-with", views.ticket_solved_with, name="ticket_solved_with"),
    path("ticket/<str:reference>/draft", views.draft_from_ticket, name="draft_from_ticket"),
    path("manage/", staff_views.manage, name="manage"),
    path("manage/review", staff_views.review_queue, name="review"),
    path("manage/stale", staff_views.stale, name="stale"),
    path("manage/new", staff_views.create, name="create"),
    path("manage/<slug:slug>/edit", staff_views.edit, name="edit"),
    path("manage/<slug:slug>/history", staff_views.history, name="history"),
    path(
        "manage/<slug:slug>/changes/<int:number>/<str:decision>",
        staff_views.change_decide,
        name="change_decide",
    ),
    path("manage/<slug:slug>/<str:action>", staff_views.change_state, name="change_state"),
]
