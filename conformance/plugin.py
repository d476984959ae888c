"""The pytest plugin (entry point `pytest11: conformance.plugin`).

It gives any pytest run the suite's fixtures (`cc_config`, `cc_target`, `cc_session`) and
records each check's CheckResult (carried in the test report's user_properties) into
reports/<target>/results.json at the end of the session.

Two ways in:
- `cognito-conformance run`: the CLI starts the target itself and runs pytest in its own
  process with a `RunState` plugin holding it; the session reads the run's RunConfig from
  CC_RUN_CONFIG.
- plain `pytest --pyargs conformance.suite --cc-target moto`: the `cc_target` fixture starts
  (and stops) the target itself.

No verdict may hide a regression, so the Recorder does not trust that every item reported:
- the expectations file is validated in pytest_configure (pytest.UsageError, one line);
- the ids selected (after -k) are compared with the results recorded: an id without one
  becomes an `error` ("no result recorded: ... did not run"), and a failed report without a
  result (an item that crashed outside the check runner, in any phase) becomes an `error`
  with pytest's short longrepr. Their ids are listed in results.json's `unrecorded`;
- an interrupted session (Ctrl-C, SIGTERM) writes what ran with `"interrupted": true` and
  fills in nothing: it is never a complete, green report.
"""

from __future__ import annotations

import json
import sys
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
    """Collects results and writes results.json at session end."""

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
        """session.items is the selection after -k deselection."""
        self.selected.update(dict.fromkeys(check_id_of(i.nodeid) for i in session.items))

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
        from conformance.checks.clients import client_links  # issue 14: severity
        doc = results_json.build(self.target_info or {"name": self.config.target},
                                 checks, observations, self.started_at,
                                 time.perf_counter() - self.t0,
                                 extra={"interrupted": interrupted,
                                        "unrecorded": sorted(self.unrecorded),
                                        "run": {"seed": self.config.seed,
                                                "profile": self.config.profile,
                                                "keyword": self.config.keyword,
                                                "selected": len(self.selected),
                                                "clients": list(self.config.client_names)},
                                        "client_links": client_links(checks)})
        name = self.target_info.get("name", self.config.target)
        results_json.write(self.config.target_report_dir(name) / "results.json", doc)
        from conformance.reporting.markdown import write_summary  # the human-readable twin

        written = results_json.read(self.config.target_report_dir(name) / "results.json")
        write_summary(written, self.config.target_report_dir(name) / "summary.md")
        allure_dir = session.config.getoption("allure_report_dir", None)
        if allure_dir:  # statuses/messages per outcome, categories, environment, history
            from conformance.reporting import allure

            allure.finalize(Path(allure_dir), written, self.config.allure_history)


# -- progress: the suite's own, in place of pytest's letters and summary line -----------------

OUTCOME_WORDS = (("passed", "passed"), ("failed", "failed"),
                 ("expected-failure", "expected failures"),
                 ("unexpected-pass", "unexpected passes"), ("unsupported", "unsupported"),
                 ("error", "errors"))
PLAIN_EVERY = 50  # not on a terminal: one line per finished category, and every N items


def categories_by_id() -> dict[str, str]:
    """Check id -> category (hand-written checks and observations, generated pairs and
    generated observations)."""
    from conformance.checks import all_checks
    from conformance.generated.pairs import all_observations, all_pairs, observation_id, pair_id

    out = {c.id: c.category for c in all_checks()}
    out.update({pair_id(op, chk): "generated" for op, chk in all_pairs()})
    out.update({observation_id(op, kind): "observation" for op, kind in all_observations()})
    return out


def tally(counts: dict[str, int], observations: int | None = None) -> str:
    """`77 passed, 132 expected failures, 47 observations` (zeros left out)."""
    parts = [f"{counts[o]} {word}" for o, word in OUTCOME_WORDS if counts.get(o)]
    if observations:
        parts.append(f"{observations} observations")
    return ", ".join(parts) or "nothing"


