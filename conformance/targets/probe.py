"""The start-up probe: prove the endpoint speaks cognito-idp before any check runs.

One cheap signed call (ListUserPools, MaxResults=1). No answer -> TargetStartError (exit 3,
one line). An answer that is not JSON means the endpoint is not a cognito-idp server.
Targets may declare `probe_capabilities(caller)` to confirm declared capabilities with a
cheap call; checks then see only what the probe confirmed.
"""

from __future__ import annotations

from conformance.config import RunConfig
from conformance.targets.base import Target, TargetStartError
from conformance.wire import AwsCredentials, Caller, TargetUnreachable

PROBE_TIMEOUT_S = 5.0


def confirm_capabilities(target: Target, config: RunConfig) -> frozenset[str]:
    key, secret, token = config.credentials()
    caller = Caller(target.endpoint, config.region, AwsCredentials(key, secret, token),
                    timeout_s=min(config.timeout_s, PROBE_TIMEOUT_S))
    try:
        reply = caller.call("ListUserPools", {"MaxResults": 1})
    except TargetUnreachable as exc:
        raise TargetStartError(f"unreachable at {target.endpoint} ({_short(exc)})") from exc
    if reply.json is None:
        raise TargetStartError(f"{target.endpoint} answered ListUserPools with HTTP "
                               f"{reply.status} and no JSON body: not a cognito-idp endpoint")
    if config.endpoint and "reset" in target.capabilities:
        target.reset()
    probe = getattr(target, "probe_capabilities", None)
    return frozenset(probe(caller)) if callable(probe) else frozenset(target.capabilities)


def _short(exc: Exception) -> str:
    text = str(exc)
    for marker in ("Connection refused", "timed out", "Name or service not known"):
        if marker in text:
            return marker.lower()
    return text[:160]


# -- capability probes a target may call from its probe_capabilities(caller) ----------------
PROBE_PASSWORD = "Probe-Pw-9x!"


def confirmed_capabilities(target: Target, caller: Caller) -> frozenset[str]:
    """Declared capabilities minus those a throw-away pool shows not to work.

    One pool + client under the run prefix, one SignUp, then: create-pool (it worked),
    admin (AdminGetUser answers 200), code-oracle (the oracle names a code for the user).
    The pool is deleted again; `reset` is kept as declared (it is the target's own call).
    """
    from conformance.provision import Provisioner, ProvisionError

    declared = frozenset(target.capabilities)
    provisioner = Provisioner(caller)
    pool_kind = "main" if "code-oracle" in declared else "plain"  # no mail unless needed
    try:
        client = provisioner.client(pool_kind, "public")
    except ProvisionError:
        return declared - {"create-pool", "admin", "code-oracle"}
    except TargetUnreachable as exc:
        raise TargetStartError(f"probe: {target.endpoint} stopped answering "
                               f"({_short(exc)})") from exc
    try:
        return declared - _missing_after_signup(target, caller, client, provisioner.prefix)
    except TargetUnreachable as exc:
        raise TargetStartError(f"probe: {target.endpoint} stopped answering "
                               f"({_short(exc)})") from exc
    finally:
        provisioner.cleanup()


def _missing_after_signup(target: Target, caller: Caller, client: object,
                          prefix: str) -> set[str]:
    pool_id, client_id = client.pool_id, client.client_id
    username = f"{prefix}-probe"
    signup = caller.call("SignUp", {"ClientId": client_id, "Username": username,
                                    "Password": PROBE_PASSWORD, "UserAttributes": [
                                        {"Name": "email", "Value": "probe@example.com"}]})
    if signup.status != 200:
        return {"admin", "code-oracle"}
    missing = set()
    admin = caller.call("AdminGetUser", {"UserPoolId": pool_id, "Username": username})
    if admin.status != 200:
        missing.add("admin")
    if "code-oracle" in target.capabilities and \
            not target.confirmation_code(pool_id, username):
        missing.add("code-oracle")
    return missing


CAPS_KEY = "confirmed_capabilities"


class ProbedCapabilities:
    """Mixin for targets: probe-confirmed capabilities also hold in pytest-xdist workers.

    Workers rebuild the target from RunConfig (endpoint + `extra`), so the controller's
    probe result travels in `attach_info()` and a worker adopts it instead of the declared
    set: a capability the probe refuted stays refuted everywhere.
    """

    capabilities: frozenset[str]
    _confirmed: frozenset[str] | None = None

    def probe_capabilities(self, caller: Caller) -> frozenset[str]:
        self._confirmed = confirmed_capabilities(self, caller)  # type: ignore[arg-type]
        return self._confirmed

    def capabilities_info(self) -> dict[str, str]:
        if self._confirmed is None:
            return {}
        return {CAPS_KEY: ",".join(sorted(self._confirmed))}

    def adopt_attached_capabilities(self, config: RunConfig) -> None:
        value = config.extra.get(CAPS_KEY)
        if config.endpoint and value is not None:
            self.capabilities = frozenset(c for c in value.split(",") if c)
