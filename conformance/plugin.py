"""The pytest plugin (entry point `pytest11: conformance.plugin`).

It gives any pytest run the suite's fixtures (`cc_config`, `cc_target`, `cc_session`) and
records each check's CheckResult (carried in the test report's user_properties, so it
survives pytest-xdist) into reports/<target>/results.json at the end of the session.

Two ways in:
- `cognito-conformance run`: the CLI starts the target itself and registers a `RunState`
  plugin holding it; workers attach to its endpoint through CC_RUN_CONFIG.
- plain `pytest --pyargs conformance.suite --cc-target moto`: the `cc_target` fixture starts
  (and stops) the target itself.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from conformance.config import RunConfig, add_options, from_sources
from conformance.exchange import scrub
from conformance.reporting import results_json
from conformance.results.expectations import load_expectations
from conformance.results.outcome import (
    ERROR, EXPECTED_FAILURE, FAILED, UNEXPECTED_PASS, UNSUPPORTED, CheckResult,
)
from conformance.results.runner import CheckSession, build_session
from conformance.targets.base import Target, load_target

RESULT_PROPERTY = "cc_result"
TARGET_PROPERTY = "cc_target"


@dataclass(eq=False)
class RunState:
    """Registered by the CLI: the already started target for this run."""

    target: Target
    capabilities: frozenset[str] | None = None


@dataclass(eq=False)
class Recorder:
    """Collects results on the controller and writes results.json at session end."""

    config: RunConfig
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    t0: float = field(default_factory=time.perf_counter)
    results: dict[str, CheckResult] = field(default_factory=dict)
    target_info: dict[str, Any] = field(default_factory=dict)

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, value in report.user_properties:
            if name == RESULT_PROPERTY:
                result = CheckResult.from_json(json.loads(value))
                self.results[result.id] = result
            elif name == TARGET_PROPERTY:
                self.target_info = json.loads(value)

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.results:
            return
        checks = [r for r in self.results.values() if r.category != "observation"]
        observations = [r for r in self.results.values() if r.category == "observation"]
        doc = results_json.build(self.target_info or {"name": self.config.target},
                                 checks, observations, self.started_at,
                                 time.perf_counter() - self.t0,
                                 extra={"run": {"seed": self.config.seed,
                                                "profile": self.config.profile,
                                                "keyword": self.config.keyword}})
        name = self.target_info.get("name", self.config.target)
        results_json.write(self.config.target_report_dir(name) / "results.json", doc)
        from conformance.reporting.markdown import write_summary  # the human-readable twin

        write_summary(results_json.read(self.config.target_report_dir(name) / "results.json"),
                      self.config.target_report_dir(name) / "summary.md")


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Scrub captured stdout/stderr/log before any writer sees them: allure-pytest attaches
    them to the report (and JUnit can), and a check or library may print a secret. Innermost
    wrapper (trylast), so it runs before allure's own makereport wrapper reads the sections."""
    report = (yield).get_result()
    report.sections = [(title, scrub(text)) for title, text in report.sections]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cognito-conformance")
    add_options(group.addoption, prefix="--cc-")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: a conformance check item")
    if not hasattr(config, "workerinput") and _is_conformance_run(config):
        config.pluginmanager.register(Recorder(_config(config)), "cc_recorder")


def _is_conformance_run(config: pytest.Config) -> bool:
    args = " ".join(str(a) for a in config.args)
    return "conformance.suite" in args or "conformance/suite" in args


def _config(pytestconfig: pytest.Config) -> RunConfig:
    return from_sources(vars(pytestconfig.option))


def run_state(config: pytest.Config) -> RunState | None:
    """The RunState the CLI registered, if this pytest run was started by the CLI."""
    for plugin in config.pluginmanager.get_plugins():
        if isinstance(plugin, RunState):
            return plugin
    return None


@pytest.fixture(scope="session")
def cc_config(pytestconfig: pytest.Config) -> RunConfig:
    return _config(pytestconfig)


@pytest.fixture(scope="session")
def cc_target(pytestconfig: pytest.Config, cc_config: RunConfig) -> Iterator[Target]:
    state = run_state(pytestconfig)
    if state is not None:
        yield state.target
        return
    target = load_target(cc_config)
    target.start()
    try:
        yield target
    finally:
        target.stop()


@pytest.fixture(scope="session")
def cc_session(pytestconfig: pytest.Config, cc_config: RunConfig,
               cc_target: Target) -> Iterator[CheckSession]:
    state = run_state(pytestconfig)
    caps = state.capabilities if state is not None else None
    expectations_dir = Path(cc_config.expectations_dir) if cc_config.expectations_dir else None
    session = build_session(cc_target, cc_config,
                            load_expectations(cc_target.name, expectations_dir), caps)
    yield session
    session.provisioner.cleanup()


def target_info(target: Target) -> dict[str, Any]:
    """results.json's `target`: with `capabilities` (declared, confirmed, refuted with the
    probe's reason), from the target's own report, so it holds in pytest-xdist workers."""
    from conformance.targets.probe import report_of

    return {"name": target.name, "version": target.version(), "endpoint": target.endpoint,
            "capabilities": report_of(target).results_json()}


def report_result(result: CheckResult, target: Target, record: Any) -> None:
    """Record the result for the Recorder and end the pytest item with a matching verdict."""
    record(RESULT_PROPERTY, json.dumps(result.to_json()))
    record(TARGET_PROPERTY, json.dumps(target_info(target)))
    _attach_allure(result)
    if result.outcome in (FAILED, UNEXPECTED_PASS, ERROR):
        pytest.fail(f"[{result.outcome}] {result.message}", pytrace=False)
    if result.outcome == EXPECTED_FAILURE:
        pytest.xfail(f"known deviation: {result.reason} :: {result.message}")
    if result.outcome == UNSUPPORTED:
        pytest.skip(f"unsupported: {result.message}")


def _attach_allure(result: CheckResult) -> None:
    try:
        import allure
    except ImportError:  # allure-pytest is a dependency, but the plugin must not need it
        return
    allure.dynamic.feature(result.category)
    allure.dynamic.story(result.operation)
    allure.dynamic.label("outcome", result.outcome)
    for url in result.evidence:
        allure.dynamic.link(url, name=url)
    payload = {k: v for k, v in result.to_json().items()}
    payload["exchanges"] = result.trace
    allure.attach(scrub(json.dumps(payload, indent=2)), name="evidence",
                  attachment_type=allure.attachment_type.JSON)
