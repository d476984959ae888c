"""Shape checks: successful answers look like AWS's, member by member.

Why validate against the model: an SDK deserialises by the output shape, so a wrong wire type
(a string where a boolean belongs), a missing required member or an undeclared one breaks
real clients even when the status is right. `expect_ok` validates a body against the JSON
Schema built from the pinned model; the few things the model cannot say (which keys AWS
leaves out, how it masks an email) are facts in specs/behaviours/shape.toml.
"""

from __future__ import annotations

import re
from typing import Any

from conformance.checks.assertions import expect_equal, expect_ok, expect_true
from conformance.checks.context import Ctx
from conformance.checks.registry import check
from conformance.exchange import Exchange
from conformance.spec.facts import fact


def mask_email(address: str) -> str:
    """AWS's masked Destination for an email (shape.destination-mask.email)."""
    local, domain = address.split("@", 1)
    return fact("shape.destination-mask.email").data["template"].format(
        local=local[:1], domain=domain[:1])


def sign_up(ctx: Ctx, pool_kind: str = "plain", email: str | None = None) -> Exchange:
    """The SignUp under test (a non-200 answer is the target's failure, not a setup error)."""
    attributes = {"email": email} if email else None
    return ctx.call("SignUp", ctx.signup_body(ctx.client(pool_kind), ctx.username(),
                                              ctx.password(), attributes))


def sign_up_with_email(ctx: Ctx, pool_kind: str) -> tuple[str, dict[str, Any]]:
    """Sign a user up with an email on a pool kind; returns (email, response body)."""
    email = ctx.email()
    return email, expect_ok(sign_up(ctx, pool_kind, email), shape=False)


def signed_up_user(ctx: Ctx) -> str:
    username, _, _ = ctx.sign_up(ctx.client("plain"))
    return username


def admin_get_user(ctx: Ctx) -> Exchange:
    username = signed_up_user(ctx)
    return ctx.call("AdminGetUser", {"UserPoolId": ctx.pool("plain"), "Username": username})


@check("signup.response.shape", "SignUp", "shape", facts="shape.output")
def signup_response_shape(ctx: Ctx) -> None:
    """SignUp's 200 body validates against SignUpResponse (UserConfirmed boolean, UserSub)."""
    expect_ok(sign_up(ctx))


@check("signup.usersub.uuid", "SignUp", "shape", facts="shape.signup.usersub-uuid")
def usersub_uuid(ctx: Ctx) -> None:
    """UserSub is a lowercase UUID."""
    sub = expect_ok(sign_up(ctx), shape=False).get("UserSub")
    expect_true(isinstance(sub, str) and re.match(
        fact("shape.signup.usersub-uuid").data["pattern"], sub) is not None,
        f"UserSub is {sub!r}, want a lowercase UUID", expected={"UserSub": "<uuid>"},
        observed={"UserSub": sub})


@check("signup.success.shape", "SignUp", "shape", facts="signup.success.shape")
def signup_plain_pool(ctx: Ctx) -> None:
    """A pool without auto-verification: UserConfirmed false and no CodeDeliveryDetails key."""
    body = expect_ok(sign_up(ctx), shape=False)
    expect_equal("UserConfirmed", body.get("UserConfirmed"), False)
    expect_true("CodeDeliveryDetails" not in body, "CodeDeliveryDetails present on a pool "
                "that verifies nothing", expected={"CodeDeliveryDetails": "<absent>"},
                observed={"CodeDeliveryDetails": body.get("CodeDeliveryDetails")})


@check("signup.success.verified-email-missing.shape", "SignUp", "shape",
       facts="signup.success.verified-email-missing")
def signup_verified_email_missing(ctx: Ctx) -> None:
    """A pool auto-verifying email, no email given: success, no CodeDeliveryDetails."""
    body = expect_ok(sign_up(ctx, "main"), shape=False)
    expect_true("CodeDeliveryDetails" not in body, "CodeDeliveryDetails without an email",
                expected={"CodeDeliveryDetails": "<absent>"},
                observed={"CodeDeliveryDetails": body.get("CodeDeliveryDetails")})


@check("signup.success.verified-email.shape", "SignUp", "shape",
       facts=("signup.success.verified-email", "shape.signup.code-delivery.email"))
