"""The lifecycle state machine (`state.machine.lifecycle`) can fail, and says how to reproduce.

Behind the fault proxy with the AWS-like overlay (selftest/cases/lifecycle.py) it passes; one
deliberate deviation on top (AdminGetUser still UNCONFIRMED after a confirmation, a second
confirmation succeeding) makes it fail with a shrunk, runnable reproduction. Scoped to moto's
known deviations it passes on plain moto yet still catches a new deviation, and the same seed
draws the same sequences.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from typing import Callable, Iterator

import pytest

from conformance.config import RunConfig
from conformance.results.expectations import load_expectations
from conformance.results.outcome import CheckResult
from conformance.results.runner import CheckSession, build_session
from conformance.targets.moto import MotoTarget
from selftest import faultproxy as fp
from selftest.cases.lifecycle import STUCK_UNCONFIRMED, aws_like, aws_like_but, on_repeat

MACHINE = "state.machine.lifecycle"
SNIPPET = re.compile(r"runnable:\n(?P<code>.*)\Z", re.DOTALL)


def snippet_of(result: CheckResult) -> str:
    match = SNIPPET.search(result.message)
    assert match, result.message
    return match.group("code")


RunMachine = Callable[..., CheckResult]


@pytest.fixture
def run_machine(fault_proxy: fp.FaultProxy, proxied_session: CheckSession,
                checks_by_id: dict) -> Iterator[RunMachine]:
    """Run the machine behind the proxy with `faults`, the dev profile (fast) and no known
    deviations unless `moto_scope` (then moto's expectations file scopes it)."""
    def run(faults: list[fp.Fault], moto_scope: bool = False, **config: object) -> CheckResult:
        base = proxied_session.config or RunConfig()
        session = dataclasses.replace(
            proxied_session, config=base.replace(**{"profile": "dev", **config}),
            expectations=load_expectations("moto") if moto_scope else {})
        fault_proxy.faults = list(faults)
        try:
            return session.run(checks_by_id[MACHINE])
        finally:
            fault_proxy.faults = []
    yield run


def test_machine_passes_on_aws_like_target(run_machine: RunMachine) -> None:
    result = run_machine(aws_like())
    assert result.outcome == "passed", result.message
    assert result.observed["calls"] > 0 and not result.observed["tolerated_known_deviation"]


@pytest.mark.parametrize("fault", [
    STUCK_UNCONFIRMED,
    on_repeat("ConfirmSignUp", fp.success({})),
    fp.Fault(fp.member("__type", "ExpiredCodeException"), operation="ConfirmSignUp",
             when_type="CodeMismatchException"),
], ids=["status-stuck-unconfirmed", "second-confirmation-succeeds", "wrong-code-error-type"])
def test_machine_fails_with_shrunk_reproduction(fault: fp.Fault,
                                                run_machine: RunMachine) -> None:
    result = run_machine(aws_like_but(fault))
    assert result.outcome == "failed", result.message
    code = snippet_of(result)
    ast.parse(code)  # the reproduction is valid Python
    calls = code.count("\nstep(")
    assert 2 <= calls <= 12, code  # shrunk: a handful of calls, not the whole run
    assert "Password=PW" in code
    assert not re.search(r"Cc[0-9a-f]{12}9!", result.message), "a suite password leaked"


@pytest.fixture(scope="module")
def direct_session(moto_server: MotoTarget) -> Iterator[CheckSession]:
    """Plain moto without the proxy (faster), scoped by moto's expectations file."""
    config = RunConfig(endpoint=moto_server.endpoint, profile="dev")
    session = build_session(MotoTarget(config), config, load_expectations("moto"))
    yield session
    session.provisioner.cleanup()


def run_direct(session: CheckSession, checks_by_id: dict, **config: object) -> CheckResult:
    scoped = dataclasses.replace(session, config=session.config.replace(**config))
    return scoped.run(checks_by_id[MACHINE])


def test_machine_scoped_to_moto_passes_on_plain_moto(direct_session: CheckSession,
                                                     checks_by_id: dict) -> None:
    result = run_direct(direct_session, checks_by_id, profile="ci")
    assert result.outcome == "passed", result.message
    assert "lifecycle.confirm.wrong-code" in result.observed["tolerated_known_deviation"]


def test_machine_scoped_to_moto_still_catches_a_new_deviation(run_machine: RunMachine) -> None:
    result = run_machine([STUCK_UNCONFIRMED], moto_scope=True)
    assert result.outcome == "failed", result.message


def test_same_seed_same_sequences(direct_session: CheckSession, checks_by_id: dict) -> None:
    runs = [run_direct(direct_session, checks_by_id, seed=seed) for seed in (7, 7, 8)]
    assert all(r.outcome == "passed" for r in runs), [r.message for r in runs]
    keys = [(r.observed["calls"], r.observed["judged"]) for r in runs]
    assert keys[0] == keys[1]
    assert keys[0] != keys[2]
