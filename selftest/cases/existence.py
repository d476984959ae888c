"""Fault cases for conformance/checks/existence.py. moto reveals missing users on ENABLED
clients, answers ForgotPassword 200 for them on LEGACY ones, ResourceNotFoundException from
ConfirmForgotPassword and has no ResendConfirmationCode: the `fixed` faults answer AWS's
way (from the facts); the `broken` ones reveal (or mislabel) the missing user again."""

from __future__ import annotations

from selftest import faultproxy as fp
from selftest.cases.admin_users import retype
from selftest.cases.case import Case
from selftest.cases.lifecycle import delivery
from selftest.fixes import aws_error, fact_message

REVEAL = fp.error("UserNotFoundException", fact_message("existence.forgot.legacy"))
RESEND = "ResendConfirmationCode"

CASES: dict[str, Case] = {
    "existence.forgot.legacy.status": Case(
        broken=[fp.Fault(fp.member("message", fact_message("lifecycle.confirm.admin.unknown-user")),
                         operation="ForgotPassword", when_type="UserNotFoundException")],
        fixed=[aws_error("existence.forgot.legacy")]),
    "existence.forgot.enabled.hidden": Case(broken=[fp.Fault(REVEAL, operation="ForgotPassword")]),
    "existence.confirm-forgot.legacy.status": Case(
        broken=[retype("ConfirmForgotPassword", "UserNotFoundException",
                       "ResourceNotFoundException")],
        fixed=[aws_error("existence.confirm-forgot.legacy",
                         when_type="ResourceNotFoundException")]),
    "existence.confirm-forgot.enabled.status": Case(
        broken=[fp.Fault(fp.status(403), operation="ConfirmForgotPassword",
                         when_type="CodeMismatchException")],
        fixed=[aws_error("existence.confirm-forgot.enabled",
                         when_type="ResourceNotFoundException")]),
    "existence.resend.enabled.hidden": Case(
        broken=[fp.Fault(REVEAL, operation=RESEND)],
        fixed=[fp.Fault(fp.success({"CodeDeliveryDetails": delivery("a@b.c")}), operation=RESEND)]),
}
