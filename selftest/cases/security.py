"""Fault cases for the security checks: a target that echoes the secret it was sent.

Moto never echoes these members, so no fix is needed; each broken fault answers the
check's call with an error quoting the sensitive member of the request (in the body, or
only in a header, so both places are searched).
"""

from __future__ import annotations

from typing import Any

from selftest import faultproxy as fp
from selftest.cases.case import Case


def echo(member: str, in_header_only: bool = False) -> fp.Fault:
    def mutate(r: fp.Response, req: dict[str, Any]) -> None:
        text = f"Value '{req.get(member)}' at '{member[:1].lower()}{member[1:]}' is invalid"
        fp.error("InvalidParameterException", "invalid" if in_header_only else text)(r, req)
        if in_header_only:
            r.set_header("x-amzn-ErrorMessage", text)
    return fp.Fault(mutate, operation="SignUp")


CASES: dict[str, Case] = {
    "security.password.too-long.not-echoed": Case(broken=[echo("Password")]),
    "security.password.pattern.not-echoed": Case(broken=[echo("Password", in_header_only=True)]),
    "security.username.too-long.not-echoed": Case(broken=[echo("Username")]),
    "security.secret-hash.wrong.not-echoed": Case(broken=[echo("SecretHash")]),
}
