"""Tokens that verify (issue 13 part 2): the ID and access tokens a sign-in answers are RS256
JWTs signed by a key of the pool's JWKS, fetched from the target at
<endpoint>/<pool id>/.well-known/jwks.json (a recorded GET), and verified with joserfc; their
claims are judged one aspect per check (decoded without trusting the signature, which the
signature checks judge), on the `validity` client (2-hour ID and access tokens).
A target whose `iss` host is its own URL is judged on the path; the host is recorded by
the observation tokens.observe.issuer. Facts: specs/behaviours/tokens.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from conformance.checks.assertions import expect_equal, expect_ok, expect_true
from conformance.checks.context import Ctx
from conformance.checks.lifecycle import ORACLE, NewUser, confirmed
from conformance.checks.registry import check, observation
from conformance.checks.signin import refresh, tokens
from conformance.exchange import Exchange
from conformance.spec.facts import fact
from conformance.tokens_verify import (
    TokenInvalid, aws_issuer, claims, issuer_parts, jwks_path, parts, verify,
)

ID, ACCESS = "IdToken", "AccessToken"


@dataclass
class SignedIn:
    user: NewUser
    result: dict[str, Any]

    def claims(self, which: str) -> dict[str, Any]:
        return claims(self.result.get(which))


def signed_in(ctx: Ctx) -> SignedIn:
    # ConfirmSignUp with the emailed code verifies the email (AdminConfirmSignUp would not).
    user = confirmed(ctx, ctx.client("main", "validity"))
    return SignedIn(user, tokens(ctx, user))


def jwks(ctx: Ctx, pool_id: str) -> Exchange:
    ex = ctx.caller.get(jwks_path(pool_id), "GET jwks.json")
    ctx.exchanges.append(ex)
    return ex


def expect_verifies(ctx: Ctx, token: Any, pool_id: str, what: str) -> dict[str, Any]:
    header = parts(token)[0]
    want = fact("tokens.signature").data["alg"]
    expect_equal(f"{what} header alg", header.get("alg"), want)
    try:
        return verify(token, jwks(ctx, pool_id), want)
    except TokenInvalid as exc:
        expect_true(False, f"{what} does not verify against the pool's JWKS: {exc}",
                    {"verifies": True}, {"verifies": False, "kid": header.get("kid"),
                                         "why": str(exc)}, aspect="verifies", value=False)
    return {}


# -- the JWKS and the signatures ----------------------------------------------------------------
@check("tokens.jwks.shape", "InitiateAuth", "shape", facts="tokens.jwks")
def jwks_shape(ctx: Ctx) -> None:
    """The pool's JWKS: RSA keys with kid, alg RS256, e, n, use."""
    body = expect_ok(jwks(ctx, ctx.pool("main")), shape=False)
    data = fact("tokens.jwks").data
    keys = body.get("keys")
    expect_true(isinstance(keys, list) and len(keys) > 0, "the JWKS has no `keys` list",
                {"keys": "[...]"}, {"keys": type(keys).__name__}, aspect="keys",
                value=type(keys).__name__)
    bad = sorted({f"{m}" for k in keys for m in data["key_members"]
                  if not isinstance(k, dict) or not k.get(m)})
    expect_equal("keys missing members", bad, [])
    expect_equal("key types", sorted({(k["kty"], k["alg"]) for k in keys}),
                 [(data["kty"], data["alg"])])


@check("tokens.id.signature", "InitiateAuth", "security", facts="tokens.signature",
       requires=ORACLE)
def id_signature(ctx: Ctx) -> None:
    """The ID token verifies (RS256, key named by kid) against the pool's JWKS."""
    s = signed_in(ctx)
    expect_verifies(ctx, s.result.get(ID), s.user.client.pool_id, "the ID token")


@check("tokens.access.signature", "InitiateAuth", "security", facts="tokens.signature",
       requires=ORACLE)
def access_signature(ctx: Ctx) -> None:
    """The access token verifies against the pool's JWKS."""
    s = signed_in(ctx)
    expect_verifies(ctx, s.result.get(ACCESS), s.user.client.pool_id, "the access token")


@check("tokens.refresh.signature", "InitiateAuth", "security",
       facts=("tokens.signature", "signin.refresh.success"), requires=ORACLE)
def refreshed_signature(ctx: Ctx) -> None:
    """Tokens from REFRESH_TOKEN_AUTH verify too, for the same sub."""
    s = signed_in(ctx)
    ex = refresh(ctx, s.user, s.result["RefreshToken"])
    result = expect_ok(ex, shape=False).get("AuthenticationResult") or {}
    for which in (ID, ACCESS):
        got = expect_verifies(ctx, result.get(which), s.user.client.pool_id,
                              f"the refreshed {which}")
        expect_equal(f"refreshed {which} sub", got.get("sub"), s.claims(which).get("sub"))


# -- claims, one aspect per check ---------------------------------------------------------------
Claim = Callable[[SignedIn], tuple[str, Any, Any]]  # (what, observed, expected)


def _claim_check(check_id: str, which: str, fact_id: str, doc: str, judge: Claim) -> None:
    def run(ctx: Ctx) -> None:
        what, observed, expected = judge(signed_in(ctx))
        expect_equal(what, observed, expected)
    run.__doc__ = doc
    check(check_id, "InitiateAuth", "shape", facts=fact_id, requires=ORACLE)(run)


