"""What a check function receives: `Ctx`, a small facade over the target for one check.

Ctx records every exchange a check makes (the evidence in the report, the reproduction of
the last one), creates unique usernames and policy-valid passwords, and offers the few
compound steps many checks share (sign up a user, read its status). Checks stay ~10 lines.

The code oracle: a step that needs a code the session cannot get raises CapabilityMissing,
and the results layer decides (`unsupported` when the target never claimed an oracle,
`failed` when it claimed one and the start-up probe refuted it). An oracle the target
claims that names no code for a user is the oracle's failure (OracleGaveNoCode), never a
quiet `unsupported`: otherwise a broken oracle would hide every code check's regression.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from conformance.checks.registry import Failure, SetupError, Unsupported
from conformance.exchange import Exchange, remember
from conformance.provision import AppClient, Provisioner
from conformance.targets.base import Target
from conformance.targets.probe import report_of
from conformance.wire import Caller

CODE_ORACLE = "code-oracle"


class CapabilityMissing(Unsupported):
    """A step needs a capability the session lacks; the results layer (runner.py,
    `missing_capability`) decides whether that is `unsupported` or `failed`."""

    def __init__(self, capability: str) -> None:
        super().__init__(f"target lacks {capability}")
        self.capability = capability


class TargetLacks(Unsupported):
    """A set-up step needs what the target declares it lacks (Target.lacks), answered
    exactly as declared: the check cannot be exercised here (`unsupported`)."""

    def __init__(self, target: str, step: str, reason: str, answer: dict[str, Any]) -> None:
        super().__init__(f"{target} lacks {step}, which this check's set-up needs: {reason} "
                         f"(answered {answer})")
        self.step = step


class OracleGaveNoCode(Failure, Unsupported):
    """The target claims a code oracle and it named no code for a user it should know.

    A Failure (the check fails, signature `code-oracle=no code`). Also an Unsupported, for
    the one caller that handles it per step instead: the state machine, which records it as a
    divergence of the step's fact (or skips a CONFIRMED user's used code).
    """

    def __init__(self, pool_id: str, username: str) -> None:
        super().__init__(f"the target's code oracle named no confirmation code for "
                         f"{username}, a user it should have sent one to",
                         expected={CODE_ORACLE: "the code sent to the user"},
                         observed={CODE_ORACLE: None, "pool_id": pool_id,
                                   "username": username},
                         aspects={CODE_ORACLE: "no code"})


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
    # What the checks of one session share (the state machine's run, made once and judged
    # fact by fact); a bare Ctx has its own.
    shared: dict[str, Any] = field(default_factory=dict)

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
        """The code the target sent `username`: CapabilityMissing without a usable oracle,
        OracleGaveNoCode when the claimed oracle has none (Unsupported if only tried)."""
        if CODE_ORACLE not in self.capabilities:
            raise CapabilityMissing(CODE_ORACLE)
        value = self.target.confirmation_code(pool_id, username)
        if value:
            return value
        if CODE_ORACLE in report_of(self.target).declared:
            raise OracleGaveNoCode(pool_id, username)
        raise Unsupported(f"target revealed no confirmation code for {username}")

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
        """A set-up call must answer 200 with a JSON object: SetupError otherwise, or
        TargetLacks when the target declares it lacks the operation (answered as declared)."""
        if ex.status != 200 or not isinstance(ex.json, dict):
            self.unless_lacked(ex.operation, ex)
        ex.ok_json(SetupError, f"set-up failed: {step}")

    def unless_lacked(self, step: str, ex: Exchange) -> None:
        """Raise TargetLacks if the target declares it lacks `step` and `ex` is the
        declared answer (`step`: an operation, or `<Operation>:<behaviour>`)."""
        from conformance.targets.base import lack_of

        lack = lack_of(self.target, step, ex.status, ex.error_type)
        if lack is not None:
            raise TargetLacks(self.target.name, step, lack.reason, ex.summary())

    def observe(self, **values: Any) -> None:
        """Record what the target did (observations only)."""
        self.observed.update(values)
