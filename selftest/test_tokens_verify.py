"""conformance/tokens_verify.py: a token verifies against the JWKS of its key, and not
against one whose key differs (same kid), has no key for its kid, or is not a JWKS."""

from __future__ import annotations

import json

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from conformance import tokens_verify as tv
from conformance.exchange import Exchange


def jwks(*keys: RSAKey, status: int = 200, body: bytes | None = None) -> Exchange:
    data = body if body is not None else json.dumps(
        {"keys": [k.as_dict(private=False) for k in keys]}).encode()
    return Exchange("GET jwks.json", "http://x/p/.well-known/jwks.json", None, {}, b"", False,
                    status, {}, data, 0.0, method="GET")


KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
OTHER = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
CLAIMS = {"sub": "s", "token_use": "id", "iss": "https://cognito-idp.us-east-1.amazonaws.com/p"}
TOKEN = jwt.encode({"alg": "RS256", "kid": "k1"}, CLAIMS, KEY)


def test_verifies_with_its_key() -> None:
    assert tv.verify(TOKEN, jwks(KEY)) == CLAIMS
    assert tv.parts(TOKEN) == ({"alg": "RS256", "kid": "k1", "typ": "JWT"}, CLAIMS)


@pytest.mark.parametrize("exchange", [
    jwks(OTHER),                                        # same kid, another key
    jwks(RSAKey.generate_key(2048, parameters={"kid": "k2"}, private=True)),  # no such kid
    jwks(KEY, status=404),                              # no JWKS
    jwks(body=b"not json"),
])
def test_does_not_verify(exchange: Exchange) -> None:
    with pytest.raises(tv.TokenInvalid):
        tv.verify(TOKEN, exchange)


def test_not_a_token() -> None:
    with pytest.raises(tv.TokenInvalid):
        tv.verify("a.b.c", jwks(KEY))
    assert tv.parts(None) == ({}, {}) and tv.claims("x.y") == {}


def test_issuer_helpers() -> None:
    assert tv.aws_issuer("eu-west-1", "eu-west-1_X") == \
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X"
    assert tv.issuer_parts("http://localhost:9229/p_1") == ("http://localhost:9229", "/p_1")
    assert tv.jwks_path("p_1") == "p_1/.well-known/jwks.json"


def test_get_exchange_reproduces_as_get() -> None:
    assert jwks(KEY).reproduce() == "curl -sS -X GET http://x/p/.well-known/jwks.json"
