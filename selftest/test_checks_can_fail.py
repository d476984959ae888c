"""Every check can fail: it passes on an AWS-like response and fails once one fault fires."""

from __future__ import annotations

import pytest

from conformance.checks import all_checks
from selftest.cases import CASES
from selftest.conftest import RunCheck

OWN_SELFTESTS = ("generated", "observation")  # categories proven by their own self-tests


def test_every_check_has_a_fault_case() -> None:
    ids = {c.id for c in all_checks() if c.category not in OWN_SELFTESTS}
    missing = sorted(ids - set(CASES))
    stale = sorted(set(CASES) - ids)
    assert not missing, f"checks without a self-test fault case: {missing}"
    assert not stale, f"fault cases for checks that do not exist: {stale}"


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_fault_fires_and_flips_the_verdict(check_id: str, run_check: RunCheck) -> None:
    """`fixed` alone makes moto AWS-like: the check passes. `fixed + broken` is that same
    AWS-like target with one fault: a broken fault must really rewrite a response, and the
    verdict must flip to failed. So a fault that changes nothing (moto already failing the
    same way, a fault matching no response) cannot pass for proof."""
    case = CASES[check_id]
    passed = run_check(check_id, case.fixed)
    assert passed.outcome == "passed", ("fixed only", passed.outcome, passed.message)
    before = [f.fired for f in case.broken]
    failed = run_check(check_id, [*case.fixed, *case.broken])
    fired = [f.fired - b for f, b in zip(case.broken, before)]
    assert any(fired), f"no broken fault of {check_id} rewrote a response: it proves nothing"
    assert failed.outcome == "failed", ("fixed + broken", failed.outcome, failed.message)
