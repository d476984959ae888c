"""Fault cases for the token checks (conformance/checks/tokens.py).

Tokens are rewritten in the AuthenticationResult and re-signed: with moto's own private key
(kid "dummy", the key its JWKS publishes) when the claims change, so only the claim is
wrong; with a freshly generated key under the same kid when the signature must fail. moto
ignores the client's token validity and leaves email_verified out of the ID token: the
`fixed` lists re-sign its tokens with AWS's values. The JWKS GET goes through the proxy too
(operation "GET").
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from joserfc import jwt
from joserfc.jwk import RSAKey

from conformance.spec.facts import fact
from conformance.tokens_verify import parts
from selftest import faultproxy as fp
from selftest.cases.case import Case

ID, ACCESS = "IdToken", "AccessToken"
Claims = dict[str, Any]


@functools.lru_cache(maxsize=1)
def moto_key() -> RSAKey:
    from moto.utilities.utils import load_resource

    return RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))


@functools.lru_cache(maxsize=1)
def other_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "dummy"}, private=True)


def resign(token: str, edit: Callable[[Claims], None], key: RSAKey) -> str:
    header, claims = parts(token)
    edit(claims)
    return jwt.encode({"alg": "RS256", "kid": header.get("kid", "dummy")}, claims, key)


def retoken(which: tuple[str, ...], edit: Callable[[Claims], None] = lambda c: None,
            key: Callable[[], RSAKey] = moto_key, refresh_only: bool = False) -> fp.Fault:
    """Rewrite `which` tokens of a successful sign-in (or only of a refresh) and re-sign."""
    def mutate(body: Any, req: dict[str, Any]) -> Any:
        result = dict(body.get("AuthenticationResult") or {})
        for name in which:
            if isinstance(result.get(name), str):
                result[name] = resign(result[name], edit, key())
        return {**body, "AuthenticationResult": result}

    def when(req: dict[str, Any]) -> bool:
        return (req.get("AuthFlow") == "REFRESH_TOKEN_AUTH") == refresh_only
    return fp.Fault(fp.edit(mutate), operation="InitiateAuth", when_type="", when=when)


def setting(name: str, value: Any) -> Callable[[Claims], None]:
    return lambda c: c.__setitem__(name, value)


def lifetime(seconds: int) -> Callable[[Claims], None]:
    return lambda c: c.__setitem__("exp", c["iat"] + seconds)


VALID = fact("tokens.validity").data["seconds"]
FIX_VALIDITY = retoken((ID, ACCESS), lifetime(VALID))
FIX_EMAIL = retoken((ID,), setting("email_verified", True))
OTHER = "00000000-0000-4000-8000-000000000000"
BOTH = (ID, ACCESS)


def claim(which: str, edit: Callable[[Claims], None]) -> Case:
    return Case(broken=[retoken((which,), edit)])


CASES: dict[str, Case] = {
    "tokens.jwks.shape": Case(broken=[fp.Fault(fp.edit(lambda b, req: {"keys": [
        {**k, "alg": "HS256"} for k in b["keys"]]}), operation="GET")]),
    "tokens.id.signature": Case(broken=[retoken((ID,), key=other_key)]),
    "tokens.access.signature": Case(broken=[retoken((ACCESS,), key=other_key)]),
    "tokens.refresh.signature": Case(
        broken=[retoken(BOTH, key=other_key, refresh_only=True)]),
    "tokens.id.token-use": claim(ID, setting("token_use", "access")),
    "tokens.access.token-use": claim(ACCESS, setting("token_use", "id")),
    "tokens.id.audience": claim(ID, setting("aud", "another-client")),
    "tokens.access.client-id": claim(ACCESS, setting("client_id", "another-client")),
    "tokens.id.sub": claim(ID, setting("sub", OTHER)),
    "tokens.access.sub": claim(ACCESS, setting("sub", OTHER)),
    "tokens.id.username": claim(ID, setting("cognito:username", "someone-else")),
    "tokens.access.username": claim(ACCESS, setting("username", "someone-else")),
    "tokens.id.email-verified": Case(broken=[retoken((ID,), setting("email_verified", "true"))],
                                     fixed=[FIX_EMAIL]),
    "tokens.id.auth-time": claim(ID, lambda c: c.__setitem__("auth_time", c["iat"] + 60)),
    "tokens.id.validity": Case(broken=[retoken((ID,), lifetime(3600))], fixed=[FIX_VALIDITY]),
    "tokens.access.validity": Case(broken=[retoken((ACCESS,), lifetime(3600))],
                                   fixed=[FIX_VALIDITY]),
    "tokens.access.scope": claim(ACCESS, setting("scope", "openid")),
    "tokens.access.no-email": claim(ACCESS, setting("email", "someone@example.com")),
    "tokens.id.issuer-path": claim(ID, setting("iss", "https://cognito-idp.example/other")),
    "tokens.access.issuer-path": claim(ACCESS, setting("iss", "https://cognito-idp.example/x")),
}