def _iss_path(s: SignedIn, which: str) -> tuple[str, Any, Any]:
    return (f"{which} iss path", issuer_parts(s.claims(which).get("iss"))[1],
            "/" + s.user.client.pool_id)


def _validity(s: SignedIn, which: str) -> tuple[str, Any, Any]:
    c = s.claims(which)
    lifetime = (c.get("exp") - c.get("iat") if isinstance(c.get("exp"), int)
                and isinstance(c.get("iat"), int) else None)
    return f"{which} exp - iat", lifetime, fact("tokens.validity").data["seconds"]


def _auth_time(s: SignedIn) -> tuple[str, Any, Any]:
    c = s.claims(ID)
    ok = isinstance(c.get("auth_time"), int) and isinstance(c.get("iat"), int) \
        and c["auth_time"] <= c["iat"]
    return "IdToken auth_time is an int not after iat", ok, True


IDC, ACC = fact("tokens.id.claims").data, fact("tokens.access.claims").data
CLAIMS: list[tuple[str, str, str, str, Claim]] = [
    ("tokens.id.token-use", ID, "tokens.id.claims", "ID token: token_use is 'id'.",
     lambda s: ("IdToken token_use", s.claims(ID).get("token_use"), IDC["token_use"])),
    ("tokens.access.token-use", ACCESS, "tokens.access.claims",
     "Access token: token_use is 'access'.",
     lambda s: ("AccessToken token_use", s.claims(ACCESS).get("token_use"), ACC["token_use"])),
    ("tokens.id.audience", ID, "tokens.id.claims", "ID token: aud is the app client id.",
     lambda s: ("IdToken aud", s.claims(ID).get("aud"), s.user.client.client_id)),
    ("tokens.access.client-id", ACCESS, "tokens.access.claims",
     "Access token: client_id is the app client id.",
     lambda s: ("AccessToken client_id", s.claims(ACCESS).get("client_id"),
                s.user.client.client_id)),
    ("tokens.id.sub", ID, "tokens.id.claims", "ID token: sub is the user's sub (SignUp's UserSub).",
     lambda s: ("IdToken sub", s.claims(ID).get("sub"), s.user.sub)),
    ("tokens.access.sub", ACCESS, "tokens.access.claims", "Access token: sub is the user's sub.",
     lambda s: ("AccessToken sub", s.claims(ACCESS).get("sub"), s.user.sub)),
    ("tokens.id.username", ID, "tokens.id.claims", "ID token: cognito:username is the username.",
     lambda s: ("IdToken cognito:username", s.claims(ID).get("cognito:username"),
                s.user.username)),
    ("tokens.access.username", ACCESS, "tokens.access.claims",
     "Access token: username is the username.",
     lambda s: ("AccessToken username", s.claims(ACCESS).get("username"), s.user.username)),
    ("tokens.id.email-verified", ID, "tokens.id.claims",
     "ID token: email_verified is true (boolean) for a user whose email was verified.",
     lambda s: ("IdToken email_verified", s.claims(ID).get("email_verified"),
                IDC["email_verified"])),
    ("tokens.id.auth-time", ID, "tokens.id.claims",
     "ID token: auth_time is present (seconds) and not after iat.", lambda s: _auth_time(s)),
    ("tokens.id.validity", ID, "tokens.validity",
     "ID token: exp - iat is the client's IdTokenValidity (2 hours).",
     lambda s: _validity(s, ID)),
    ("tokens.access.validity", ACCESS, "tokens.validity",
     "Access token: exp - iat is the client's AccessTokenValidity (2 hours).",
     lambda s: _validity(s, ACCESS)),
    ("tokens.access.scope", ACCESS, "tokens.access.claims",
     "Access token: scope is 'aws.cognito.signin.user.admin'.",
     lambda s: ("AccessToken scope", s.claims(ACCESS).get("scope"), ACC["scope"])),
    ("tokens.access.no-email", ACCESS, "tokens.access.claims",
     "Access token: no email claim.",
     lambda s: ("AccessToken claims that must be absent",
                [k for k in ACC["absent"] if k in s.claims(ACCESS)], [])),
    ("tokens.id.issuer-path", ID, "tokens.issuer",
     "ID token: iss is a URL whose path is /<pool id> (host judged only by the observation).",
     lambda s: _iss_path(s, ID)),
    ("tokens.access.issuer-path", ACCESS, "tokens.issuer",
     "Access token: iss is a URL whose path is /<pool id>.", lambda s: _iss_path(s, ACCESS)),
]
for _id, _which, _fact, _doc, _judge in CLAIMS:
    _claim_check(_id, _which, _fact, _doc, _judge)


@observation("tokens.observe.issuer", "InitiateAuth", facts="tokens.issuer", requires=ORACLE)
def observe_issuer(ctx: Ctx) -> dict[str, Any]:
    """The iss of the tokens beside AWS's form (a target's own URL is a recorded difference)."""
    s = signed_in(ctx)
    iss = s.claims(ID).get("iss")
    want = aws_issuer(ctx.caller.region, s.user.client.pool_id)
    return {"iss": iss, "aws_form": want, "agrees": iss == want,
            "host": issuer_parts(iss)[0], "access_iss_same": s.claims(ACCESS).get("iss") == iss}
