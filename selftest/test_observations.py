"""Observations record what a target did and never pass or fail.

Each lifecycle @observation is run against plain moto (it records a status), against a
rewritten answer (the record follows the target), and against a target answering 500 to
everything (still no verdict: recorded or a setup error, never `failed`).
"""

from __future__ import annotations

import pytest

from conformance.checks import all_checks
from conformance.targets.moto import FIXED_CODE
from selftest import faultproxy as fp
from selftest.cases.lifecycle import INFERRED_DISAGREE
from selftest.conftest import RunCheck

OBSERVATIONS = sorted(c.id for c in all_checks()
                      if c.is_observation and c.id.startswith("state.observe."))


def test_there_are_lifecycle_observations() -> None:
    assert len(OBSERVATIONS) >= 5


@pytest.mark.parametrize("obs_id", OBSERVATIONS)
def test_observation_records_what_the_target_did(obs_id: str, run_check: RunCheck) -> None:
    result = run_check(obs_id)
    assert result.outcome == "passed", result.message
    assert isinstance(result.observed, dict) and "status" in result.observed, result.observed


@pytest.mark.parametrize("obs_id", OBSERVATIONS)
def test_observation_never_fails(obs_id: str, run_check: RunCheck) -> None:
    broken = [fp.Fault(fp.error("InternalErrorException", "boom", 500))]
    assert run_check(obs_id, broken).outcome in ("passed", "error")


def test_observation_follows_the_target(run_check: RunCheck) -> None:
    fault = fp.Fault(fp.error("CodeMismatchException", "x"), operation="ConfirmSignUp",
                     when=lambda req: req.get("ConfirmationCode") != FIXED_CODE)
    result = run_check("state.observe.confirm.confirmed-user-wrong-code", [fault])
    assert result.observed["type"] == "CodeMismatchException"


@pytest.mark.parametrize("obs_id", sorted(INFERRED_DISAGREE))
def test_inferred_fact_is_recorded_beside_what_the_target_shows(obs_id: str,
                                                                run_check: RunCheck) -> None:
    """Inferred AWS behaviour is an observation: plain moto agrees with it, a rewritten
    answer disagrees, and neither is a verdict."""
    plain = run_check(obs_id)
    assert (plain.outcome, plain.observed.get("agrees")) == ("passed", True), plain.observed
    faults = INFERRED_DISAGREE[obs_id]
    before = [f.fired for f in faults]
    bent = run_check(obs_id, faults)
    assert any(f.fired > b for f, b in zip(faults, before)), "the fault never fired"
    assert (bent.outcome, bent.observed.get("agrees")) == ("passed", False), bent.observed
