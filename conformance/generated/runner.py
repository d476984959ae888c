"""Drives Schemathesis over the generated OpenAPI document and tallies each (operation, check).

Why Schemathesis' own test builder (`build_operation_test`, from the private module
schemathesis.pytest._test_builder: there is no public equivalent, hence the 4.32.x pin) and
not its pytest plugin: the builder runs the same three phases as `schema.parametrize()`
(explicit examples, the coverage phase that pins boundaries - empty strings, max+1 lengths,
missing members - and Hypothesis fuzzing) in positive AND negative mode, but hands us every
case, so one Hypothesis run per operation feeds the verdicts of all GENERATED_CHECKS, which
become one CheckResult per pair.

Per case: the `before_call` hook moves the call to `POST /` with X-Amz-Target (the OpenAPI's
fake `/<Operation>` paths, see conformance/spec/generate.py) and injects real identifiers
(inject.py); the request is SigV4-signed when the model says so; `validate_response` runs
the checks and the `after_validate` hook hands each check's verdict to the tally.

Counting: every case sent is counted once per operation (`OperationRun.sent`, with its status
histogram); a check's tally counts the cases it JUDGED, i.e. the ones Schemathesis reports a
verdict for (a check that returns NOT_APPLICABLE, checks.py, is skipped and reports none).
Negative cases whose only violations are undeclared or null optional members
(lenient.py) are not judged by negative-rejected; their answers are counted per kind in
`OperationRun.lenient` for the operation's observations.
Determinism: the seed comes from RunConfig (`--seed`), mixed per operation by Schemathesis.
Hypothesis also draws, now and then, "local constants": literals it collects from the source
of every non-site-packages module loaded in the process (here: the suite's own modules). That
set depends on what the process happened to import before (a worker, the CLI, a self-test,
which operations ran first), so the same seed gave different cases (cases_sha256 differed
between two identical seed-0 runs for 8 of 14 operations). Each operation therefore runs
with no local constants (`_seed_only`): its cases depend on the seed and the schema alone.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import threading
import time
from contextlib import contextmanager
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Iterator

import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.config import HealthCheck
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test

from conformance.exchange import Exchange, harvest, scrub
from conformance.generated import casestore
from conformance.generated.casestore import CaseStore, rebuild, run_key, snapshot
from conformance.generated.checks import (
    error_type, failure_kinds, is_negative, is_probe, negative_class,
)
from conformance.generated.inject import Identities, inject, rules_for
from conformance.generated.lenient import LENIENT
from conformance.generated.pairs import GENERATED_CHECKS, OPERATIONS
from conformance.generated.sigv4 import SigV4
from conformance.spec.generate import MEDIA_TYPE, openapi_path
from conformance.spec.model import load_model
from conformance.wire import (
    STOPPED, AwsCredentials, Caller, TargetStoppedAnswering, breaker, session_for, short_reason,
)

schemathesis.serializer.alias(MEDIA_TYPE, "application/json")
PHASES = ("examples", "coverage", "fuzzing")


@dataclass
class Tally:
    """One check over one operation's cases: how many it judged, failed, the first failure."""

    judged: int = 0    # cases the check gave a verdict on (not skipped as not applicable)
    failures: int = 0
    first_message: str = ""
    first_exchange: Exchange | None = None
    first_case: dict[str, str] = field(default_factory=dict)
    kinds: set[str] = field(default_factory=set)  # failure kinds seen (the pair's signature)

    def add(self, failure: Any, exchange: Exchange | None, case: Any,
            kinds: list[str] | None = None) -> None:
        self.judged += 1
        if failure is None:
            return
        self.failures += 1
        self.kinds.update(kinds or ["failed"])
        if self.first_exchange is None:
            self.first_message = _failure_text(failure)
            self.first_exchange = exchange
            self.first_case = describe(case)


def describe(case: Any) -> dict[str, str]:
    """How Schemathesis made a case: mode (positive/negative), phase, and what it mutated."""
    meta = case.meta
    if meta is None:
        return {}
    data = getattr(meta.phase, "data", None)
    return {"mode": str(meta.generation.mode.value), "phase": str(meta.phase.name.value),
            "description": scrub(str(getattr(data, "description", "") or ""))[:300]}


