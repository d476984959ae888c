"""Passwords everywhere (issue 13 part 4): ConfirmForgotPassword, ChangePassword,
AdminSetUserPassword and AdminResetUserPassword, and the pool's policy on each path.

Users report forgot-password accepting any code and the policy skipped on every path but
SignUp. Each check starts from a user that can sign in: signed up and confirmed with its
code (`confirmed`, so its email is verified and ForgotPassword can reach it) or created by
the admin API with a permanent password. Forgot-password codes come from the target's
`forgot_password_code(pool_id, username)` (conformance/targets/*.py); a target without one
makes the check `unsupported`, never a guess. Facts: specs/behaviours/passwords.toml.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.admin_users import (
    WEAK_PASSWORD, admin_created, expect_challenge, expect_signed_in, status_of,
)
from conformance.checks.assertions import expect_equal, expect_error, expect_ok
from conformance.checks.auth import sign_in
from conformance.checks.context import CODE_ORACLE, CapabilityMissing, Ctx, OracleGaveNoCode
from conformance.checks.lifecycle import ADMIN, ORACLE, NewUser, confirmed, wrong_code
from conformance.checks.registry import SetupError, Unsupported, check, observation
from conformance.exchange import Exchange, remember
from conformance.provision import AppClient
from conformance.spec.facts import fact
from conformance.targets.probe import report_of

SUCCESS = "password.forgot.confirm.success"
OLD_REFUSED = "password.old-password-refused"


# -- steps ------------------------------------------------------------------------------------
def forgot(ctx: Ctx, user: NewUser, client: AppClient | None = None) -> Exchange:
    client = client or user.client
    return ctx.call("ForgotPassword", {"ClientId": client.client_id, "Username": user.username})


def forgot_code(ctx: Ctx, user: NewUser) -> str:
    """The code ForgotPassword sent `user`, from the target's forgot-password oracle."""
    if CODE_ORACLE not in ctx.capabilities:
        raise CapabilityMissing(CODE_ORACLE)
    reader = getattr(ctx.target, "forgot_password_code", None)
    if reader is None:
        raise Unsupported("the target reveals no forgot-password codes")
    value = reader(user.client.pool_id, user.username)
    if value:
        return str(value)
    if CODE_ORACLE in report_of(ctx.target).declared:
        raise OracleGaveNoCode(user.client.pool_id, user.username)
    raise Unsupported(f"target revealed no forgot-password code for {user.username}")


def requested(ctx: Ctx, user: NewUser | None = None) -> tuple[NewUser, str]:
    """Set-up: a confirmed user for whom ForgotPassword answered 200; (user, the code)."""
    user = user or confirmed(ctx)
    ctx.require_ok(forgot(ctx, user), "ForgotPassword")
    return user, forgot_code(ctx, user)


def confirm_forgot(ctx: Ctx, user: NewUser, code: str, password: str,
                   client: AppClient | None = None) -> Exchange:
    client = client or user.client
    remember(password)
    return ctx.call("ConfirmForgotPassword", {
        "ClientId": client.client_id, "Username": user.username, "ConfirmationCode": code,
        "Password": password})


def reset_done(ctx: Ctx) -> tuple[NewUser, str]:
    """Set-up: ForgotPassword + ConfirmForgotPassword with the right code answered 200;
    (user, the new password)."""
    user, code = requested(ctx)
    new = ctx.password()
    ctx.require_ok(confirm_forgot(ctx, user, code, new), "ConfirmForgotPassword")
    return user, new


def access_token(ctx: Ctx, user: NewUser) -> str:
    ex = sign_in(ctx, user)
    ctx.require_ok(ex, "InitiateAuth")
    token = (ex.json.get("AuthenticationResult") or {}).get("AccessToken")
    if not token:
        raise SetupError(f"set-up failed: sign-in gave no AccessToken ({ex.summary()})")
    remember(token)
    return str(token)


def change(ctx: Ctx, token: str, previous: str, proposed: str) -> Exchange:
    remember(proposed)
    return ctx.call("ChangePassword", {"AccessToken": token, "PreviousPassword": previous,
                                       "ProposedPassword": proposed})


def admin_set(ctx: Ctx, user: NewUser, password: str, permanent: bool) -> Exchange:
    remember(password)
    return ctx.call("AdminSetUserPassword", {"UserPoolId": ctx.pool(), "Username": user.username,
                                             "Password": password, "Permanent": permanent})


def with_password(user: NewUser, password: str) -> NewUser:
    return NewUser(user.username, password, user.email, user.client, user.signup)


# -- ConfirmForgotPassword ------------------------------------------------------------------
@check("forgot.confirm.success.response", "ConfirmForgotPassword", "state", facts=SUCCESS,
       requires=ORACLE)
