"""The pytest plugin (entry point `pytest11: conformance.plugin`).

It gives any pytest run the suite's fixtures (`cc_config`, `cc_target`, `cc_session`) and
records each check's CheckResult (carried in the test report's user_properties, so it
survives pytest-xdist) into reports/<target>/results.json at the end of the session.

Two ways in:
- `cognito-conformance run`: the CLI starts the target itself and registers a `RunState`
  plugin holding it; workers attach to its endpoint through CC_RUN_CONFIG.
- plain `pytest --pyargs conformance.suite --cc-target moto`: the `cc_target` fixture starts
  (and stops) the target itself.

No verdict may hide a regression, so the Recorder does not trust that every item reported:
- the expectations file is validated in pytest_configure (pytest.UsageError, one line);
- the ids selected (after -k; from the workers' collections under pytest-xdist) are compared
  with the results recorded: an id without one becomes an `error` ("no result recorded:
  ... did not run"), and a failed report without a result (an item that crashed outside
  the check runner, in any phase, or a crashed xdist worker) becomes an `error` with
  pytest's short longrepr. Their ids are listed in results.json's `unrecorded`;
- an interrupted session (Ctrl-C, SIGTERM) writes what ran with `"interrupted": true` and
  fills in nothing: it is never a complete, green report.
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
from conformance.results.expectations import ExpectationsError, load_expectations, validate
from conformance.results.outcome import (
    ERROR, EXPECTED_FAILURE, FAILED, UNEXPECTED_PASS, UNSUPPORTED, CheckResult,
)
from conformance.results.runner import CheckSession, build_session, settle
from conformance.targets.base import Target, load_target

RESULT_PROPERTY = "cc_result"
TARGET_PROPERTY = "cc_target"
PHASES = ("setup", "call", "teardown")
SHORT_REPR_CHARS = 300


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
    selected: dict[str, None] = field(default_factory=dict)  # ids to run, in order
    reported: set[str] = field(default_factory=set)          # ids with any test report
    unrecorded: list[str] = field(default_factory=list)      # ids given an error here
    interrupted: bool = False

    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """In process: session.items is the selection after -k deselection."""
        self.selected.update(dict.fromkeys(check_id_of(i.nodeid) for i in session.items))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under pytest-xdist the controller collects nothing: each worker sends its ids."""
        self.selected.update(dict.fromkeys(check_id_of(i) for i in ids))

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        check_id = check_id_of(report.nodeid)
        self.reported.add(check_id)
        recorded = False
        for name, value in report.user_properties:
            if name == RESULT_PROPERTY:
                result = CheckResult.from_json(json.loads(value))
                self.results[result.id] = result
                recorded = True
            elif name == TARGET_PROPERTY:
                self.target_info = json.loads(value)
        if report.failed and not recorded and check_id not in self.results:
            self._unrecorded(check_id, "the test item crashed outside the check runner: "
                             + short_repr(report))

    @pytest.hookimpl
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        """Ctrl-C / SIGTERM (not pytest's own `Interrupted` after a collection error)."""
        if not isinstance(excinfo.value, pytest.Session.Interrupted):
            self.interrupted = True

    def _unrecorded(self, check_id: str, why: str) -> None:
        self.results[check_id] = unrecorded_result(check_id, why)
        self.unrecorded.append(check_id)

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        interrupted = self.interrupted or _signalled()
        if not interrupted:  # an interrupted run reports what ran, and only that
            for check_id in [i for i in self.selected if i not in self.results]:
                self._unrecorded(check_id, "the test item ended without recording a result"
                                 if check_id in self.reported else "the test item did not run")
        if not (self.results or self.selected or interrupted):
            return  # -k selected nothing: the CLI says so
        if self.unrecorded and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED  # plain pytest: not green
        checks = [r for r in self.results.values() if r.category != "observation"]
        observations = [r for r in self.results.values() if r.category == "observation"]
        doc = results_json.build(self.target_info or {"name": self.config.target},
                                 checks, observations, self.started_at,
                                 time.perf_counter() - self.t0,
                                 extra={"interrupted": interrupted,
                                        "unrecorded": sorted(self.unrecorded),
                                        "run": {"seed": self.config.seed,
                                                "profile": self.config.profile,
                                                "keyword": self.config.keyword,
                                                "selected": len(self.selected)}})
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
        run = _config(config)
        _validate_expectations(run)
        config.pluginmanager.register(Recorder(run), "cc_recorder")


def _validate_expectations(run: RunConfig) -> None:
    """Before any target starts: a malformed expectations file is a usage error (one line;
    the CLI has done the same check already, this is the plain-pytest front door)."""
    directory = Path(run.expectations_dir) if run.expectations_dir else None
    try:
        validate(run.target, directory)
    except ExpectationsError as exc:
        raise pytest.UsageError(str(exc)) from None


def _signalled() -> bool:
    """Did the CLI's SIGINT/SIGTERM handler fire (it may have been swallowed on the way)?"""
    from conformance.targets.process import interrupted

    return interrupted()


def check_id_of(nodeid: str) -> str:
    """`.../test_checks.py::test_check[wire.content-type.error]` -> `wire.content-type.error`
    (the items' parametrize ids are the check ids); other node ids are kept whole."""
    name = nodeid.rsplit("::", 1)[-1]
    return name[name.index("[") + 1:-1] if "[" in name and name.endswith("]") else nodeid


def short_repr(report: pytest.TestReport) -> str:
    """pytest's one-line crash description (`RuntimeError: boom (file.py:12)`), masked."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        text = f"{crash.message} ({Path(str(crash.path)).name}:{crash.lineno})"
    else:
        lines = [ln for ln in str(report.longrepr or "").splitlines() if ln.strip()]
        text = lines[-1] if lines else "(no details)"
    phase = f"in {report.when}: " if report.when in PHASES else ""
    return scrub(phase + " ".join(text.split()))[:SHORT_REPR_CHARS]


def unrecorded_result(check_id: str, why: str) -> CheckResult:
    """An `error` result for a selected id the check runner recorded nothing for."""
    from conformance.checks import all_checks
    from conformance.generated import results as generated
    from conformance.generated.pairs import all_observations, all_pairs, observation_id, pair_id

    message = scrub(f"no result recorded: {why}")
    check = next((c for c in all_checks() if c.id == check_id), None)
    if check is not None:
        return CheckResult(id=check_id, operation=check.operation, category=check.category,
                           outcome=ERROR, message=message, evidence=check.evidence)
    for op, chk in all_pairs():
        if pair_id(op, chk) == check_id:
            return generated.errored(op, chk, message)
    for op, kind in all_observations():
        if observation_id(op, kind) == check_id:
            return generated.errored_observation(op, kind, message)
    return CheckResult(id=check_id, operation="", category="harness", outcome=ERROR,
                       message=message)


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
    """Record the result for the Recorder and end the pytest item with a matching verdict.
    An `error` is first traced to a silent target where it is one (runner.settle)."""
    result = settle(result, target.endpoint)
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
