"""Admin-created users (issue 13 part 3): AdminCreateUser -> FORCE_CHANGE_PASSWORD -> the
NEW_PASSWORD_REQUIRED challenge -> RespondToAuthChallenge / AdminRespondToAuthChallenge.

Users report emulators that log admin-created users straight in: the first sign-in with the
temporary password must be a challenge with a Session and no tokens, and answering it with a
policy-valid password must issue the tokens and leave the user CONFIRMED. Every user here is
created on pool "main" (strict policy) with MessageAction SUPPRESS and a verified email, so
no invitation goes out and ForgotPassword works for it (passwords.py reuses these steps).
Facts: specs/behaviours/admin_users.toml.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.assertions import expect_equal, expect_error, expect_ok, expect_true
from conformance.checks.auth import sign_in
from conformance.checks.context import Ctx
from conformance.checks.lifecycle import ADMIN, NewUser
from conformance.checks.registry import Failure, SetupError, check
from conformance.checks.security import echo_sites
from conformance.exchange import Exchange, remember
from conformance.provision import AppClient
from conformance.spec.facts import fact

CREATED = "admin.create.force-change-password"
CHALLENGE = "admin.challenge.new-password-required"
ANSWERED = "admin.challenge.answered"
WEAK_PASSWORD = "weakpassword"  # no upper case, digit or symbol: violates the strict policy


# -- shared steps (passwords.py uses them too) ------------------------------------------------
def create_body(ctx: Ctx, username: str, password: str | None, email: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "UserPoolId": ctx.pool(), "Username": username, "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "email", "Value": email},
                           {"Name": "email_verified", "Value": "true"}]}
    if password is not None:
        body["TemporaryPassword"] = password
        remember(password)
    return body


def create(ctx: Ctx, user: NewUser) -> Exchange:
    return ctx.call("AdminCreateUser", create_body(ctx, user.username, user.password, user.email))


def new_admin_user(ctx: Ctx, client_kind: str = "public") -> NewUser:
    """A user not yet created (its temporary password and email chosen)."""
    return NewUser(ctx.username("admin"), ctx.password(), ctx.email(),
                   ctx.client("main", client_kind), {})


def admin_created(ctx: Ctx, client_kind: str = "public") -> NewUser:
    """Set-up: AdminCreateUser (SUPPRESS, TemporaryPassword, verified email) answered 200."""
    user = new_admin_user(ctx, client_kind)
    ex = create(ctx, user)
    ctx.require_ok(ex, "AdminCreateUser")
    return NewUser(user.username, user.password, user.email, user.client, ex.json)


def admin_sign_in(ctx: Ctx, user: NewUser, password: str | None = None,
                  client: AppClient | None = None) -> Exchange:
    client = client or user.client
    return ctx.call("AdminInitiateAuth", {
        "UserPoolId": client.pool_id, "ClientId": client.client_id,
        "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": user.username, "PASSWORD": password or user.password}})


def challenged(ctx: Ctx, user: NewUser, admin: bool = False) -> str:
    """Set-up: the sign-in with the temporary password answered NEW_PASSWORD_REQUIRED; the
    Session (SetupError otherwise: checks of the challenge itself judge that)."""
    ex = admin_sign_in(ctx, user) if admin else sign_in(ctx, user)
    ctx.require_ok(ex, "sign-in with the temporary password")
    body = ex.json
    session = body.get("Session")
    if body.get("ChallengeName") != fact(CHALLENGE).data["challenge_name"] or not session:
        ctx.unless_lacked(f"{ex.operation}:NEW_PASSWORD_REQUIRED", ex)
        raise SetupError(f"set-up failed: no NEW_PASSWORD_REQUIRED challenge with a Session "
                         f"({ex.summary()})")
    return str(session)


def respond(ctx: Ctx, user: NewUser, session: str, new_password: str,
            admin: bool = False) -> Exchange:
    remember(new_password)
    body: dict[str, Any] = {
        "ClientId": user.client.client_id, "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": session,
        "ChallengeResponses": {"USERNAME": user.username, "NEW_PASSWORD": new_password}}
    if admin:
        body["UserPoolId"] = user.client.pool_id
    return ctx.call("AdminRespondToAuthChallenge" if admin else "RespondToAuthChallenge", body)


def status_of(ctx: Ctx, username: str) -> Any:
    return ctx.user_status(ctx.pool(), username).get("UserStatus")


def expect_tokens(ex: Exchange) -> None:
    """200 with an AuthenticationResult holding every token, TokenType Bearer."""
    result = expect_ok(ex, shape=False).get("AuthenticationResult")
    result = result if isinstance(result, dict) else {}
    data = fact(ANSWERED).data
    expect_equal("missing AuthenticationResult members",
                 [k for k in data["required"] if k not in result], [])
    expect_equal("TokenType", result.get("TokenType"), data["token_type"])


def expect_signed_in(ex: Exchange) -> None:
    """The sign-in succeeded: 200 with an AccessToken and no challenge (which tokens, and
    their TokenType, are judged by the `*.tokens` checks alone)."""
    body = expect_ok(ex, shape=False)
    result = body.get("AuthenticationResult")
    expect_true(isinstance(result, dict) and bool(result.get("AccessToken")),
                "the sign-in issued no AccessToken", {"AuthenticationResult": "<tokens>"},
                {"ChallengeName": body.get("ChallengeName"), "keys": sorted(body)},
                aspect="signed in", value=body.get("ChallengeName") or "no AccessToken")


def expect_challenge(ex: Exchange) -> None:
    """NEW_PASSWORD_REQUIRED with a Session (min length) and no AuthenticationResult."""
    body, data = expect_ok(ex, shape=False), fact(CHALLENGE).data
    expect_equal("ChallengeName", body.get("ChallengeName"), data["challenge_name"])
    session = body.get("Session")
    expect_true(isinstance(session, str) and len(session) >= data["session_min_length"],
                "no Session (a string of 20+ characters) with the challenge",
                {"Session": "<string, 20+ chars>"}, {"Session": type(session).__name__},
                aspect="Session", value="absent" if session is None else "malformed")
    expect_true("AuthenticationResult" not in body, "tokens issued before the challenge was "
                "answered", {"AuthenticationResult": "<absent>"}, {"keys": sorted(body)},
                aspect="AuthenticationResult", value="present")


# -- AdminCreateUser ---------------------------------------------------------------------------
@check("admin-create.status.force-change-password", "AdminCreateUser", "state", facts=CREATED,
       requires=ADMIN)
def created_status(ctx: Ctx) -> None:
    """After AdminCreateUser with a TemporaryPassword, AdminGetUser shows FORCE_CHANGE_PASSWORD."""
    user = admin_created(ctx)
    expect_equal("UserStatus", status_of(ctx, user.username), fact(CREATED).data["user_status"])


@check("admin-create.response.shape", "AdminCreateUser", "shape", facts="admin.create.response",
       requires=ADMIN)
def created_shape(ctx: Ctx) -> None:
    """The answer validates against AdminCreateUserResponse and its User is the new user,
    FORCE_CHANGE_PASSWORD and enabled."""
    user = new_admin_user(ctx)
    body, data = expect_ok(create(ctx, user)), fact("admin.create.response").data
    got = body.get("User") if isinstance(body.get("User"), dict) else {}
    expect_equal("User", {k: got.get(k) for k in ("Username", "UserStatus", "Enabled")},
                 {"Username": user.username, "UserStatus": data["user_status"],
                  "Enabled": data["enabled"]})


@check("admin-create.response.no-password", "AdminCreateUser", "security",
       facts="admin.create.no-password-echoed", requires=ADMIN)
def created_no_password(ctx: Ctx) -> None:
    """The TemporaryPassword comes back nowhere in the answer (body or headers)."""
    user = new_admin_user(ctx)
    ex = create(ctx, user)
    expect_ok(ex, shape=False)
    sites = echo_sites(ex, user.password)
    if sites:
        raise Failure(f"AdminCreateUser echoes the TemporaryPassword in: {', '.join(sites)}",
                      expected={"TemporaryPassword": "<never echoed>"},
                      observed={"echoed in": sites},
                      aspects={"TemporaryPassword echoed in": ", ".join(sites)},
                      status=ex.status, error_type=ex.error_type)


@check("admin-create.duplicate.status", "AdminCreateUser", "status-mapping",
       facts="admin.create.duplicate", requires=ADMIN)
def created_twice(ctx: Ctx) -> None:
    """A second AdminCreateUser with the same username: UsernameExistsException."""
    user = admin_created(ctx)
    expect_error(create(ctx, user), "admin.create.duplicate")


@check("admin-create.temporary-password.policy.status", "AdminCreateUser", "status-mapping",
       facts="admin.create.temporary-password.policy", requires=ADMIN)
def created_weak_password(ctx: Ctx) -> None:
    """A TemporaryPassword against the pool's policy: InvalidPasswordException."""
    user = new_admin_user(ctx)
    ex = ctx.call("AdminCreateUser", create_body(ctx, user.username, WEAK_PASSWORD, user.email))
    expect_error(ex, "admin.create.temporary-password.policy")


