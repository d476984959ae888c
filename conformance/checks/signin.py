"""Sign-in flows beyond USER_PASSWORD_AUTH (issue 13 part 1): ADMIN_USER_PASSWORD_AUTH,
USER_SRP_AUTH (SRP_A, then the PASSWORD_VERIFIER proof from conformance/srp.py),
REFRESH_TOKEN_AUTH; each flow for a wrong password, an unknown user (LEGACY and ENABLED
clients), an UNCONFIRMED and a disabled user; disable/enable; sign-out and revocation
(GlobalSignOut, AdminUserGlobalSignOut, RevokeToken) judged by what the revoked tokens can
still do. Users are confirmed with AdminConfirmSignUp (no code oracle needed). Facts:
specs/behaviours/signin.toml.
"""

from __future__ import annotations

from typing import Any, Callable

from conformance.checks.assertions import expect_equal, expect_error, expect_ok, expect_true
from conformance.checks.context import Ctx
from conformance.checks.lifecycle import (
    ADMIN, NewUser, absent_user, admin_confirm, signed_up, user_key,
)
from conformance.checks.registry import SetupError, check, observation
from conformance.exchange import Exchange
from conformance.provision import AppClient
from conformance.spec.facts import fact
from conformance.srp import SrpClient

LEGACY, ENABLED = "public", "enabled"


# -- shared steps --------------------------------------------------------------------------
def ready(ctx: Ctx, client_kind: str = LEGACY) -> NewUser:
    """A CONFIRMED user (AdminConfirmSignUp) on the given client of pool main."""
    user = signed_up(ctx, ctx.client("main", client_kind))
    ctx.require_ok(admin_confirm(ctx, user.username), "AdminConfirmSignUp")
    return user


def disabled(ctx: Ctx, client_kind: str = LEGACY) -> NewUser:
    user = ready(ctx, client_kind)
    ctx.require_ok(ctx.call("AdminDisableUser", user_key(ctx, user.username)),
                   "AdminDisableUser")
    return user


def admin_auth(ctx: Ctx, user: NewUser, password: str | None = None) -> Exchange:
    params = {"USERNAME": user.username, "PASSWORD": password or user.password}
    return ctx.call("AdminInitiateAuth", {
        "UserPoolId": user.client.pool_id, "ClientId": user.client.client_id,
        "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": params})


