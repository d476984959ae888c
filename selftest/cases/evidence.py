"""Fault cases for the lifecycle checks that issue 10 re-based on evidence (confirm.py).

A check that asserted an inferred exception type now asserts only what was captured (the
message); the rest of the lifecycle cases live in selftest/cases/lifecycle.py.
"""

from __future__ import annotations

from conformance.spec.facts import fact
from selftest import faultproxy as fp
from selftest.cases.case import Case

UNKNOWN_USER_MESSAGE = fact("lifecycle.confirm.unknown-user.legacy.message").message or ""

CASES: dict[str, Case] = {
    "state.confirm.unknown-user.legacy.message": Case(
        broken=[fp.Fault(fp.member("message", "User does not exist."),
                         operation="ConfirmSignUp")],
        fixed=[fp.Fault(fp.member("message", UNKNOWN_USER_MESSAGE), operation="ConfirmSignUp")]),
}