def signup_verified_email(ctx: Ctx) -> None:
    """A pool auto-verifying email: CodeDeliveryDetails names EMAIL and `email`."""
    _, body = sign_up_with_email(ctx, "main")
    data = fact("shape.signup.code-delivery.email").data
    details = body.get("CodeDeliveryDetails") or {}
    expect_equal("CodeDeliveryDetails (DeliveryMedium, AttributeName)",
                 (details.get("DeliveryMedium"), details.get("AttributeName")),
                 (data["delivery_medium"], data["attribute_name"]))
    expect_equal("UserConfirmed", body.get("UserConfirmed"), False)


@check("signup.destination-mask.email", "SignUp", "shape",
       facts=("signup.destination-mask", "shape.destination-mask.email"))
def destination_mask(ctx: Ctx) -> None:
    """The email Destination is masked as AWS masks it (t***@t***)."""
    email, body = sign_up_with_email(ctx, "main")
    destination = (body.get("CodeDeliveryDetails") or {}).get("Destination")
    expect_equal("CodeDeliveryDetails.Destination", destination, mask_email(email))


@check("admingetuser.response.shape", "AdminGetUser", "shape",
       facts=("state.admingetuser.shape", "shape.output"), requires=("admin",))
def admin_get_user_shape(ctx: Ctx) -> None:
    """AdminGetUser's body validates against AdminGetUserResponse (dates as numbers...)."""
    expect_ok(admin_get_user(ctx))


@check("admingetuser.mfa-empty.shape", "AdminGetUser", "shape",
       facts="state.admingetuser.mfa-empty", requires=("admin",))
def admin_get_user_mfa_absent(ctx: Ctx) -> None:
    """A user without MFA: UserMFASettingList and PreferredMfaSetting are absent, not empty."""
    body = expect_ok(admin_get_user(ctx), shape=False)
    present = [k for k in fact("state.admingetuser.mfa-empty").data["absent_keys"] if k in body]
    expect_true(not present, f"keys present that AWS leaves out: {present}",
                expected={"absent": fact("state.admingetuser.mfa-empty").data["absent_keys"]},
                observed={k: body[k] for k in present})


@check("adminconfirmsignup.response.shape", "AdminConfirmSignUp", "shape",
       facts=("shape.output", "wire.empty-success"), requires=("admin",))
def admin_confirm_shape(ctx: Ctx) -> None:
    """AdminConfirmSignUp's body validates against its (empty) output shape."""
    username = signed_up_user(ctx)
    expect_ok(ctx.call("AdminConfirmSignUp", {"UserPoolId": ctx.pool("plain"),
                                              "Username": username}))


# -- ForgotPassword -----------------------------------------------------------------------------
FORGOT = "shape.forgot.email-destination"


def user_with_verified_email(ctx: Ctx) -> tuple[str, str]:
    """Set-up: a CONFIRMED user whose only delivery attribute is a verified email (created by
    the admin API, as in the recorded test); returns (username, email)."""
    username, email, pool_id = ctx.username("forgot"), ctx.email(), ctx.pool()
    ctx.require_ok(ctx.call("AdminCreateUser", {
        "UserPoolId": pool_id, "Username": username, "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "email", "Value": email},
                           {"Name": "email_verified", "Value": "true"}]}), "AdminCreateUser")
    ctx.require_ok(ctx.call("AdminSetUserPassword", {
        "UserPoolId": pool_id, "Username": username, "Password": ctx.password(),
        "Permanent": True}), "AdminSetUserPassword")
    return username, email


@check("forgotpassword.destination-mask.email", "ForgotPassword", "shape",
       facts=(FORGOT, "shape.destination-mask.email"), requires=("admin",))
def forgot_password_destination(ctx: Ctx) -> None:
    """ForgotPassword for a user with a verified email: the code goes by EMAIL to the
    masked address (t***@t***)."""
    username, email = user_with_verified_email(ctx)
    ex = ctx.call("ForgotPassword", {"ClientId": ctx.client().client_id, "Username": username})
    details = expect_ok(ex, shape=False).get("CodeDeliveryDetails")
    data = fact(FORGOT).data
    expect_equal("CodeDeliveryDetails", details,
                 {"Destination": mask_email(email), "DeliveryMedium": data["delivery_medium"],
                  "AttributeName": data["attribute_name"]})
