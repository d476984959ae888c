"""SignUp status mapping: which error AWS answers for which sign-up mistake.

Each check sets up the condition its fact names and compares status, `__type` and message
with the fact (specs/behaviours/signup.toml). The password-policy checks are generated from
the facts: the violating password lives in the fact, beside the message it must produce.

Every SignUp carries a valid email unless the missing or invalid email IS the point: the
pools auto-verify email, and a target that (unlike AWS) refuses a sign-up without the
auto-verified attribute must show the gap each check is about, not that one deviation
(which `signup.success.verified-email-missing.shape` reports on its own).
"""

from __future__ import annotations

from typing import Any

from conformance.checks.assertions import expect_error, expect_true
from conformance.checks.context import Ctx
from conformance.checks.registry import check
from conformance.provision import AppClient
from conformance.spec.facts import fact


def body_with_email(ctx: Ctx, client: AppClient, username: str, password: str,
                    **attributes: str) -> dict[str, Any]:
    """A SignUp body with a fresh valid email (plus `attributes`)."""
    return ctx.signup_body(client, username, password, {"email": ctx.email(), **attributes})


@check("signup.duplicate-username.status", "SignUp", "status-mapping",
       facts="signup.duplicate-username")
def duplicate_username(ctx: Ctx) -> None:
    """A second SignUp for an existing (UNCONFIRMED) username is UsernameExistsException."""
    username, _, _ = ctx.sign_up()
    ex = ctx.call("SignUp", body_with_email(ctx, ctx.client(), username, ctx.password()))
    expect_error(ex, "signup.duplicate-username")


@check("signup.duplicate-username.confirmed.status", "SignUp", "status-mapping",
       facts="signup.duplicate-username", requires=("admin",))
def duplicate_confirmed(ctx: Ctx) -> None:
    """A SignUp for an existing CONFIRMED username is UsernameExistsException too."""
    username, _, _ = ctx.sign_up()
    ctx.require_ok(ctx.call("AdminConfirmSignUp", {"UserPoolId": ctx.pool(),
                                                   "Username": username}), "AdminConfirmSignUp")
    ex = ctx.call("SignUp", body_with_email(ctx, ctx.client(), username, ctx.password()))
    expect_error(ex, "signup.duplicate-username")


@check("signup.duplicate-username.prevent-existence.status", "SignUp", "status-mapping",
       facts="signup.duplicate.prevent-existence")
def duplicate_enabled_client(ctx: Ctx) -> None:
    """PreventUserExistenceErrors=ENABLED does not hide a duplicate at SignUp."""
    client = ctx.client("main", "enabled")
    username, _, _ = ctx.sign_up(client)
    ex = ctx.call("SignUp", body_with_email(ctx, client, username, ctx.password()))
    expect_error(ex, "signup.duplicate.prevent-existence")


def _password_rule(rule: str) -> None:
    fid = f"signup.password.{rule}"

    @check(f"{fid}.status", "SignUp", "status-mapping", facts=fid)
    def password_rule(ctx: Ctx) -> None:
        ex = ctx.call("SignUp", body_with_email(ctx, ctx.client(), ctx.username(),
                                                fact(fid).data["password"]))
        expect_error(ex, fid)


for _rule in ("too-short", "no-upper", "no-lower", "no-number", "no-symbol"):
    _password_rule(_rule)


@check("signup.password.one-at-a-time", "SignUp", "status-mapping",
       facts="signup.password.one-at-a-time")
def password_one_rule(ctx: Ctx) -> None:
    """A password breaking several rules is answered with exactly one rule, not a list."""
    fid = "signup.password.one-at-a-time"
    ex = ctx.call("SignUp", body_with_email(ctx, ctx.client(), ctx.username(),
                                            fact(fid).data["password"]))
    expect_error(ex, fid)
    rules = str(ex.message).count("Password must have") + str(ex.message).count("not long")
    expect_true(rules == 1, f"message names {rules} rules: {ex.message!r}",
                expected={"rules named": 1}, observed={"message": ex.message},
                aspect="rules named", value=rules)


