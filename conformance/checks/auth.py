"""InitiateAuth USER_PASSWORD_AUTH across the lifecycle: who may sign in, and what the others
are told.

An UNCONFIRMED user with the right password is told to confirm; a CONFIRMED one gets tokens
(judged against the model's output shape); a deleted user is UserNotFoundException on a
LEGACY client and indistinguishable from a wrong password on an ENABLED one. The wrong
password for an UNCONFIRMED user is disputed, so it is an @observation.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.assertions import expect_equal, expect_error, expect_ok, expect_true
from conformance.checks.context import Ctx
from conformance.checks.lifecycle import (
    ORACLE, ORACLE_ADMIN, NewUser, admin_delete, confirmed, signed_up,
)
from conformance.checks.registry import check, observation
from conformance.exchange import Exchange
from conformance.provision import AppClient
from conformance.spec.facts import fact

SUCCESS = "lifecycle.auth.success"


def sign_in(ctx: Ctx, user: NewUser, password: str | None = None,
            client: AppClient | None = None) -> Exchange:
    client = client or user.client
    params = {"USERNAME": user.username, "PASSWORD": password or user.password}
    if client.secret:
        params["SECRET_HASH"] = client.secret_hash(user.username) or ""
    return ctx.call("InitiateAuth", {"ClientId": client.client_id,
                                     "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": params})


def wrong_password(user: NewUser) -> str:
    return user.password + "x"


def _tokens(ctx: Ctx) -> dict[str, Any]:
    result = expect_ok(sign_in(ctx, confirmed(ctx)), shape=False).get("AuthenticationResult")
    return result if isinstance(result, dict) else {}


@check("state.auth.unconfirmed.status", "InitiateAuth", "state", facts="lifecycle.auth.unconfirmed")
def auth_unconfirmed(ctx: Ctx) -> None:
    """UNCONFIRMED user, right password: UserNotConfirmedException."""
    expect_error(sign_in(ctx, signed_up(ctx)), "lifecycle.auth.unconfirmed")


@check("state.auth.confirmed.shape", "InitiateAuth", "state", facts=SUCCESS, requires=ORACLE)
def auth_confirmed_shape(ctx: Ctx) -> None:
    """CONFIRMED user, right password: 200 with an AuthenticationResult matching the shape."""
    body = expect_ok(sign_in(ctx, confirmed(ctx)))
    expect_true(isinstance(body.get("AuthenticationResult"), dict),
                "no AuthenticationResult in a successful sign-in",
                {"AuthenticationResult": "<object>"}, {"keys": sorted(body)})


@check("state.auth.confirmed.tokens", "InitiateAuth", "state", facts=SUCCESS, requires=ORACLE)
def auth_confirmed_tokens(ctx: Ctx) -> None:
    """The AuthenticationResult is a Bearer token set with every token, RefreshToken included."""
    result, data = _tokens(ctx), fact(SUCCESS).data
    missing = [k for k in data["required"] if k not in result]
    expect_equal("missing AuthenticationResult members", missing, [])
    expect_equal("TokenType", result.get("TokenType"), data["token_type"])


@check("state.auth.wrong-password.status", "InitiateAuth", "state",
       facts="lifecycle.auth.wrong-password", requires=ORACLE)
def auth_wrong_password(ctx: Ctx) -> None:
    """CONFIRMED user, wrong password: NotAuthorizedException."""
    user = confirmed(ctx)
    expect_error(sign_in(ctx, user, wrong_password(user)), "lifecycle.auth.wrong-password")


@check("state.auth.deleted.legacy.status", "InitiateAuth", "state",
       facts="lifecycle.auth.unknown-user.legacy", requires=ORACLE_ADMIN)
def auth_deleted_legacy(ctx: Ctx) -> None:
    """After AdminDeleteUser, sign-in on a LEGACY client is UserNotFoundException."""
    user = confirmed(ctx)
    admin_delete(ctx, user.username)
    expect_error(sign_in(ctx, user), "lifecycle.auth.unknown-user.legacy")


@check("state.auth.deleted.enabled.status", "InitiateAuth", "state",
       facts="lifecycle.auth.unknown-user.enabled", requires=ORACLE_ADMIN)
def auth_deleted_enabled(ctx: Ctx) -> None:
    """After AdminDeleteUser, sign-in on an ENABLED client looks like a wrong password."""
    user = confirmed(ctx, ctx.client("main", "enabled"))
    admin_delete(ctx, user.username)
    expect_error(sign_in(ctx, user), "lifecycle.auth.unknown-user.enabled")


@observation("state.observe.auth.unconfirmed.wrong-password", "InitiateAuth",
             facts="lifecycle.auth.unconfirmed.wrong-password")
def observe_unconfirmed_wrong_password(ctx: Ctx) -> dict[str, Any]:
    """UNCONFIRMED user, wrong password: UserNotConfirmed or NotAuthorized? (disputed)"""
    user = signed_up(ctx)
    return sign_in(ctx, user, wrong_password(user)).summary()
