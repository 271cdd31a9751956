from django.urls import path

from escalade.reports import survey_views, views

app_name = "reports"

urlpatterns = [
    path("desk/reports/", views.reports, name="reports"),
    path("desk/reports/dashboard/", views.dashboard, name="dashboard"),
    path("survey/<str:token>/", survey_views.survey, name="survey"),
    path("survey/<str:token>/reopen/", survey_views.survey_reopen, name="survey_reopen"),
    path("survey/<str:token>/<int:score>/", survey_views.survey_score, name="survey_score"),
]
