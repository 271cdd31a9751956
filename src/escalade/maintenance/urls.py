from django.urls import path

from escalade.maintenance import views

app_name = "maintenance"

urlpatterns = [
    path("", views.month_calendar, name="calendar"),
    path("feed/rotate/", views.feed_rotate, name="feed_rotate"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/new/", views.plan_edit, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("occurrences/<int:pk>/", views.occurrence_detail, name="occurrence"),
    path("renewals/", views.renewals_forecast, name="renewals"),
    path("renewals/<int:pk>/ticket/", views.renewal_ticket, name="renewal_ticket"),
]
