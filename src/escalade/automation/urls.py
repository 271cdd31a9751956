from django.urls import path

from escalade.automation import views

app_name = "automation"

urlpatterns = [
    path("", views.rules, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/active/", views.rule_active, name="rule_active"),
    path("rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("rules/<int:pk>/try/", views.rule_try, name="rule_try"),
    path("rows/<str:kind>/", views.row, name="row"),
    path("time/new/", views.time_rule_edit, name="time_rule_new"),
    path("time/<int:pk>/", views.time_rule_edit, name="time_rule_edit"),
]