@dataclass
class Answers:
    """How the target answered one kind of case: counts by `<status> <__type>`, first one."""

    cases: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    first_exchange: Exchange | None = None
    first_case: dict[str, str] = field(default_factory=dict)

    def add(self, response: Any, exchange: Exchange | None, case: Any) -> None:
        self.cases += 1
        kind = error_type(response)
        key = f"{response.status_code} {kind}" if kind else str(response.status_code)
        self.answers[key] = self.answers.get(key, 0) + 1
        if self.first_exchange is None:
            self.first_exchange = exchange
            self.first_case = describe(case)


@dataclass
class OperationRun:
    operation: str
    tallies: dict[str, Tally] = field(default_factory=lambda: {c.function: Tally()
                                                                for c in GENERATED_CHECKS})
    sent: int = 0      # every case sent (judged or not)
    positive: int = 0
    negative: int = 0
    probes: int = 0
    statuses: dict[int, int] = field(default_factory=dict)   # over every case sent
    negative_classes: dict[str, int] = field(default_factory=dict)  # lenient.classify counts
    lenient: dict[str, Answers] = field(default_factory=lambda: {k: Answers() for k in LENIENT})
    duration_s: float = 0.0
    error: str | None = None
    stopped: bool = False   # the error is this process's breaker: the target stopped answering
    digest: str = ""   # sha256 over the generated cases (before injection), in order
    cases_from: str = "generated"   # or "cache": replayed from the case store (casestore.py)

    def fingerprint(self, case: Any) -> None:
        """Fold one generated case into `digest`: same seed, same cases, same digest.

        Members the injector overwrites are hashed as a placeholder (their real values
        differ per run), and objects without JSON form by type name (repr has addresses)."""
        body = case.body
        if isinstance(body, dict):
            injected = rules_for(self.operation)
            body = {k: "<injected>" if k in injected and isinstance(v, (str, dict)) else v
                    for k, v in body.items()}
        text = json.dumps([case.meta.phase.name.value if case.meta else None, body],
                          sort_keys=True, default=lambda v: type(v).__name__)
        self.digest = hashlib.sha256((self.digest + text).encode()).hexdigest()

    def count(self, case: Any, status: int) -> None:
        self.sent += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if is_probe(case):
            self.probes += 1
        elif is_negative(case):
            self.negative += 1
        else:
            self.positive += 1


def _failure_text(failure: Any) -> str:
    title = getattr(failure, "title", type(failure).__name__)
    message = getattr(failure, "message", str(failure))
    return scrub(f"{title}: {message}".strip())[:600]


# -- same seed, same cases ------------------------------------------------------------------
_SEED_ONLY_LOCK = threading.Lock()
_SEED_ONLY: list[Any] = []   # the original collector while patched (one per nested entry)


@contextmanager
def _seed_only() -> Iterator[None]:
    """Hypothesis draws no "local constants" (literals of the modules this process happened
    to load) while an operation runs, so its cases depend on the seed and the schema only.
    Private Hypothesis API (pinned in requirements.lock); if it moves, nothing is patched and
    selftest/test_speed_parts.py's same-seed test says so. The constants cache is cleared
    on the way in and out: it holds the local constants of whatever drew before."""
    try:
        from hypothesis.internal.conjecture import providers
        empty = type(providers._local_constants)()
        cache = providers.CONSTANTS_CACHE.cache
    except (ImportError, AttributeError):  # pragma: no cover - a Hypothesis that moved it
        yield
        return
    with _SEED_ONLY_LOCK:
        _SEED_ONLY.append(providers._get_local_constants)
        if len(_SEED_ONLY) == 1:
            providers._get_local_constants = lambda: empty
            cache.clear()
    try:
        yield
    finally:
        with _SEED_ONLY_LOCK:
            original = _SEED_ONLY.pop()
            if not _SEED_ONLY:
                providers._get_local_constants = original
                cache.clear()


class _TargetGone(BaseException):
    """The target stopped answering (this process's breaker is open): ends an operation at
    once. A BaseException, because Hypothesis takes any Exception from the test for a
    failure and would shrink it, sending case after case to a target that is gone (each
    waiting out --timeout: minutes for one operation)."""


def _gone_in(exc: BaseException) -> _TargetGone | None:
    """The _TargetGone that ended an operation, also when Hypothesis grouped it: in the
    explicit-examples phase it runs every example and raises all distinct failures as one
    BaseExceptionGroup (a timeout that did not yet open the breaker, then _TargetGone), which
    `except _TargetGone` misses and `except Exception` cannot catch."""
    if isinstance(exc, _TargetGone):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _gone_in(inner)
            if found is not None:
                return found
    return None


