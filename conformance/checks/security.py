"""Security checks: secrets sent to the target never come back in its answers.

Why: an emulator that echoes a password or SecretHash in an error message teaches client
code to log it, and a conformance report built from such answers would leak it too (the
suite masks, but the target must not echo in the first place). AWS omits the value of
sensitive members from validation messages (EVIDENCE.md, validation.format.sensitive).
Each check sends a request that the target should reject, with a distinctive secret in a
sensitive member, and searches the RAW response (body bytes and every header value).
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
    """Where the raw response carries the secret (as sent or JSON-escaped)."""
    forms = {secret, json.dumps(secret)[1:-1]}
    sites = ["body"] if any(f.encode() in ex.body for f in forms) else []
    return sites + [f"header {k}" for k, v in ex.headers.items() if any(f in v for f in forms)]


def expect_not_echoed(ex: Exchange, member: str, secret: str) -> None:
    remember(secret)  # the report masks it wherever it surfaces
    sites = echo_sites(ex, secret)
    if sites:
        raise Failure(f"{ex.operation} echoes the {member} it was sent in: {', '.join(sites)}",
                      expected={member: "<never echoed>"}, observed={"echoed in": sites},
                      **judged(ex, {f"{member} echoed in": ", ".join(sites)}))


def _signup_with(ctx: Ctx, **members: Any) -> Exchange:
    body = {**ctx.signup_body(ctx.client(SCRATCH), ctx.username(), ctx.password()), **members}
    remember(members.get("Password"))
    return ctx.call("SignUp", body)


@check("security.password.too-long.not-echoed", "SignUp", "security", facts=FACTS)
def password_too_long(ctx: Ctx) -> None:
    """A Password over the model's maximum is rejected without echoing it."""
    password = too_long("SignUp", "Password", ctx.password())
    expect_not_echoed(_signup_with(ctx, Password=password), "Password", password)


@check("security.password.pattern.not-echoed", "SignUp", "security", facts=FACTS)
def password_pattern(ctx: Ctx) -> None:
    """A Password breaking the model pattern (whitespace) is rejected without echoing it."""
    password = f"{ctx.password()} {ctx.password()}"
    expect_not_echoed(_signup_with(ctx, Password=password), "Password", password)


@check("security.username.too-long.not-echoed", "SignUp", "security", facts=FACTS)
def username_too_long(ctx: Ctx) -> None:
    """A Username (sensitive in the model) over its maximum is not echoed."""
    username = too_long("SignUp", "Username", ctx.username())
    expect_not_echoed(_signup_with(ctx, Username=username), "Username", username)


@check("security.secret-hash.wrong.not-echoed", "SignUp", "security", facts=FACTS)
def secret_hash_wrong(ctx: Ctx) -> None:
    """A wrong SecretHash is refused naming the client, never echoing the hash."""
    client = ctx.client(SCRATCH, "secret")
    username = ctx.username()
    body = ctx.signup_body(client, username, ctx.password())
    body["SecretHash"] = client.secret_hash(username + "-other") or ""
    expect_not_echoed(ctx.call("SignUp", body), "SecretHash", body["SecretHash"])
