"""Fault cases for conformance/checks/passwords.py. moto resets, changes and sets passwords
as AWS does, but accepts any forgot-password code and skips the policy in
ConfirmForgotPassword and on its PasswordResetRequired sign-in: the `fixed` faults answer
those AWS's way (from the facts), the `broken` ones then flip what each check judges."""

from __future__ import annotations

from conformance.checks.admin_users import WEAK_PASSWORD
from conformance.targets.moto import FIXED_CODE
from selftest import faultproxy as fp
from selftest.cases.admin_users import CHALLENGE_BODY, TOKENS, retype
from selftest.cases.case import Case
from selftest.cases.lifecycle import aws, get_user, on_repeat, set_status
from selftest.fixes import aws_error

WRONG_PASSWORD = fp.Fault(aws("lifecycle.auth.wrong-password"), operation="InitiateAuth",
                          when_type="")
OLD_ACCEPTED = fp.Fault(fp.success(TOKENS), operation="InitiateAuth",
                        when_type="NotAuthorizedException")

CASES: dict[str, Case] = {
    # -- ConfirmForgotPassword -----------------------------------------------------------------
    "forgot.confirm.success.response": Case(broken=[fp.Fault(
        fp.body({"Confirmed": True}), operation="ConfirmForgotPassword", when_type="")]),
    "forgot.confirm.success.new-password-signs-in": Case(broken=[WRONG_PASSWORD]),
    "forgot.confirm.success.old-password-refused": Case(broken=[OLD_ACCEPTED]),
    "forgot.confirm.wrong-code.status": Case(
        broken=[retype("ConfirmForgotPassword", "CodeMismatchException", "ExpiredCodeException")],
        fixed=[aws_error("password.forgot.confirm.wrong-code",
                         when=lambda req: req.get("ConfirmationCode") != FIXED_CODE)]),
    "forgot.confirm.policy.status": Case(
        broken=[fp.Fault(fp.member("message", "Password did not conform with policy: Password "
                                              "must have numeric characters"),
                         operation="ConfirmForgotPassword", when_type="InvalidPasswordException")],
        fixed=[aws_error("password.forgot.confirm.policy",
                         when=lambda req: req.get("Password") == WEAK_PASSWORD)]),
    "forgot.confirm.no-code-requested.status": Case(
        broken=[retype("ConfirmForgotPassword", "ExpiredCodeException", "CodeMismatchException")],
        fixed=[aws_error("password.forgot.confirm.no-code-requested")]),
    # -- ChangePassword ------------------------------------------------------------------------
    "change-password.success.response": Case(broken=[fp.Fault(
        fp.body({"Changed": True}), operation="ChangePassword", when_type="")]),
    "change-password.success.new-password-signs-in": Case(
        broken=[on_repeat("InitiateAuth", aws("lifecycle.auth.wrong-password"), key="ClientId")]),
    "change-password.success.old-password-refused": Case(broken=[OLD_ACCEPTED]),
    "change-password.wrong-previous.status": Case(
        broken=[fp.Fault(fp.status(403), operation="ChangePassword",
                         when_type="NotAuthorizedException")],
        fixed=[fp.Fault(aws("password.change.wrong-previous"), operation="ChangePassword",
                        when_type="NotAuthorizedException")]),
    "change-password.policy.status": Case(
        broken=[retype("ChangePassword", "InvalidPasswordException", "InvalidParameterException")]),
    # -- AdminSetUserPassword ------------------------------------------------------------------
    "admin-set-password.permanent.status": Case(
        broken=[get_user(set_status("FORCE_CHANGE_PASSWORD"))]),
    "admin-set-password.permanent.signs-in": Case(broken=[fp.Fault(
        fp.body(CHALLENGE_BODY), operation="InitiateAuth", when_type="")]),
    "admin-set-password.temporary.status": Case(broken=[get_user(set_status("CONFIRMED"))]),
    "admin-set-password.temporary.challenge": Case(broken=[fp.Fault(
        fp.edit(lambda b, req: {**b, **TOKENS}), operation="InitiateAuth", when_type="")]),
    "admin-set-password.policy.status": Case(
        broken=[retype("AdminSetUserPassword", "InvalidPasswordException",
                       "InvalidParameterException")]),
    # -- AdminResetUserPassword ----------------------------------------------------------------
    "admin-reset.status": Case(broken=[get_user(set_status("CONFIRMED"))]),
    "admin-reset.sign-in.status": Case(
        broken=[retype("InitiateAuth", "PasswordResetRequiredException",
                       "NotAuthorizedException")],
        fixed=[aws_error("password.admin-reset.sign-in", "InitiateAuth")]),
}