@check("signup.unknown-client.status", "SignUp", "status-mapping", facts="signup.unknown-client")
def unknown_client(ctx: Ctx) -> None:
    """SignUp to a ClientId that does not exist is ResourceNotFoundException."""
    client_id = "ccf" + ctx.username("c").replace("-", "")[-20:]
    ex = ctx.call("SignUp", {"ClientId": client_id, "Username": ctx.username(),
                             "Password": ctx.password()})
    expect_error(ex, "signup.unknown-client", client_id=client_id)


@check("signup.secret-hash.missing.status", "SignUp", "status-mapping",
       facts="signup.secret.missing")
def secret_missing(ctx: Ctx) -> None:
    """A secret client without SecretHash is NotAuthorizedException."""
    client = ctx.client("main", "secret")
    body = body_with_email(ctx, client, ctx.username(), ctx.password())
    del body["SecretHash"]
    expect_error(ctx.call("SignUp", body), "signup.secret.missing")


@check("signup.secret-hash.wrong.status", "SignUp", "status-mapping",
       facts="signup.secret.wrong")
def secret_wrong(ctx: Ctx) -> None:
    """A secret client with a wrong SecretHash is NotAuthorizedException naming the client."""
    client = ctx.client("main", "secret")
    body = body_with_email(ctx, client, ctx.username(), ctx.password())
    body["SecretHash"] = client.secret_hash("someone-else")
    expect_error(ctx.call("SignUp", body), "signup.secret.wrong", client_id=client.client_id)


@check("signup.missing-required-attribute.status", "SignUp", "status-mapping",
       facts="signup.missing-required-attribute")
def missing_required_attribute(ctx: Ctx) -> None:
    """A pool requiring `email`: SignUp without it is InvalidParameterException (the one
    SignUp here without an email: its absence is the point)."""
    client = ctx.client("required-email")
    ex = ctx.call("SignUp", ctx.signup_body(client, ctx.username(), ctx.password()))
    expect_error(ex, "signup.missing-required-attribute")


@check("signup.unknown-attribute.status", "SignUp", "status-mapping",
       facts="signup.unknown-attribute")
def unknown_attribute(ctx: Ctx) -> None:
    """An attribute outside the schema is InvalidParameterException naming it."""
    body = body_with_email(ctx, ctx.client(), ctx.username(), ctx.password(),
                           **{"custom:nosuchattr": "x"})
    expect_error(ctx.call("SignUp", body), "signup.unknown-attribute", name="custom:nosuchattr")


@check("signup.invalid-email.status", "SignUp", "status-mapping", facts="signup.invalid-email")
def invalid_email(ctx: Ctx) -> None:
    """An email attribute that is not an email address is InvalidParameterException."""
    body = ctx.signup_body(ctx.client(), ctx.username(), ctx.password(),
                           {"email": "not-an-email"})
    expect_error(ctx.call("SignUp", body), "signup.invalid-email")


@check("signup.email-username.not-email.status", "SignUp", "status-mapping",
       facts="signup.username-attributes.not-email")
def username_not_email(ctx: Ctx) -> None:
    """A pool whose username is the email rejects a username that is not an email."""
    body = body_with_email(ctx, ctx.client("email-username"), ctx.username(), ctx.password())
    expect_error(ctx.call("SignUp", body), "signup.username-attributes.not-email")


@check("signup.email-username.duplicate.status", "SignUp", "status-mapping",
       facts="signup.duplicate-email-as-username")
def duplicate_email_username(ctx: Ctx) -> None:
    """A pool whose username is the email: the same email twice is UsernameExistsException."""
    client = ctx.client("email-username")
    email = ctx.email()
    ctx.sign_up(client, email, attributes={"email": email})
    ex = ctx.call("SignUp", ctx.signup_body(client, email, ctx.password(), {"email": email}))
    expect_error(ex, "signup.duplicate-email-as-username")
