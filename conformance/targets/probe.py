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
