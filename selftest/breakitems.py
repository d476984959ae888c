"""A test-only pytest plugin: breaks chosen conformance items OUTSIDE the check runner.

Why: selftest/test_run_integrity.py must show that an item which crashes before or after
`CheckSession.run` (a fixture, a hook), or never runs at all, still ends as an `error` in
results.json and a red exit code. The production code has no hook for that; this plugin is
loaded into a real CLI run only by the self-test, through
PYTEST_ADDOPTS="-p selftest.breakitems", and reads:

CC_SELFTEST_BREAK     comma-separated `<how>:<check id>`; how = setup | call (raise there),
                      skip (the item is never run nor reported)
CC_SELFTEST_INTERNAL  a check id: pytest_runtest_logfinish raises after it (pytest's
                      INTERNAL_ERROR, exit code 3, with every result already recorded)
CC_SELFTEST_AFTERMATH set: once a signal arrived, pytest_sessionfinish raises TypeError (an
                      interrupt that surfaces as another exception, as a library left
                      half-updated by KeyboardInterrupt can make it)
"""

from __future__ import annotations

import os

import pytest

BREAK_VAR, INTERNAL_VAR = "CC_SELFTEST_BREAK", "CC_SELFTEST_INTERNAL"
AFTERMATH_VAR = "CC_SELFTEST_AFTERMATH"


def _how(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    for entry in filter(None, os.environ.get(BREAK_VAR, "").split(",")):
        how, _, check_id = entry.partition(":")
        if check_id == callspec.id:
            return how
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    return True if _how(item) == "skip" else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if _how(item) == "setup":
        raise RuntimeError("selftest: broken in setup, outside the check runner")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    if _how(item) == "call":
        raise RuntimeError("selftest: broken in call, outside the check runner")


def pytest_runtest_logfinish(nodeid: str) -> None:
    wanted = os.environ.get(INTERNAL_VAR)
    if wanted and nodeid.endswith(f"[{wanted}]"):
        raise RuntimeError("selftest: internal error after the item")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    from conformance.targets.process import interrupted

    if os.environ.get(AFTERMATH_VAR) and interrupted():
        raise TypeError("selftest: unsupported operand type(s) for -: 'NoneType' and 'int'")
