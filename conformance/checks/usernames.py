"""Username configurations (issue 13 part 7) and the operations that change who a user is.

Pools (conformance/provision.py): "email-username" (UsernameAttributes=[email]: the stored
username is the generated sub), "alias" (email and preferred_username are aliases once
verified), "case-insensitive" (UsernameConfiguration.CaseSensitive=false) and "main" (the
default: case-sensitive). Also DeleteUser with an access token, AdminUpdateUserAttributes,
UpdateUserAttributes, and what DescribeUserPool reports of each configuration.
Facts: specs/behaviours/usernames.toml. Re-creating a deleted username is judged in
lifecycle.py (`state.signup.after-delete.new-sub`), not here.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.assertions import expect_equal, expect_error, expect_ok, expect_true
from conformance.checks.auth import sign_in
from conformance.checks.context import Ctx
from conformance.checks.lifecycle import NewUser, attributes
from conformance.checks.listusers import quoted
from conformance.checks.registry import SetupError, check, observation
from conformance.exchange import Exchange

ADMIN = ("admin",)
ORACLE_ADMIN = ("code-oracle", "admin")


# -- shared steps --------------------------------------------------------------------------
def new_user(ctx: Ctx, pool_kind: str, username: str | None = None,
             email: str | None = None) -> NewUser:
    """A user signed up on the pool's public client (with an email attribute)."""
    client = ctx.client(pool_kind)
    email = email or ctx.email()
    username, password, ex = ctx.sign_up(client, username, attributes={"email": email})
    return NewUser(username, password, email, client, ex.json)


def as_name(user: NewUser, username: str) -> NewUser:
    """The same user, named differently (an alias, another capitalisation)."""
    return NewUser(username, user.password, user.email, user.client, user.signup)


def get_user(ctx: Ctx, user: NewUser, username: str | None = None) -> Exchange:
    return ctx.call("AdminGetUser", {"UserPoolId": user.client.pool_id,
                                     "Username": username or user.username})


def admin_confirmed(ctx: Ctx, user: NewUser, username: str | None = None) -> NewUser:
    ex = ctx.call("AdminConfirmSignUp", {"UserPoolId": user.client.pool_id,
                                         "Username": username or user.username})
    ctx.require_ok(ex, "AdminConfirmSignUp")
    return user


def code_confirmed(ctx: Ctx, user: NewUser) -> NewUser:
    """ConfirmSignUp with the emailed code (which verifies the email)."""
    code = ctx.code(user.client.pool_id, user.username)
    ex = ctx.call("ConfirmSignUp", {"ClientId": user.client.client_id,
                                    "Username": user.username, "ConfirmationCode": code})
    ctx.require_ok(ex, "ConfirmSignUp")
    return user


def access_token(ctx: Ctx, user: NewUser) -> str:
    ex = sign_in(ctx, user)
    ctx.require_ok(ex, "InitiateAuth")
    token = (ex.json.get("AuthenticationResult") or {}).get("AccessToken")
    if not isinstance(token, str):
        raise SetupError("set-up failed: InitiateAuth answered no AccessToken")
    return token


def expect_tokens(ex: Exchange) -> None:
    body = expect_ok(ex, shape=False)
    expect_true(isinstance((body.get("AuthenticationResult") or {}).get("AccessToken"), str),
                "sign-in answered no AuthenticationResult.AccessToken",
                {"AuthenticationResult": "<tokens>"}, {"keys": sorted(body)},
                aspect="AuthenticationResult", value="absent")


def describe(ctx: Ctx, pool_kind: str) -> dict[str, Any]:
    body = expect_ok(ctx.call("DescribeUserPool", {"UserPoolId": ctx.pool(pool_kind)}),
                     shape=False)
    pool = body.get("UserPool")
    return pool if isinstance(pool, dict) else {}


# -- UsernameAttributes = [email] ----------------------------------------------------------
@check("usernames.email-username.username-is-sub", "AdminGetUser", "state",
       facts=("usernames.email-username.sub", "usernames.lookup.alias-or-sub"), requires=ADMIN)
def email_username_is_sub(ctx: Ctx) -> None:
    """Signed up with an email as Username: AdminGetUser by the email answers Username = sub."""
    user = new_user(ctx, "email-username", username=(email := ctx.email()), email=email)
    got = expect_ok(get_user(ctx, user), shape=False)
    expect_equal("Username", got.get("Username"), user.sub)
    expect_equal("email attribute", attributes(got).get("email"), user.email)


@check("usernames.email-username.get-by-sub", "AdminGetUser", "state",
       facts=("usernames.lookup.alias-or-sub", "usernames.email-username.sub"), requires=ADMIN)
