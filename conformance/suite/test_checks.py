"""One pytest item per registered check and observation; ids are the check ids."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks import Check, all_checks
from conformance.plugin import report_result
from conformance.results.runner import CheckSession

CHECKS = all_checks()


@pytest.mark.conformance
@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_check(check: Check, cc_session: CheckSession, record_property: Any) -> None:
    report_result(cc_session.run(check), cc_session.target, record_property)