def forgot_success(ctx: Ctx) -> None:
    """The right code and a good password: 200 {}."""
    user, code = requested(ctx)
    body = expect_ok(confirm_forgot(ctx, user, code, ctx.password()))
    expect_equal("body", body, fact(SUCCESS).data["body"])


@check("forgot.confirm.success.new-password-signs-in", "InitiateAuth", "state", facts=SUCCESS,
       requires=ORACLE)
def forgot_new_signs_in(ctx: Ctx) -> None:
    """After the reset, the new password signs in with tokens."""
    user, new = reset_done(ctx)
    expect_signed_in(sign_in(ctx, user, new))


@check("forgot.confirm.success.old-password-refused", "InitiateAuth", "state",
       facts=(OLD_REFUSED, SUCCESS), requires=ORACLE)
def forgot_old_refused(ctx: Ctx) -> None:
    """After the reset, the old password is a wrong password."""
    user, _ = reset_done(ctx)
    expect_error(sign_in(ctx, user), OLD_REFUSED)


@check("forgot.confirm.wrong-code.status", "ConfirmForgotPassword", "status-mapping",
       facts="password.forgot.confirm.wrong-code", requires=ORACLE)
def forgot_wrong_code(ctx: Ctx) -> None:
    """A code other than the one sent: CodeMismatchException."""
    user, code = requested(ctx)
    expect_error(confirm_forgot(ctx, user, wrong_code(code), ctx.password()),
                 "password.forgot.confirm.wrong-code")


@check("forgot.confirm.policy.status", "ConfirmForgotPassword", "status-mapping",
       facts="password.forgot.confirm.policy", requires=ORACLE)
def forgot_weak(ctx: Ctx) -> None:
    """The right code with a password against the pool's policy: InvalidPasswordException."""
    user, code = requested(ctx)
    expect_error(confirm_forgot(ctx, user, code, WEAK_PASSWORD), "password.forgot.confirm.policy")


@check("forgot.confirm.no-code-requested.status", "ConfirmForgotPassword", "status-mapping",
       facts="password.forgot.confirm.no-code-requested", requires=ORACLE)
def forgot_not_requested(ctx: Ctx) -> None:
    """ENABLED client, a real user who never called ForgotPassword: ExpiredCodeException
    (whatever the code)."""
    user = confirmed(ctx, ctx.client("main", "enabled"))
    expect_error(confirm_forgot(ctx, user, wrong_code("123456"), ctx.password()),
                 "password.forgot.confirm.no-code-requested")


@observation("forgot.observe.code-reuse", "ConfirmForgotPassword",
             facts="password.forgot.confirm.reuse", requires=ORACLE)
def forgot_reuse(ctx: Ctx) -> dict[str, Any]:
    """The code of a completed reset, used again with another password: rejected? (inferred
    ExpiredCodeException) and which password signs in afterwards."""
    user, code = requested(ctx)
    first, second = ctx.password(), ctx.password()
    ctx.require_ok(confirm_forgot(ctx, user, code, first), "ConfirmForgotPassword")
    again = confirm_forgot(ctx, user, code, second)
    after = sign_in(ctx, user, second)
    return {"second_use": again.summary(), "second_password_signs_in": after.status == 200,
            "inferred_aws": {"second_use": "ExpiredCodeException",
                             "second_password_signs_in": False}}


# -- ChangePassword -------------------------------------------------------------------------
@check("change-password.success.response", "ChangePassword", "state",
       facts="password.change.success", requires=ORACLE)
def change_success(ctx: Ctx) -> None:
    """The right PreviousPassword and a good ProposedPassword: 200 {}."""
    user = confirmed(ctx)
    body = expect_ok(change(ctx, access_token(ctx, user), user.password, ctx.password()))
    expect_equal("body", body, fact("password.change.success").data["body"])


@check("change-password.success.new-password-signs-in", "InitiateAuth", "state",
       facts="password.change.success", requires=ORACLE)
def change_new_signs_in(ctx: Ctx) -> None:
    """After ChangePassword, the proposed password signs in with tokens."""
    user, new = confirmed(ctx), ctx.password()
    ctx.require_ok(change(ctx, access_token(ctx, user), user.password, new), "ChangePassword")
    expect_signed_in(sign_in(ctx, user, new))


@check("change-password.success.old-password-refused", "InitiateAuth", "state",
       facts=(OLD_REFUSED, "password.change.success"), requires=ORACLE)
def change_old_refused(ctx: Ctx) -> None:
    """After ChangePassword, the previous password is a wrong password."""
    user = confirmed(ctx)
    ctx.require_ok(change(ctx, access_token(ctx, user), user.password, ctx.password()),
                   "ChangePassword")
    expect_error(sign_in(ctx, user), OLD_REFUSED)


@check("change-password.wrong-previous.status", "ChangePassword", "status-mapping",
       facts="password.change.wrong-previous", requires=ORACLE)