def email_username_by_sub(ctx: Ctx) -> None:
    """AdminGetUser by the sub finds the user signed up with an email as Username."""
    user = new_user(ctx, "email-username", username=(email := ctx.email()), email=email)
    got = expect_ok(get_user(ctx, user, str(user.sub)), shape=False)
    expect_equal("email attribute", attributes(got).get("email"), user.email)


@check("usernames.email-username.listed-as-sub", "ListUsers", "state",
       facts="usernames.email-username.sub", requires=ADMIN)
def email_username_listed(ctx: Ctx) -> None:
    """ListUsers (`email = "<email>"`) shows the user under its sub, not the email."""
    user = new_user(ctx, "email-username", username=(email := ctx.email()), email=email)
    body = expect_ok(ctx.call("ListUsers", {"UserPoolId": user.client.pool_id,
                                            "Filter": f"email = {quoted(user.email)}"}))
    expect_equal("Usernames listed", [u.get("Username") for u in body.get("Users") or []],
                 [user.sub])


@check("usernames.email-username.sign-in", "InitiateAuth", "state",
       facts="usernames.email-username.sign-in", requires=ADMIN)
def email_username_sign_in(ctx: Ctx) -> None:
    """AdminConfirmSignUp by the email, then USER_PASSWORD_AUTH with the email: tokens."""
    user = new_user(ctx, "email-username", username=(email := ctx.email()), email=email)
    expect_tokens(sign_in(ctx, admin_confirmed(ctx, user)))


# -- AliasAttributes -----------------------------------------------------------------------
@check("usernames.alias.email-format-username.status", "SignUp", "status-mapping",
       facts="usernames.alias.email-format-username")
def alias_email_format(ctx: Ctx) -> None:
    """A pool with email as an alias rejects a Username in email format."""
    email = ctx.email()
    ex = ctx.call("SignUp", ctx.signup_body(ctx.client("alias"), email, ctx.password(),
                                            {"email": email}))
    expect_error(ex, "usernames.alias.email-format-username")


@check("usernames.alias.get-by-email", "AdminGetUser", "state",
       facts=("usernames.alias.verified-email", "usernames.lookup.alias-or-sub"),
       requires=ORACLE_ADMIN)
def alias_get_by_email(ctx: Ctx) -> None:
    """Once the email alias is verified, AdminGetUser by it answers the signed-up Username."""
    user = code_confirmed(ctx, new_user(ctx, "alias"))
    got = expect_ok(get_user(ctx, user, user.email), shape=False)
    expect_equal("Username", got.get("Username"), user.username)


@check("usernames.alias.sign-in-by-email", "InitiateAuth", "state",
       facts="usernames.alias.verified-email", requires=ORACLE_ADMIN)
def alias_sign_in(ctx: Ctx) -> None:
    """Once the email alias is verified, USER_PASSWORD_AUTH with the email gives tokens."""
    user = code_confirmed(ctx, new_user(ctx, "alias"))
    expect_tokens(sign_in(ctx, as_name(user, user.email)))


@check("usernames.alias.email-taken.status", "ConfirmSignUp", "status-mapping",
       facts="usernames.alias.exists", requires=ORACLE_ADMIN)
def alias_taken(ctx: Ctx) -> None:
    """Confirming a second user whose email is another user's verified alias: AliasExists."""
    first = code_confirmed(ctx, new_user(ctx, "alias"))
    second = new_user(ctx, "alias", email=first.email)
    code = ctx.code(second.client.pool_id, second.username)
    ex = ctx.call("ConfirmSignUp", {"ClientId": second.client.client_id,
                                    "Username": second.username, "ConfirmationCode": code})
    expect_error(ex, "usernames.alias.exists")


# -- case sensitivity ----------------------------------------------------------------------
@check("usernames.case-insensitive.duplicate.status", "SignUp", "status-mapping",
       facts="usernames.case-insensitive")
def case_insensitive_duplicate(ctx: Ctx) -> None:
    """Case-insensitive pool: a SignUp differing only in case is UsernameExistsException."""
    user = new_user(ctx, "case-insensitive", ctx.username("Ci"))
    ex = ctx.call("SignUp", ctx.signup_body(user.client, user.username.swapcase(),
                                            ctx.password(), {"email": ctx.email()}))
    expect_error(ex, "usernames.case-insensitive")


@check("usernames.case-insensitive.get-other-case", "AdminGetUser", "state",
       facts="usernames.case-insensitive", requires=ADMIN)
def case_insensitive_get(ctx: Ctx) -> None:
    """Case-insensitive pool: AdminGetUser with the name in another case finds the user."""
    user = new_user(ctx, "case-insensitive", ctx.username("Ci"))
    got = expect_ok(get_user(ctx, user, user.username.swapcase()), shape=False)
    expect_equal("sub", attributes(got).get("sub"), user.sub)


@observation("usernames.observe.case-insensitive.returned-username", "AdminGetUser",
             facts="usernames.case-insensitive.returned-username", requires=ADMIN)
