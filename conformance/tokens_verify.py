"""JWT helpers for the token checks: fetch a pool's JWKS from the target, verify a token
against it with joserfc, read a token's header and claims.

The JWKS GET is a plain HTTP GET (`Caller.get`), recorded in the check's exchanges like any
call, so it is evidence and reproduction. Tokens are secrets: wire.py remembers every
AccessToken/IdToken/RefreshToken it sees (exchange.harvest), and `remember_token` here
covers tokens from anywhere else, so no report prints one.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlparse

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from conformance.exchange import Exchange, remember
from conformance.spec.facts import fact


class TokenInvalid(Exception):
    """The token does not verify against the JWKS (why, in one line)."""


def remember_token(token: Any) -> None:
    remember(token)


def jwks_path(pool_id: str) -> str:
    return fact("tokens.jwks").data["path"].format(pool_id=pool_id)


def aws_issuer(region: str, pool_id: str) -> str:
    return fact("tokens.issuer").data["aws_form"].format(region=region, pool_id=pool_id)


def _b64json(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def parts(token: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a compact JWS WITHOUT verifying it; ({}, {}) if it is not one."""
    if not isinstance(token, str) or token.count(".") != 2:
        return {}, {}
    head, payload, _ = token.split(".")
    try:
        header, claims = _b64json(head), _b64json(payload)
    except (ValueError, UnicodeDecodeError):
        return {}, {}
    return (header if isinstance(header, dict) else {}), (claims if isinstance(claims, dict)
                                                          else {})


def claims(token: Any) -> dict[str, Any]:
    return parts(token)[1]


def keyset(jwks_exchange: Exchange) -> KeySet:
    body = jwks_exchange.json
    if jwks_exchange.status != 200 or not isinstance(body, dict):
        raise TokenInvalid(f"no JWKS: {jwks_exchange.method} {jwks_exchange.url} answered "
                           f"{jwks_exchange.status}")
    try:
        return KeySet.import_key_set(body)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise TokenInvalid(f"the JWKS does not load: {type(exc).__name__}: {exc}") from exc


def verify(token: Any, jwks_exchange: Exchange, alg: str = "RS256") -> dict[str, Any]:
    """The claims of `token` once its signature verifies against the JWKS (TokenInvalid
    otherwise: not a JWS, no key for its kid, wrong algorithm, bad signature)."""
    if not isinstance(token, str):
        raise TokenInvalid(f"no token ({type(token).__name__})")
    keys = keyset(jwks_exchange)
    try:
        return dict(jwt.decode(token, keys, algorithms=[alg]).claims)
    except JoseError as exc:
        raise TokenInvalid(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
    except (ValueError, TypeError) as exc:
        raise TokenInvalid(f"not a verifiable JWS: {exc}") from exc


def issuer_parts(iss: Any) -> tuple[str, str]:
    """(scheme://host[:port], path) of an issuer URL; ('', '') when it is not one."""
    if not isinstance(iss, str):
        return "", ""
    url = urlparse(iss)
    return (f"{url.scheme}://{url.netloc}" if url.scheme and url.netloc else ""), url.path