# -- global hooks, routed to the run that owns the schema ------------------------------------
_RUNS: dict[int, "GeneratedRun"] = {}


# No member of the model allows more than 131,072 characters, so the coverage phase's
# boundary cases stay near 130 KB; negative fuzzing of a maxLength, though, drew strings of
# 0.5-13 MB (ContextData.ServerPath, EncodedData: 65 MB for AdminInitiateAuth's 34 negative
# fuzzing cases, a third of a run's generated time). What AWS answers a multi-megabyte body
# is not on record (a front end may refuse it before any validation, 413), so such a case
# could not be judged fairly anyway: bodies over MAX_BODY_CHARS are not generated.
MAX_BODY_CHARS = 1 << 20


def within_size(value: Any, limit: int = MAX_BODY_CHARS) -> bool:
    """Do the strings and keys of a JSON-like value add up to at most `limit` characters?"""
    stack, total = [value], 0
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            total += sum(len(k) for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        if total > limit:
            return False
    return True


@schemathesis.hook
def filter_body(ctx: Any, body: Any) -> bool:
    operation = getattr(ctx, "operation", None)
    if operation is None or id(operation.schema) not in _RUNS:
        return True
    return within_size(body)


@schemathesis.hook
def before_call(ctx: Any, case: Any, kwargs: Any) -> None:
    run = _RUNS.get(id(case.operation.schema))
    if run is not None:
        run.prepare(case)


class _Judged(BaseException):
    """Raised by after_validate once a case's verdicts are recorded, caught by _one_case:
    what validate_response does after that hook only formats the failures into a
    FailureGroup's message (a curl command, the response), which we discard; that was ~1 ms
    per failing case, and most cases fail some check on an emulator. A BaseException,
    because the hook dispatcher wraps Exception (and SystemExit) in HookExecutionError."""


@schemathesis.hook
def after_validate(ctx: Any, case: Any, response: Any, results: Any) -> None:
    run = _RUNS.get(id(case.operation.schema))
    if run is not None:
        run.record(case, response, results)
        raise _Judged


class GeneratedRun:
    """One Schemathesis run over OPERATIONS against one endpoint; operations run lazily.

    With `processes` > 0 every operation is submitted at once to a pool of spawned worker
    processes (Hypothesis and the HTTP client are CPU-bound and the embedded moto shares
    this process's GIL); `operation()` then waits for that operation's result. Safe because
    each state-changing operation acts on its own user (inject.PER_OPERATION).
    """

    def __init__(self, caller: Caller, identities: Identities, seed: int,
                 max_examples: int, operations: tuple[str, ...] = OPERATIONS,
                 processes: int = 0, phases: tuple[str, ...] = PHASES,
                 case_cache: Path | None = None) -> None:
        self.spec = ChildSpec(caller.endpoint, caller.region, caller.credentials,
                              caller.timeout_s, identities, seed, max_examples, operations,
                              phases, case_cache)
        self.pool = _start_pool(self.spec, processes) if processes > 0 else None
        self.caller = caller
        self.identities = identities
        self.model = load_model()
        self.schema = self._load_schema(caller.endpoint, seed, max_examples, operations, phases)
        self.signer = SigV4(caller.credentials, caller.region)
        self.session = session_for(caller.endpoint)
        self.results: dict[str, OperationRun] = {}
        self.store = _case_store(case_cache, seed, max_examples, phases)
        self._recording: list[tuple[Any, ...]] | None = None
        self._current: OperationRun | None = None
        self._lock = threading.Lock()
        _RUNS[id(self.schema)] = self

    @staticmethod
    def _load_schema(endpoint: str, seed: int, max_examples: int,
                     operations: tuple[str, ...], phases: tuple[str, ...]) -> Any:
        doc = json.loads(openapi_path().read_text())
        doc["paths"] = {f"/{op}": doc["paths"][f"/{op}"] for op in operations}
        schema = schemathesis.openapi.from_dict(doc)
        schema.config.update(base_url=endpoint.rstrip("/"),
                             suppress_health_check=[HealthCheck.all])
        schema.config.seed = seed
        schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                        max_examples=max_examples, database="none")
        schema.config.phases.update(phases=list(phases))
        schema.config.phases.coverage.unexpected_methods = set()
        schema.config.checks.negative_data_rejection.expected_statuses = ["400"]
        return schema

    # -- running -------------------------------------------------------------------------
    def operation(self, name: str) -> OperationRun:
        """The tallies of one operation, running it first if this process has not yet."""
        with self._lock:
            if name not in self.results:
                future = self.pool.futures.get(name) if self.pool else None
                run = self.results[name] = _collect(future, name) if future else self._run(name)
                if run.stopped:  # a worker's breaker opened: so does this process's
                    breaker(self.caller.endpoint).trip(run.error or STOPPED)
            return self.results[name]

    def close(self) -> None:
        _RUNS.pop(id(self.schema), None)
        if self.pool is not None:
            _stop_pool(self.pool)
            self.pool = None
        if self.store is not None:  # the store keeps the most recently used keys only
            casestore.prune(self.store.directory, current=self.store.key)

    def _run(self, name: str) -> OperationRun:
        run = self._current = OperationRun(name)
        start = time.perf_counter()
        operation = self.schema[f"/{name}"]["POST"]
        stored = self.store.load(name) if self.store is not None else None
        try:
            if stored is not None:
                run.cases_from = "cache"
                for record in stored:
                    self._one_case(rebuild(operation, record))
            else:
                self._generate(name, operation)
        except BaseException as exc:  # noqa: BLE001 - see _gone_in; anything else re-raised
            gone = _gone_in(exc)
            if gone is not None:
                run.error, run.stopped = scrub(str(gone))[:600], True
            elif isinstance(exc, Exception):  # a generator error becomes an error result
                run.error = scrub(f"{type(exc).__name__}: {exc}")[:600]
            else:
                raise
        finally:
            self._recording = None
        run.duration_s = time.perf_counter() - start
        self._current = None
        return run

    def _generate(self, name: str, operation: Any) -> None:
        """Run Schemathesis over one operation; its cases go to the store once all ran."""
        self._recording = [] if self.store is not None else None
        self._drive(operation, self._one_case)
        if self.store is not None and self._recording is not None:
            self.store.save(name, self._recording)

    def _drive(self, operation: Any, test_func: Any) -> None:
        test = build_operation_test(config=self.schema.config, operation=operation,
                                    test_func=test_func, given_kwargs={},
                                    feedback=FeedbackSources())
        with _seed_only():
            test()

    def pregenerate(self, name: str) -> bool:
        """Generate one operation's cases into the store, sending none (False: no store, or
        they are there already). The cases never depend on the answers (cases_sha256 is
        the same on every target), so this can run before the target is even asked: while
        the hand-written checks run, on the core they leave idle; the generated phase then
        replays them. selftest/test_casestore.py shows the same cases and verdicts."""
        if self.store is None or self.store.load(name) is not None:
            return False
        recording: list[tuple[Any, ...]] = []
        self._drive(self.schema[f"/{name}"]["POST"],
                    lambda case: recording.append(snapshot(case)))
        self.store.save(name, recording)
        return True

    def _one_case(self, case: Any) -> None:
        if self._recording is not None:
            self._recording.append(snapshot(case))
        operation = case.operation.definition.raw["operationId"]
        signed = not self.model.is_unsigned(operation)
        gate = breaker(self.caller.endpoint)   # this process's: workers have their own
        try:
            gate.check()
            response = case.call(session=self.session, auth=self.signer if signed else None,
                                 timeout=gate.timeout(self.caller.timeout_s))
        except TargetStoppedAnswering as exc:
            raise _TargetGone(str(exc)) from None
        except requests.RequestException as exc:
            gate.failure(short_reason(exc))
            if gate.open:
                raise _TargetGone(f"{STOPPED} ({gate.reason})") from None
            raise
        gate.success()
        try:
            case.validate_response(response, checks=CHECK_FUNCTIONS)
        except _Judged:
            pass  # every verdict reached record() through after_validate, which ended it
        except FailureGroup:
            pass  # (no run owns the case: nothing was recorded, nothing to keep)
        except AssertionError:
            pass

    def prepare(self, case: Any) -> None:
        operation = case.operation.definition.raw["operationId"]
        case.path = "/"
        if self._current is not None:
            self._current.fingerprint(case)
        case.headers = {**(case.headers or {}),
                        "X-Amz-Target": f"{self.model.target_prefix}.{operation}"}
        inject(operation, case.body, self.identities)

    def record(self, case: Any, response: Any, results: Any) -> None:
        run = self._current
        if run is None:
            return
        run.count(case, response.status_code)
        exchange: Exchange | None = None
        klass = negative_class(case, response)
        if klass is not None:
            run.negative_classes[klass] = run.negative_classes.get(klass, 0) + 1
            answers = run.lenient.get(klass)
            if answers is not None:
                if answers.first_exchange is None:
                    exchange = _exchange(run.operation, response, self.caller.region)
                answers.add(response, exchange, case)
        for result in results:
            tally = run.tallies.get(result.name)
            if tally is None:
                continue
            if result.failure is not None and tally.first_exchange is None and exchange is None:
                exchange = _exchange(run.operation, response, self.caller.region)
            kinds = failure_kinds(result.name, response) if result.failure is not None else None
            tally.add(result.failure, exchange, case, kinds)