def case_insensitive_returned(ctx: Ctx) -> dict[str, Any]:
    """Which Username AdminGetUser returns when asked in another case."""
    user = new_user(ctx, "case-insensitive", ctx.username("Ci"))
    ex = get_user(ctx, user, user.username.swapcase())
    got = ex.json.get("Username") if ex.status == 200 and isinstance(ex.json, dict) else None
    return {"status": ex.status, "type": ex.error_type,
            "returned": ("as signed up" if got == user.username else "as asked"
                         if got == user.username.swapcase() else got)}


@check("usernames.case-insensitive.sign-in-other-case", "InitiateAuth", "state",
       facts="usernames.case-insensitive", requires=ADMIN)
def case_insensitive_sign_in(ctx: Ctx) -> None:
    """Case-insensitive pool: sign-in with the username in another case gives tokens."""
    user = admin_confirmed(ctx, new_user(ctx, "case-insensitive", ctx.username("Ci")))
    expect_tokens(sign_in(ctx, as_name(user, user.username.swapcase())))


@check("usernames.case-sensitive.default.coexist", "SignUp", "state",
       facts="usernames.case-sensitive.default")
def case_sensitive_coexist(ctx: Ctx) -> None:
    """Default pool: a SignUp differing only in case is another user (200, its own sub)."""
    user = new_user(ctx, "main", ctx.username("Cs"))
    ex = ctx.call("SignUp", ctx.signup_body(user.client, user.username.swapcase(),
                                            ctx.password(), {"email": ctx.email()}))
    body = expect_ok(ex)
    expect_true(body.get("UserSub") != user.sub, "the case variant got the first user's sub",
                {"UserSub": "a new sub"}, {"UserSub": "the first user's"}, aspect="UserSub",
                value="reused")


@check("usernames.case-sensitive.default.get-other-case", "AdminGetUser", "state",
       facts=("usernames.case-sensitive.default", "usernames.absent-user"), requires=ADMIN)
def case_sensitive_get(ctx: Ctx) -> None:
    """Default pool: AdminGetUser with the name in another case finds no user."""
    user = new_user(ctx, "main", ctx.username("Cs"))
    expect_error(get_user(ctx, user, user.username.swapcase()), "usernames.absent-user")


# -- DeleteUser with an access token -------------------------------------------------------
def deleted(ctx: Ctx) -> tuple[NewUser, str, Exchange]:
    """A confirmed user that deleted itself: (user, its old access token, DeleteUser's answer)."""
    user = admin_confirmed(ctx, new_user(ctx, "main"))
    token = access_token(ctx, user)
    return user, token, ctx.call("DeleteUser", {"AccessToken": token})


@check("usernames.delete-user.gone", "DeleteUser", "state",
       facts=("usernames.delete-user", "usernames.absent-user"), requires=ADMIN)
def delete_user_gone(ctx: Ctx) -> None:
    """DeleteUser with the access token: 200, then AdminGetUser finds no such user."""
    user, _, ex = deleted(ctx)
    expect_ok(ex)
    expect_error(get_user(ctx, user), "usernames.absent-user")


@check("usernames.delete-user.sign-in-refused", "InitiateAuth", "state",
       facts=("usernames.delete-user", "lifecycle.auth.unknown-user.legacy"), requires=ADMIN)
def delete_user_sign_in(ctx: Ctx) -> None:
    """After DeleteUser, sign-in (LEGACY client) is UserNotFoundException."""
    user, _, ex = deleted(ctx)
    expect_ok(ex)
    expect_error(sign_in(ctx, user), "lifecycle.auth.unknown-user.legacy")


@observation("usernames.observe.delete-user.old-token", "GetUser",
             facts="usernames.delete-user.old-token", requires=ADMIN)
def delete_user_old_token(ctx: Ctx) -> dict[str, Any]:
    """What GetUser answers for the deleted user's still unexpired access token."""
    _, token, ex = deleted(ctx)
    ctx.require_ok(ex, "DeleteUser")
    return ctx.call("GetUser", {"AccessToken": token}).summary()


# -- attribute updates ---------------------------------------------------------------------
def admin_update(ctx: Ctx, user: NewUser, **values: str) -> Exchange:
    return ctx.call("AdminUpdateUserAttributes", {
        "UserPoolId": user.client.pool_id, "Username": user.username,
        "UserAttributes": [{"Name": k, "Value": v} for k, v in values.items()]})


@check("usernames.admin-update.attribute", "AdminUpdateUserAttributes", "state",
       facts="usernames.admin-update", requires=ADMIN)
