"""Fault cases for the security checks: a target that echoes the secret it was sent.

Each check first asserts that its probe was rejected, so the fix makes moto reject the probes
it accepts (a trailing-space or over-long value, a wrong SecretHash) with an AWS-like error
that names no secret; each broken fault answers the check's call with an error quoting the
sensitive member of the request (in the body, or only in a header, so both places are
searched). selftest/test_security_probes.py shows that an ACCEPTED probe fails each check too.
"""

from __future__ import annotations

from typing import Any

from selftest import faultproxy as fp
from selftest.cases.case import Case
from selftest.fixes import fact_message


def echo(member: str, in_header_only: bool = False) -> fp.Fault:
    def mutate(r: fp.Response, req: dict[str, Any]) -> None:
        text = f"Value '{req.get(member)}' at '{member[:1].lower()}{member[1:]}' is invalid"
        fp.error("InvalidParameterException", "invalid" if in_header_only else text)(r, req)
        if in_header_only:
            r.set_header("x-amzn-ErrorMessage", text)
    return fp.Fault(mutate, operation="SignUp")


def rejected(member: str) -> fp.Fault:
    """An AWS-like validation error for the member, value omitted (it is sensitive)."""
    text = f"1 validation error detected: Value at '{member[:1].lower()}{member[1:]}' " \
           "failed to satisfy constraint: Member must satisfy its constraints"
    return fp.Fault(fp.error("InvalidParameterException", text), operation="SignUp")


def secret_rejected() -> fp.Fault:
    """AWS's NotAuthorizedException for a wrong SecretHash, naming the client only."""
    def mutate(r: fp.Response, req: dict[str, Any]) -> None:
        text = fact_message("signup.secret.wrong", client_id=str(req.get("ClientId")))
        fp.error("NotAuthorizedException", text)(r, req)
    return fp.Fault(mutate, operation="SignUp")


CASES: dict[str, Case] = {
    "security.password.too-long.not-echoed": Case(broken=[echo("Password")]),
    "security.password.pattern.not-echoed": Case(broken=[echo("Password", in_header_only=True)],
                                                 fixed=[rejected("Password")]),
    "security.username.too-long.not-echoed": Case(broken=[echo("Username")],
                                                  fixed=[rejected("Username")]),
    "security.secret-hash.wrong.not-echoed": Case(broken=[echo("SecretHash")],
                                                  fixed=[secret_rejected()]),
}
