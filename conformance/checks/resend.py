"""ResendConfirmationCode: a new code for an UNCONFIRMED user, errors for everyone else.

On a LEGACY client a CONFIRMED or missing user gets an error naming the reason; on an
ENABLED client AWS hides user existence and what it answers is disputed (2026 reports of
no error at all), so those cases are @observations, never verdicts.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.assertions import expect_equal, expect_error, expect_ok
from conformance.checks.context import Ctx
from conformance.checks.lifecycle import (
    NewUser, ORACLE, absent_user, confirm, confirmed, right_code, signed_up,
)
from conformance.checks.registry import check, observation
from conformance.exchange import Exchange
from conformance.spec.facts import fact

SUCCESS = "lifecycle.resend.success"


def resend(ctx: Ctx, user: NewUser, *, secret_hash: bool = True) -> Exchange:
    body = {"ClientId": user.client.client_id, "Username": user.username}
    if user.client.secret and secret_hash:
        body["SecretHash"] = user.client.secret_hash(user.username)
    return ctx.call("ResendConfirmationCode", body)


def masked(email: str, template: str) -> str:
    """The destination AWS shows for an email: first letters of local part and domain."""
    local, _, domain = email.partition("@")
    return template.format(local=local[:1], domain=domain[:1])


def _delivery(ctx: Ctx) -> tuple[NewUser, dict[str, Any]]:
    user = signed_up(ctx)
    details = expect_ok(resend(ctx, user)).get("CodeDeliveryDetails")
    return user, details if isinstance(details, dict) else {}


@check("state.resend.unconfirmed.delivery", "ResendConfirmationCode", "state", facts=SUCCESS)
def resend_delivery(ctx: Ctx) -> None:
    """An UNCONFIRMED user gets a new code by EMAIL (the pool auto-verifies email)."""
    _, details = _delivery(ctx)
    data = fact(SUCCESS).data
    expect_equal("CodeDeliveryDetails medium/attribute",
                 (details.get("DeliveryMedium"), details.get("AttributeName")),
                 (data["delivery_medium"], data["attribute_name"]))


@check("state.resend.unconfirmed.destination-masked", "ResendConfirmationCode", "state",
       facts=(SUCCESS, "signup.destination-mask"))
def resend_destination(ctx: Ctx) -> None:
    """The destination is the masked email address."""
    user, details = _delivery(ctx)
    expect_equal("CodeDeliveryDetails.Destination", details.get("Destination"),
                 masked(user.email, fact(SUCCESS).data["destination"]))


@check("state.resend.confirmed.legacy.status", "ResendConfirmationCode", "state",
       facts="lifecycle.resend.confirmed-user", requires=ORACLE)
def resend_confirmed(ctx: Ctx) -> None:
    """LEGACY client, CONFIRMED user: InvalidParameterException 'User is already confirmed.'"""
    expect_error(resend(ctx, confirmed(ctx)), "lifecycle.resend.confirmed-user")


@check("state.resend.unknown-user.legacy.status", "ResendConfirmationCode", "state",
       facts="lifecycle.resend.unknown-user.legacy")
def resend_unknown(ctx: Ctx) -> None:
    """LEGACY client, user never signed up: UserNotFoundException."""
    expect_error(resend(ctx, absent_user(ctx)), "lifecycle.resend.unknown-user.legacy")


@check("state.resend.secret-hash.missing.status", "ResendConfirmationCode", "state",
       facts="lifecycle.resend.secret")
def resend_secret_missing(ctx: Ctx) -> None:
    """A secret client without SecretHash is NotAuthorizedException naming the client."""
    user = signed_up(ctx, ctx.client("main", "secret"))
    expect_error(resend(ctx, user, secret_hash=False), "lifecycle.resend.secret",
                 client_id=user.client.client_id)


@observation("state.observe.resend.confirmed.enabled", "ResendConfirmationCode",
             facts="lifecycle.resend.confirmed-user.enabled", requires=ORACLE)
def observe_resend_confirmed_enabled(ctx: Ctx) -> dict[str, Any]:
    """ENABLED client, CONFIRMED user: error or silent success? (disputed)"""
    user = confirmed(ctx, ctx.client("main", "enabled"))
    return resend(ctx, user).summary()


@observation("state.observe.resend.unknown-user.enabled", "ResendConfirmationCode",
             facts="lifecycle.resend.unknown-user.enabled")
def observe_resend_unknown_enabled(ctx: Ctx) -> dict[str, Any]:
    """ENABLED client, missing user: simulated delivery or InvalidParameterException?"""
    ex = resend(ctx, absent_user(ctx, "enabled"))
    return {**ex.summary(), "body": ex.json if ex.status == 200 else None}


@observation("state.observe.resend.old-code", "ConfirmSignUp", facts="lifecycle.resend.old-code",
             requires=ORACLE)
def observe_resend_old_code(ctx: Ctx) -> dict[str, Any]:
    """After ResendConfirmationCode, does the code sent before still confirm the user?
    (EVIDENCE only says the previous code stops working; no capture of the answer.)"""
    user = signed_up(ctx)
    old = right_code(ctx, user.username)
    resent = resend(ctx, user)
    new = right_code(ctx, user.username)
    return {**confirm(ctx, user, old).summary(), "resend status": resent.status,
            "new code differs": new != old}