def password_auth(ctx: Ctx, user: NewUser, client: AppClient | None = None) -> Exchange:
    client = client or user.client
    return ctx.call("InitiateAuth", {
        "ClientId": client.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": user.username, "PASSWORD": user.password}})


def srp_start(ctx: Ctx, user: NewUser) -> tuple[SrpClient, Exchange]:
    srp = SrpClient(user.client.pool_id)
    return srp, ctx.call("InitiateAuth", {
        "ClientId": user.client.client_id, "AuthFlow": "USER_SRP_AUTH",
        "AuthParameters": {"USERNAME": user.username, "SRP_A": srp.a_hex}})


def srp_sign_in(ctx: Ctx, user: NewUser, password: str | None = None) -> Exchange:
    """The whole USER_SRP_AUTH flow; the answer that ends it (an error of either step, or
    the RespondToAuthChallenge answer)."""
    srp, first = srp_start(ctx, user)
    body = first.json if isinstance(first.json, dict) else {}
    if first.status != 200 or body.get("ChallengeName") != "PASSWORD_VERIFIER":
        return first
    request: dict[str, Any] = {
        "ClientId": user.client.client_id, "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": srp.answer(body.get("ChallengeParameters") or {},
                                         password or user.password)}
    if body.get("Session"):
        request["Session"] = body["Session"]
    return ctx.call("RespondToAuthChallenge", request)


def tokens(ctx: Ctx, user: NewUser) -> dict[str, Any]:
    """A set-up sign-in (USER_PASSWORD_AUTH): the AuthenticationResult."""
    ex = password_auth(ctx, user)
    ctx.require_ok(ex, "InitiateAuth USER_PASSWORD_AUTH")
    result = ex.json.get("AuthenticationResult")
    if not isinstance(result, dict) or not result.get("RefreshToken"):
        raise SetupError(f"set-up failed: sign-in answered no tokens: {ex.summary()}")
    return result


def refresh(ctx: Ctx, user: NewUser, refresh_token: Any) -> Exchange:
    return ctx.call("InitiateAuth", {
        "ClientId": user.client.client_id, "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": refresh_token}})


def expect_result(ex: Exchange, fact_id: str) -> None:
    """200 whose AuthenticationResult holds every member the fact requires, Bearer."""
    body = expect_ok(ex, shape=False)
    result = body.get("AuthenticationResult")
    result = result if isinstance(result, dict) else {}
    data = fact(fact_id).data
    expect_equal("missing AuthenticationResult members",
                 [k for k in data["required"] if not result.get(k)], [])
    expect_equal("TokenType", result.get("TokenType"), data["token_type"])


def expect_refused(ex: Exchange, what: str) -> None:
    """Not a success: the target answered an error (4xx with a __type)."""
    expect_true(400 <= ex.status < 500 and ex.error_type is not None,
                f"{ex.operation}: {what} answered {ex.status} (want an error)",
                {"status": "4xx error"}, ex.summary(), aspect="status", value=ex.status)


# -- ADMIN_USER_PASSWORD_AUTH -----------------------------------------------------------------
@check("signin.admin-password.success.tokens", "AdminInitiateAuth", "state",
       facts="signin.admin-password.success", requires=ADMIN)
def admin_success(ctx: Ctx) -> None:
    """CONFIRMED user, right password: every token, TokenType Bearer."""
    expect_result(admin_auth(ctx, ready(ctx)), "signin.admin-password.success")


@check("signin.admin-password.wrong-password.status", "AdminInitiateAuth", "status-mapping",
       facts="signin.wrong-password.admin", requires=ADMIN)
def admin_wrong_password(ctx: Ctx) -> None:
    user = ready(ctx)
    expect_error(admin_auth(ctx, user, user.password + "x"), "signin.wrong-password.admin")


@check("signin.admin-password.unknown-user.legacy.status", "AdminInitiateAuth",
       "status-mapping", facts="signin.unknown-user.legacy", requires=ADMIN)
def admin_unknown_legacy(ctx: Ctx) -> None:
    expect_error(admin_auth(ctx, absent_user(ctx, LEGACY)), "signin.unknown-user.legacy")


@check("signin.admin-password.unknown-user.enabled.status", "AdminInitiateAuth",
       "security", facts="signin.unknown-user.enabled", requires=ADMIN)
def admin_unknown_enabled(ctx: Ctx) -> None:
    expect_error(admin_auth(ctx, absent_user(ctx, ENABLED)), "signin.unknown-user.enabled")


@check("signin.admin-password.unconfirmed.status", "AdminInitiateAuth", "state",
       facts="signin.unconfirmed", requires=ADMIN)
def admin_unconfirmed(ctx: Ctx) -> None:
    expect_error(admin_auth(ctx, signed_up(ctx)), "signin.unconfirmed")


@check("signin.admin-password.disabled.status", "AdminInitiateAuth", "state",
       facts="signin.disabled", requires=ADMIN)
def admin_disabled(ctx: Ctx) -> None:
    expect_error(admin_auth(ctx, disabled(ctx)), "signin.disabled")


@check("signin.user-password.disabled.status", "InitiateAuth", "state",
       facts="signin.disabled", requires=ADMIN)
def user_password_disabled(ctx: Ctx) -> None:
    """USER_PASSWORD_AUTH of a disabled user, right password."""
    expect_error(password_auth(ctx, disabled(ctx)), "signin.disabled")


# -- USER_SRP_AUTH -----------------------------------------------------------------------------
@check("signin.srp.challenge.shape", "InitiateAuth", "shape", facts="signin.srp.challenge",
       requires=ADMIN)
def srp_challenge(ctx: Ctx) -> None:
    """SRP_A for a CONFIRMED user: PASSWORD_VERIFIER with SALT, SRP_B, SECRET_BLOCK ..."""
    _, ex = srp_start(ctx, ready(ctx))
    body, data = expect_ok(ex, shape=False), fact("signin.srp.challenge").data
    expect_equal("ChallengeName", body.get("ChallengeName"), data["challenge"])
    params = body.get("ChallengeParameters") or {}
    expect_equal("missing ChallengeParameters",
                 [k for k in data["parameters"] if not params.get(k)], [])
    expect_equal("AuthenticationResult", body.get("AuthenticationResult"), None)


@check("signin.srp.success.tokens", "RespondToAuthChallenge", "state",
       facts="signin.srp.success", requires=ADMIN)
def srp_success(ctx: Ctx) -> None:
    """The PASSWORD_VERIFIER proof of the right password: every token."""
    expect_result(srp_sign_in(ctx, ready(ctx)), "signin.srp.success")


@check("signin.srp.wrong-password.status", "RespondToAuthChallenge", "security",
       facts="signin.wrong-password.srp", requires=ADMIN)
def srp_wrong_password(ctx: Ctx) -> None:
    """A proof computed from a wrong password is refused (the target checks the proof)."""
    user = ready(ctx)
    expect_error(srp_sign_in(ctx, user, user.password + "x"), "signin.wrong-password.srp")


@check("signin.srp.unknown-user.legacy.status", "InitiateAuth", "status-mapping",
       facts="signin.unknown-user.legacy")
def srp_unknown_legacy(ctx: Ctx) -> None:
    expect_error(srp_sign_in(ctx, absent_user(ctx, LEGACY)), "signin.unknown-user.legacy")


@check("signin.srp.unknown-user.enabled.status", "InitiateAuth", "security",
       facts="signin.unknown-user.enabled")
def srp_unknown_enabled(ctx: Ctx) -> None:
    """ENABLED client: the flow ends like a wrong password (at whichever step)."""
    expect_error(srp_sign_in(ctx, absent_user(ctx, ENABLED)), "signin.unknown-user.enabled")


@check("signin.srp.unconfirmed.status", "InitiateAuth", "state", facts="signin.unconfirmed")
def srp_unconfirmed(ctx: Ctx) -> None:
    expect_error(srp_sign_in(ctx, signed_up(ctx)), "signin.unconfirmed")


@check("signin.srp.disabled.status", "InitiateAuth", "state", facts="signin.disabled",
       requires=ADMIN)
def srp_disabled(ctx: Ctx) -> None:
    expect_error(srp_sign_in(ctx, disabled(ctx)), "signin.disabled")


# -- REFRESH_TOKEN_AUTH, sign-out, revocation ---------------------------------------------------
@check("signin.refresh.success.tokens", "InitiateAuth", "state",
       facts="signin.refresh.success", requires=ADMIN)
def refresh_success(ctx: Ctx) -> None:
    """A fresh refresh token gives new access and ID tokens, TokenType Bearer."""
    user = ready(ctx)
    expect_result(refresh(ctx, user, tokens(ctx, user)["RefreshToken"]),
                  "signin.refresh.success")


@observation("signin.observe.refresh.rotation", "InitiateAuth", facts="signin.refresh.rotation",
             requires=ADMIN)
def refresh_rotation(ctx: Ctx) -> dict[str, Any]:
    """Whether a refresh answers a (new) RefreshToken on a client without rotation."""
    user = ready(ctx)
    first = tokens(ctx, user)["RefreshToken"]
    ex = refresh(ctx, user, first)
    result = (ex.json or {}).get("AuthenticationResult") if isinstance(ex.json, dict) else None
    got = result.get("RefreshToken") if isinstance(result, dict) else None
    return {"status": ex.status, "refresh_token_in_answer": got is not None,
            "same_as_before": got == first if got is not None else None}


@check("signin.refresh.after-disable.refused", "InitiateAuth", "security",
       facts="signin.disable.revokes", requires=ADMIN)
def refresh_after_disable(ctx: Ctx) -> None:
    """AdminDisableUser revokes the user's tokens: a refresh is refused."""
    user = ready(ctx)
    token = tokens(ctx, user)["RefreshToken"]
    ctx.require_ok(ctx.call("AdminDisableUser", user_key(ctx, user.username)),
                   "AdminDisableUser")
    expect_refused(refresh(ctx, user, token), "a refresh after AdminDisableUser")


def refresh_after(ctx: Ctx, operation: str,
                  body: Callable[[NewUser, dict[str, Any]], dict[str, Any]]) -> None:
    """Sign in, end the session with `operation` (its body from the user and the tokens),
    then the refresh token must be refused as revoked."""
    user = ready(ctx)
    result = tokens(ctx, user)
    ctx.require_ok(ctx.call(operation, body(user, result)), operation)
    expect_error(refresh(ctx, user, result["RefreshToken"]), "signin.refresh.revoked")


@check("signin.refresh.after-global-sign-out.status", "InitiateAuth", "security",
       facts=("signin.refresh.revoked", "signin.sign-out.success"), requires=ADMIN)
def refresh_after_sign_out(ctx: Ctx) -> None:
    refresh_after(ctx, "GlobalSignOut", lambda user, t: {"AccessToken": t["AccessToken"]})


@check("signin.refresh.after-admin-sign-out.status", "InitiateAuth", "security",
       facts=("signin.refresh.revoked", "signin.sign-out.success"), requires=ADMIN)
def refresh_after_admin_sign_out(ctx: Ctx) -> None:
    refresh_after(ctx, "AdminUserGlobalSignOut", lambda user, t: user_key(ctx, user.username))


@check("signin.refresh.after-revoke.status", "InitiateAuth", "security",
       facts=("signin.refresh.revoked", "signin.revoke.success"), requires=ADMIN)
def refresh_after_revoke(ctx: Ctx) -> None:
    refresh_after(ctx, "RevokeToken", lambda user, t: {"ClientId": user.client.client_id,
                                                       "Token": t["RefreshToken"]})


@check("signin.global-sign-out.success", "GlobalSignOut", "state",
       facts="signin.sign-out.success", requires=ADMIN)
def global_sign_out(ctx: Ctx) -> None:
    """GlobalSignOut with a valid access token answers 200."""
    ex = ctx.call("GlobalSignOut", {"AccessToken": tokens(ctx, ready(ctx))["AccessToken"]})
    expect_ok(ex)


@check("signin.admin-sign-out.success", "AdminUserGlobalSignOut", "state",
       facts="signin.sign-out.success", requires=ADMIN)
def admin_sign_out(ctx: Ctx) -> None:
    """AdminUserGlobalSignOut for a signed-in user answers 200."""
    user = ready(ctx)
    tokens(ctx, user)
    expect_ok(ctx.call("AdminUserGlobalSignOut", user_key(ctx, user.username)))


@check("signin.revoke-token.success", "RevokeToken", "state", facts="signin.revoke.success",
       requires=ADMIN)
def revoke_token(ctx: Ctx) -> None:
    """RevokeToken with the client's refresh token answers 200."""
    user = ready(ctx)
    ex = ctx.call("RevokeToken", {"ClientId": user.client.client_id,
                                  "Token": tokens(ctx, user)["RefreshToken"]})
    expect_equal("status", ex.status, 200)


@check("signin.global-sign-out.access-revoked.status", "GetUser", "security",
       facts="signin.access.revoked", requires=ADMIN)
def access_revoked(ctx: Ctx) -> None:
    """After GlobalSignOut, GetUser with the signed-out access token is refused."""
    access = tokens(ctx, ready(ctx))["AccessToken"]
    ctx.require_ok(ctx.call("GlobalSignOut", {"AccessToken": access}), "GlobalSignOut")
    expect_error(ctx.call("GetUser", {"AccessToken": access}), "signin.access.revoked")


# -- disable / enable, flows a client does not allow -----------------------------------------
@check("signin.disable.enabled-false", "AdminDisableUser", "state",
       facts="signin.disable.status", requires=ADMIN)
def disable_status(ctx: Ctx) -> None:
    """After AdminDisableUser, AdminGetUser shows Enabled false."""
    user = disabled(ctx)
    expect_equal("Enabled", ctx.user_status(ctx.pool(), user.username).get("Enabled"), False)


@check("signin.enable.signs-in-again", "AdminEnableUser", "state",
       facts="signin.disable.status", requires=ADMIN)
def enable_again(ctx: Ctx) -> None:
    """After AdminEnableUser, Enabled is true and the user signs in again."""
    user = disabled(ctx)
    expect_ok(ctx.call("AdminEnableUser", user_key(ctx, user.username)), shape=False)
    expect_equal("Enabled", ctx.user_status(ctx.pool(), user.username).get("Enabled"), True)
    expect_ok(password_auth(ctx, user), shape=False)


@check("signin.refresh-only.password-refused", "InitiateAuth", "security",
       facts="signin.flow-not-allowed", requires=ADMIN)
def refresh_only_refuses(ctx: Ctx) -> None:
    """A client allowing only ALLOW_REFRESH_TOKEN_AUTH refuses USER_PASSWORD_AUTH."""
    user = ready(ctx)
    expect_refused(password_auth(ctx, user, ctx.client("main", "refresh-only")),
                   "USER_PASSWORD_AUTH on a refresh-only client")


@observation("signin.observe.refresh-only.error", "InitiateAuth",
             facts="signin.flow-not-allowed", requires=ADMIN)
def refresh_only_error(ctx: Ctx) -> dict[str, Any]:
    """The error a refresh-only client gives USER_PASSWORD_AUTH (AWS's not captured)."""
    user = ready(ctx)
    return password_auth(ctx, user, ctx.client("main", "refresh-only")).summary()
