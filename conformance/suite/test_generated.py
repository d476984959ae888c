"""One pytest item per generated (operation, check) pair; ids are `generated.<Op>.<check>`.

The pairs are data (conformance/generated/pairs.py). The first item of an operation runs
Schemathesis over it once (positive + negative, seed and example count from RunConfig); the
operation's other items read the same tallies. Results go through report_result like the
hand-written checks, so results.json, JUnit, Allure and expectations all apply.

The operation's observations (`generated.<Op>.unknown-member` / `.null-optional`, how the
target answered negative cases AWS's answer to is not on record) are items of their own,
reading the same run; they are category `observation`, so the Recorder files them under
results.json's `observations` and expectations never apply to them.
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import pytest

from conformance.config import RunConfig
from conformance.generated.pairs import (
    GeneratedCheck, all_observations, all_pairs, observation_id, pair_id,
)
from conformance.plugin import report_result
from conformance.results.expectations import apply
from conformance.results.outcome import CheckResult
from conformance.results.runner import CheckSession

PAIRS = [pytest.param(op, chk, id=pair_id(op, chk)) for op, chk in all_pairs()]
OBSERVATIONS = [pytest.param(op, kind, id=observation_id(op, kind))
                for op, kind in all_observations()]
ITEMS = ("test_generated", "test_generated_observation")
REQUIRES = frozenset({"create-pool", "admin"})  # setup creates a pool and confirms users
MAX_PROCESSES = 2


class _Lazy:
    """The run (or why there is none), built on first use so setup errors become results."""

    def __init__(self, session: CheckSession, config: RunConfig,
                 operations: tuple[str, ...]) -> None:
        self.session, self.config, self.operations = session, config, operations
        self.run: Any = None
        self.error: str | None = None

    def get(self) -> Any:
        if self.run is None and self.error is None:
            self._start()
        return self.run

    def _start(self) -> None:
        from conformance.generated.inject import create_identities
        from conformance.generated.runner import GeneratedRun

        try:
            identities = create_identities(self.session.caller, self.session.provisioner)
            self.run = GeneratedRun(self.session.caller, identities, self.config.seed,
                                    self.config.examples, operations=self.operations,
                                    processes=processes(),
                                    case_cache=self.config.case_cache_dir)
        except Exception as exc:  # noqa: BLE001 - setup failure: every pair is an error
            self.error = f"generated setup failed: {type(exc).__name__}: {exc}"


def processes() -> int:
    """Worker processes for generation: one per core, at most MAX_PROCESSES."""
    return min(MAX_PROCESSES, os.cpu_count() or 1)


def selected_operations(items: list[pytest.Item]) -> tuple[str, ...]:
    """The operations of the generated items this session will run (after -k), in order."""
    ops = [item.callspec.params["operation"] for item in items
           if getattr(item, "originalname", "") in ITEMS]
    return tuple(dict.fromkeys(ops))


def warm_up(items: list[pytest.Item], config: RunConfig) -> None:
    """At collection's end (plugin.py): generated items selected, so their worker processes
    start now, load, and generate the cases the store lacks while the hand-written checks
    run (runner.warm_pool, GeneratedRun.pregenerate)."""
    operations = selected_operations(items)
    if operations and processes() > 0:
        from conformance.generated.runner import pregeneration_spec, warm_pool

        warm_pool(processes(), pregeneration_spec(config.seed, config.examples, operations,
                                                  config.case_cache_dir))


@pytest.fixture(scope="session")
def cc_generated(request: pytest.FixtureRequest, cc_session: CheckSession,
                 cc_config: RunConfig) -> Iterator[_Lazy]:
    lazy = _Lazy(cc_session, cc_config, selected_operations(request.session.items))
    yield lazy
    if lazy.run is not None:
        lazy.run.close()
    from conformance.generated.runner import discard_warm_pools

    discard_warm_pools()   # a run that never started (setup failed) left them unused


def _result(operation: str, check: GeneratedCheck, session: CheckSession,
            lazy: _Lazy) -> CheckResult:
    from conformance.generated import results

    verdict = session.capability_verdict(REQUIRES)  # unsupported, or failed when refuted
    if verdict is not None:
        return results.lacking(operation, check, verdict)
    run = lazy.get()
    if run is None:
        return results.errored(operation, check, lazy.error or "no generated run")
    return results.result_for(run.operation(operation), check)


def _observation(operation: str, kind: str, session: CheckSession,
                 lazy: _Lazy) -> CheckResult:
    from conformance.generated import results

    verdict = session.capability_verdict(REQUIRES, observation=True)
    if verdict is not None:
        return results.lacking_observation(operation, kind, verdict)
    run = lazy.get()
    if run is None:
        return results.errored_observation(operation, kind, lazy.error or "no generated run")
    return results.observation_for(run.operation(operation), kind)


@pytest.mark.conformance
@pytest.mark.parametrize(("operation", "check"), PAIRS)
def test_generated(operation: str, check: GeneratedCheck, cc_session: CheckSession,
                   cc_generated: _Lazy, record_property: Any) -> None:
    result = apply(_result(operation, check, cc_session, cc_generated), cc_session.expectations)
    report_result(result, cc_session.target, record_property)


@pytest.mark.conformance
@pytest.mark.parametrize(("operation", "kind"), OBSERVATIONS)
def test_generated_observation(operation: str, kind: str, cc_session: CheckSession,
                               cc_generated: _Lazy, record_property: Any) -> None:
    report_result(_observation(operation, kind, cc_session, cc_generated), cc_session.target,
                  record_property)