@dataclass(eq=False)
class Progress:
    """What a run is doing, for the person watching it (registered with --cc-progress).

    On a terminal: one live line (target, category of the last item, done/total, elapsed,
    running tally), rewritten in place. Elsewhere: plain lines only (no control
    characters): one per finished category and one every PLAIN_EVERY items. Both: one
    tally line when the target's session ends. Counts follow results.json: checks by
    outcome, observations apart. pytest's own letters and its "N passed, M xfailed" line
    (counted per pytest item, in pytest's words) are suppressed when `quiet`."""

    target: str
    config: pytest.Config | None = None
    tty: bool = False
    quiet: bool = True
    t0: float = field(default_factory=time.perf_counter)
    category: dict[str, str] = field(default_factory=dict)   # selected id -> category
    done: dict[str, str] = field(default_factory=dict)       # id -> outcome
    outcomes: dict[str, CheckResult] = field(default_factory=dict)
    live: bool = False

    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        known = categories_by_id()
        for item in session.items:
            check_id = check_id_of(item.nodeid)
            self.category.setdefault(check_id, known.get(check_id, "other"))

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report: pytest.TestReport,
                                 config: pytest.Config) -> Any:
        status = yield
        return (status[0], "", "") if self.quiet else status

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        check_id = check_id_of(report.nodeid)
        for name, value in report.user_properties:
            if name == RESULT_PROPERTY:
                self.outcomes[check_id] = CheckResult.from_json(json.loads(value))
        if report.when != "teardown" and not (report.failed and report.when == "setup"):
            return
        if check_id in self.done:
            return
        result = self.outcomes.get(check_id)
        self.done[check_id] = (result.outcome if result else ERROR)
        category = (result.category if result else None) or self.category.get(check_id, "other")
        self.category.setdefault(check_id, category)
        self._item_done(category)

    def _counts(self, ids: list[str] | None = None, observations: bool = False
                ) -> tuple[dict[str, int], int]:
        counts: dict[str, int] = {}
        obs = 0
        for check_id in self.done if ids is None else ids:
            if self.category.get(check_id) == "observation":
                obs += 1
                continue
            counts[self.done[check_id]] = counts.get(self.done[check_id], 0) + 1
        return counts, obs

    def _elapsed(self) -> str:
        return f"{time.perf_counter() - self.t0:.1f}s"

    def _item_done(self, category: str) -> None:
        total = len(self.category)
        in_category = [i for i, c in self.category.items() if c == category]
        finished = [i for i in in_category if i in self.done]
        if len(finished) == len(in_category):
            counts, obs = self._counts(finished)
            self._line(f"{self.target}: {category} done, {len(finished)} "
                       f"({tally(counts, obs)}); {len(self.done)}/{total} in {self._elapsed()}")
        elif not self.tty and len(self.done) % PLAIN_EVERY == 0:
            self._line(f"{self.target}: {len(self.done)}/{total} in {self._elapsed()}")
        if self.tty:
            counts, obs = self._counts()
            self._rewrite(f"{self.target} [{category}] {len(self.done)}/{total} "
                          f"{self._elapsed()}  {tally(counts, obs)}")

    def _write(self, text: str) -> None:
        """Through pytest's terminal writer (the real stdout, never the captured one)."""
        reporter = self.config.pluginmanager.getplugin("terminalreporter") \
            if self.config is not None else None
        if reporter is None:
            sys.__stdout__.write(text)
            sys.__stdout__.flush()
            return
        reporter.write(text)
        reporter.flush()

    def _rewrite(self, text: str) -> None:
        self._write("\r" + text[:_width() - 1] + "\x1b[K")
        self.live = True

    def _line(self, text: str) -> None:
        if self.live:
            self._write("\r\x1b[K")
            self.live = False
        self._write(text + "\n")

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.category and not self.done:
            return
        counts, obs = self._counts()
        checks = sum(counts.values())
        self._line(f"{self.target}: finished {len(self.done)}/{len(self.category)} in "
                   f"{self._elapsed()}: {checks} checks ({tally(counts)}), {obs} observations")


def _width() -> int:
    import shutil

    return max(40, shutil.get_terminal_size((100, 24)).columns)


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
    group.addoption("--cc-progress", action="store_true", default=False,
                    help="the suite's own progress (target, category, done/total, elapsed) "
                    "instead of pytest's; set by `cognito-conformance run`")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance: a conformance check item")
    if _is_conformance_run(config):
        run = _config(config)
        _validate_expectations(run)
        config.pluginmanager.register(Recorder(run), "cc_recorder")
        if config.getoption("cc_progress", False):
            verbose = config.get_verbosity() > 0
            config.pluginmanager.register(Progress(run.target, config, tty=sys.stdout.isatty()
                                                   and not verbose, quiet=not verbose),
                                          "cc_progress")


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Generated items selected: their worker processes start loading (and generating) now,
    on the core the hand-written checks leave idle (conformance.suite.test_generated.warm_up). The module is
    looked up, not imported: collected, it is there; not collected, nothing to warm."""
    generated = sys.modules.get("conformance.suite.test_generated")
    if generated is not None and _is_conformance_run(session.config):
        generated.warm_up(session.items, _config(session.config))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Workers warmed for a generated run that never ran (an interrupt, -x) stop here."""
    runner = sys.modules.get("conformance.generated.runner")
    if runner is not None:
        runner.discard_warm_pools()


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
                            load_expectations(cc_target.name, expectations_dir,
                                              profile=cc_config.profile), caps)
    yield session
    from conformance.checks.clients import close_adapters

    close_adapters(session.shared)  # the client judges' processes (the JS SDK's Node)
    session.provisioner.cleanup()


def target_info(target: Target) -> dict[str, Any]:
    """results.json's `target`: with `capabilities` (declared, confirmed, refuted with the
    probe's reason), from the target's own report."""
    from conformance.targets.base import lacks_json
    from conformance.targets.probe import report_of

    return {"name": target.name, "version": target.version(), "endpoint": target.endpoint,
            "capabilities": report_of(target).results_json(), "lacks": lacks_json(target)}


def report_result(result: CheckResult, target: Target, record: Any) -> None:
    """Record the result for the Recorder and end the pytest item with a matching verdict.
    An `error` is first traced to a silent target where it is one (runner.settle)."""
    result = settle(result, target.endpoint)
    record(RESULT_PROPERTY, json.dumps(result.to_json()))
    record(TARGET_PROPERTY, json.dumps(target_info(target)))
    _attach_allure(result, target.name)
    if result.outcome in (FAILED, UNEXPECTED_PASS, ERROR):
        pytest.fail(f"[{result.outcome}] {result.message}", pytrace=False)
    if result.outcome == EXPECTED_FAILURE:
        pytest.xfail(f"known deviation: {result.reason} :: {result.message}")
    if result.outcome == UNSUPPORTED:
        pytest.skip(f"unsupported: {result.message}")


def _attach_allure(result: CheckResult, target_name: str = "") -> None:
    """Labels, readable parameters, the exchanges as steps (masked): reporting/allure.py.
    Statuses and messages per outcome are set once the run is recorded (Recorder)."""
    from conformance.reporting import allure

    allure.attach(result, target_name)
