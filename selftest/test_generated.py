"""Every generated check can fail: on the fault proxy it fails, on an AWS-like answer it passes.

`aws_like(op)` turns moto into the target AWS's facts describe, for one operation: a request
the model rejects gets 400 InvalidParameterException (SerializationException for a wrong
JSON type), every answer gets AWS's framing. With it alone, all eight checks pass on every
case; adding one `broken` fault on top must make exactly the targeted check fail. Small
example counts keep the whole module well under a minute.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from conformance.generated.inject import Identities, create_identities
from conformance.generated.pairs import GENERATED_CHECKS
from conformance.generated.runner import GeneratedRun, OperationRun
from conformance.results.runner import CheckSession
from conformance.spec.facts import fact
from conformance.spec.model import load_model
from conformance.spec.schema import validation_errors
from selftest import faultproxy as fp
from selftest.fixes import aws_framing

EXAMPLES = 5
SERIALIZATION, INVALID = fact("generated.negative-rejected").data["error_types"][::-1]


def _violation(operation: str, request: Any) -> str | None:
    """The error type AWS answers for a request the model rejects (None = valid)."""
    if not isinstance(request, dict):
        return SERIALIZATION
    problems = validation_errors(load_model().input_shape(operation) or "", request)
    if not problems:
        return None
    return SERIALIZATION if any("is not of type" in p for p in problems) else INVALID


def aws_like(operation: str) -> list[fp.Fault]:
    def reject(r: fp.Response, req: Any) -> None:
        kind = _violation(operation, req)
        if kind is not None:
            fp.error(kind, "1 validation error detected", 400)(r, req)
    return [fp.Fault(reject, operation=operation), aws_framing(operation)]


def _on_errors(mutation: fp.Mutation) -> fp.Mutation:
    return lambda r, req: mutation(r, req) if r.status >= 400 else None


def _on_success(mutation: fp.Mutation) -> fp.Mutation:
    return lambda r, req: mutation(r, req) if r.status == 200 else None


def _echo_token(r: fp.Response, req: Any) -> None:
    if isinstance(req, dict) and isinstance(req.get("AccessToken"), str):
        fp.member("message", "bad token " + req["AccessToken"])(r, req)


def _accept_invalid(operation: str) -> fp.Mutation:
    return lambda r, req: fp.success({})(r, req) if _violation(operation, req) else None


# check function -> (operation, fault added on top of aws_like)
BROKEN: dict[str, tuple[str, Callable[[str], fp.Mutation]]] = {
    "not_a_server_error": ("AdminGetUser", lambda op: fp.status(500)),
    "content_type_conformance": ("AdminGetUser", lambda op: fp.header("Content-Type",
                                                                      "text/plain")),
    "cc_negative_rejected": ("AdminGetUser", _accept_invalid),
    "cc_error_wire_format": ("AdminGetUser", lambda op: _on_errors(fp.member("message",
                                                                            drop=True))),
    "cc_error_status": ("AdminGetUser", lambda op: _on_errors(fp.status(403))),
    "cc_error_type_declared": ("AdminGetUser", lambda op: _on_errors(
        fp.member("__type", "TotallyUndeclaredException"))),
    "cc_output_shape": ("AdminGetUser", lambda op: _on_success(fp.member("Bogus", 1))),
    "cc_secrets_not_echoed": ("GetUser", lambda op: _echo_token),
}


@pytest.fixture(scope="module")
def identities(proxied_session: CheckSession, fault_proxy: fp.FaultProxy) -> Identities:
    fault_proxy.faults = []
    return create_identities(proxied_session.caller, proxied_session.provisioner)


@pytest.fixture
def run_generated(proxied_session: CheckSession, fault_proxy: fp.FaultProxy,
                  identities: Identities) -> Iterator[Callable[..., OperationRun]]:
    def run(operation: str, faults: list[fp.Fault]) -> OperationRun:
        fault_proxy.faults = faults
        generated = GeneratedRun(proxied_session.caller, identities, seed=0,
                                 max_examples=EXAMPLES, operations=(operation,))
        return generated.operation(operation)
    yield run
    fault_proxy.faults = []


def test_every_generated_check_has_a_broken_case() -> None:
    assert set(BROKEN) == {c.function for c in GENERATED_CHECKS}


@pytest.mark.parametrize("operation", sorted({op for op, _ in BROKEN.values()}))
def test_checks_pass_on_aws_like_answers(operation: str, run_generated: Any) -> None:
    run = run_generated(operation, aws_like(operation))
    assert run.error is None, run.error
    assert run.negative > 0 and run.positive > 0, (run.positive, run.negative)
    failing = {name: t.first_message for name, t in run.tallies.items() if t.failures}
    assert not failing, failing


@pytest.mark.parametrize("function", sorted(BROKEN))
def test_check_fails_on_faulty_target(function: str, run_generated: Any) -> None:
    operation, breaker = BROKEN[function]
    faults = aws_like(operation) + [fp.Fault(breaker(operation), operation=operation)]
    run = run_generated(operation, faults)
    assert run.error is None, run.error
    tally = run.tallies[function]
    assert tally.cases > 0 and tally.failures > 0, (function, tally.cases)
    assert tally.first_exchange is not None


def test_same_seed_same_cases(proxied_session: CheckSession, fault_proxy: fp.FaultProxy,
                              identities: Identities) -> None:
    fault_proxy.faults = []

    def digest(seed: int) -> str:
        run = GeneratedRun(proxied_session.caller, identities, seed=seed,
                           max_examples=EXAMPLES, operations=("GetUser",))
        return run.operation("GetUser").digest

    first = digest(3)
    assert first and digest(3) == first
    assert digest(4) != first
