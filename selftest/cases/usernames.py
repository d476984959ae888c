"""Fault cases for the username-configuration checks (conformance/checks/usernames.py).

moto implements neither aliases nor case-insensitive usernames nor DeleteUser, so several
`fixed` lists need state: `AwsUsernames` is a small overlay, installed as proxy faults, that
learns each signed-up user (client, username, email, sub) from the traffic and answers as
AWS would where moto does not: the alias or another capitalisation finds the user, a case
variant or a taken alias is refused, DeleteUser removes the user. Answers it makes up carry
only what the checks read (Username, attributes, an AccessToken). A `broken` list is that
overlay plus one deliberate deviation.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from selftest import faultproxy as fp
from selftest.cases.case import Case
from selftest.fixes import aws_error, fact_message

Request = dict[str, Any]


def aws(fact_id: str, **fill: str) -> fp.Mutation:
    return aws_error(fact_id, **fill).mutate


@dataclass
class Known:
    client_id: str
    username: str
    email: str | None
    sub: str | None
    confirmed: bool = False


def token_username(token: Any) -> str | None:
    """The `username` claim of a JWT (unverified: the overlay only needs to know whose)."""
    try:
        part = str(token).split(".")[1]
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))["username"]
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def user_body(user: Known) -> dict[str, Any]:
    attrs = [{"Name": "sub", "Value": user.sub}, {"Name": "email", "Value": user.email},
             {"Name": "email_verified", "Value": "true"}]
    return {"Username": user.username, "UserAttributes": attrs, "Enabled": True,
            "UserStatus": "CONFIRMED" if user.confirmed else "UNCONFIRMED"}


def tokens() -> dict[str, Any]:
    return {"ChallengeParameters": {}, "AuthenticationResult": {
        "AccessToken": f"ccf.{secrets.token_hex(8)}.sig", "IdToken": "ccf.id.sig",
        "RefreshToken": "ccf-refresh", "ExpiresIn": 3600, "TokenType": "Bearer"}}


@dataclass
class AwsUsernames:
    """Learns users from SignUp; answers look-ups by alias (email with "@") or by another
    case; refuses case variants (`case_insensitive`) and taken aliases; emulates DeleteUser."""

    case_insensitive: bool = False
    aliases: bool = False
    users: list[Known] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)

    def faults(self) -> list[fp.Fault]:
        table = {"SignUp": self.sign_up, "ConfirmSignUp": self.confirm,
                 "AdminConfirmSignUp": self.admin_confirm, "AdminGetUser": self.get_user,
                 "InitiateAuth": self.sign_in, "DeleteUser": self.delete_user}
        return [fp.Fault(mutate, operation=op) for op, mutate in table.items()]

    def find(self, name: Any, client_id: str | None = None) -> Known | None:
        for user in self.users:
            if client_id and user.client_id != client_id:
                continue
            if name == user.username or (self.aliases and user.confirmed and name == user.email) \
                    or (self.case_insensitive and str(name).lower() == user.username.lower()):
                return user
        return None

    def sign_up(self, r: fp.Response, req: Request) -> None:
        name, client = req.get("Username", ""), req.get("ClientId", "")
        if self.case_insensitive and self.find(name, client):
            aws("usernames.case-insensitive")(r, req)
        elif r.status == 200:
            attrs = {a.get("Name"): a.get("Value") for a in req.get("UserAttributes", [])}
            self.users.append(Known(client, name, attrs.get("email"), r.json.get("UserSub")))

    def confirm(self, r: fp.Response, req: Request) -> None:
        user = self.find(req.get("Username"), req.get("ClientId"))
        if user is None or r.status != 200:
            return
        taken = self.aliases and any(u is not user and u.confirmed and u.email == user.email
                                     for u in self.users)
        if taken:
            aws("usernames.alias.exists")(r, req)
        else:
            user.confirmed = True

    def admin_confirm(self, r: fp.Response, req: Request) -> None:
        user = self.find(req.get("Username"))
        if user is not None and r.status == 200:
            user.confirmed = True

    def get_user(self, r: fp.Response, req: Request) -> None:
        name = req.get("Username")
        if name in self.deleted:
            aws("usernames.absent-user")(r, req)
        elif r.status != 200 and (user := self.find(name)) is not None:
            fp.success(user_body(user))(r, req)

    def sign_in(self, r: fp.Response, req: Request) -> None:
        name = (req.get("AuthParameters") or {}).get("USERNAME")
        if name in self.deleted:
            aws("lifecycle.auth.unknown-user.legacy")(r, req)
        elif r.status != 200 and (user := self.find(name, req.get("ClientId"))) is not None:
            fp.success(tokens())(r, req)

    def delete_user(self, r: fp.Response, req: Request) -> None:
        name = token_username(req.get("AccessToken"))
        if name:
            self.deleted.add(name)
            fp.success({})(r, req)


def overlay(**flags: bool) -> list[fp.Fault]:
    return AwsUsernames(**flags).faults()


def overlay_but(flags: dict[str, bool], *faults: fp.Fault) -> list[fp.Fault]:
    return overlay(**flags) + list(faults)


def get_user(func: Any) -> fp.Fault:
    return fp.Fault(fp.edit(lambda body, req: func(body) or body), operation="AdminGetUser",
                    when_type="")


def set_attribute(name: str, value: str) -> Any:
    def edit(body: dict[str, Any]) -> None:
        attrs = [a for a in body.get("UserAttributes", []) if a.get("Name") != name]
        body["UserAttributes"] = attrs + [{"Name": name, "Value": value}]
    return edit


def describe(edit: Any) -> fp.Fault:
    return fp.Fault(fp.edit(lambda body, req: edit(body["UserPool"]) or body),
                    operation="DescribeUserPool", when_type="")


ALIAS, CASE = {"aliases": True}, {"case_insensitive": True}
EMAIL_NAME = aws_error("usernames.alias.email-format-username", "SignUp",
                       when=lambda req: "@" in str(req.get("Username")))
NO_TOKENS = fp.Fault(fp.member("AuthenticationResult", drop=True), operation="InitiateAuth",
                     when_type="")
NOT_FOUND = fp.Fault(fp.error("ResourceNotFoundException", "User pool not found"),
                     operation="AdminGetUser", when_type="")

CASES: dict[str, Case] = {
    # -- UsernameAttributes = [email]
    "usernames.email-username.username-is-sub": Case(
        broken=[get_user(lambda b: b.__setitem__("Username", "someone@example.com"))]),
    "usernames.email-username.get-by-sub": Case(broken=[NOT_FOUND]),
    "usernames.email-username.listed-as-sub": Case(
        broken=[fp.Fault(fp.edit(lambda body, req: {**body, "Users": [
            {**u, "Username": "someone@example.com"} for u in body.get("Users", [])]}),
            operation="ListUsers", when_type="")]),
    "usernames.email-username.sign-in": Case(broken=[NO_TOKENS]),
    # -- AliasAttributes
    "usernames.alias.email-format-username.status": Case(
        broken=[EMAIL_NAME, fp.Fault(fp.member("message", "Invalid username"), operation="SignUp",
                                     when_type="InvalidParameterException")],
        fixed=[EMAIL_NAME]),
    "usernames.alias.get-by-email": Case(
        broken=overlay_but(ALIAS, get_user(lambda b: b.__setitem__("Username", "other"))),
        fixed=overlay(**ALIAS)),
    "usernames.alias.sign-in-by-email": Case(
        broken=overlay_but(ALIAS, NO_TOKENS), fixed=overlay(**ALIAS)),
    "usernames.alias.email-taken.status": Case(
        broken=overlay_but(ALIAS, fp.Fault(fp.member("__type", "UsernameExistsException"),
                                           operation="ConfirmSignUp",
                                           when_type="AliasExistsException")),
        fixed=overlay(**ALIAS)),
    # -- case sensitivity
    "usernames.case-insensitive.duplicate.status": Case(
        broken=overlay_but(CASE, fp.Fault(fp.status(409), operation="SignUp",
                                          when_type="UsernameExistsException")),
        fixed=overlay(**CASE)),
    "usernames.case-insensitive.get-other-case": Case(
        broken=overlay_but(CASE, get_user(set_attribute("sub", "another-sub"))),
        fixed=overlay(**CASE)),
    "usernames.case-insensitive.sign-in-other-case": Case(
        broken=overlay_but(CASE, NO_TOKENS), fixed=overlay(**CASE)),
    "usernames.case-sensitive.default.coexist": Case(
        broken=[fp.Fault(fp.error("UsernameExistsException", fact_message(
            "signup.duplicate-username")), operation="SignUp",
            when=lambda req: str(req.get("Username", "")).startswith("CCF"))]),
    "usernames.case-sensitive.default.get-other-case": Case(
        broken=[fp.Fault(fp.success({"Username": "x", "UserAttributes": []}),
                         operation="AdminGetUser", when_type="UserNotFoundException")]),
    # -- DeleteUser
    "usernames.delete-user.gone": Case(
        broken=overlay_but({}, fp.Fault(fp.success({"Username": "still-here"}),
                                        operation="AdminGetUser",
                                        when_type="UserNotFoundException")),
        fixed=overlay()),
    "usernames.delete-user.sign-in-refused": Case(
        broken=overlay_but({}, fp.Fault(aws("lifecycle.auth.wrong-password"),
                                        operation="InitiateAuth",
                                        when_type="UserNotFoundException")),
        fixed=overlay()),
    # -- attribute updates
    "usernames.admin-update.attribute": Case(
        broken=[get_user(set_attribute("given_name", "Stale"))]),
    "usernames.admin-update.email-verified": Case(
        broken=[get_user(set_attribute("email_verified", "false"))]),
    "usernames.update-attributes.attribute": Case(
        broken=[fp.Fault(fp.status(500), operation="UpdateUserAttributes")]),
    # -- DescribeUserPool
    "usernames.describe.username-attributes": Case(
        broken=[describe(lambda p: p.pop("UsernameAttributes", None))]),
    "usernames.describe.alias-attributes": Case(
        broken=[describe(lambda p: p.__setitem__("AliasAttributes", ["email"]))]),
    "usernames.describe.case-insensitive": Case(
        broken=[describe(lambda p: p.__setitem__("UsernameConfiguration",
                                                 {"CaseSensitive": True}))]),
    "usernames.describe.unknown-pool.status": Case(
        broken=[fp.Fault(fp.status(404), operation="DescribeUserPool",
                         when_type="ResourceNotFoundException")]),
}
