"""Real identifiers for generated cases, so valid requests reach business logic.

A random ClientId only ever meets "client not found". Before each call (inside Schemathesis'
`before_call` hook: Schemathesis snapshots the case first and re-validates what the hook
changed, relabelling a negative case whose only violation was overwritten as positive) the
members named in RULES get a real value: the run's pool and app client, users in a known
state, a policy-valid password, an access or refresh token of a signed-in user, the Session
of a pending NEW_PASSWORD_REQUIRED challenge. String members get a string; map members
(AuthParameters, ChallengeResponses) keep their generated keys with the real USERNAME and
password laid over them. Members of another type (type-mutated negative cases) are left
alone, so negative cases keep their wrong types.

Isolation: operations run in parallel processes, in any order, so each operation that
changes a user's state (confirms, deletes, disables, resets, signs out, revokes, updates)
acts on a throwaway user of its own; the users the read-only operations rely on
(`confirmed`) are only ever read or signed in with their right password.

Optional identities: the challenge Sessions need a target that puts an admin-created user
into NEW_PASSWORD_REQUIRED, and AdminResetUserPassword's user gets a verified email (AWS
resets only a user with a verified contact). When the target refuses such a step, the rest
of the run does not depend on it: the reason is kept in `Identities.unavailable` and that
member keeps its generated value.
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
    # -- sign-in, challenges, passwords, sign-out, attributes (issue 13) --------------------
    "AdminInitiateAuth": {"AuthParameters": "auth.admin-auth"},
    "RespondToAuthChallenge": {"Session": "session.respond",
                               "ChallengeResponses": "challenge.respond"},
    "AdminRespondToAuthChallenge": {"Session": "session.admin-respond",
                                    "ChallengeResponses": "challenge.admin-respond"},
    "AdminDisableUser": {"Username": "user.disable"},
    "AdminEnableUser": {"Username": "user.enable"},
    "AdminSetUserPassword": {"Username": "user.set-password", "Password": "password.new"},
    "AdminResetUserPassword": {"Username": "user.admin-reset"},
    "GlobalSignOut": {"AccessToken": "token.signout"},
    "AdminUserGlobalSignOut": {"Username": "user.admin-signout"},
    "RevokeToken": {"Token": "refresh.revoke"},
    "AdminUpdateUserAttributes": {"Username": "user.admin-update"},
    "UpdateUserAttributes": {"AccessToken": "token.update"},
}
# Identity keys whose value is an object laid over the generated map (not a string).
MAP_KEYS = ("auth.", "challenge.")
# user -> confirmed? (unconfirmed users are the ones the confirmation operations act on)
USERS: dict[str, bool] = {"confirmed": True, "victim": True, "deletable": True, "forgot": True,
                          "reset": True, "confirm": False, "admin-confirm": False,
                          "resend": False,
                          "admin-auth": True, "disable": True, "enable": True,
                          "set-password": True, "admin-reset": True, "signout": True,
                          "admin-signout": True, "revoke": True, "admin-update": True,
                          "update": True}
SIGNED_IN = ("confirmed", "victim", "signout", "update")   # token.<user>: an access token
REFRESHABLE = ("revoke",)                                   # refresh.<user>: a refresh token
# Admin-created users (FORCE_CHANGE_PASSWORD) left in a NEW_PASSWORD_REQUIRED challenge:
# user -> signs in through AdminInitiateAuth (else InitiateAuth). session.<user> is the
# challenge's Session; the first case that answers it with a valid password completes it.
CHALLENGED: dict[str, bool] = {"respond": False, "admin-respond": True}
VERIFIED_EMAIL = ("admin-reset",)


def policy_password() -> str:
    """Valid under the strict policy of provision.POOLS['generated'] (and remembered as secret)."""
    value = f"Gg{secrets.token_hex(6)}7#"
    remember(value)
    return value


class SetupFailed(RuntimeError):
    """The target refused to create the users/tokens the generated cases need."""


@dataclass
class Identities:
    """The pool, client, users, passwords and tokens of one generated run (plain data, so
    it can be handed to worker processes). `unavailable`: identity key -> why the target
    could not provide it (the member then keeps its generated value)."""

    values: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    # -- lookups used by the rules ---------------------------------------------------------
    def value(self, key: str, current: Any) -> Any:
        if key in self.unavailable:
            return current
        if key == "password.new":
            return policy_password()
        if key.startswith("auth."):
            return self._auth_parameters(key.removeprefix("auth."), current)
        if key.startswith("challenge."):
            return self._new_password_responses(key.removeprefix("challenge."), current)
        return self.values[key]

    def _auth_parameters(self, user: str, current: Any) -> Any:
        if not isinstance(current, dict):
            return current
        return {**current, "USERNAME": self.values[f"user.{user}"],
                "PASSWORD": self.passwords[user]}

    def _new_password_responses(self, user: str, current: Any) -> Any:
        if not isinstance(current, dict):
            return current
        return {**current, "USERNAME": self.values[f"user.{user}"],
                "NEW_PASSWORD": policy_password()}


def rules_for(operation: str) -> dict[str, str]:
    return {**COMMON, **PER_OPERATION.get(operation, {})}


def inject(operation: str, body: Any, identities: Identities) -> None:
    """Overwrite the string (or, for maps, object) members the rules name, in place."""
    if not isinstance(body, dict):
        return
    for member, key in rules_for(operation).items():
        current = body.get(member)
        if isinstance(current, str) or (key.startswith(MAP_KEYS) and isinstance(current, dict)):
            body[member] = identities.value(key, current)


@dataclass
class _Setup:
    caller: Caller
    ids: Identities
    label: str = "gen"   # usernames are <run prefix>-<label>-<user>

    def run(self, provisioner: Provisioner) -> Identities:
        # a pool of its own (provision.POOLS["generated"]): no hand-written check's users in it
        client = provisioner.client("generated", "public")
        self.ids.values.update(client_id=client.client_id, pool_id=client.pool_id)
        for user in USERS:
            self._sign_up(provisioner.prefix, user)
        for user in (u for u, confirmed in USERS.items() if confirmed):
            self._ok("AdminConfirmSignUp", {"UserPoolId": client.pool_id,
                                            "Username": self.ids.values[f"user.{user}"]})
        for user in SIGNED_IN + REFRESHABLE:
            tokens = self._sign_in(user)
            if user in SIGNED_IN:
                self.ids.values[f"token.{user}"] = tokens["AccessToken"]
            if user in REFRESHABLE:
                self.ids.values[f"refresh.{user}"] = self._token(tokens, "RefreshToken", user)
        listing = provisioner.client("listing", "public")
        self.ids.values["pool_id.listing"] = listing.pool_id
        self._ok("SignUp", {"ClientId": listing.client_id,
                            "Username": f"{provisioner.prefix}-{self.label}-listed",
                            "Password": policy_password(),
                            "UserAttributes": [{"Name": "email",
                                                "Value": "listed@example.com"}]})
        self.ids.values["password.confirmed"] = self.ids.passwords["confirmed"]
        for user in VERIFIED_EMAIL:
            self._optional((f"verified.{user}",), self._verify_email, user)
        for user, admin in CHALLENGED.items():
            self._optional((f"session.{user}", f"challenge.{user}"), self._challenge,
                           provisioner.prefix, user, admin)
        return self.ids

    def _sign_up(self, prefix: str, user: str) -> None:
        name = f"{prefix}-{self.label}-{user}"
        self.ids.passwords[user] = policy_password()
        self._ok("SignUp", {"ClientId": self.ids.values["client_id"], "Username": name,
                            "Password": self.ids.passwords[user],  # email: see Ctx.sign_up
                            "UserAttributes": [{"Name": "email",
                                                "Value": f"{user}@example.com"}]})
        self.ids.values[f"user.{user}"] = name

    def _sign_in(self, user: str) -> dict[str, Any]:
        reply = self._ok("InitiateAuth", {
            "ClientId": self.ids.values["client_id"], "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": self.ids.values[f"user.{user}"],
                               "PASSWORD": self.ids.passwords[user]}})
        tokens = reply.get("AuthenticationResult", {})
        self._token(tokens, "AccessToken", user)
        return tokens

    @staticmethod
    def _token(tokens: Any, name: str, user: str) -> str:
        token = tokens.get(name) if isinstance(tokens, dict) else None
        if not isinstance(token, str):
            raise SetupFailed(f"InitiateAuth for {user} returned no {name}")
        remember(token)
        return token

    def _verify_email(self, user: str) -> None:
        """A verified email, so AdminResetUserPassword can deliver its code on AWS (a user
        without a verified contact is refused). Its failure only loses that realism."""
        self._ok("AdminUpdateUserAttributes", {
            "UserPoolId": self.ids.values["pool_id"], "Username": self.ids.values[f"user.{user}"],
            "UserAttributes": [{"Name": "email_verified", "Value": "true"}]})

    def _challenge(self, prefix: str, user: str, admin: bool) -> None:
        """An admin-created user signed in with its temporary password: the Session of its
        NEW_PASSWORD_REQUIRED challenge (a target that logs it straight in has none)."""
        name, temporary = f"{prefix}-{self.label}-{user}", policy_password()
        pool, client = self.ids.values["pool_id"], self.ids.values["client_id"]
        self._ok("AdminCreateUser", {"UserPoolId": pool, "Username": name,
                                     "TemporaryPassword": temporary, "MessageAction": "SUPPRESS"})
        self.ids.values[f"user.{user}"] = name
        params = {"USERNAME": name, "PASSWORD": temporary}
        reply = self._ok("AdminInitiateAuth", {"UserPoolId": pool, "ClientId": client,
                                               "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                                               "AuthParameters": params}) if admin else \
            self._ok("InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                                      "AuthParameters": params})
        session = reply.get("Session")
        if reply.get("ChallengeName") != "NEW_PASSWORD_REQUIRED" or not isinstance(session, str):
            raise SetupFailed(f"sign-in of an admin-created user answered challenge "
                              f"{reply.get('ChallengeName')!r} with"
                              f"{'' if isinstance(session, str) else ' no'} Session")
        remember(session)
        self.ids.values[f"session.{user}"] = session

    def _optional(self, keys: tuple[str, ...], step: Any, *args: Any) -> None:
        """Run a set-up step the rest of the run does not need; on failure, note why under
        the identity keys it would have provided (their members stay generated)."""
        try:
            step(*args)
        except SetupFailed as exc:
            self.ids.unavailable.update(dict.fromkeys(keys, str(exc)[:300]))

    def _ok(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.caller.call(operation, body).ok_json(SetupFailed, f"setup {operation}")


def create_identities(caller: Caller, provisioner: Provisioner,
                      label: str = "gen") -> Identities:
    """Create the run's users (some confirmed, some signed in, two left in a challenge) in
    the provisioner's pool; `label` tells apart two sets made under one run prefix."""
    return _Setup(caller, Identities(), label).run(provisioner)