def change_wrong_previous(ctx: Ctx) -> None:
    """A wrong PreviousPassword: NotAuthorizedException."""
    user = confirmed(ctx)
    expect_error(change(ctx, access_token(ctx, user), user.password + "x", ctx.password()),
                 "password.change.wrong-previous")


@check("change-password.policy.status", "ChangePassword", "status-mapping",
       facts="password.change.policy", requires=ORACLE)
def change_weak(ctx: Ctx) -> None:
    """A ProposedPassword against the pool's policy: InvalidPasswordException."""
    user = confirmed(ctx)
    expect_error(change(ctx, access_token(ctx, user), user.password, WEAK_PASSWORD),
                 "password.change.policy")


# -- AdminSetUserPassword -------------------------------------------------------------------
PERMANENT, TEMPORARY = "password.admin-set.permanent", "password.admin-set.temporary"


@check("admin-set-password.permanent.status", "AdminSetUserPassword", "state", facts=PERMANENT,
       requires=ADMIN)
def set_permanent_status(ctx: Ctx) -> None:
    """Permanent true on a FORCE_CHANGE_PASSWORD user: CONFIRMED."""
    user = admin_created(ctx)
    ctx.require_ok(admin_set(ctx, user, ctx.password(), True), "AdminSetUserPassword")
    expect_equal("UserStatus", status_of(ctx, user.username), fact(PERMANENT).data["user_status"])


@check("admin-set-password.permanent.signs-in", "InitiateAuth", "state", facts=PERMANENT,
       requires=ADMIN)
def set_permanent_signs_in(ctx: Ctx) -> None:
    """Permanent true: the password signs in at once, with tokens (no challenge)."""
    user, new = admin_created(ctx), ctx.password()
    ctx.require_ok(admin_set(ctx, user, new, True), "AdminSetUserPassword")
    expect_signed_in(sign_in(ctx, user, new))


@check("admin-set-password.temporary.status", "AdminSetUserPassword", "state", facts=TEMPORARY,
       requires=ADMIN)
def set_temporary_status(ctx: Ctx) -> None:
    """Permanent false on a CONFIRMED user: FORCE_CHANGE_PASSWORD."""
    user = admin_created(ctx)
    ctx.require_ok(admin_set(ctx, user, ctx.password(), True), "AdminSetUserPassword")
    ctx.require_ok(admin_set(ctx, user, ctx.password(), False), "AdminSetUserPassword")
    expect_equal("UserStatus", status_of(ctx, user.username), fact(TEMPORARY).data["user_status"])


@check("admin-set-password.temporary.challenge", "InitiateAuth", "state",
       facts=(TEMPORARY, "admin.challenge.new-password-required"), requires=ADMIN)
def set_temporary_challenge(ctx: Ctx) -> None:
    """Permanent false: signing in with it answers NEW_PASSWORD_REQUIRED, not tokens."""
    user, temporary = admin_created(ctx), ctx.password()
    ctx.require_ok(admin_set(ctx, user, ctx.password(), True), "AdminSetUserPassword")
    ctx.require_ok(admin_set(ctx, user, temporary, False), "AdminSetUserPassword")
    expect_challenge(sign_in(ctx, user, temporary))


@check("admin-set-password.policy.status", "AdminSetUserPassword", "status-mapping",
       facts="password.admin-set.policy", requires=ADMIN)
def set_weak(ctx: Ctx) -> None:
    """A password against the pool's policy: InvalidPasswordException."""
    expect_error(admin_set(ctx, admin_created(ctx), WEAK_PASSWORD, True),
                 "password.admin-set.policy")


# -- AdminResetUserPassword -----------------------------------------------------------------
def reset_user(ctx: Ctx) -> NewUser:
    """Set-up: an admin-created user with a permanent password (verified email), then
    AdminResetUserPassword answered 200."""
    user, password = admin_created(ctx), ctx.password()
    ctx.require_ok(admin_set(ctx, user, password, True), "AdminSetUserPassword")
    ctx.require_ok(ctx.call("AdminResetUserPassword", {"UserPoolId": ctx.pool(),
                                                       "Username": user.username}),
                   "AdminResetUserPassword")
    return with_password(user, password)


@check("admin-reset.status", "AdminResetUserPassword", "state", facts="password.admin-reset.status",
       requires=ADMIN)
def reset_status(ctx: Ctx) -> None:
    """After AdminResetUserPassword the user is RESET_REQUIRED."""
    user = reset_user(ctx)
    expect_equal("UserStatus", status_of(ctx, user.username),
                 fact("password.admin-reset.status").data["user_status"])


@check("admin-reset.sign-in.status", "InitiateAuth", "state",
       facts="password.admin-reset.sign-in", requires=ADMIN)
def reset_sign_in(ctx: Ctx) -> None:
    """A RESET_REQUIRED user signing in with the old password: PasswordResetRequiredException."""
    expect_error(sign_in(ctx, reset_user(ctx)), "password.admin-reset.sign-in")