@check("admin-create.resend.unknown-user.status", "AdminCreateUser", "status-mapping",
       facts="admin.create.resend.unknown-user", requires=ADMIN)
def resend_unknown(ctx: Ctx) -> None:
    """MessageAction RESEND for a user that does not exist: UserNotFoundException."""
    ex = ctx.call("AdminCreateUser", {"UserPoolId": ctx.pool(), "MessageAction": "RESEND",
                                      "Username": ctx.username("absent")})
    expect_error(ex, "admin.create.resend.unknown-user")


# -- the NEW_PASSWORD_REQUIRED challenge ------------------------------------------------------
@check("new-password.challenge.initiate-auth", "InitiateAuth", "state", facts=CHALLENGE,
       requires=ADMIN)
def challenge_user_password(ctx: Ctx) -> None:
    """USER_PASSWORD_AUTH with the temporary password: NEW_PASSWORD_REQUIRED, a Session, no
    tokens."""
    expect_challenge(sign_in(ctx, admin_created(ctx)))


@check("new-password.challenge.admin-initiate-auth", "AdminInitiateAuth", "state",
       facts=CHALLENGE, requires=ADMIN)
def challenge_admin_password(ctx: Ctx) -> None:
    """ADMIN_USER_PASSWORD_AUTH with the temporary password: NEW_PASSWORD_REQUIRED, a
    Session, no tokens."""
    expect_challenge(admin_sign_in(ctx, admin_created(ctx)))


