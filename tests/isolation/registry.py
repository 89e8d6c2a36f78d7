"""Tenant routes the generic isolation checks cannot exercise (or not all of them), and the tests that cover them.

Key: the route as the walker names it (`Route.key`: "/path/<int:pk>/" for pages, "POST /api/v1/path/" for API
operations, "/api/v1/path/" for API views outside the OpenAPI schema). `checks`: the generic checks the route
does not get — all of them unless narrowed. The walker fails when an entry names a route that no longer
exists, or a test that does not exist; every other check still runs generically.
"""

from .walker import ALL_CHECKS, ANONYMOUS, CSRF, FOREIGN_SESSION, OUTSIDER, Registered

# Open to visitors who are not signed in (settings.TENANT_OPEN_PATHS): anonymous visitors, other tenants'
# sessions (flushed, so anonymous) and signed-in non-members are all served the page on purpose.
OPEN_PAGE = frozenset({ANONYMOUS, FOREIGN_SESSION, OUTSIDER})

ACCOUNTS = "apps/accounts/tests"
PASSWORD_RESET = f"{ACCOUNTS}/test_password_reset.py"
OPEN_PAGES_SERVED = f"{ACCOUNTS}/test_tenant_access.py::test_open_pages_are_served_to_anonymous_visitors"
API_TOKEN = f"{ACCOUNTS}/test_api_token.py"
API_DOCS = "tests/test_api_docs_access.py"