# -- worker processes -----------------------------------------------------------------------
@dataclass(frozen=True)
class ChildSpec:
    """Everything a worker process needs to run operations (plain, picklable data)."""

    endpoint: str
    region: str
    credentials: AwsCredentials
    timeout_s: float
    identities: Identities
    seed: int
    max_examples: int
    operations: tuple[str, ...]
    phases: tuple[str, ...] = PHASES
    case_cache: Path | None = None


@dataclass
class _Pool:
    executor: ProcessPoolExecutor
    futures: dict[str, Future]
    processes: int = 0


_OPEN_POOLS: list[_Pool] = []   # pools not yet stopped: the atexit hook stops them
STOP_GRACE_S = 2.0               # how long close() lets a worker exit before terminating it


_WARM: list[_Pool] = []   # started by warm_pool(), not yet taken by a run
WORKER_NICE = 10


def warm_pool(processes: int, pregenerate: ChildSpec | None = None) -> None:
    """Start `processes` workers now, each importing and loading what every run needs
    (Schemathesis, the model, the generated document: ~2 s a worker), while the
    hand-written checks run in this process and leave the other core idle; with
    `pregenerate` (a spec with a case store), they then generate the cases of its
    operations into the store (GeneratedRun.pregenerate), sending nothing. The next
    generated run with as many processes takes them (_start_pool): its operations queue
    behind that generation and replay what it stored. One never taken is stopped by
    discard_warm_pools() or at exit."""
    if processes <= 0 or any(p.processes == processes for p in _WARM):
        return
    pool = _new_pool(processes)
    for _ in range(processes):   # a task per worker: the executor spawns one per submit
        pool.executor.submit(_ready)
    if pregenerate is not None and pregenerate.case_cache is not None:
        for operation in pregenerate.operations:
            pool.executor.submit(_child_pregenerate, pregenerate, operation)
    _WARM.append(pool)


