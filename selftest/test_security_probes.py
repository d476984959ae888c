"""A security check proves nothing about echoes unless its probe was rejected.

Each security check sends a request AWS rejects and searches the answer for the secret it
carried. A target that ACCEPTS the probe (200, no error text at all) would pass the echo
search trivially, so each check must fail first on the acceptance itself: here the probe is
answered 200 on an otherwise AWS-like target (the check's own `fixed` faults) and the check
must fail with the `probe=accepted` aspect, and with `probe=5xx` for a server error.
"""

from __future__ import annotations

import pytest

from conformance.checks import all_checks
from selftest import faultproxy as fp
from selftest.cases import CASES
from selftest.conftest import RunCheck

# The echo probes of conformance/checks/security.py (a SignUp AWS rejects, searched for the
# secret it carried). Other `security` checks (user existence, token signatures, admin-created
# users' answers) judge something else and prove they can fail in selftest/cases/.
SECURITY = sorted(c.id for c in all_checks() if c.category == "security"
                  and c.func.__module__ == "conformance.checks.security")


def test_there_are_security_checks() -> None:
    assert len(SECURITY) >= 4


@pytest.mark.parametrize("answer,aspect", [
    (fp.success({"UserConfirmed": False, "UserSub": "00000000-0000-4000-8000-000000000000"}),
     "probe=accepted"),
    (fp.error("InternalErrorException", "Internal server error.", 500), "probe=5xx"),
])
@pytest.mark.parametrize("check_id", SECURITY)
def test_security_check_fails_when_the_probe_is_not_rejected(
        check_id: str, answer: fp.Mutation, aspect: str, run_check: RunCheck) -> None:
    not_rejected = fp.Fault(answer, operation="SignUp")
    result = run_check(check_id, [*CASES[check_id].fixed, not_rejected])
    assert not_rejected.fired, "the probe never reached the fault"
    assert result.outcome == "failed", (result.outcome, result.message)
    assert aspect in (result.signature or []), result.signature
