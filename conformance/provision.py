"""Provisioning: the pools and app clients checks need, created on demand and deleted after.

Pools are described as data (POOLS, CLIENTS) and created lazily the first time a check asks
for one, under a unique run prefix so that runs against a shared endpoint (or real AWS)
never collide, and so that `cleanup` can find leftovers of killed runs by prefix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from conformance.exchange import remember
from conformance.wire import Caller

RUN_PREFIX = "ccf"

STRICT_POLICY = {"PasswordPolicy": {
    "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
    "RequireNumbers": True, "RequireSymbols": True}}

# CreateUserPool parameters per pool kind (PoolName is added with the run prefix).
POOLS: dict[str, dict[str, Any]] = {
    # A password policy with every rule on; email is auto-verified (codes go to email).
    "main": {"Policies": STRICT_POLICY, "AutoVerifiedAttributes": ["email"]},
    # No auto-verification: SignUp answers without CodeDeliveryDetails.
    "plain": {"Policies": STRICT_POLICY},
    # `email` is a required attribute (not auto-verified: the one check using this pool leaves
    # the email out, and an auto-verify complaint must not stand in for the schema error).
    "required-email": {"Policies": STRICT_POLICY,
                       "Schema": [{"Name": "email", "AttributeDataType": "String",
                                   "Required": True, "Mutable": True}]},
    # Email is the username (UsernameAttributes): the stored username becomes the sub.
    "email-username": {"Policies": STRICT_POLICY, "AutoVerifiedAttributes": ["email"],
                       "UsernameAttributes": ["email"]},
    # For requests AWS rejects but a lenient target may accept (over-long or malformed
    # usernames): the users such a target wrongly creates stay out of the pools other checks
    # list and validate.
    "scratch": {"Policies": STRICT_POLICY},
    # Generated ListUsers cases list this pool: only the generated run's own well-formed user
    # is in it, so what ListUsers answers does not depend on which users the other
    # operations' generated cases (run in parallel) happened to create first.
    "listing": {"Policies": STRICT_POLICY},
    # Usernames are case-insensitive (UsernameConfiguration.CaseSensitive=false): `Name` and
    # `name` are one user, for sign-up, look-ups and sign-in.
    "case-insensitive": {"Policies": STRICT_POLICY, "AutoVerifiedAttributes": ["email"],
                         "UsernameConfiguration": {"CaseSensitive": False}},
    # email and preferred_username are aliases (AliasAttributes): a user signs in and is
    # found by either once verified, while the username stays what was signed up.
    "alias": {"Policies": STRICT_POLICY, "AutoVerifiedAttributes": ["email"],
              "AliasAttributes": ["email", "preferred_username"]},
    # ListUsers filters, limits and paging: only the users the listing checks create.
    "users": {"Policies": STRICT_POLICY, "AutoVerifiedAttributes": ["email"]},
    # The generated cases' pool ("main"'s settings): what a generated case is answered must
    # not depend on which hand-written checks ran before it (-k). In "main", the user
    # wire.serialization.type-mismatch's SignUp left under Username {"a": 1} on a target that
    # accepts it (cognito-local) was what generated AdminGetUser cases found, in full runs only.
    "generated": {"Policies": STRICT_POLICY, "AutoVerifiedAttributes": ["email"]},
}
_FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
          "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
# CreateUserPoolClient parameters per client kind (ClientName is added).
CLIENTS: dict[str, dict[str, Any]] = {
    "public": {"ExplicitAuthFlows": _FLOWS, "PreventUserExistenceErrors": "LEGACY"},
    "enabled": {"ExplicitAuthFlows": _FLOWS, "PreventUserExistenceErrors": "ENABLED"},
    "secret": {"ExplicitAuthFlows": _FLOWS, "GenerateSecret": True,
               "PreventUserExistenceErrors": "LEGACY"},
    # Token lifetimes set explicitly (not the defaults): exp - iat of the ID and access tokens
    # must be 2 hours, and the refresh token is valid 1 day.
    "validity": {"ExplicitAuthFlows": _FLOWS, "PreventUserExistenceErrors": "LEGACY",
                 "AccessTokenValidity": 2, "IdTokenValidity": 2, "RefreshTokenValidity": 1,
                 "TokenValidityUnits": {"AccessToken": "hours", "IdToken": "hours",
                                        "RefreshToken": "days"}},
    # Only the refresh flow is allowed: password sign-in must be refused on this client.
    "refresh-only": {"ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"],
                     "PreventUserExistenceErrors": "LEGACY"},
}


PREFIX_KEY = "run_prefix"  # RunConfig.extra key: the target's prefix, for the checks' pools


def new_prefix() -> str:
    """A unique run prefix: `ccf-<epoch>-<6 hex>` (cleanup sweeps by it)."""
    return f"{RUN_PREFIX}-{int(time.time())}-{secrets.token_hex(3)}"


class ProvisionError(RuntimeError):
    """The target refused to create a pool or client the checks need."""


@dataclass(frozen=True)
class AppClient:
    pool_id: str
    client_id: str
    secret: str | None = None

    def secret_hash(self, username: str) -> str | None:
        """SecretHash = Base64(HMAC-SHA256(client secret, username + client id))."""
        if not self.secret:
            return None
        digest = hmac.new(self.secret.encode(), (username + self.client_id).encode(),
                          hashlib.sha256).digest()
        value = base64.b64encode(digest).decode()
        remember(value)
        return value


@dataclass
class Provisioner:
    caller: Caller
    prefix: str = field(default_factory=lambda: new_prefix())
    pools: dict[str, str] = field(default_factory=dict)
    clients: dict[tuple[str, str], AppClient] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def pool(self, kind: str = "main") -> str:
        with self._lock:
            if kind not in self.pools:
                body = {"PoolName": f"{self.prefix}-{kind}", **POOLS[kind]}
                reply = self._ok("CreateUserPool", body)
                self.pools[kind] = reply["UserPool"]["Id"]
            return self.pools[kind]

    def client(self, pool_kind: str = "main", kind: str = "public") -> AppClient:
        with self._lock:
            key = (pool_kind, kind)
            if key not in self.clients:
                pool_id = self.pool(pool_kind)
                body = {"UserPoolId": pool_id, "ClientName": f"{self.prefix}-{kind}",
                        **CLIENTS[kind]}
                made = self._ok("CreateUserPoolClient", body)["UserPoolClient"]
                self.clients[key] = AppClient(pool_id, made["ClientId"],
                                              made.get("ClientSecret"))
            return self.clients[key]

    def cleanup(self) -> list[str]:
        """Delete every pool this run made; returns the ids that could not be deleted."""
        leaked = []
        for pool_id in list(self.pools.values()):
            try:
                reply = self.caller.call("DeleteUserPool", {"UserPoolId": pool_id})
                if reply.status != 200 and reply.error_type != "ResourceNotFoundException":
                    leaked.append(pool_id)
            except Exception:  # noqa: BLE001 - a dead target leaks what it holds
                leaked.append(pool_id)
        self.pools.clear()
        self.clients.clear()
        return leaked

    def _ok(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.caller.call(operation, body).ok_json(ProvisionError, operation)