def discard_warm_pools() -> None:
    while _WARM:
        _stop_pool(_WARM.pop())


def _new_pool(processes: int) -> _Pool:
    from conformance.targets.process import worker_initializer

    initializer, initargs = worker_initializer()  # workers exit when this process dies
    executor = ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn"),
                                   initializer=_warm_worker, initargs=(initializer, initargs))
    pool = _Pool(executor, {}, processes)
    _OPEN_POOLS.append(pool)
    return pool


def _warm_worker(initializer: Any, initargs: tuple[Any, ...]) -> None:
    """In a new worker: die with the parent, then load what GeneratedRun loads (cached).
    Niced: loading must not slow the hand-written checks it overlaps, and during the
    generated phase the process it competes with is the one serving the embedded moto."""
    initializer(*initargs)
    os.nice(WORKER_NICE)
    load_model()
    GeneratedRun._load_schema("http://127.0.0.1/", 0, 1, OPERATIONS, PHASES)


def _ready() -> None:
    """A task that only makes the executor spawn a worker (its initializer does the work)."""


def _workers(pool: _Pool) -> list[Any]:
    return list((getattr(pool.executor, "_processes", None) or {}).values())


def _start_pool(spec: ChildSpec, processes: int) -> _Pool:
    warm = next((p for p in _WARM if p.processes == processes), None)
    if warm is not None:
        _WARM.remove(warm)
    pool = warm or _new_pool(processes)
    pool.futures.update({op: pool.executor.submit(_child_run, spec, op)
                         for op in spec.operations})
    return pool


def _stop_pool(pool: _Pool, grace_s: float = STOP_GRACE_S) -> None:
    """Stop a pool for good: pending operations cancelled, idle workers told to exit and
    joined, a worker still busy after `grace_s` (an interrupted run, a passed deadline)
    terminated, then killed. No worker outlives this call."""
    if pool in _OPEN_POOLS:
        _OPEN_POOLS.remove(pool)
    executor = pool.executor
    processes = _workers(pool)
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + grace_s
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.terminate()
            process.join(1.0)
        if process.is_alive():
            process.kill()
            process.join(1.0)


