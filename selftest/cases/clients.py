"""Fault cases for the client checks (`client.<client>.<scenario>`, conformance/checks/clients.py).

Each broken fault changes what the client SURFACES for the judged call, the same way for the
three clients (another modeled error code, another HTTP status, a success for an error, an
error for a success, a success missing a member), so the verdict flips for each; `fixed`
gives moto AWS's answer where it does not already (it accepts an invalid email, a missing
SecretHash and any confirmation code). Which WIRE faults a client tolerates is
selftest/test_client_checks.py's business (and, per adapter, selftest/test_clients.py's).
"""

from __future__ import annotations

from typing import Any

from conformance.checks.clients import PASSWORD_RULES, SCENARIOS
from conformance.clients import CLIENT_NAMES
from conformance.targets.moto import FIXED_CODE
from selftest import faultproxy as fp
from selftest.cases.case import Case
from selftest.fixes import aws_error


def _bad_email(req: dict[str, Any]) -> bool:
    return any(a.get("Value") == "not-an-email" for a in req.get("UserAttributes") or []
               if isinstance(a, dict))


def _wrong_code(req: dict[str, Any]) -> bool:
    return req.get("ConfirmationCode") != FIXED_CODE


def _no_secret_hash(req: dict[str, Any]) -> bool:
    return "SecretHash" not in req


def _retyped(found: str, instead: str, operation: str) -> fp.Fault:
    """The error keeps its status but names another (modeled) exception."""
    return fp.Fault(fp.member("__type", instead), operation=operation, when_type=found)


INVALID_EMAIL = aws_error("signup.invalid-email", when=_bad_email)
SECRET_MISSING = aws_error("signup.secret.missing", when=_no_secret_hash)
WRONG_CODE = aws_error("lifecycle.confirm.wrong-code", when=_wrong_code)

SCENARIO_CASES: dict[str, Case] = {
    "signup-success": Case(broken=[fp.Fault(fp.member("UserSub", drop=True), operation="SignUp",
                                            when_type="")]),
    "signup-duplicate-username": Case(broken=[
        _retyped("UsernameExistsException", "AliasExistsException", "SignUp")]),
    **{f"signup-password-{rule}": Case(broken=[
        _retyped("InvalidPasswordException", "InvalidParameterException", "SignUp")])
       for rule in PASSWORD_RULES},
    "signup-invalid-parameter": Case(
        broken=[_retyped("InvalidParameterException", "InvalidPasswordException", "SignUp")],
        fixed=[INVALID_EMAIL]),
    "signup-unknown-client": Case(broken=[fp.Fault(fp.status(404), operation="SignUp",
                                                   when_type="ResourceNotFoundException")]),
    "signup-secret-hash-missing": Case(
        broken=[fp.Fault(fp.status(403), operation="SignUp",
                         when_type="NotAuthorizedException")],
        fixed=[SECRET_MISSING]),
    "confirm-right-code": Case(broken=[fp.Fault(
        fp.error("CodeMismatchException", "Invalid verification code provided, please try "
                 "again."), operation="ConfirmSignUp")]),
    "confirm-wrong-code": Case(
        broken=[_retyped("CodeMismatchException", "ExpiredCodeException", "ConfirmSignUp")],
        fixed=[WRONG_CODE]),
    "admin-confirm": Case(broken=[fp.Fault(
        fp.error("NotAuthorizedException", "User cannot be confirmed. Current status is "
                 "CONFIRMED"), operation="AdminConfirmSignUp")]),
    "auth-unconfirmed": Case(broken=[
        _retyped("UserNotConfirmedException", "NotAuthorizedException", "InitiateAuth")]),
}
assert set(SCENARIO_CASES) == {s.name for s in SCENARIOS}, "a client scenario lacks a case"

# The faults are shared by the three clients' checks of a scenario: each run resets nothing
# but `fired`, which test_checks_can_fail reads as a difference, so sharing is safe.
CASES: dict[str, Case] = {f"client.{client}.{name}": case for client in CLIENT_NAMES
                          for name, case in SCENARIO_CASES.items()}
