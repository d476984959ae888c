"""Self-test fixtures: a real moto server, the fault proxy in front of it, and a check runner.

`run_check(check_id, faults)` runs one registered check against the proxy with the given
faults installed and returns its CheckResult (no expectations applied), so a test can say
"with this fault the check fails, with that fix it passes".
"""

from __future__ import annotations

import os
import signal
from typing import Callable, Iterator

import pytest

from conformance.checks import all_checks
from conformance.config import RunConfig
from conformance.results.outcome import CheckResult
from conformance.results.runner import CheckSession, build_session
from conformance.targets.moto import MotoTarget
from selftest.faultproxy import Fault, FaultProxy

RunCheck = Callable[..., CheckResult]

# Runs the self-tests start generate their cases (a shared store would make what a test sees
# depend on the tests before it: a replayed operation is faster, so a run a test means to
# interrupt mid-way could finish first); selftest/test_casestore.py tests the store with its
# own. CC_CASE_CACHE=off covers runs in this process; the CLI runs tests start mostly drop
# CC_* variables, so each test also gets an empty default store (XDG_CACHE_HOME) of its own.
os.environ.setdefault("CC_CASE_CACHE", "off")

# Self-tests interrupt CLI runs with SIGINT as a terminal would. A test runner started in the
# background by a non-interactive shell (`make test &`) has SIGINT ignored, and its children
# inherit that, so the CLI would (rightly) keep ignoring it and those tests would fail: the
# test processes take Python's default handling back (their children start with SIG_DFL).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _own_case_store(monkeypatch: pytest.MonkeyPatch,
                    tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoTarget]:
    target = MotoTarget(RunConfig())
    target.start()
    yield target
    target.stop()


@pytest.fixture(scope="session")
def fault_proxy(moto_server: MotoTarget) -> Iterator[FaultProxy]:
    proxy = FaultProxy(moto_server.endpoint)
    endpoint = proxy.start()
    proxy.endpoint = endpoint  # type: ignore[attr-defined]
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def proxied_session(fault_proxy: FaultProxy) -> Iterator[CheckSession]:
    config = RunConfig(endpoint=fault_proxy.endpoint)  # type: ignore[attr-defined]
    target = MotoTarget(config)
    session = build_session(target, config, expectations={})
    yield session
    session.provisioner.cleanup()


@pytest.fixture(scope="session")
def checks_by_id() -> dict:
    return {c.id: c for c in all_checks()}


@pytest.fixture
def run_check(fault_proxy: FaultProxy, proxied_session: CheckSession,
              checks_by_id: dict) -> Iterator[RunCheck]:
    def run(check_id: str, faults: list[Fault] | None = None) -> CheckResult:
        fault_proxy.faults = list(faults or [])
        try:
            return proxied_session.run(checks_by_id[check_id])
        finally:
            fault_proxy.faults = []
    yield run
    fault_proxy.faults = []
