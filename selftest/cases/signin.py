"""Fault cases for the sign-in checks (conformance/checks/signin.py).

moto accepts any SRP proof, ignores a client's ExplicitAuthFlows, has no RevokeToken, keeps
tokens valid after AdminDisableUser and words a few errors its own way: those checks get a
`fixed` list that answers as AWS does (from the facts), and every `broken` list flips the
one behaviour the check judges.
"""

from __future__ import annotations

from typing import Any

from selftest import faultproxy as fp
from selftest.cases.case import Case
from selftest.fixes import aws_error, fact_message

Request = dict[str, Any]
ADMIN_AUTH, AUTH, RESPOND = "AdminInitiateAuth", "InitiateAuth", "RespondToAuthChallenge"


def aws(fact_id: str) -> fp.Mutation:
    return aws_error(fact_id).mutate


def is_refresh(req: Request) -> bool:
    return req.get("AuthFlow") == "REFRESH_TOKEN_AUTH"


def retype(operation: str, new_type: str, old_type: str, when: Any = None) -> fp.Fault:
    return fp.Fault(fp.member("__type", new_type), operation=operation, when_type=old_type,
                    when=when)


def drop_result(member: str, operation: str, when: Any = None) -> fp.Fault:
    def edit(body: Any, req: Request) -> Any:
        result = dict(body.get("AuthenticationResult") or {})
        result.pop(member, None)
        return {**body, "AuthenticationResult": result}
    return fp.Fault(fp.edit(edit), operation=operation, when_type="", when=when)


def tokens_ok() -> fp.Mutation:
    return fp.success({"AuthenticationResult": {"AccessToken": "a.b.c", "IdToken": "a.b.c",
                                                "ExpiresIn": 3600, "TokenType": "Bearer"}})


def get_user_enabled(value: bool) -> fp.Fault:
    return fp.Fault(fp.edit(lambda b, req: {**b, "Enabled": value}), operation="AdminGetUser",
                    when_type="")


NOT_AUTH = "NotAuthorizedException"
WRONG_PW_MESSAGE = fp.Fault(fp.member("message", fact_message("signin.wrong-password.admin")),
                            operation=ADMIN_AUTH, when_type=NOT_AUTH)
HIDE_UNKNOWN = {op: fp.Fault(aws("signin.unknown-user.enabled"), operation=op,
                             when_type="UserNotFoundException") for op in (ADMIN_AUTH, AUTH)}
REVOKE_OK = fp.Fault(fp.success({}), operation="RevokeToken")
REFRESH_REVOKED = fp.Fault(aws("signin.refresh.revoked"), operation=AUTH, when=is_refresh)
REFRESH_ONLY = fp.Fault(fp.error("InvalidParameterException",
                                 "USER_PASSWORD_AUTH flow not enabled for this client"),
                        operation=AUTH)
SRP_REFUSED = fp.Fault(aws("signin.wrong-password.srp"), operation=RESPOND)

