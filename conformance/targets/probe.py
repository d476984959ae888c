"""The start-up probe: prove the endpoint speaks cognito-idp before any check runs.

One cheap signed call (ListUserPools, MaxResults=1), waiting `--timeout` like any call. No
answer -> TargetStartError (exit 3, one line). A 5xx, or an answer no cognito-idp endpoint
gives (not JSON; a 200 without a `UserPools` list, such as `{}`), is exit 3 too: every
check would only report the same breakage. So is anything the capability probe trips over
that is not a refused capability (a CreateUserPool answering 200 `{}`): one line naming the
answer, never a traceback.
Targets may declare `probe_capabilities(caller)` to confirm their capabilities with a
throw-away pool; checks then see only what the probe confirmed.

Why the probe keeps a report and not just a set: a capability the target DECLARES but the
probe REFUTES is the target's failure, not a gap in the suite. If it only vanished from the
set, every check needing it would read `unsupported` and a target whose AdminGetUser broke
would look better (unsupported checks leave the score) instead of red. So the probe records
what was declared, what it confirmed and, for each refutation, the reason and the exchange
that showed it (CapabilityReport); the results layer fails the dependent checks with that
evidence, and results.json lists the report under `target.capabilities`. `unsupported` stays
for what the target never claimed, including the `tentative_capabilities` a target only
tries (the `url` target: any server, so admin/create-pool are hoped for, not promised).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from conformance.config import RunConfig
from conformance.exchange import Exchange
from conformance.targets.base import Target, TargetStartError, declared_capabilities
from conformance.wire import AwsCredentials, Caller, TargetUnreachable

def confirm_capabilities(target: Target, config: RunConfig) -> frozenset[str]:
    key, secret, token = config.credentials()
    caller = Caller(target.endpoint, config.region, AwsCredentials(key, secret, token),
                    timeout_s=config.timeout_s)
    try:
        reply = caller.call("ListUserPools", {"MaxResults": 1})
    except TargetUnreachable as exc:
        raise TargetStartError(f"unreachable at {target.endpoint} ({_short(exc)})") from exc
    _judge_first_answer(target, reply)
    if config.endpoint and "reset" in target.capabilities:
        target.reset()
    probe = getattr(target, "probe_capabilities", None)
    if not callable(probe):
        return frozenset(target.capabilities)
    try:
        return frozenset(probe(caller))
    except (TargetStartError, KeyboardInterrupt):
        raise
    except TargetUnreachable as exc:
        raise TargetStartError(f"probe: {target.endpoint} stopped answering "
                               f"({_short(exc)})") from exc
    except Exception as exc:  # noqa: BLE001 - an answer the probe could not read
        raise TargetStartError(f"probe: {target.endpoint} gave an answer no cognito-idp "
                               f"endpoint gives ({_describe(exc)}, last answer: "
                               f"{_last_answer(caller)})") from exc


def _judge_first_answer(target: Target, reply: Exchange) -> None:
    where = f"{target.endpoint} answered ListUserPools with HTTP {reply.status}"
    if reply.status >= 500:
        kind = f" {reply.error_type}" if reply.error_type else ""
        raise TargetStartError(f"{where}{kind}: the target is broken (a 5xx to the first, "
                               "simplest call); nothing to check")
    if not isinstance(reply.json, dict):
        raise TargetStartError(f"{where} and no JSON object: not a cognito-idp endpoint")
    if reply.status == 200 and not isinstance(reply.json.get("UserPools"), list):
        raise TargetStartError(f"{where} without a UserPools list ({_snippet(reply)}): not "
                               "a cognito-idp endpoint")


def _describe(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"member {exc} missing"
    return f"{type(exc).__name__}: {str(exc)[:160]}"


def _last_answer(caller: Caller) -> str:
    last = getattr(caller, "last", None)
    if last is None:
        return "none"
    return f"{last.operation} {last.status} {_snippet(last)}"


def _snippet(reply: Exchange) -> str:
    from conformance.exchange import scrub

    text = reply.body[:80].decode(errors="replace")
    return scrub(" ".join(text.split())) or "(empty body)"


def _short(exc: Exception) -> str:
    text = str(exc)
    for marker in ("connection refused", "timed out", "name or service not known",
                   "connection reset", "without an answer"):
        if marker in text.lower():
            return marker
    return text[:160]


# -- what the probe found -------------------------------------------------------------------
@dataclass(frozen=True)
class Refutation:
    """Why the probe holds a capability not to work: one line, and the exchange that showed it
    (its masked summary; empty when no single answer did)."""

    reason: str
    observed: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CapabilityReport:
    """What a target declared and what the start-up probe made of it.

    `refuted`: declared, shown not to work -> checks needing it fail (the target's fault).
    `unconfirmed`: only tried (tentative), not seen to work -> checks needing it are
    unsupported. `probed` is False when no probe ran (plain pytest, or a target without
    `probe_capabilities`): then nothing is confirmed or refuted, the declared set is used.
    """

    declared: frozenset[str]
    confirmed: frozenset[str]
    refuted: Mapping[str, Refutation] = field(default_factory=dict)
    unconfirmed: Mapping[str, Refutation] = field(default_factory=dict)
    probed: bool = True

    @classmethod
    def judged(cls, declared: frozenset[str], tried: frozenset[str],
               failed: Mapping[str, Refutation]) -> "CapabilityReport":
        """Split the probe's failures: a declared capability is refuted, a tentative one
        merely unconfirmed."""
        return cls(declared=declared, confirmed=tried - frozenset(failed),
                   refuted={c: r for c, r in sorted(failed.items()) if c in declared},
                   unconfirmed={c: r for c, r in sorted(failed.items()) if c not in declared})

    def results_json(self) -> dict[str, Any]:
        """The `target.capabilities` object of results.json (reasons only; the exchanges go
        to the `observed` of each check the refutation fails)."""
        return {"declared": sorted(self.declared), "confirmed": sorted(self.confirmed),
                "refuted": {c: r.reason for c, r in self.refuted.items()},
                "unconfirmed": {c: r.reason for c, r in self.unconfirmed.items()},
                "probed": self.probed}


def unprobed(target: Target) -> CapabilityReport:
    """No probe ran: the declared set is what checks use, and nothing is claimed about it."""
    return CapabilityReport(declared=declared_capabilities(target), confirmed=frozenset(),
                            probed=False)


def report_of(target: Target) -> CapabilityReport:
    """The target's probe report, or an unprobed one (nothing confirmed, nothing refuted)."""
    get = getattr(target, "capability_report", None)
    return get() if callable(get) else unprobed(target)


# -- the capability probe a target may call from its probe_capabilities(caller) -------------
PROBE_PASSWORD = "Probe-Pw-9x!"
PROBED = ("create-pool", "admin", "code-oracle")  # `reset` is the target's own call: kept


def probe_report(target: Target, caller: Caller) -> CapabilityReport:
    """Try the target's capabilities on a throw-away pool and judge what failed.

    One pool + client under a fresh run prefix, one SignUp, then: create-pool (it worked),
    admin (AdminGetUser answers 200), code-oracle (the oracle names a code for the user).
    The pool is deleted again.
    """
    tried = frozenset(target.capabilities)
    return CapabilityReport.judged(declared_capabilities(target), tried,
                                   _failures(target, caller, tried))


def confirmed_capabilities(target: Target, caller: Caller) -> frozenset[str]:
    """The capabilities checks may use: those tried minus those the probe saw fail."""
    return probe_report(target, caller).confirmed


def _failures(target: Target, caller: Caller, tried: frozenset[str]) -> dict[str, Refutation]:
    from conformance.provision import Provisioner, ProvisionError

    provisioner = Provisioner(caller)
    pool_kind = "main" if "code-oracle" in tried else "plain"  # no mail unless needed
    try:
        try:
            client = provisioner.client(pool_kind, "public")
        except ProvisionError as exc:
            why = Refutation(f"the probe could not create its pool and client: {exc}")
            return {c: why for c in PROBED if c in tried}
        return _failures_after_signup(target, caller, client, provisioner.prefix, tried)
    except TargetUnreachable as exc:
        raise TargetStartError(f"probe: {target.endpoint} stopped answering "
                               f"({_short(exc)})") from exc
    finally:
        provisioner.cleanup()


def _failures_after_signup(target: Target, caller: Caller, client: Any, prefix: str,
                           tried: frozenset[str]) -> dict[str, Refutation]:
    pool_id, username = client.pool_id, f"{prefix}-probe"
    signup = caller.call("SignUp", {"ClientId": client.client_id, "Username": username,
                                    "Password": PROBE_PASSWORD, "UserAttributes": [
                                        {"Name": "email", "Value": "probe@example.com"}]})
    if signup.status != 200:
        why = _refuted_by(signup, "not testable: the probe's SignUp answered")
        return {c: why for c in ("admin", "code-oracle") if c in tried}
    failed = {}
    if "admin" in tried:
        admin = caller.call("AdminGetUser", {"UserPoolId": pool_id, "Username": username})
        if admin.status != 200:
            failed["admin"] = _refuted_by(admin, "AdminGetUser answered")
    if "code-oracle" in tried and not target.confirmation_code(pool_id, username):
        failed["code-oracle"] = Refutation(
            "the code oracle named no confirmation code for the probe's new user",
            {"operation": "SignUp", "status": signup.status, "oracle": None})
    return failed


def _refuted_by(exchange: Exchange, what: str) -> Refutation:
    """`AdminGetUser answered 500 InternalErrorException`, with the exchange's summary."""
    kind = exchange.error_type or "(no __type)"
    return Refutation(f"{what} {exchange.status} {kind}",
                      {"operation": exchange.operation, **exchange.summary()})


class ProbedCapabilities:
    """Mixin for targets: the probe's report is kept on the target, so the run's results
    (results.json `target.capabilities`, the checks a refutation fails) read it there."""

    capabilities: frozenset[str]
    tentative_capabilities: frozenset[str] = frozenset()
    _report: CapabilityReport | None = None

    def probe_capabilities(self, caller: Caller) -> frozenset[str]:
        self._report = probe_report(self, caller)  # type: ignore[arg-type]
        return self._report.confirmed

    def capability_report(self) -> CapabilityReport:
        return self._report or unprobed(self)  # type: ignore[arg-type]
