"""The confirmation lifecycle (category `state`): what SignUp leaves behind, and the steps
the lifecycle checks share.

A user moves absent -> UNCONFIRMED (SignUp) -> CONFIRMED (ConfirmSignUp with the emailed
code, or AdminConfirmSignUp) -> absent (AdminDeleteUser). The checks here judge the state
SignUp leaves (AdminGetUser); confirm.py, resend.py and auth.py judge each transition and
its errors; conformance/machines/lifecycle.py runs random sequences of all of them against
a reference model, judged fact by fact (`state.machine.<fact id>`). Every expectation is a
fact in specs/behaviours/lifecycle.toml. Users always sign up WITH an email on pool "main", which
auto-verifies email, so confirmation codes go to email.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from conformance.checks.assertions import UUID_RE, expect_equal, expect_true
from conformance.checks.context import Ctx
from conformance.checks.registry import check, observation
from conformance.exchange import Exchange
from conformance.machines import model
from conformance.provision import AppClient
from conformance.spec.facts import fact

ADMIN = ("admin",)
ORACLE = ("code-oracle",)
ORACLE_ADMIN = ("code-oracle", "admin")
ANY_CODE = "123456"  # a well-formed code, for users that do not exist


# -- shared steps --------------------------------------------------------------------------
@dataclass(frozen=True)
class NewUser:
    """A user just signed up with an email attribute, and what SignUp answered."""

    username: str
    password: str
    email: str
    client: AppClient
    signup: dict[str, Any]

    @property
    def sub(self) -> Any:
        return self.signup.get("UserSub")


def signed_up(ctx: Ctx, client: AppClient | None = None, username: str | None = None) -> NewUser:
    client = client or ctx.client()
    email = ctx.email()
    username, password, ex = ctx.sign_up(client, username, attributes={"email": email})
    return NewUser(username, password, email, client, ex.json)


def absent_user(ctx: Ctx, client_kind: str = "public") -> NewUser:
    """A user that does not exist (never signed up), on the given client of pool main."""
    client = ctx.client("main", client_kind)
    return NewUser(ctx.username("absent"), ctx.password(), ctx.email(), client, {})


def user_key(ctx: Ctx, username: str) -> dict[str, str]:
    return {"UserPoolId": ctx.pool(), "Username": username}


def confirm(ctx: Ctx, user: NewUser, code: str | None = None, *,
            client: AppClient | None = None, secret_hash: bool = True) -> Exchange:
    """ConfirmSignUp with `code` (default: the right one, from the code oracle)."""
    client = client or user.client
    body = {"ClientId": client.client_id, "Username": user.username,
            "ConfirmationCode": code or right_code(ctx, user.username)}
    if client.secret and secret_hash:
        body["SecretHash"] = client.secret_hash(user.username)
    return ctx.call("ConfirmSignUp", body)


def confirmed(ctx: Ctx, client: AppClient | None = None) -> NewUser:
    """A user confirmed the ordinary way (ConfirmSignUp with the right code)."""
    user = signed_up(ctx, client)
    ctx.require_ok(confirm(ctx, user), "ConfirmSignUp")
    return user


def right_code(ctx: Ctx, username: str) -> str:
    return ctx.code(ctx.pool(), username)


def wrong_code(right: str) -> str:
    """A code of the same form that is certainly not the right one (each digit shifted)."""
    shifted = "".join(str((int(c) + 1) % 10) if c.isdigit() else c for c in right)
    return shifted if shifted != right else right + "0"


def admin_confirm(ctx: Ctx, username: str) -> Exchange:
    return ctx.call("AdminConfirmSignUp", user_key(ctx, username))


def admin_delete(ctx: Ctx, username: str) -> None:
    ctx.require_ok(ctx.call("AdminDeleteUser", user_key(ctx, username)), "AdminDeleteUser")


def attributes(user: dict[str, Any]) -> dict[str, Any]:
    return {a.get("Name"): a.get("Value") for a in user.get("UserAttributes") or []
            if isinstance(a, dict)}


def expect_status(ctx: Ctx, username: str, fact_id: str) -> dict[str, Any]:
    """AdminGetUser shows the UserStatus the fact names."""
    user = ctx.user_status(ctx.pool(), username)
    expect_equal("UserStatus", user.get("UserStatus"), fact(fact_id).data["user_status"])
    return user


# -- SignUp leaves an UNCONFIRMED user ------------------------------------------------------
AFTER_SIGNUP = "lifecycle.state.after-signup"


@check("state.signup.user-confirmed-false", "SignUp", "state", facts="lifecycle.signup.unconfirmed")
def signup_user_confirmed(ctx: Ctx) -> None:
    """SignUp answers UserConfirmed false and a UUID UserSub."""
    user = signed_up(ctx)
    expect_equal("UserConfirmed", user.signup.get("UserConfirmed"),
                 fact("lifecycle.signup.unconfirmed").data["user_confirmed"])
    expect_true(isinstance(user.sub, str) and bool(UUID_RE.match(user.sub)),
                f"UserSub {user.sub!r} is not a UUID", {"UserSub": "<uuid>"}, {"UserSub": user.sub})


# What AdminGetUser shows after SignUp is only INFERRED for AWS (EVIDENCE.md
# state.after-signup): these record what the target shows beside the inferred value and
# never pass or fail (selftest/test_spec.py keeps inferred-only facts out of verdicts).
def inferred(**pairs: tuple[Any, Any]) -> dict[str, Any]:
    """{name: observed} plus, per name, the inferred AWS value and whether they agree."""
    out: dict[str, Any] = {name: got for name, (got, _) in pairs.items()}
    out["inferred_aws"] = {name: want for name, (_, want) in pairs.items()}
    out["agrees"] = all(got == want for got, want in pairs.values())
    return out


@observation("state.signup.unconfirmed", "AdminGetUser", facts=AFTER_SIGNUP, requires=ADMIN)
def signup_unconfirmed(ctx: Ctx) -> dict[str, Any]:
    """After SignUp, the UserStatus AdminGetUser shows (inferred AWS: UNCONFIRMED)."""
    got = ctx.user_status(ctx.pool(), signed_up(ctx).username)
    return inferred(UserStatus=(got.get("UserStatus"), fact(AFTER_SIGNUP).data["user_status"]))


@observation("state.signup.enabled", "AdminGetUser", facts=AFTER_SIGNUP, requires=ADMIN)
def signup_enabled(ctx: Ctx) -> dict[str, Any]:
    """After SignUp, whether the user is Enabled (inferred AWS: true)."""
    got = ctx.user_status(ctx.pool(), signed_up(ctx).username)
    return inferred(Enabled=(got.get("Enabled"), fact(AFTER_SIGNUP).data["enabled"]))


@observation("state.signup.sub-matches", "AdminGetUser", facts=AFTER_SIGNUP, requires=ADMIN)
def signup_sub(ctx: Ctx) -> dict[str, Any]:
    """Whether the `sub` attribute AdminGetUser shows is the UserSub SignUp answered."""
    user = signed_up(ctx)
    got = attributes(ctx.user_status(ctx.pool(), user.username))
    same = got.get(fact(AFTER_SIGNUP).data["sub_attribute"]) == user.sub
    return inferred(sub_is_the_signup_UserSub=(same, True))


@observation("state.signup.attributes-as-sent", "AdminGetUser", facts=AFTER_SIGNUP,
             requires=ADMIN)
def signup_attributes(ctx: Ctx) -> dict[str, Any]:
    """Whether the email comes back as sent and unverified before confirmation."""
    user = signed_up(ctx)
    got = attributes(ctx.user_status(ctx.pool(), user.username))
    name, allowed = (fact(AFTER_SIGNUP).data[k] for k in ("verified_attribute",
                                                          "unverified_values"))
    return inferred(email_as_sent=(got.get("email") == user.email, True),
                    email_unverified=(got.get(name) is None or got.get(name) in allowed, True))


@observation("state.signup.after-delete.new-sub", "SignUp", facts="lifecycle.signup.after-delete",
             requires=ADMIN)
def signup_after_delete(ctx: Ctx) -> dict[str, Any]:
    """After AdminDeleteUser, whether the same username signs up again with a new sub."""
    first = signed_up(ctx)
    admin_delete(ctx, first.username)
    ex = ctx.call("SignUp", ctx.signup_body(first.client, first.username, ctx.password(),
                                            {"email": ctx.email()}))
    again = ex.json.get("UserSub") if ex.status == 200 and isinstance(ex.json, dict) else None
    return {"status": ex.status, "type": ex.error_type, **inferred(
        signs_up_again=(ex.status == 200, True),
        new_sub=(again is not None and again != first.sub, True))}


# -- the model-based state machine: one check per fact of its model ---------------------------
def _machine_check(fact_id: str) -> Callable[[Ctx], dict[str, Any]]:
    def judged_by_machine(ctx: Ctx) -> dict[str, Any]:
        from conformance.machines.lifecycle import judge_fact

        return judge_fact(ctx, fact_id)

    what = ("records what the target answers where AWS's answer is only inferred"
            if model.observed_only(fact_id) else "agree with")
    judged_by_machine.__doc__ = (f"The lifecycle state machine's random sequences {what}: "
                                 f"{fact_id}: {fact(fact_id).summary}")
    return judged_by_machine


def _register_machine_checks() -> None:
    """`state.machine.<fact id>` for every fact of the machine's model (model.FACTS), each
    answered from the session's one run (conformance/machines/lifecycle.py): a check, or an
    observation where the fact is only inferred (the machine judges model.FLOOR there)."""
    for fact_id in model.FACTS:
        name, operation = f"state.machine.{fact_id}", fact(fact_id).operation or "SignUp"
        facts, requires = (fact_id, *model.depends(fact_id)), tuple(model.requires(fact_id))
        register = (observation(name, operation, facts=facts, requires=requires)
                    if model.observed_only(fact_id)
                    else check(name, operation, "state", facts=facts, requires=requires))
        register(_machine_check(fact_id))


_register_machine_checks()
