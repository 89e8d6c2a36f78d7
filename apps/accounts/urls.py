"""Member, invitation and password pages on tenant hosts."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("members/", views.member_list, name="member_list"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/<int:membership_id>/", views.member_detail, name="member_detail"),
    path("members/<int:membership_id>/role/", views.member_change_role, name="member_change_role"),
    path("members/<int:membership_id>/deactivate/", views.member_deactivate, name="member_deactivate"),
    path("members/<int:membership_id>/reactivate/", views.member_reactivate, name="member_reactivate"),
    path("members/<int:membership_id>/sign-out/", views.member_sign_out, name="member_sign_out"),
    path("members/invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/confirm/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/welcome/<uidb64>/<token>/", views.OwnerWelcomeView.as_view(), name="owner_welcome"),
    path("password-reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/sessions/revoke/", views.sessions_revoke, name="sessions_revoke"),
]
