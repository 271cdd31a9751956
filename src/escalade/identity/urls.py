from django.urls import path

from escalade.identity import sso, views

app_name = "identity"

urlpatterns = [
    path("password/reset/", views.ResetRequestView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.ResetSentView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.ResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", views.ResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("security/", views.security, name="security"),
    path("two-factor/", views.second_factor, name="second_factor"),
    path("two-factor/enrol/", views.enrol, name="enrol"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("sso/callback/", sso.SingleSignOnCallbackView.as_view(), name="sso_callback"),
    path("sso/failed/", sso.sso_failed, name="sso_failed"),
    path("sso/<slug:slug>/", sso.SingleSignOnStartView.as_view(), name="sso_start"),
]