REGISTRY: dict[str, Registered] = {
    "/login/": Registered(
        checks=OPEN_PAGE,
        reason="the sign-in page; it admits active members of this tenant only",
        tests=(
            OPEN_PAGES_SERVED,
            f"{ACCOUNTS}/test_signin_login.py::test_outsider_cannot_sign_in_on_alpha",
            f"{ACCOUNTS}/test_signin_login.py::test_beta_member_cannot_sign_in_on_alpha",
            f"{ACCOUNTS}/test_signin_login.py::test_deactivated_member_cannot_sign_in",
        ),
    ),
    "/login/verify/": Registered(
        checks=OPEN_PAGE,
        reason="the second sign-in step; it needs the password step of this host first",
        tests=(
            f"{ACCOUNTS}/test_mfa_challenge.py::test_challenge_without_password_step_goes_back_to_login",
            f"{ACCOUNTS}/test_mfa_challenge.py::test_membership_ended_between_password_and_code_refuses_the_code",
        ),
    ),
    "/logout/": Registered(
        checks=OPEN_PAGE,
        reason="signing out needs no membership; POST only, with the CSRF token",
        tests=(
            f"{ACCOUNTS}/test_signin_logout.py::test_logout_deletes_session_and_old_cookie_no_longer_works",
            f"{ACCOUNTS}/test_signin_logout.py::test_logout_by_get_is_refused",
            f"{ACCOUNTS}/test_signin_logout.py::test_logout_needs_csrf_token",
        ),
    ),
    "/password-reset/": Registered(
        checks=OPEN_PAGE,
        reason="asking for a reset link; mails members of this tenant only, same answer for everyone",
        tests=(
            f"{PASSWORD_RESET}::test_member_of_another_tenant_or_outsider_gets_no_mail",
            f"{PASSWORD_RESET}::test_unknown_address_gets_the_same_answer_and_no_mail",
        ),
    ),
    "/password-reset/done/": Registered(
        checks=OPEN_PAGE,
        reason="a static confirmation page",
        tests=(OPEN_PAGES_SERVED, f"{PASSWORD_RESET}::test_unknown_address_gets_the_same_answer_and_no_mail"),
    ),
    "/password-reset/complete/": Registered(
        checks=OPEN_PAGE,
        reason="a static confirmation page",
        tests=(OPEN_PAGES_SERVED, f"{PASSWORD_RESET}::test_link_sets_the_password_once_and_is_audited"),
    ),
    "/password-reset/confirm/<uidb64>/<token>/": Registered(
        reason="the link from the reset e-mail: its parameters are a signed token, not a record id",
        tests=(
            f"{PASSWORD_RESET}::test_alphas_link_does_not_work_on_betas_host",
            f"{PASSWORD_RESET}::test_link_expires_after_thirty_minutes",
            f"{PASSWORD_RESET}::test_link_sets_the_password_once_and_is_audited",
        ),
    ),
    "/password-reset/welcome/<uidb64>/<token>/": Registered(
        reason="the set-password link mailed to a new owner: its parameters are a signed token, not a record id",
        tests=(
            "apps/tenants/tests/test_owner_onboarding.py::test_the_link_does_not_work_on_another_tenants_host",
            "apps/tenants/tests/test_owner_onboarding.py::test_the_link_works_once",
            "apps/tenants/tests/test_owner_onboarding.py::test_the_link_expires",
        ),
    ),
    "/invitations/<str:token>/": Registered(
        reason="the link from the invitation e-mail: its parameter is a secret token, not a record id",
        tests=(
            f"{ACCOUNTS}/test_invitation_accept.py::test_link_works_only_on_the_inviting_tenants_host",
            f"{ACCOUNTS}/test_invitation_accept.py::test_signed_in_as_someone_else_is_refused",
            f"{ACCOUNTS}/test_invitation_accept.py::test_unknown_token_is_not_found",
        ),
    ),
    "/login/welcome/<str:token>/": Registered(
        reason="the one-time link from the signup confirmation: its parameter is a signed token bound to the "
        "workspace's schema, not a record id",
        tests=(
            "apps/tenants/tests/test_signup.py::test_signup_confirmation_signs_the_owner_in_on_the_new_workspace_once",
            "apps/tenants/tests/test_signup.py::test_signup_welcome_link_works_only_on_its_own_workspace",
        ),
    ),
    "/branding/<str:kind>/": Registered(
        checks=OPEN_PAGE,
        reason="the tenant's logo and favicon also brand its sign-in page; served from this tenant's prefix only",
        tests=(
            "apps/tenants/tests/test_branding.py::test_one_tenants_branding_never_reaches_another",
            "apps/tenants/tests/test_branding.py::test_unknown_branding_kind_is_404",
        ),
    ),
    "POST /api/v1/auth/token/": Registered(
        reason="exchanges e-mail + password for a token: no session or token is involved, and only active "
        "members of this tenant get one",
        tests=(
            f"{API_TOKEN}::test_outsider_cannot_get_a_token",
            f"{API_TOKEN}::test_beta_member_cannot_get_a_token_on_alpha",
            f"{API_TOKEN}::test_alpha_token_on_beta_host_looks_like_an_unknown_token",
            f"{API_TOKEN}::test_wrong_password_is_400_with_clear_message",
        ),
    ),
    "POST /api/v1/auth/token/revoke/": Registered(
        checks=frozenset({OUTSIDER, CSRF}),
        reason="accepts the bearer token only: any session, a member's or not, gets 401 (so no CSRF either)",
        tests=(
            f"{API_TOKEN}::test_revoke_needs_the_token_itself",
            f"{API_TOKEN}::test_revoked_token_is_refused_and_revocation_is_audited",
        ),
    ),
    "/api/v1/schema/": Registered(
        checks=ALL_CHECKS,
        reason="the OpenAPI document itself (not one of its operations); open where API_DOCS_PUBLIC",
        tests=(
            f"{API_DOCS}::test_private_setting_refuses_anonymous",
            f"{API_DOCS}::test_private_setting_refuses_members_without_administer",
            f"{API_DOCS}::test_administrator_of_another_tenant_is_refused",
        ),
    ),
    "/api/v1/docs/": Registered(
        checks=ALL_CHECKS,
        reason="Swagger UI for the schema; open where API_DOCS_PUBLIC",
        tests=(
            f"{API_DOCS}::test_private_setting_refuses_anonymous",
            f"{API_DOCS}::test_private_setting_refuses_members_without_administer",
            f"{API_DOCS}::test_administrator_of_another_tenant_is_refused",
        ),
    ),
    "GET /api/v1/privacy/members/{id}/export/": Registered(
        checks=ALL_CHECKS,
        reason="the id is a user (public schema), not a tenant record: only members of this tenant are found",
        tests=(
            "apps/privacy/tests/test_subject_rights.py::test_member_export_for_themself_or_an_admin_only",
            "apps/privacy/tests/test_subject_rights.py::test_member_export_refuses_outsiders_and_anonymous",
        ),
    ),
    "POST /api/v1/privacy/members/{id}/erase/": Registered(
        checks=ALL_CHECKS,
        reason="the id is a user (public schema), not a tenant record: only members of this tenant are found",
        tests=("apps/privacy/tests/test_member_erasure.py::test_refusals_change_nothing",),
    ),
}
