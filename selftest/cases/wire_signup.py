"""Fault cases for the wire checks and SignUp status-mapping checks."""

from __future__ import annotations

from typing import Any

from conformance.spec.facts import fact, load_status
from selftest import faultproxy as fp
from selftest.cases.case import Case
from selftest.fixes import aws_error, aws_framing, fact_message, rewrite_message


UNKNOWN_CLIENT_ERROR = dict(operation="SignUp", when_type="ResourceNotFoundException")
# The proxy keys faults on X-Amz-Target and a parsed body: the request without a target is
# recognised by its body (the check sends nothing else), the malformed one by parsing to {}.
NO_TARGET_BODY = lambda req: req == {"MaxResults": 1}  # noqa: E731
UNPARSED = lambda req: req == {}  # noqa: E731


def error_naming_client(fact_id: str, suffix: str = "") -> fp.Fault:
    """The fact's error for the ClientId the check really sent (`suffix` bends the text)."""
    f = fact(fact_id)

    def mutate(r: fp.Response, req: dict[str, Any]) -> None:
        text = fact_message(fact_id, client_id=str(req.get("ClientId"))) + suffix
        fp.error(f.error or "", text, load_status().status_for(f.error or ""))(r, req)
    return fp.Fault(mutate, operation=f.operation)

