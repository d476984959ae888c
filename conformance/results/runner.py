"""Runs one check against the target and turns whatever happened into a CheckResult.

The only place that maps exceptions to outcomes: Failure -> failed, Unsupported -> unsupported,
SetupError / TargetUnreachable / anything else -> error. Messages and evidence pass through
the masking layer before they leave this module.

A missing capability is decided here too, once (`missing_capability`), for the hand-written
checks and the generated pairs alike: `unsupported` when the target never claimed it,
`failed` when it claimed it and the start-up probe refuted it (the probe's reason in the
message, its exchange in `observed`, signature `capability=<name> refuted`). Otherwise a
target whose declared admin calls broke would read as "unsupported" and score better.

A target that stopped answering, or a run past its --deadline, is decided here too, before a
check (or a generated pair, through `capability_verdict`) starts: once this process's
breaker for the endpoint is open (conformance/wire.py) every remaining check is `error`
"target stopped answering" with `unreachable` (exit 3) without a call; once the deadline
passed every remaining one is `error` "run deadline of S s passed" (exit 1).
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Mapping

from conformance import signature
from conformance.checks.context import CapabilityMissing, Ctx
from conformance.checks.registry import Check, Failure, SetupError, Unsupported
from conformance.exchange import mask, scrub
from conformance.provision import PREFIX_KEY, ProvisionError, Provisioner
from conformance.results.expectations import Expectation, apply
from conformance.results.outcome import ERROR, FAILED, PASSED, UNSUPPORTED, CheckResult
from conformance.targets.base import Target
from conformance.targets.probe import Refutation, report_of
from conformance.wire import (
    STOPPED, Caller, DeadlinePassed, TargetUnreachable, breaker, deadline_message,
)


@dataclass
class CheckSession:
    target: Target
    caller: Caller
    provisioner: Provisioner
    expectations: dict[str, Expectation]
    capabilities: frozenset[str]
    observations: list[dict[str, Any]] = field(default_factory=list)
    config: Any = None  # the RunConfig (seed, profile) checks such as the state machine read
    # Declared capabilities the start-up probe refuted: checks needing them fail.
    refuted: Mapping[str, Refutation] = field(default_factory=dict)
    # What the checks of this session share (the state machine's one run); never copied by
    # dataclasses.replace, so a replaced session starts afresh.
    shared: dict[str, Any] = field(default_factory=dict, init=False, repr=False,
                                   compare=False)

    def context(self) -> Ctx:
        return Ctx(self.caller, self.provisioner, self.target, self.capabilities,
                   config=self.config, shared=self.shared)

    def run(self, check: Check) -> CheckResult:
        ctx = self.context()
        start = time.perf_counter()
        verdict = self._execute(check, ctx)
        result = CheckResult(
            id=check.id, operation=check.operation, category=check.category,
            outcome=verdict.outcome, message=scrub(verdict.message),
            expected=mask(verdict.expected), observed=mask(verdict.observed),
            evidence=check.evidence,
            reproduce=ctx.exchanges[-1].reproduce() if ctx.exchanges else "",
            duration_s=round(time.perf_counter() - start, 4),
            unreachable=verdict.unreachable, signature=verdict.signature,
            trace=[ex.evidence() for ex in ctx.exchanges])
        if check.is_observation:
            return result
        return apply(result, self.expectations)

    def capability_verdict(self, requires: frozenset[str],
                           observation: bool = False) -> "Verdict | None":
        """None when the session has every capability in `requires` (and the target still
        answers, and the deadline has not passed), else the verdict."""
        return self.run_verdict() or \
            missing_capability(requires, self.capabilities, self.refuted, observation)

    def run_verdict(self) -> "Verdict | None":
        """`error` without a call once the breaker is open or the deadline passed."""
        stopped = breaker(self.caller.endpoint)
        if stopped.open:
            return Verdict(ERROR, f"{STOPPED}: {stopped.reason}", unreachable=True)
        deadline = getattr(self.caller, "deadline", None)
        if deadline is not None and time.time() >= deadline:
            return Verdict(ERROR, deadline_message(self.caller.deadline_s))
        return None

    def _execute(self, check: Check, ctx: Ctx) -> "Verdict":
        lacking = self.capability_verdict(check.requires, check.is_observation)
        if lacking is not None:
            return lacking
        try:
            value = check.func(ctx)
        except Failure as failure:
            return Verdict(FAILED, failure.message, failure.expected or {},
                           failure.observed or {}, signature=signature_of(failure, ctx))
        except CapabilityMissing as exc:  # a step (ctx.code) found a capability missing
            return self.capability_verdict(frozenset({exc.capability}),
                                           check.is_observation) or \
                Verdict(UNSUPPORTED, str(exc))
        except Unsupported as exc:
            return Verdict(UNSUPPORTED, str(exc))
        except TargetUnreachable as exc:
            return Verdict(ERROR, _unreachable_message(exc), unreachable=True)
        except DeadlinePassed as exc:
            return Verdict(ERROR, str(exc))
        except (SetupError, ProvisionError) as exc:
            return Verdict(ERROR, str(exc), observed=_last(ctx))
        except Exception as exc:  # noqa: BLE001 - a harness bug must not lose the run
            tail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            return Verdict(ERROR, f"harness error: {tail}", observed=_last(ctx))
        observed = value if isinstance(value, dict) else ctx.observed
        return Verdict(PASSED, "", observed=observed)


@dataclass(frozen=True)
class Verdict:
    """What running one check function came to, before expectations apply."""

    outcome: str
    message: str
    expected: Any = field(default_factory=dict)
    observed: Any = field(default_factory=dict)
    unreachable: bool = False
    signature: list[str] | None = None


def missing_capability(requires: frozenset[str], usable: frozenset[str],
                       refuted: Mapping[str, Refutation],
                       observation: bool = False) -> Verdict | None:
    """THE decision for a check needing capabilities the session lacks (None: it lacks none).

    A lacking capability the target declared and the probe refuted -> failed, naming it with
    the probe's evidence; only capabilities the target never claimed -> unsupported. An
    observation never fails: a refuted capability makes it `error` (none could be made)."""
    lacking = sorted(requires - usable)
    if not lacking:
        return None
    broken = {cap: refuted[cap] for cap in lacking if cap in refuted}
    if not broken:
        return Verdict(UNSUPPORTED, f"target lacks {', '.join(lacking)}")
    message = "; ".join(f"target declares {cap} but the start-up probe refuted it: "
                        f"{why.reason}" for cap, why in broken.items())
    return Verdict(ERROR if observation else FAILED, message,
                   expected={"capabilities": {cap: "works, as the target declares"
                                              for cap in broken}},
                   observed={"refuted": {cap: {"reason": why.reason, "probe": dict(why.observed)}
                                         for cap, why in broken.items()}},
                   signature=refuted_signature(broken))


def refuted_signature(refuted: Mapping[str, Refutation]) -> list[str]:
    """`capability=<name> refuted`, one per refuted capability (no exchange: the check sent
    nothing; how the probe was answered is in `observed`)."""
    return sorted(aspect for cap in refuted for aspect in
                  signature.build({"capability": f"{cap} refuted"}, with_exchange=False))


def signature_of(failure: Failure, ctx: Ctx) -> list[str]:
    """The failure's aspects plus the judged response's status/type: the named one, else
    the check's last exchange (no exchange at all: `status=none`)."""
    status, error_type = failure.status, failure.error_type
    if status is None and ctx.exchanges:
        status, error_type = ctx.exchanges[-1].status, ctx.exchanges[-1].error_type
    return signature.build(failure.aspects, status, error_type)


