"""One pytest item per registered check and observation; ids are the check ids.

Client checks (`client.<client>.*`) are collected only for the run's `--clients`
(RunConfig.client_names): the others are not part of the run, like checks -k deselects.
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks import Check, all_checks
from conformance.checks.clients import selected
from conformance.config import from_sources
from conformance.plugin import report_result
from conformance.results.runner import CheckSession

CHECKS = all_checks()
PARAMS = [pytest.param(c, id=c.id) for c in CHECKS]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "check" in metafunc.fixturenames:
        clients = from_sources(vars(metafunc.config.option)).client_names
        metafunc.parametrize("check", [p for p in PARAMS if selected(p.id or "", clients)])


@pytest.mark.conformance
def test_check(check: Check, cc_session: CheckSession, record_property: Any) -> None:
    report_result(cc_session.run(check), cc_session.target, record_property)