@check("new-password.respond.tokens", "RespondToAuthChallenge", "state", facts=ANSWERED,
       requires=ADMIN)
def respond_tokens(ctx: Ctx) -> None:
    """RespondToAuthChallenge with a good NEW_PASSWORD: the full token set."""
    user = admin_created(ctx)
    expect_tokens(respond(ctx, user, challenged(ctx, user), ctx.password()))


@check("new-password.respond.confirmed", "RespondToAuthChallenge", "state", facts=ANSWERED,
       requires=ADMIN)
def respond_confirmed(ctx: Ctx) -> None:
    """After the challenge is answered the user is CONFIRMED."""
    user = admin_created(ctx)
    ctx.require_ok(respond(ctx, user, challenged(ctx, user), ctx.password()),
                   "RespondToAuthChallenge")
    expect_equal("UserStatus", status_of(ctx, user.username), fact(ANSWERED).data["user_status"])


@check("new-password.respond.new-password-signs-in", "InitiateAuth", "state", facts=ANSWERED,
       requires=ADMIN)
def respond_signs_in(ctx: Ctx) -> None:
    """After the challenge, the new password signs in with tokens (no second challenge)."""
    user, new = admin_created(ctx), ctx.password()
    ctx.require_ok(respond(ctx, user, challenged(ctx, user), new), "RespondToAuthChallenge")
    expect_signed_in(sign_in(ctx, user, new))


@check("new-password.respond.temporary-password-spent", "InitiateAuth", "state",
       facts="admin.challenge.temporary-password-spent", requires=ADMIN)
def respond_temporary_spent(ctx: Ctx) -> None:
    """After the challenge, the temporary password is a wrong password."""
    user = admin_created(ctx)
    ctx.require_ok(respond(ctx, user, challenged(ctx, user), ctx.password()),
                   "RespondToAuthChallenge")
    expect_error(sign_in(ctx, user), "admin.challenge.temporary-password-spent")


@check("new-password.respond.policy.status", "RespondToAuthChallenge", "status-mapping",
       facts="admin.challenge.policy", requires=ADMIN)
def respond_weak(ctx: Ctx) -> None:
    """A NEW_PASSWORD against the pool's policy: InvalidPasswordException."""
    user = admin_created(ctx)
    expect_error(respond(ctx, user, challenged(ctx, user), WEAK_PASSWORD), "admin.challenge.policy")


@check("new-password.respond.same-as-temporary", "RespondToAuthChallenge", "state",
       facts=("admin.challenge.same-as-temporary", ANSWERED), requires=ADMIN)
def respond_same(ctx: Ctx) -> None:
    """NEW_PASSWORD equal to the temporary password is accepted: tokens."""
    user = admin_created(ctx)
    expect_signed_in(respond(ctx, user, challenged(ctx, user), user.password))


@check("new-password.admin-respond.tokens", "AdminRespondToAuthChallenge", "state",
       facts=ANSWERED, requires=ADMIN)
def admin_respond_tokens(ctx: Ctx) -> None:
    """AdminRespondToAuthChallenge with a good NEW_PASSWORD: the full token set."""
    user = admin_created(ctx)
    expect_tokens(respond(ctx, user, challenged(ctx, user, admin=True), ctx.password(),
                          admin=True))


@check("new-password.admin-respond.confirmed", "AdminRespondToAuthChallenge", "state",
       facts=ANSWERED, requires=ADMIN)
def admin_respond_confirmed(ctx: Ctx) -> None:
    """After AdminRespondToAuthChallenge the user is CONFIRMED."""
    user = admin_created(ctx)
    ctx.require_ok(respond(ctx, user, challenged(ctx, user, admin=True), ctx.password(),
                           admin=True), "AdminRespondToAuthChallenge")
    expect_equal("UserStatus", status_of(ctx, user.username), fact(ANSWERED).data["user_status"])


@check("new-password.admin-respond.policy.status", "AdminRespondToAuthChallenge",
       "status-mapping", facts="admin.challenge.policy", requires=ADMIN)
def admin_respond_weak(ctx: Ctx) -> None:
    """A NEW_PASSWORD against the pool's policy: InvalidPasswordException."""
    user = admin_created(ctx)
    expect_error(respond(ctx, user, challenged(ctx, user, admin=True), WEAK_PASSWORD,
                         admin=True), "admin.challenge.policy")
