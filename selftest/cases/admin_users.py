"""Fault cases for conformance/checks/admin_users.py (AdminCreateUser and the
NEW_PASSWORD_REQUIRED challenge). moto creates FORCE_CHANGE_PASSWORD users and challenges
them as AWS does; it deviates on the duplicate message and the TemporaryPassword policy,
which the `fixed` faults make AWS-like (messages from the facts, never literals)."""

from __future__ import annotations

from typing import Any, Callable

from conformance.checks.admin_users import WEAK_PASSWORD
from selftest import faultproxy as fp
from selftest.cases.case import Case
from selftest.cases.lifecycle import get_user, on_repeat, set_status
from selftest.fixes import aws_error, rewrite_message

CHALLENGE_BODY = {"ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s" * 40,
                  "ChallengeParameters": {}}
TOKENS = {"AuthenticationResult": {"AccessToken": "a", "IdToken": "i", "RefreshToken": "r",
                                   "ExpiresIn": 3600, "TokenType": "Bearer"}}


def on_success(operation: str, func: Callable[[Any, dict[str, Any]], Any]) -> fp.Fault:
    """Edit the operation's 200 body."""
    return fp.Fault(fp.edit(func), operation=operation, when_type="")


def without_refresh(body: Any, req: dict[str, Any]) -> Any:
    result = {k: v for k, v in body["AuthenticationResult"].items() if k != "RefreshToken"}
    return {**body, "AuthenticationResult": result}


def retype(operation: str, old: str, new: str) -> fp.Fault:
    return fp.Fault(fp.member("__type", new), operation=operation, when_type=old)


WEAK_TEMPORARY = aws_error("admin.create.temporary-password.policy", "AdminCreateUser",
                           when=lambda req: req.get("TemporaryPassword") == WEAK_PASSWORD)

CASES: dict[str, Case] = {
    "admin-create.status.force-change-password": Case(broken=[get_user(set_status("CONFIRMED"))]),
    "admin-create.response.shape": Case(broken=[on_success("AdminCreateUser", lambda b, req: {
        "User": {**b["User"], "UserStatus": "CONFIRMED"}})]),
    "admin-create.response.no-password": Case(broken=[on_success("AdminCreateUser", lambda b, req: {
        "User": {**b["User"], "Password": req.get("TemporaryPassword")}})]),
    "admin-create.duplicate.status": Case(
        broken=[retype("AdminCreateUser", "UsernameExistsException", "AliasExistsException")],
        fixed=[rewrite_message("admin.create.duplicate")]),
    "admin-create.temporary-password.policy.status": Case(
        broken=[retype("AdminCreateUser", "InvalidPasswordException",
                       "InvalidParameterException")],
        fixed=[WEAK_TEMPORARY]),
    "admin-create.resend.unknown-user.status": Case(
        broken=[retype("AdminCreateUser", "UserNotFoundException", "ResourceNotFoundException")]),
    "new-password.challenge.initiate-auth": Case(broken=[on_success("InitiateAuth", lambda b, req: {
        k: v for k, v in b.items() if k != "Session"})]),
    "new-password.challenge.admin-initiate-auth": Case(broken=[on_success(
        "AdminInitiateAuth", lambda b, req: {**b, **TOKENS})]),
    "new-password.respond.tokens": Case(broken=[on_success("RespondToAuthChallenge",
                                                           without_refresh)]),
    "new-password.respond.confirmed": Case(
        broken=[get_user(set_status("FORCE_CHANGE_PASSWORD"))]),
    "new-password.respond.new-password-signs-in": Case(
        broken=[on_repeat("InitiateAuth", fp.body(CHALLENGE_BODY), key="ClientId")]),
    "new-password.respond.temporary-password-spent": Case(
        broken=[fp.Fault(fp.success(TOKENS), operation="InitiateAuth",
                         when_type="NotAuthorizedException")]),
    "new-password.respond.policy.status": Case(
        broken=[retype("RespondToAuthChallenge", "InvalidPasswordException",
                       "InvalidParameterException")]),
    "new-password.respond.same-as-temporary": Case(
        broken=[aws_error("admin.challenge.policy", "RespondToAuthChallenge")]),
    "new-password.admin-respond.tokens": Case(broken=[on_success("AdminRespondToAuthChallenge",
                                                                 without_refresh)]),
    "new-password.admin-respond.confirmed": Case(
        broken=[get_user(set_status("FORCE_CHANGE_PASSWORD"))]),
    "new-password.admin-respond.policy.status": Case(
        broken=[retype("AdminRespondToAuthChallenge", "InvalidPasswordException",
                       "InvalidParameterException")]),
}
