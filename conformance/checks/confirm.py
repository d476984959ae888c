"""ConfirmSignUp and AdminConfirmSignUp: the UNCONFIRMED -> CONFIRMED transition and its errors.

Checks that need the right code declare `code-oracle` (targets that cannot reveal the code
they sent are `unsupported`, never faked); admin reads declare `admin`. Where AWS's answer is
unknown or only inferred (a CONFIRMED user with a wrong code; the exact error for a missing
user on an ENABLED client; an unknown client; AdminConfirmSignUp for a missing user; whether
AdminConfirmSignUp verifies the email) an @observation records what the target did instead
of judging it.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.assertions import expect_equal, expect_error, expect_ok, expect_true
from conformance.checks.context import Ctx
from conformance.checks.lifecycle import (
    ADMIN, ANY_CODE, ORACLE, ORACLE_ADMIN, absent_user, admin_confirm, attributes, confirm,
    confirmed, expect_status, right_code, signed_up, user_key, wrong_code,
)
from conformance.checks.registry import check, observation
from conformance.signature import ABSENT, DIFFERS
from conformance.spec.facts import fact


# -- ConfirmSignUp ---------------------------------------------------------------------------
@check("state.confirm.success.response", "ConfirmSignUp", "state",
       facts="lifecycle.confirm.success", requires=ORACLE)
def confirm_response(ctx: Ctx) -> None:
    """ConfirmSignUp with the right code answers 200 `{}`."""
    ex = confirm(ctx, signed_up(ctx))
    expect_equal("ConfirmSignUp response", expect_ok(ex), fact("lifecycle.confirm.success")
                 .data["body"])


@check("state.confirm.success.confirmed", "ConfirmSignUp", "state",
       facts="lifecycle.confirm.success", requires=ORACLE_ADMIN)
def confirm_confirms(ctx: Ctx) -> None:
    """After ConfirmSignUp with the right code, AdminGetUser shows CONFIRMED."""
    expect_status(ctx, confirmed(ctx).username, "lifecycle.confirm.success")


@check("state.confirm.success.email-verified", "ConfirmSignUp", "state",
       facts="lifecycle.confirm.email-verified", requires=ORACLE_ADMIN)
def confirm_verifies_email(ctx: Ctx) -> None:
    """The code went to email, so confirming it marks the email verified."""
    data = fact("lifecycle.confirm.email-verified").data
    got = attributes(ctx.user_status(ctx.pool(), confirmed(ctx).username))
    expect_equal(data["attribute"], got.get(data["attribute"]), data["value"])


@check("state.confirm.wrong-code.status", "ConfirmSignUp", "state",
       facts="lifecycle.confirm.wrong-code", requires=ORACLE)
def confirm_wrong_code(ctx: Ctx) -> None:
    """A wrong code for an UNCONFIRMED user is CodeMismatchException."""
    user = signed_up(ctx)
    expect_error(confirm(ctx, user, wrong_code(right_code(ctx, user.username))),
                 "lifecycle.confirm.wrong-code")


@check("state.confirm.wrong-code.unchanged", "ConfirmSignUp", "state",
       facts="lifecycle.confirm.wrong-code", requires=ORACLE_ADMIN)
def confirm_wrong_code_unchanged(ctx: Ctx) -> None:
    """After a wrong code the user is still UNCONFIRMED."""
    user = signed_up(ctx)
    confirm(ctx, user, wrong_code(right_code(ctx, user.username)))
    expect_status(ctx, user.username, "lifecycle.confirm.wrong-code")


@check("state.confirm.already-confirmed.status", "ConfirmSignUp", "state",
       facts="lifecycle.confirm.already-confirmed", requires=ORACLE)
def confirm_twice(ctx: Ctx) -> None:
    """Confirming a CONFIRMED user again (right code) is NotAuthorizedException."""
    expect_error(confirm(ctx, confirmed(ctx)), "lifecycle.confirm.already-confirmed")


@check("state.confirm.unknown-user.legacy.message", "ConfirmSignUp", "state",
       facts="lifecycle.confirm.unknown-user.legacy.message")
def confirm_unknown_legacy(ctx: Ctx) -> None:
    """LEGACY client, user never signed up: an error with AWS's message (the exception type
    beside it has no capture for ConfirmSignUp, so it is not judged)."""
    ex = confirm(ctx, absent_user(ctx), ANY_CODE)
    want = fact("lifecycle.confirm.unknown-user.legacy.message").message
    expect_true(ex.status >= 400, f"ConfirmSignUp for a missing user answered {ex.status}",
                {"error": want}, ex.summary(), aspect="answer", value="success")
    expect_true(ex.message == want, f"message {ex.summary()['message']!r} (want {want!r})",
                {"message": want}, ex.summary(), aspect="message",
                value=DIFFERS if ex.message is not None else ABSENT)


@check("state.confirm.unknown-user.enabled.hidden", "ConfirmSignUp", "state",
       facts="lifecycle.confirm.unknown-user.enabled")
def confirm_unknown_enabled(ctx: Ctx) -> None:
    """ENABLED client, user never signed up: the error must not reveal that the user is absent."""
    ex = confirm(ctx, absent_user(ctx, "enabled"), ANY_CODE)
    forbidden = fact("lifecycle.confirm.unknown-user.enabled").data["forbidden_error"]
    expect_true(ex.status >= 400 and ex.error_type not in (None, forbidden),
                f"ConfirmSignUp answered {ex.status} {ex.error_type!r} for a missing user",
                {"error": f"any error but {forbidden}"}, ex.summary(),
                aspect="answer", value="success" if ex.status < 400 else ex.error_type)


@check("state.confirm.secret-hash.missing.status", "ConfirmSignUp", "state",
       facts="lifecycle.confirm.secret", requires=ORACLE)
def confirm_secret_missing(ctx: Ctx) -> None:
    """A secret client without SecretHash is NotAuthorizedException naming the client."""
    user = signed_up(ctx, ctx.client("main", "secret"))
    ex = confirm(ctx, user, secret_hash=False)
    expect_error(ex, "lifecycle.confirm.secret", client_id=user.client.client_id)


# -- AdminConfirmSignUp ---------------------------------------------------------------------
@check("state.admin-confirm.confirms", "AdminConfirmSignUp", "state",
       facts="lifecycle.confirm.admin.success", requires=ADMIN)
def admin_confirm_confirms(ctx: Ctx) -> None:
    """AdminConfirmSignUp moves an UNCONFIRMED user to CONFIRMED."""
    user = signed_up(ctx)
    ctx.require_ok(admin_confirm(ctx, user.username), "AdminConfirmSignUp")
    expect_status(ctx, user.username, "lifecycle.confirm.admin.success")


@check("state.admin-confirm.already-confirmed.status", "AdminConfirmSignUp", "state",
       facts="lifecycle.confirm.admin.already-confirmed", requires=ADMIN)
def admin_confirm_twice(ctx: Ctx) -> None:
    """AdminConfirmSignUp on a CONFIRMED user is NotAuthorizedException."""
    user = signed_up(ctx)
    ctx.require_ok(admin_confirm(ctx, user.username), "AdminConfirmSignUp")
    expect_error(admin_confirm(ctx, user.username), "lifecycle.confirm.admin.already-confirmed")


@check("state.admin-confirm.unknown-pool.status", "AdminConfirmSignUp", "state",
       facts="lifecycle.confirm.admin.unknown-pool", requires=ADMIN)
def admin_confirm_unknown_pool(ctx: Ctx) -> None:
    """AdminConfirmSignUp on a pool that does not exist is ResourceNotFoundException."""
    pool_id = f"{ctx.caller.region}_ccfNoPool0"
    ex = ctx.call("AdminConfirmSignUp", {"UserPoolId": pool_id, "Username": ctx.username()})
    expect_error(ex, "lifecycle.confirm.admin.unknown-pool", pool_id=pool_id)


# -- observations -------------------------------------------------------------------------------
@observation("state.observe.confirm.confirmed-user-wrong-code", "ConfirmSignUp",
             facts="lifecycle.confirm.precedence", requires=ORACLE)
def observe_confirmed_wrong_code(ctx: Ctx) -> dict[str, Any]:
    """CONFIRMED user + wrong code: does the status check or the code check answer first?"""
    user = confirmed(ctx)
    return confirm(ctx, user, wrong_code(right_code(ctx, user.username))).summary()


@observation("state.observe.confirm.unknown-user.enabled", "ConfirmSignUp",
             facts="lifecycle.confirm.unknown-user.enabled.exact")
def observe_unknown_enabled(ctx: Ctx) -> dict[str, Any]:
    """ENABLED client, missing user: which error (or fake success) does the target answer?"""
    return confirm(ctx, absent_user(ctx, "enabled"), ANY_CODE).summary()


@observation("state.observe.confirm.unknown-client", "ConfirmSignUp",
             facts="lifecycle.confirm.unknown-client")
def observe_confirm_unknown_client(ctx: Ctx) -> dict[str, Any]:
    """ConfirmSignUp to a ClientId that does not exist (ResourceNotFoundException by analogy
    with SignUp; no capture for ConfirmSignUp)."""
    return ctx.call("ConfirmSignUp", {"ClientId": "ccfunknownclient0000000000",
                                      "Username": ctx.username(),
                                      "ConfirmationCode": ANY_CODE}).summary()


@observation("state.observe.admin-confirm.unknown-user", "AdminConfirmSignUp",
             facts="lifecycle.confirm.admin.unknown-user", requires=ADMIN)
def observe_admin_confirm_unknown_user(ctx: Ctx) -> dict[str, Any]:
    """AdminConfirmSignUp for a user that does not exist (UserNotFoundException 'User does not
    exist.' is reported for other operations, inferred for this one)."""
    return admin_confirm(ctx, ctx.username("absent")).summary()


@observation("state.observe.admin-confirm.email-verified", "AdminConfirmSignUp",
             facts="lifecycle.confirm.admin.email-verified", requires=ADMIN)
def observe_admin_confirm_verified(ctx: Ctx) -> dict[str, Any]:
    """Does AdminConfirmSignUp mark the email verified?"""
    user = signed_up(ctx)
    ctx.require_ok(admin_confirm(ctx, user.username), "AdminConfirmSignUp")
    name = fact("lifecycle.confirm.admin.email-verified").data["attribute"]
    got = ctx.call("AdminGetUser", user_key(ctx, user.username))
    value = attributes(got.json).get(name) if got.status == 200 else None
    return {"status": got.status, name: value}