CASES: dict[str, Case] = {
    # -- ADMIN_USER_PASSWORD_AUTH ----------------------------------------------------------------
    "signin.admin-password.success.tokens": Case(broken=[drop_result("RefreshToken", ADMIN_AUTH)]),
    "signin.admin-password.wrong-password.status": Case(
        broken=[retype(ADMIN_AUTH, "UserNotFoundException", NOT_AUTH)],
        fixed=[WRONG_PW_MESSAGE]),
    "signin.admin-password.unknown-user.legacy.status": Case(
        broken=[retype(ADMIN_AUTH, NOT_AUTH, "UserNotFoundException")]),
    "signin.admin-password.unknown-user.enabled.status": Case(
        broken=[retype(ADMIN_AUTH, "UserNotFoundException", NOT_AUTH)],
        fixed=[HIDE_UNKNOWN[ADMIN_AUTH]]),
    "signin.admin-password.unconfirmed.status": Case(
        broken=[retype(ADMIN_AUTH, NOT_AUTH, "UserNotConfirmedException")],
        fixed=[fp.Fault(aws("signin.unconfirmed"), operation=ADMIN_AUTH)]),
    "signin.admin-password.disabled.status": Case(
        broken=[fp.Fault(fp.member("message", "User is disabled"), operation=ADMIN_AUTH,
                         when_type=NOT_AUTH)]),
    "signin.user-password.disabled.status": Case(
        broken=[retype(AUTH, "UserNotFoundException", NOT_AUTH)]),
    # -- USER_SRP_AUTH -------------------------------------------------------------------------
    "signin.srp.challenge.shape": Case(broken=[fp.Fault(fp.edit(lambda b, req: {
        **b, "ChallengeParameters": {k: v for k, v in b["ChallengeParameters"].items()
                                     if k != "SRP_B"}}), operation=AUTH, when_type="")]),
    "signin.srp.success.tokens": Case(broken=[drop_result("RefreshToken", RESPOND)]),
    "signin.srp.wrong-password.status": Case(
        broken=[fp.Fault(tokens_ok(), operation=RESPOND)], fixed=[SRP_REFUSED]),
    "signin.srp.unknown-user.legacy.status": Case(
        broken=[retype(AUTH, NOT_AUTH, "UserNotFoundException")]),
    "signin.srp.unknown-user.enabled.status": Case(
        broken=[retype(AUTH, "UserNotFoundException", NOT_AUTH)], fixed=[HIDE_UNKNOWN[AUTH]]),
    "signin.srp.unconfirmed.status": Case(
        broken=[retype(AUTH, NOT_AUTH, "UserNotConfirmedException")]),
    "signin.srp.disabled.status": Case(
        broken=[retype(AUTH, "UserNotConfirmedException", NOT_AUTH)]),
    # -- refresh, sign-out, revocation -----------------------------------------------------------
    "signin.refresh.success.tokens": Case(broken=[drop_result("IdToken", AUTH, is_refresh)]),
    "signin.refresh.after-disable.refused": Case(
        broken=[fp.Fault(tokens_ok(), operation=AUTH, when=is_refresh)],
        fixed=[fp.Fault(aws("signin.disabled"), operation=AUTH, when=is_refresh)]),
    "signin.refresh.after-global-sign-out.status": Case(
        broken=[fp.Fault(tokens_ok(), operation=AUTH, when=is_refresh)]),
    "signin.refresh.after-admin-sign-out.status": Case(
        broken=[fp.Fault(fp.member("message", "Invalid refresh token"), operation=AUTH,
                         when=is_refresh)]),
    "signin.refresh.after-revoke.status": Case(
        broken=[fp.Fault(tokens_ok(), operation=AUTH, when=is_refresh)],
        fixed=[REVOKE_OK, REFRESH_REVOKED]),
    "signin.global-sign-out.success": Case(
        broken=[fp.Fault(fp.status(500), operation="GlobalSignOut")]),
    "signin.admin-sign-out.success": Case(
        broken=[fp.Fault(fp.error("UserNotFoundException", "User does not exist."),
                         operation="AdminUserGlobalSignOut")]),
    "signin.revoke-token.success": Case(
        broken=[fp.Fault(fp.error("UnsupportedTokenTypeException", "x"), operation="RevokeToken")],
        fixed=[REVOKE_OK]),
    "signin.global-sign-out.access-revoked.status": Case(
        broken=[fp.Fault(fp.success({"Username": "u", "UserAttributes": []}),
                         operation="GetUser")],
        fixed=[fp.Fault(fp.member("message", fact_message("signin.access.revoked")),
                        operation="GetUser", when_type=NOT_AUTH)]),
    # -- disable / enable, flows ---------------------------------------------------------------
    "signin.disable.enabled-false": Case(broken=[get_user_enabled(True)]),
    "signin.enable.signs-in-again": Case(broken=[get_user_enabled(False)]),
    "signin.refresh-only.password-refused": Case(
        broken=[fp.Fault(tokens_ok(), operation=AUTH)], fixed=[REFRESH_ONLY]),
}
