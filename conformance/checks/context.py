"""What a check function receives: `Ctx`, a small facade over the target for one check.

Ctx records every exchange a check makes (the evidence in the report, the reproduction of
the last one), creates unique usernames and policy-valid passwords, and offers the few
compound steps many checks share (sign up a user, read its status). Checks stay ~10 lines.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from conformance.checks.registry import SetupError, Unsupported
from conformance.exchange import Exchange, remember
from conformance.provision import AppClient, Provisioner
from conformance.targets.base import Target
from conformance.wire import Caller


@dataclass
class Ctx:
    caller: Caller
    provisioner: Provisioner
    target: Target
    capabilities: frozenset[str]
    exchanges: list[Exchange] = field(default_factory=list)
    observed: dict[str, Any] = field(default_factory=dict)
    # The run's RunConfig (seed, profile: the state machine's budget); None in bare contexts.
    config: Any = None
    # Check ids the target's expectations list as known deviations (the state machine leaves
    # those behaviours to their own checks instead of failing on them again).
    known_deviations: frozenset[str] = frozenset()

    # -- raw calls -------------------------------------------------------------------------
    def call(self, operation: str, body: Any = None, **kwargs: Any) -> Exchange:
        ex = self.caller.call(operation, body, **kwargs)
        self.exchanges.append(ex)
        return ex

    # -- resources -------------------------------------------------------------------------
    def pool(self, kind: str = "main") -> str:
        return self.provisioner.pool(kind)

    def client(self, pool_kind: str = "main", kind: str = "public") -> AppClient:
        return self.provisioner.client(pool_kind, kind)

    def username(self, tag: str = "u") -> str:
        return f"{self.provisioner.prefix}-{tag}-{secrets.token_hex(4)}"

    def password(self) -> str:
        """A password valid under the strict policy (8+ chars, upper, lower, digit, symbol)."""
        value = f"Cc{secrets.token_hex(6)}9!"
        remember(value)
        return value

    def email(self) -> str:
        return f"{secrets.token_hex(4)}@example.com"

    def code(self, pool_id: str, username: str) -> str:
        if "code-oracle" not in self.capabilities:
            raise Unsupported("target has no code oracle")
        value = self.target.confirmation_code(pool_id, username)
        if not value:
            raise Unsupported(f"target revealed no confirmation code for {username}")
        return value

    # -- compound steps --------------------------------------------------------------------
    def signup_body(self, client: AppClient, username: str, password: str | None,
                    attributes: dict[str, str] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"ClientId": client.client_id, "Username": username}
        if password is not None:
            body["Password"] = password
        if attributes:
            body["UserAttributes"] = [{"Name": k, "Value": v} for k, v in attributes.items()]
        if client.secret:
            body["SecretHash"] = client.secret_hash(username)
        return body

    def sign_up(self, client: AppClient | None = None, username: str | None = None,
                password: str | None = None, attributes: dict[str, str] | None = None,
                ) -> tuple[str, str, Exchange]:
        """Sign a new user up (with an email unless `attributes` says otherwise).

        SetupError unless the target answers 200. The email is there because the main pool
        auto-verifies email: AWS accepts a sign-up without one (checked on its own by
        `signup.success.verified-email-missing.shape`), some emulators do not, and a set-up
        step must not turn that one deviation into errors of unrelated checks.
        """
        client = client or self.client()
        username = username or self.username()
        password = password or self.password()
        attributes = {"email": self.email()} if attributes is None else attributes
        ex = self.call("SignUp", self.signup_body(client, username, password, attributes))
        self.require_ok(ex, "SignUp")
        return username, password, ex

    def user_status(self, pool_id: str, username: str) -> dict[str, Any]:
        ex = self.call("AdminGetUser", {"UserPoolId": pool_id, "Username": username})
        self.require_ok(ex, "AdminGetUser")
        return ex.json

    def require_ok(self, ex: Exchange, step: str) -> None:
        ex.ok_json(SetupError, f"setup step {step}")

    def observe(self, **values: Any) -> None:
        """Record what the target did (observations only)."""
        self.observed.update(values)