CASES: dict[str, Case] = {
    # -- wire --------------------------------------------------------------------------------
    "wire.error-body.keys": Case(
        broken=[fp.Fault(fp.member("extra", 1), **UNKNOWN_CLIENT_ERROR)]),
    "wire.error-body.type-bare": Case(
        broken=[fp.Fault(fp.member("__type", "com.amazonaws#ResourceNotFoundException"),
                         **UNKNOWN_CLIENT_ERROR)]),
    "wire.error-body.message-string": Case(
        broken=[fp.Fault(fp.member("message", drop=True), **UNKNOWN_CLIENT_ERROR)]),
    "wire.error-header.errortype": Case(
        broken=[fp.Fault(fp.header("x-amzn-ErrorType", "ResourceNotFoundException"),
                         **UNKNOWN_CLIENT_ERROR)],
        fixed=[aws_framing("SignUp")]),
    "wire.error-header.errormessage": Case(
        broken=[fp.Fault(fp.header("x-amzn-ErrorMessage", None), **UNKNOWN_CLIENT_ERROR)],
        fixed=[aws_framing("SignUp")]),
    "wire.content-type.error": Case(
        broken=[fp.Fault(fp.header("Content-Type", "application/json"), operation="SignUp")],
        fixed=[aws_framing("SignUp")]),
    "wire.content-type.success": Case(
        broken=[fp.Fault(fp.header("Content-Type", "text/html"), operation="ListUserPools")],
        fixed=[aws_framing("ListUserPools")]),
    "wire.request-id.error": Case(
        broken=[fp.Fault(fp.header("x-amzn-RequestId", None), operation="SignUp")],
        fixed=[aws_framing("SignUp")]),
    "wire.request-id.success": Case(
        broken=[fp.Fault(fp.header("x-amzn-RequestId", "NOT-A-UUID"), operation="ListUserPools")],
        fixed=[aws_framing("ListUserPools")]),
    "wire.client-error.status-400": Case(
        broken=[fp.Fault(fp.status(404), **UNKNOWN_CLIENT_ERROR)]),
    "wire.missing-target.rejected": Case(
        broken=[fp.Fault(fp.success({"UserPools": []}), when=NO_TARGET_BODY)],
        fixed=[fp.Fault(fp.error("UnknownOperationException", "Unknown operation"),
                        when=NO_TARGET_BODY)]),
    "wire.malformed-json.rejected": Case(
        broken=[fp.Fault(fp.status(500), operation="ListUserPools", when=UNPARSED)],
        fixed=[fp.Fault(fp.error("SerializationException", "Unexpected end of input"),
                        operation="ListUserPools", when=UNPARSED)]),
    "wire.serialization.type-mismatch": Case(
        broken=[fp.Fault(fp.error("InvalidParameterException", "bad"), operation="SignUp")],
        fixed=[aws_error("wire.serialization.type-mismatch")]),
    # -- SignUp status mapping -----------------------------------------------------------------
    "signup.duplicate-username.status": Case(
        broken=[fp.Fault(fp.member("__type", "AliasExistsException"), operation="SignUp",
                         when_type="UsernameExistsException")],
        fixed=[rewrite_message("signup.duplicate-username")]),
    "signup.duplicate-username.confirmed.status": Case(
        broken=[fp.Fault(fp.status(409), operation="SignUp", when_type="UsernameExistsException")],
        fixed=[rewrite_message("signup.duplicate-username")]),
    "signup.duplicate-username.prevent-existence.status": Case(
        broken=[fp.Fault(fp.success({"UserConfirmed": False, "UserSub": "x"}),
                         operation="SignUp", when_type="UsernameExistsException")],
        fixed=[rewrite_message("signup.duplicate.prevent-existence")]),
    **{f"signup.password.{rule}.status": Case(
        broken=[fp.Fault(fp.member("__type", "InvalidParameterException"), operation="SignUp",
                         when_type="InvalidPasswordException")],
        fixed=[rewrite_message(f"signup.password.{rule}")])
       for rule in ("too-short", "no-upper", "no-lower", "no-number", "no-symbol")},
    "signup.password.one-at-a-time": Case(
        broken=[fp.Fault(fp.member("message", "Password did not conform with policy: Password "
                                   "must have uppercase characters; Password must have numeric "
                                   "characters"), operation="SignUp",
                         when_type="InvalidPasswordException")],
        fixed=[fp.Fault(fp.member("message", "Password did not conform with policy: Password "
                                  "must have uppercase characters"), operation="SignUp",
                        when_type="InvalidPasswordException")]),
    # -- SignUp status mapping: attribute, secret and client errors -----------------------------
    "signup.email-username.duplicate.status": Case(
        broken=[fp.Fault(fp.member("__type", "AliasExistsException"), operation="SignUp",
                         when_type="UsernameExistsException")],
        fixed=[rewrite_message("signup.duplicate-email-as-username")]),
    "signup.email-username.not-email.status": Case(
        broken=[fp.Fault(fp.success({"UserConfirmed": False, "UserSub": "x"}),
                         operation="SignUp", when_type="InvalidParameterException")],
        fixed=[rewrite_message("signup.username-attributes.not-email")]),
    "signup.invalid-email.status": Case(
        broken=[aws_error("signup.invalid-email"),
                fp.Fault(fp.member("message", "Invalid email address format"), operation="SignUp")],
        fixed=[aws_error("signup.invalid-email")]),
    "signup.missing-required-attribute.status": Case(
        broken=[aws_error("signup.missing-required-attribute"),
                fp.Fault(fp.member("__type", "InvalidPasswordException"), operation="SignUp")],
        fixed=[aws_error("signup.missing-required-attribute")]),
    "signup.secret-hash.missing.status": Case(
        broken=[aws_error("signup.secret.missing"), fp.Fault(fp.status(403), operation="SignUp")],
        fixed=[aws_error("signup.secret.missing")]),
    "signup.secret-hash.wrong.status": Case(
        broken=[error_naming_client("signup.secret.wrong", suffix=".")],
        fixed=[error_naming_client("signup.secret.wrong")]),
    "signup.unknown-attribute.status": Case(
        broken=[aws_error("signup.unknown-attribute", name="custom:otherattr")],
        fixed=[aws_error("signup.unknown-attribute", name="custom:nosuchattr")]),
    "signup.unknown-client.status": Case(
        broken=[error_naming_client("signup.unknown-client"),
                fp.Fault(fp.status(404), operation="SignUp")],
        fixed=[error_naming_client("signup.unknown-client")]),
}
