"""Turns one operation's tallies into CheckResults, one per (operation, check) pair.

A pair fails when any case it judged failed, and when it judged none at all ("no case
reached this check (N sent, statuses {...})", signature ["no case judged"]): a check that
never applied has shown nothing, so it must not read as passed. The result carries how many
cases it judged (`cases`, and `observed.judged`) and how many the operation sent
(`observed.sent`), how many failed, the status histogram, the first failing case's message
and a runnable reproduction of it (curl with SigV4 where needed, and boto3), secrets masked
by conformance.exchange.

`observation_for` turns the answers to one kind of lenient negative case (lenient.py) into
the operation's observation `generated.<Operation>.<kind>` (never a pass or a fail).
"""

from __future__ import annotations

from typing import Any

from conformance.exchange import Exchange, mask, scrub
from conformance.generated.checks import NO_CASE_JUDGED
from conformance.generated.pairs import CATEGORY, GeneratedCheck, observation_id, pair_id
from conformance.generated.runner import Answers, OperationRun, Tally, reveal
from conformance.results.outcome import ERROR, FAILED, PASSED, UNSUPPORTED, CheckResult
from conformance.signature import kinds
from conformance.wire import STOPPED
from conformance.spec.facts import fact


def result_for(run: OperationRun, check: GeneratedCheck) -> CheckResult:
    tally = run.tallies[check.function]
    base = _base(run.operation, check, run.duration_s)
    if run.error is not None:
        return _errored_run(base, run, tally)
    if run.sent == 0:
        return _with(base, ERROR, "no generated case was sent", tally)
    observed = _observed(run, tally)
    if check.function == "cc_negative_rejected":  # why negative cases were (not) judged
        observed["negative_classes"] = dict(sorted(run.negative_classes.items()))
    if tally.judged == 0:
        base.signature = kinds([NO_CASE_JUDGED])
        observed["failure_kinds"] = base.signature
        return _with(base, FAILED, f"no case reached this check ({run.sent} sent, statuses "
                     f"{_statuses(run)})", tally, observed)
    if tally.failures == 0:
        return _with(base, PASSED, "", tally, observed)
    message = (f"{tally.failures} of {tally.judged} generated cases failed; first: "
               f"{tally.first_message}")
    base.signature = kinds(tally.kinds)
    observed["failure_kinds"] = base.signature
    return _with(base, FAILED, message, tally, observed)


def unsupported(operation: str, check: GeneratedCheck, why: str) -> CheckResult:
    return _with(_base(operation, check, 0.0), UNSUPPORTED, why, Tally())


def lacking(operation: str, check: GeneratedCheck, verdict: Any) -> CheckResult:
    """The pair's result when its run cannot happen for a missing capability: the results
    layer's verdict (runner.missing_capability: unsupported, or failed for a refuted
    declared capability, with its signature) as this pair's CheckResult."""
    result = _with(_base(operation, check, 0.0), verdict.outcome, verdict.message, Tally(),
                   dict(verdict.observed))
    result.signature = verdict.signature
    return result


def errored(operation: str, check: GeneratedCheck, why: str) -> CheckResult:
    return _with(_base(operation, check, 0.0), ERROR, why, Tally())


def _errored_run(result: CheckResult, run: OperationRun, tally: Tally) -> CheckResult:
    """`error` for a run that ended early: the target's doing (unreachable, exit 3) when the
    breaker stopped it, else the generator's ("generation failed")."""
    if run.stopped:
        result = _with(result, ERROR, run.error or STOPPED, tally)
        result.unreachable = True
        return result
    return _with(result, ERROR, f"generation failed: {run.error}", tally)


def _base(operation: str, check: GeneratedCheck, duration_s: float) -> CheckResult:
    return CheckResult(id=pair_id(operation, check), operation=operation, category=CATEGORY,
                       outcome=PASSED, expected={"check": check.summary,
                                                 "schemathesis_check": check.function},
                       evidence=list(fact(check.fact).sources),
                       duration_s=round(duration_s, 4))


def _statuses(run: OperationRun) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(run.statuses.items())) + "}"


def _observed(run: OperationRun, tally: Tally) -> dict[str, Any]:
    return {"failures": tally.failures, "judged": tally.judged, "sent": run.sent,
            "operation_cases": {"total": run.sent, "positive": run.positive,
                                "negative": run.negative, "probes": run.probes},
            "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
            "cases_sha256": run.digest, "cases_from": run.cases_from}


# -- observations ----------------------------------------------------------------------------
def observation_for(run: OperationRun, kind: str) -> CheckResult:
    """What the target answered to the negative cases whose only violations are of `kind`
    (`unknown-member`, `null-optional`): counts by `<status> <__type>`. Recorded, never
    judged; `error` when the run itself failed."""
    answers = run.lenient.get(kind, Answers())
    result = _observation_base(run.operation, kind, run.duration_s)
    if run.error is not None:
        return _errored_run(result, run, _as_tally(answers))
    observed = {"cases": answers.cases,
                "answers": dict(sorted(answers.answers.items(), key=lambda kv: (-kv[1], kv[0])))}
    message = "" if answers.cases else f"no such case among the {run.negative} negative cases"
    return _with(result, PASSED, message, _as_tally(answers), observed, example=True)


def lacking_observation(operation: str, kind: str, verdict: Any) -> CheckResult:
    """The observation when its run cannot happen (unsupported, or error when refuted)."""
    return _with(_observation_base(operation, kind, 0.0), verdict.outcome, verdict.message,
                 Tally(), dict(verdict.observed))


def errored_observation(operation: str, kind: str, why: str) -> CheckResult:
    return _with(_observation_base(operation, kind, 0.0), ERROR, why, Tally())


def _observation_base(operation: str, kind: str, duration_s: float) -> CheckResult:
    return CheckResult(id=observation_id(operation, kind), operation=operation,
                       category="observation", outcome=PASSED,
                       expected={"observes": fact(f"generated.{kind}").summary},
                       evidence=list(fact(f"generated.{kind}").sources),
                       duration_s=round(duration_s, 4))


def _as_tally(answers: Answers) -> Tally:
    return Tally(judged=answers.cases, first_exchange=answers.first_exchange,
                 first_case=answers.first_case)


def _reproduce(exchange: Exchange) -> str:
    boto3 = exchange.reproduce_boto3() or "# boto3 cannot send this body (not a JSON object)"
    return exchange.reproduce() + "\n" + boto3


def _with(result: CheckResult, outcome: str, message: str, tally: Tally,
          observed: dict[str, Any] | None = None, example: bool = False) -> CheckResult:
    """`example`: the exchange is the first case of an observation, not a first failure."""
    result.outcome = outcome
    result.cases = tally.judged
    result.observed = observed or {}
    exchange = tally.first_exchange
    if exchange is not None:
        reveal(exchange)
        result.reproduce = _reproduce(exchange)
        result.trace = [exchange.evidence()]
        if not example:
            result.observed["first_failure"] = {**exchange.summary(), **tally.first_case}
    result.message = scrub(message)
    result.observed = mask(result.observed)
    return result
