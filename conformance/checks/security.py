"""Security checks: secrets sent to the target never come back in its answers.

Why: an emulator that echoes a password or SecretHash in an error message teaches client
code to log it, and a conformance report built from such answers would leak it too (the
suite masks, but the target must not echo in the first place). AWS omits the value of
sensitive members from validation messages (EVIDENCE.md, validation.format.sensitive).
Each check sends a request AWS rejects, with a distinctive secret in a sensitive member,
first asserts that the probe WAS rejected (a 4xx error: a target that accepts everything
must not pass for one that keeps secrets), then searches the RAW response (body bytes and
every header value) for the secret.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.checks.context import Ctx
from conformance.checks.assertions import judged
from conformance.checks.registry import Failure, check
from conformance.checks.validation import SCRATCH, too_long
from conformance.exchange import Exchange, remember

FACTS = ("security.sensitive-not-echoed", "validation.format.sensitive")


def echo_sites(ex: Exchange, secret: str) -> list[str]:
    """Where the raw response carries the secret (as sent, trimmed, or JSON-escaped)."""
    forms = {f for s in {secret, secret.strip()} if s for f in (s, json.dumps(s)[1:-1])}
    sites = ["body"] if any(f.encode() in ex.body for f in forms) else []
    return sites + [f"header {k}" for k, v in ex.headers.items() if any(f in v for f in forms)]


def expect_rejected(ex: Exchange, member: str) -> None:
    """The probe was refused with a 4xx error; else the echo search would prove nothing."""
    if not 400 <= ex.status < 500:
        answer = "accepted" if ex.status < 400 else f"{ex.status // 100}xx"
        raise Failure(f"{ex.operation} with a bad {member} was not rejected with a 4xx error "
                      f"(HTTP {ex.status}), so whether it echoes secrets was not tested",
                      expected={"status": "4xx"}, observed=ex.summary(),
                      **judged(ex, {"probe": answer}))


def expect_not_echoed(ex: Exchange, member: str, secret: str) -> None:
    remember(secret)  # the report masks it wherever it surfaces
    expect_rejected(ex, member)
    sites = echo_sites(ex, secret)
    if sites:
        raise Failure(f"{ex.operation} echoes the {member} it was sent in: {', '.join(sites)}",
                      expected={member: "<never echoed>"}, observed={"echoed in": sites},
                      **judged(ex, {f"{member} echoed in": ", ".join(sites)}))


def _signup_with(ctx: Ctx, **members: Any) -> Exchange:
    body = {**ctx.signup_body(ctx.client(SCRATCH), ctx.username(), ctx.password()), **members}
    remember(members.get("Password"))
    return ctx.call("SignUp", body)


@check("security.password.too-long.not-echoed", "SignUp", "security",
       facts=(*FACTS, "validation.password"))
def password_too_long(ctx: Ctx) -> None:
    """A Password over the model's maximum is rejected without echoing it."""
    password = too_long("SignUp", "Password", ctx.password())
    expect_not_echoed(_signup_with(ctx, Password=password), "Password", password)


@check("security.password.pattern.not-echoed", "SignUp", "security",
       facts=(*FACTS, "validation.password"))
def password_pattern(ctx: Ctx) -> None:
    """A Password ending in a space (rejected under every known rule; an inner space is
    accepted by current AWS) is rejected without echoing it."""
    password = f"{ctx.password()} "
    expect_not_echoed(_signup_with(ctx, Password=password), "Password", password)


@check("security.username.too-long.not-echoed", "SignUp", "security",
       facts=(*FACTS, "validation.username"))
def username_too_long(ctx: Ctx) -> None:
    """A Username (sensitive in the model) over its maximum is rejected, not echoed."""
    username = too_long("SignUp", "Username", ctx.username())
    expect_not_echoed(_signup_with(ctx, Username=username), "Username", username)


@check("security.secret-hash.wrong.not-echoed", "SignUp", "security",
       facts=(*FACTS, "signup.secret.wrong"))
def secret_hash_wrong(ctx: Ctx) -> None:
    """A wrong SecretHash is refused naming the client, never echoing the hash."""
    client = ctx.client(SCRATCH, "secret")
    username = ctx.username()
    body = ctx.signup_body(client, username, ctx.password())
    body["SecretHash"] = client.secret_hash(username + "-other") or ""
    expect_not_echoed(ctx.call("SignUp", body), "SecretHash", body["SecretHash"])
