"""Every check can fail: it fails on a faulty target and passes on a correct response."""

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
def test_check_fails_on_faulty_target(check_id: str, run_check: RunCheck) -> None:
    result = run_check(check_id, CASES[check_id].broken)
    assert result.outcome == "failed", (result.outcome, result.message)


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_check_passes_on_correct_response(check_id: str, run_check: RunCheck) -> None:
    result = run_check(check_id, CASES[check_id].fixed)
    assert result.outcome == "passed", (result.outcome, result.message)