@atexit.register
def _stop_open_pools() -> None:
    """At interpreter exit: a pool whose run was never closed (a crash, an interrupt between
    fixtures) is stopped too."""
    for pool in list(_OPEN_POOLS):
        _stop_pool(pool, grace_s=0.5)


def _collect(future: Future, name: str) -> OperationRun:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a dead worker is an error result, not a crash
        return OperationRun(name, error=scrub(f"worker failed: {type(exc).__name__}: {exc}"))


_CHILD_RUNS: dict[tuple[Any, ...], "GeneratedRun"] = {}


def _child_run(spec: ChildSpec, operation: str) -> OperationRun:
    """In a worker process: run one operation (the schema is loaded once per worker)."""
    key = (spec.endpoint, spec.seed, spec.max_examples, spec.operations, spec.phases,
           spec.case_cache)
    if key not in _CHILD_RUNS:
        caller = Caller(spec.endpoint, spec.region, spec.credentials, timeout_s=spec.timeout_s)
        _CHILD_RUNS[key] = GeneratedRun(caller, spec.identities, spec.seed, spec.max_examples,
                                        spec.operations, phases=spec.phases,
                                        case_cache=spec.case_cache)
    return _CHILD_RUNS[key].operation(operation)


_PREGENERATING: dict[tuple[Any, ...], "GeneratedRun"] = {}


def _child_pregenerate(spec: ChildSpec, operation: str) -> bool:
    """In a worker: generate one operation's cases into the store (a run of its own: it
    has no identities, and _CHILD_RUNS' runs must have the real ones)."""
    key = (spec.seed, spec.max_examples, spec.operations, spec.phases, spec.case_cache)
    if key not in _PREGENERATING:
        caller = Caller(spec.endpoint, spec.region, spec.credentials, timeout_s=spec.timeout_s)
        _PREGENERATING[key] = GeneratedRun(caller, spec.identities, spec.seed,
                                           spec.max_examples, spec.operations,
                                           phases=spec.phases, case_cache=spec.case_cache)
    return _PREGENERATING[key].pregenerate(operation)


def pregeneration_spec(seed: int, max_examples: int, operations: tuple[str, ...],
                       case_cache: Path | None) -> ChildSpec | None:
    """What warm_pool needs to generate cases before the target is known (None: no store).
    The endpoint is a placeholder: nothing is sent, and cases do not depend on it."""
    if case_cache is None or not operations:
        return None
    return ChildSpec("http://127.0.0.1/", "us-east-1", AwsCredentials("unused", "unused"),
                     1.0, Identities(), seed, max_examples, operations, PHASES, case_cache)


def _case_store(directory: Path | None, seed: int, max_examples: int,
                phases: tuple[str, ...]) -> CaseStore | None:
    """The store for this run's key (None: no cache). The key covers the generated document,
    the seed, the example count, the phases, the libraries' versions and this module's and
    casestore's source (the size cap, the seed-only patch: anything that shapes cases)."""
    if directory is None:
        return None
    code = hashlib.sha256(Path(__file__).read_bytes()
                          + Path(casestore.__file__).read_bytes()).hexdigest()
    return CaseStore(Path(directory), run_key(openapi_path().read_text(), seed, max_examples,
                                              phases, code))


def _exchange(operation: str, response: Any, region: str) -> Exchange:
    request = response.request
    body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
    headers = dict(request.headers.items())
    exchange = Exchange(
        operation=operation, url=request.url, target_header=headers.get("X-Amz-Target"),
        request_headers=headers, request_body=body, signed="Authorization" in headers,
        status=response.status_code,
        headers={k.lower(): ", ".join(v) if isinstance(v, list) else v
                 for k, v in response.headers.items()},
        body=response.content, elapsed_s=response.elapsed, region=region)
    return exchange


def reveal(exchange: Exchange) -> Exchange:
    """Remember the secrets of an exchange we are about to print (so scrub() masks them)."""
    if exchange.request_json is not None:
        harvest(exchange.request_json)
    return exchange


def _check_functions() -> list[Any]:
    from schemathesis.checks import CHECKS

    return [CHECKS.get_one(c.function) for c in GENERATED_CHECKS]


CHECK_FUNCTIONS = _check_functions()
