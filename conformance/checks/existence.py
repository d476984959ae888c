"""User existence (issue 13 part 5): what password recovery and confirmation tell about a
user that does not exist, judged per operation and per client setting:
PreventUserExistenceErrors LEGACY (client kind "public") reveals the missing user, ENABLED
(client kind "enabled") answers as it would for a real one.

The InitiateAuth pair lives in auth.py (state.auth.deleted.*), the ADMIN_USER_PASSWORD_AUTH
and SRP pairs in signin.py, the ConfirmSignUp one in confirm.py. Where AWS's exact answer
is not on record (section 9 of EVIDENCE.md), only the absence of UserNotFoundException is
judged and the answer itself is an @observation.
Facts: specs/behaviours/existence.toml.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.assertions import expect_error, expect_true, judged
from conformance.checks.context import Ctx
from conformance.checks.lifecycle import ANY_CODE, ORACLE, NewUser, absent_user, confirmed
from conformance.checks.passwords import confirm_forgot, forgot
from conformance.checks.registry import Failure, check, observation
from conformance.exchange import Exchange
from conformance.spec.facts import fact


def expect_hidden(ex: Exchange, fact_id: str) -> None:
    """Not UserNotFoundException: a 200 with CodeDeliveryDetails, or the alternative error
    the current guide allows."""
    data = fact(fact_id).data
    if ex.error_type == data["alternative_error"]:
        return
    if ex.error_type == data["forbidden_error"] or ex.status != 200:
        raise Failure(f"{ex.operation} for a missing user on an ENABLED client answered "
                      f"{ex.status} {ex.error_type}: it must not reveal the user is absent",
                      expected={"status": 200, "CodeDeliveryDetails": "<simulated>"},
                      observed=ex.summary(), **judged(ex, {"missing user": "revealed"}))
    details = ex.json.get("CodeDeliveryDetails") if isinstance(ex.json, dict) else None
    expect_true(isinstance(details, dict) and bool(details),
                f"{ex.operation} for a missing user answered 200 without CodeDeliveryDetails",
                {"CodeDeliveryDetails": "<simulated>"}, {"CodeDeliveryDetails": details},
                aspect="CodeDeliveryDetails", value="absent")


# -- ForgotPassword -----------------------------------------------------------------------------
@check("existence.forgot.legacy.status", "ForgotPassword", "status-mapping",
       facts="existence.forgot.legacy")
def forgot_legacy(ctx: Ctx) -> None:
    """LEGACY client, user never signed up: UserNotFoundException."""
    expect_error(forgot(ctx, absent_user(ctx)), "existence.forgot.legacy")


@check("existence.forgot.enabled.hidden", "ForgotPassword", "security",
       facts="existence.forgot.enabled")
def forgot_enabled(ctx: Ctx) -> None:
    """ENABLED client, user never signed up: answered as for a real user (simulated
    CodeDeliveryDetails), never UserNotFoundException."""
    expect_hidden(forgot(ctx, absent_user(ctx, "enabled")), "existence.forgot.enabled")


@observation("existence.observe.forgot.enabled.delivery", "ForgotPassword",
             facts="existence.forgot.enabled.delivery", requires=ORACLE)
def forgot_enabled_delivery(ctx: Ctx) -> dict[str, Any]:
    """ENABLED client: the answer for a missing user beside the one for a real user."""
    client = ctx.client("main", "enabled")
    real, missing = forgot(ctx, confirmed(ctx, client)), forgot(ctx, absent_user(ctx, "enabled"))
    keys = [sorted((ex.json or {}).get("CodeDeliveryDetails") or {}) for ex in (real, missing)]
    return {"real_user": real.summary(), "missing_user": missing.summary(),
            "missing": (missing.json or {}).get("CodeDeliveryDetails"),
            "same_keys": keys[0] == keys[1]}


# -- ConfirmForgotPassword ----------------------------------------------------------------------
def confirm_absent(ctx: Ctx, user: NewUser) -> Exchange:
    return confirm_forgot(ctx, user, ANY_CODE, ctx.password())


@check("existence.confirm-forgot.legacy.status", "ConfirmForgotPassword", "status-mapping",
       facts="existence.confirm-forgot.legacy")
def confirm_forgot_legacy(ctx: Ctx) -> None:
    """LEGACY client, user never signed up: UserNotFoundException."""
    expect_error(confirm_absent(ctx, absent_user(ctx)), "existence.confirm-forgot.legacy")


@check("existence.confirm-forgot.enabled.status", "ConfirmForgotPassword", "security",
       facts="existence.confirm-forgot.enabled")
def confirm_forgot_enabled(ctx: Ctx) -> None:
    """ENABLED client, user never signed up: CodeMismatchException, as a wrong code."""
    expect_error(confirm_absent(ctx, absent_user(ctx, "enabled")),
                 "existence.confirm-forgot.enabled")


# -- ResendConfirmationCode -------------------------------------------------------------------
@check("existence.resend.enabled.hidden", "ResendConfirmationCode", "security",
       facts="existence.resend.enabled")
def resend_enabled(ctx: Ctx) -> None:
    """ENABLED client, user never signed up: never UserNotFoundException (simulated
    CodeDeliveryDetails)."""
    user = absent_user(ctx, "enabled")
    ex = ctx.call("ResendConfirmationCode", {"ClientId": user.client.client_id,
                                             "Username": user.username})
    expect_hidden(ex, "existence.resend.enabled")
