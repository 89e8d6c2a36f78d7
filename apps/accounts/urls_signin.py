"""Sign-in URLs on tenant hosts (pages and the API token endpoints)."""

from django.urls import path

from . import api_tokens, views_signin

urlpatterns = [
    path("login/", views_signin.SignInView.as_view(), name="login"),
    path("login/verify/", views_signin.verify, name="signin-verify"),
    path("login/welcome/<str:token>/", views_signin.welcome, name="signin-welcome"),
    path("logout/", views_signin.signout, name="logout"),
    path("account/mfa/", views_signin.mfa_status, name="mfa-status"),
    path("account/mfa/enrol/", views_signin.mfa_enrol, name="mfa-enrol"),
    path("account/mfa/backup-codes/", views_signin.mfa_backup_codes, name="mfa-backup-codes"),
    path("account/mfa/disable/", views_signin.mfa_disable_view, name="mfa-disable"),
    path("settings/security/", views_signin.security_settings, name="security-settings"),
    path("api/v1/auth/token/", api_tokens.TokenObtainView.as_view(), name="api-token-obtain"),
    path("api/v1/auth/token/revoke/", api_tokens.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("api/v1/auth/whoami/", api_tokens.WhoAmIView.as_view(), name="api-whoami"),
]
