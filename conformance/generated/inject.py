"""Real identifiers for generated cases, so valid requests reach business logic.

A random ClientId only ever meets "client not found". Before each call (inside Schemathesis'
`before_call` hook: Schemathesis snapshots the case first and re-validates what the hook
changed, relabelling a negative case whose only violation was overwritten as positive) the
string members named in RULES get a real value: the run's pool and app client, users in a
known state, a policy-valid password, an access token of a signed-in user. Non-string
(type-mutated) members are left alone, so negative cases keep their wrong types.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from conformance.exchange import remember
from conformance.provision import Provisioner
from conformance.wire import Caller

# Member -> identity key, for every operation (overridden per operation below).
COMMON: dict[str, str] = {"ClientId": "client_id", "UserPoolId": "pool_id",
                          "AccessToken": "token.confirmed"}
# Per operation: member -> identity key. Username absent = keep the generated (new) name.
# Each operation that changes a user's state gets its own user, so operations can run in
# parallel (and in any order) without changing each other's answers.
PER_OPERATION: dict[str, dict[str, str]] = {
    "SignUp": {"Password": "password.new"},
    "ConfirmSignUp": {"Username": "user.confirm"},
    "AdminConfirmSignUp": {"Username": "user.admin-confirm"},
    "ResendConfirmationCode": {"Username": "user.resend"},
    "InitiateAuth": {"AuthParameters": "auth.confirmed"},
    "AdminGetUser": {"Username": "user.confirmed"},
    "AdminDeleteUser": {"Username": "user.deletable"},
    "ForgotPassword": {"Username": "user.forgot"},
    "ConfirmForgotPassword": {"Username": "user.reset", "Password": "password.new"},
    "ChangePassword": {"PreviousPassword": "password.confirmed",
                       "ProposedPassword": "password.confirmed"},
    "DeleteUser": {"AccessToken": "token.victim"},
    # its own pool (provision.POOLS["listing"]): the answer must not depend on what the other
    # operations' cases, running in parallel, created in the main pool
    "ListUsers": {"UserPoolId": "pool_id.listing"},
}
# user -> confirmed? (unconfirmed users are the ones the confirmation operations act on)
USERS: dict[str, bool] = {"confirmed": True, "victim": True, "deletable": True, "forgot": True,
                          "reset": True, "confirm": False, "admin-confirm": False,
                          "resend": False}
SIGNED_IN = ("confirmed", "victim")


def policy_password() -> str:
    """Valid under the strict policy of provision.POOLS['main'] (and remembered as secret)."""
    value = f"Gg{secrets.token_hex(6)}7#"
    remember(value)
    return value


class SetupFailed(RuntimeError):
    """The target refused to create the users/tokens the generated cases need."""


@dataclass
class Identities:
    """The pool, client, users, passwords and tokens of one generated run (plain data, so
    it can be handed to worker processes)."""

    values: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)

    # -- lookups used by the rules ---------------------------------------------------------
    def value(self, key: str, current: Any) -> Any:
        if key == "password.new":
            return policy_password()
        if key == "auth.confirmed":
            return self._auth_parameters(current)
        return self.values[key]

    def _auth_parameters(self, current: Any) -> Any:
        if not isinstance(current, dict):
            return current
        return {**current, "USERNAME": self.values["user.confirmed"],
                "PASSWORD": self.passwords["confirmed"]}


def rules_for(operation: str) -> dict[str, str]:
    return {**COMMON, **PER_OPERATION.get(operation, {})}


def inject(operation: str, body: Any, identities: Identities) -> None:
    """Overwrite the string (or, for maps, object) members the rules name, in place."""
    if not isinstance(body, dict):
        return
    for member, key in rules_for(operation).items():
        current = body.get(member)
        if isinstance(current, str) or (key.startswith("auth.") and isinstance(current, dict)):
            body[member] = identities.value(key, current)


@dataclass
class _Setup:
    caller: Caller
    ids: Identities

    def run(self, provisioner: Provisioner) -> Identities:
        client = provisioner.client("main", "public")
        self.ids.values.update(client_id=client.client_id, pool_id=client.pool_id)
        for user in USERS:
            self._sign_up(provisioner.prefix, user)
        for user in (u for u, confirmed in USERS.items() if confirmed):
            self._ok("AdminConfirmSignUp", {"UserPoolId": client.pool_id,
                                            "Username": self.ids.values[f"user.{user}"]})
        for user in SIGNED_IN:
            self.ids.values[f"token.{user}"] = self._sign_in(user)
        listing = provisioner.client("listing", "public")
        self.ids.values["pool_id.listing"] = listing.pool_id
        self._ok("SignUp", {"ClientId": listing.client_id, "Username":
                            f"{provisioner.prefix}-gen-listed", "Password": policy_password(),
                            "UserAttributes": [{"Name": "email",
                                                "Value": "listed@example.com"}]})
        self.ids.values["password.confirmed"] = self.ids.passwords["confirmed"]
        return self.ids

    def _sign_up(self, prefix: str, user: str) -> None:
        name = f"{prefix}-gen-{user}"
        self.ids.passwords[user] = policy_password()
        self._ok("SignUp", {"ClientId": self.ids.values["client_id"], "Username": name,
                            "Password": self.ids.passwords[user],  # email: see Ctx.sign_up
                            "UserAttributes": [{"Name": "email",
                                                "Value": f"{user}@example.com"}]})
        self.ids.values[f"user.{user}"] = name

    def _sign_in(self, user: str) -> str:
        reply = self._ok("InitiateAuth", {
            "ClientId": self.ids.values["client_id"], "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": self.ids.values[f"user.{user}"],
                               "PASSWORD": self.ids.passwords[user]}})
        token = reply.get("AuthenticationResult", {}).get("AccessToken")
        if not isinstance(token, str):
            raise SetupFailed(f"InitiateAuth for {user} returned no AccessToken")
        remember(token)
        return token

    def _ok(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.caller.call(operation, body).ok_json(SetupFailed, f"setup {operation}")


def create_identities(caller: Caller, provisioner: Provisioner) -> Identities:
    """Create the run's users (some confirmed, two signed in) in the provisioner's pool."""
    return _Setup(caller, Identities()).run(provisioner)