def _unreachable_message(exc: TargetUnreachable) -> str:
    text = str(exc)
    return text if text.startswith(STOPPED) else f"target unreachable: {text}"


def settle(result: CheckResult, endpoint: str) -> CheckResult:
    """A result's last word on reachability, just before it is recorded (plugin.py).

    An `error` this process did not already trace to a silent target (a generated pair
    whose Schemathesis run, in worker processes, met a dead target; a set-up step) is
    checked once: when the endpoint's breaker is open, or the endpoint does not even answer
    one plain request now, the error is the target's (`unreachable`, exit 3)."""
    if result.outcome != ERROR or result.unreachable:
        return result
    stopped = breaker(endpoint)
    if stopped.open or not stopped.alive():
        result.unreachable = True
        why = stopped.reason or "it does not answer any more"
        if not result.message.startswith(STOPPED):
            result.message = scrub(f"{STOPPED} ({why}); {result.message}")
    return result


def _last(ctx: Ctx) -> Any:
    return ctx.exchanges[-1].summary() if ctx.exchanges else {}


def build_session(target: Target, config: Any, expectations: dict[str, Expectation],
                  capabilities: frozenset[str] | None = None) -> CheckSession:
    from conformance.wire import AwsCredentials

    key, secret, token = config.credentials()
    _remember_credentials(key, secret, token)
    caller = Caller(target.endpoint, config.region, AwsCredentials(key, secret, token),
                    timeout_s=config.timeout_s,
                    deadline=getattr(config, "deadline_at", None),
                    deadline_s=getattr(config, "deadline_s", None))
    return CheckSession(target=target, caller=caller, provisioner=_provisioner(caller, config),
                        expectations=expectations,
                        capabilities=capabilities if capabilities is not None
                        else frozenset(target.capabilities), config=config,
                        refuted=report_of(target).refuted)


def _remember_credentials(*values: str | None) -> None:
    """Real credentials are secrets (AWS echoes the access key in signature errors); the
    emulator dummies are not: scrubbing the word `test` would mangle every report."""
    from conformance.config import EMULATOR_CREDENTIALS
    from conformance.exchange import remember

    remember([v for v in values if v and v not in EMULATOR_CREDENTIALS])


def _provisioner(caller: Caller, config: Any) -> Provisioner:
    """The run's prefix comes from the target when it set one (aws sweeps exactly that)."""
    prefix = getattr(config, "extra", {}).get(PREFIX_KEY)
    return Provisioner(caller, prefix=prefix) if prefix else Provisioner(caller)