def admin_update_attribute(ctx: Ctx) -> None:
    """AdminUpdateUserAttributes given_name: 200, and AdminGetUser shows the new value."""
    user = new_user(ctx, "main")
    expect_ok(admin_update(ctx, user, given_name="Updated"))
    expect_equal("given_name", attributes(ctx.user_status(user.client.pool_id,
                                                          user.username)).get("given_name"),
                 "Updated")


@check("usernames.admin-update.email-verified", "AdminUpdateUserAttributes", "state",
       facts="usernames.admin-update.email-verified", requires=ADMIN)
def admin_update_email_verified(ctx: Ctx) -> None:
    """A new email with email_verified=true: the email changes at once and stays verified."""
    user, email = admin_confirmed(ctx, new_user(ctx, "main")), ctx.email()
    expect_ok(admin_update(ctx, user, email=email, email_verified="true"))
    got = attributes(ctx.user_status(user.client.pool_id, user.username))
    expect_equal("email", got.get("email"), email)
    expect_equal("email_verified", got.get("email_verified"), "true")


@observation("usernames.observe.admin-update.email-unverified", "AdminUpdateUserAttributes",
             facts="usernames.admin-update.email-unverified", requires=ADMIN)
def admin_update_email_unverified(ctx: Ctx) -> dict[str, Any]:
    """A verified user's email changed without email_verified: what email/email_verified show."""
    user, email = admin_confirmed(ctx, new_user(ctx, "main")), ctx.email()
    ctx.require_ok(admin_update(ctx, user, email=user.email, email_verified="true"),
                   "AdminUpdateUserAttributes")
    ex = admin_update(ctx, user, email=email)
    got = attributes(ctx.user_status(user.client.pool_id, user.username))
    shown = {email: "new", user.email: "old"}.get(got.get("email"), got.get("email"))
    return {"update": ex.summary(), "email": shown, "email_verified": got.get("email_verified"),
            "inferred_aws": {"email": "new", "email_verified": "false"}}


@check("usernames.update-attributes.attribute", "UpdateUserAttributes", "state",
       facts="usernames.update-attributes", requires=ADMIN)
def update_attributes(ctx: Ctx) -> None:
    """UpdateUserAttributes (access token) given_name: 200, and the user shows the new value."""
    user = admin_confirmed(ctx, new_user(ctx, "main"))
    ex = ctx.call("UpdateUserAttributes", {"AccessToken": access_token(ctx, user),
                                           "UserAttributes": [{"Name": "given_name",
                                                               "Value": "Self"}]})
    expect_ok(ex)
    expect_equal("given_name", attributes(ctx.user_status(user.client.pool_id,
                                                          user.username)).get("given_name"),
                 "Self")


# -- DescribeUserPool ----------------------------------------------------------------------
@check("usernames.describe.username-attributes", "DescribeUserPool", "shape",
       facts="usernames.describe-pool", requires=ADMIN)
def describe_username_attributes(ctx: Ctx) -> None:
    """The email-username pool reports UsernameAttributes ["email"]."""
    expect_equal("UsernameAttributes", describe(ctx, "email-username").get("UsernameAttributes"),
                 ["email"])


@check("usernames.describe.alias-attributes", "DescribeUserPool", "shape",
       facts="usernames.describe-pool", requires=ADMIN)
def describe_alias_attributes(ctx: Ctx) -> None:
    """The alias pool reports AliasAttributes email and preferred_username."""
    got = describe(ctx, "alias").get("AliasAttributes")
    expect_equal("AliasAttributes", sorted(got) if isinstance(got, list) else got,
                 ["email", "preferred_username"])


@check("usernames.describe.case-insensitive", "DescribeUserPool", "shape",
       facts="usernames.describe-pool", requires=ADMIN)
def describe_case(ctx: Ctx) -> None:
    """The case-insensitive pool reports UsernameConfiguration {CaseSensitive: false}."""
    expect_equal("UsernameConfiguration",
                 describe(ctx, "case-insensitive").get("UsernameConfiguration"),
                 {"CaseSensitive": False})


@observation("usernames.observe.describe.default-case", "DescribeUserPool",
             facts="usernames.describe-pool.default-case", requires=ADMIN)
def describe_default_case(ctx: Ctx) -> dict[str, Any]:
    """UsernameConfiguration of a pool created without one."""
    return {"UsernameConfiguration": describe(ctx, "main").get("UsernameConfiguration",
                                                               "<absent>")}


@check("usernames.describe.unknown-pool.status", "DescribeUserPool", "status-mapping",
       facts="usernames.describe-pool.unknown-pool", requires=ADMIN)
def describe_unknown_pool(ctx: Ctx) -> None:
    """DescribeUserPool on a pool that does not exist is ResourceNotFoundException."""
    ex = ctx.call("DescribeUserPool", {"UserPoolId": f"{ctx.caller.region}_ccfNoPool0"})
    expect_error(ex, "usernames.describe-pool.unknown-pool")
