"""Fault cases for the wire checks and SignUp status-mapping checks."""

from __future__ import annotations

from selftest import faultproxy as fp
from selftest.cases.case import Case
from selftest.fixes import aws_error, aws_framing, rewrite_message


UNKNOWN_CLIENT_ERROR = dict(operation="SignUp", when_type="ResourceNotFoundException")

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
    "wire.empty-success.admin-confirm": Case(
        broken=[fp.Fault(fp.body({"ok": True}), operation="AdminConfirmSignUp")]),
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
}
