from django.urls import path

from escalade.reports import monthly_views, survey_views, team_views, views

app_name = "reports"

urlpatterns = [
    path("desk/reports/", views.reports, name="reports"),
    path("desk/reports/dashboard/", views.dashboard, name="dashboard"),
    path("desk/reports/team/", team_views.team, name="team"),
    path("desk/reports/team/absences/<int:pk>/cancel/", team_views.absence_cancel, name="absence_cancel"),
    path("desk/reports/monthly/", monthly_views.monthly_list, name="monthly_list"),
    path("desk/reports/monthly/<int:pk>/", monthly_views.monthly, name="monthly"),
    path("desk/reports/monthly/<int:pk>/preview/", monthly_views.monthly_preview, name="monthly_preview"),
    path("desk/reports/monthly/<int:pk>/pdf/", monthly_views.monthly_pdf_download, name="monthly_pdf"),
    path("portal/reports/", monthly_views.portal_reports, name="portal_reports"),
    path("portal/reports/<int:pk>/pdf/", monthly_views.portal_report_pdf, name="portal_report_pdf"),
    path("survey/<str:token>/", survey_views.survey, name="survey"),
    path("survey/<str:token>/reopen/", survey_views.survey_reopen, name="survey_reopen"),
    path("survey/<str:token>/<int:score>/", survey_views.survey_score, name="survey_score"),
]
