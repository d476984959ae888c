"""Turns one operation's tallies into CheckResults, one per (operation, check) pair.

A pair fails when any of its cases failed; the result carries how many cases ran, how many
failed, the status histogram, the first failing case's message and a runnable reproduction
of it (curl with SigV4 where needed, and boto3), secrets masked by conformance.exchange.
"""

from __future__ import annotations

from typing import Any

from conformance.exchange import Exchange, mask, scrub
from conformance.generated.pairs import CATEGORY, GeneratedCheck, pair_id
from conformance.generated.runner import OperationRun, Tally, reveal
from conformance.results.outcome import ERROR, FAILED, PASSED, UNSUPPORTED, CheckResult
from conformance.signature import kinds
from conformance.spec.facts import fact


def result_for(run: OperationRun, check: GeneratedCheck) -> CheckResult:
    tally = run.tallies[check.function]
    base = _base(run.operation, check, run.duration_s)
    if run.error is not None:
        return _with(base, ERROR, f"generation failed: {run.error}", tally)
    if tally.cases == 0:
        return _with(base, ERROR, "no generated case reached this check", tally)
    observed = _observed(run, tally)
    if tally.failures == 0:
        return _with(base, PASSED, "", tally, observed)
    message = (f"{tally.failures} of {tally.cases} generated cases failed; first: "
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


def _base(operation: str, check: GeneratedCheck, duration_s: float) -> CheckResult:
    return CheckResult(id=pair_id(operation, check), operation=operation, category=CATEGORY,
                       outcome=PASSED, expected={"check": check.summary,
                                                 "schemathesis_check": check.function},
                       evidence=list(fact(check.fact).sources),
                       duration_s=round(duration_s, 4))


def _observed(run: OperationRun, tally: Tally) -> dict[str, Any]:
    return {"failures": tally.failures, "cases": tally.cases,
            "operation_cases": {"total": run.cases, "positive": run.positive,
                                "negative": run.negative, "probes": run.probes},
            "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
            "cases_sha256": run.digest}


def _reproduce(exchange: Exchange) -> str:
    boto3 = exchange.reproduce_boto3() or "# boto3 cannot send this body (not a JSON object)"
    return exchange.reproduce() + "\n" + boto3


def _with(result: CheckResult, outcome: str, message: str, tally: Tally,
          observed: dict[str, Any] | None = None) -> CheckResult:
    result.outcome = outcome
    result.cases = tally.cases
    result.observed = observed or {}
    exchange = tally.first_exchange
    if exchange is not None:
        reveal(exchange)
        result.reproduce = _reproduce(exchange)
        result.trace = [exchange.evidence()]
        result.observed["first_failure"] = {**exchange.summary(), **tally.first_case}
    result.message = scrub(message)
    result.observed = mask(result.observed)
    return result
