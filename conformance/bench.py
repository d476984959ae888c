"""`make bench` (`python -m conformance.bench`): how fast a run is, measured side by side.

Why side by side: this machine has 2 cores shared with other work, so a duration measured
alone says little. Every figure in reports/bench.json is a ratio of two things measured in
the same bench run, alternating, repeated (`--repeat`, default 3), each median reported with
the raw numbers beside it, the machine (nproc, load average) and the commit.

What is measured (issue 12 parts 7 and 8):
1. Run time. `cognito-conformance run --target moto --profile ci` (embedded moto), each run a
   fresh process: this working tree vs a reference commit (default: the code the issue
   measured, conformance/bench_baseline.json; `--reference HEAD~1` compares with the
   previous commit, `--reference none` skips it). The reference tree is exported with
   `git archive` into a temp dir (nothing in .git is touched) and run from there with the
   same venv. Both run exactly the checks both trees have (`-k "[id] or ..."`, the
   brackets make each term match one item), so a suite that grew is not counted as slower;
   the order alternates (ref, this / this, ref / ...). This tree's full run is timed too.
   Generated cases come from a case store (conformance/generated/casestore.py) when an
   earlier run with the same key stored them, so both are measured: a cold run (an empty
   store, every case generated: `this-common-cold`) and a warm one (`this-common`, the
   store filled by a priming run before the rounds). The reference commit has no store.
2. Generated cases/s vs raw calls/s. In this tree's full run (`-p conformance.bench`, the
   in-run probe below), against the run's own moto: the generated phase's cases sent divided
   by its wall time (first generated item, or the generated run's start if earlier, to the
   last generated item; the worker processes start loading at collection's end, during the
   hand-written checks, and that loading is not in the window), against the raw rate of THE SAME REQUESTS: every request the
   generated cases sent is recorded where moto receives it, and once the last item has run
   (its pools and users still there) two raw client processes (the pool's shape) send them
   again, re-signed as boto3 would, as fast as they can. Why not a plain mix: a fuzzed case
   costs moto 2-3x what a well-formed call does (130 KB boundary strings, 500 pages with
   tracebacks), so against a plain mix the ratio measured moto, not the suite. The plain
   mix (every generated operation, required members with plain values, the run's identities
   injected as the generator does, two boto3 processes) is still measured before the first
   item and after the last and reported beside it. The priming run (cold) has the probe too:
   its ratio is the cold one.
3. Per-call overhead of hand-written checks vs raw boto3. In the same run: the hand-written
   items' time (setup + call + teardown, so pytest, reporting and Allure count: what a run
   costs) divided by the HTTP requests moto served during them; against the same requests
   (a sample of the ones the checks sent, JSON bodies) replayed through boto3 in the same
   process, one after the other, at session end (so some answers differ: the checks'
   resources are deleted by then; moto's cost per call is its request handling). The same
   sample through the suite's own Caller shows what the Caller costs alone.
4. Peak RSS: os.wait4's ru_maxrss of each run (the largest of the run's process and the
   worker processes it reaped), per run.
5. Same seed, same cases: cases_sha256 of every operation across this tree's runs (all
   seed 0, full and common selection) must be equal.
6. Nothing left running: the bench is a child subreaper, so a process a run leaves behind
   is re-parented to it; each one is listed (then killed).
The in-run probe's own time (identities, raw clients, replays) is measured and subtracted
from the full run's time. Figures are this machine's: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pluggy

hookimpl = pluggy.HookimplMarker("pytest")
ENV_OUT = "CC_BENCH_OUT"          # the in-run probe writes its figures here (JSON)
BASELINE_FILE = Path(__file__).with_name("bench_baseline.json")
REPO = Path(__file__).resolve().parent.parent
RAW_CLIENTS = 2                   # as many raw processes as the generated pool has workers
RAW_CALLS = 400                   # per raw client and measurement
REPLAY_SAMPLE = 300               # hand-written requests replayed per pass
PROFILE = "ci"
# Issue 12's goal "--workers faster than one process (or gone)": it is gone, so nothing to time.
WORKERS_GONE = {"measured": False, "met": True,
                "why": "--workers removed: 1.44-1.83x slower than one process on 2 cores "
                       "(issue 12)"}


# -- small helpers -------------------------------------------------------------------------
def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return round(numerator / denominator, 3)


def baseline() -> dict[str, Any]:
    return json.loads(BASELINE_FILE.read_text())


def keyword_for(ids: list[str]) -> str:
    """A -k expression selecting exactly these ids: pytest matches an ident as a substring
    of the item's names, and `[id]` only occurs in `test_x[id]` (brackets are ident
    characters), never in a longer id."""
    return " or ".join(f"[{i}]" for i in sorted(ids))


def git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout.strip()


# -- trees ---------------------------------------------------------------------------------
@dataclass
class Tree:
    """A source tree the CLI runs from: this working tree, or an exported commit."""

    name: str
    root: Path
    commit: str
    ids: list[str] = field(default_factory=list)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CC_", "PYTEST_")) and k != "PYTHONPATH"}
        env["PYTHONPATH"] = str(self.root)    # before the editable install's finder
        env.update(extra or {})
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "conformance.cli", *args]

    def list_ids(self) -> list[str]:
        out = subprocess.run(self.command("checks"), cwd=self.root, env=self.env(),
                             capture_output=True, text=True, check=True).stdout
        return [line.split("\t", 1)[0] for line in out.splitlines() if line.strip()]


def export_tree(rev: str, into: Path) -> Tree:
    """`git archive` of `rev` unpacked into `into` (no worktree, nothing written to .git)."""
    commit = git("rev-parse", rev)
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=REPO,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return Tree("reference", into, commit)


# -- runs ----------------------------------------------------------------------------------
@dataclass
class RunResult:
    label: str
    wall_s: float
    exit_code: int
    peak_rss_mb: float
    selected: int | None = None
    duration_s: float | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    cases_sha256: dict[str, str] = field(default_factory=dict)
    leftovers: list[str] = field(default_factory=list)
    probe: dict[str, Any] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)   # failed / error ids (first 20)
    cases_from: list[str] = field(default_factory=list)   # generated and/or cache

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "wall_s": round(self.wall_s, 2),
                "exit_code": self.exit_code, "peak_rss_mb": self.peak_rss_mb,
                "selected": self.selected, "duration_s": self.duration_s,
                "summary": {k: self.summary.get(k) for k in
                            ("passed", "failed", "expected_failures", "errors", "total")},
                "unexpected": self.unexpected, "leftovers": self.leftovers,
                "cases_from": self.cases_from}


def become_subreaper() -> bool:
    """Orphans of our runs are re-parented to this process (Linux), so we can see them."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> str:
    try:
        return (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                .decode(errors="replace").strip())[:160]
    except OSError:
        return "?"


def collect_leftovers(settle_s: float = 1.5) -> list[str]:
    """Processes re-parented to us after a run ended (its leftovers): listed, then killed
    and reaped. They are descendants of the run this bench started."""
    deadline = time.monotonic() + settle_s
    while True:
        pids = children_of(os.getpid())
        if not pids or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    described = [f"{pid} {_cmdline(pid)}" for pid in pids]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    return described


def run_cli(tree: Tree, label: str, report_dir: Path, keyword: str | None,
            probe_out: Path | None = None, timeout_s: float = 1800,
            case_cache: Path | None = None) -> RunResult:
    """One `cognito-conformance run` in a fresh process, timed; its results.json read.
    `case_cache`: this tree's case store (the reference commit has none)."""
    args = ["run", "--target", "moto", "--profile", PROFILE, "--seed", "0",
            "--report-dir", str(report_dir)]
    if case_cache is not None:
        args += ["--case-cache", str(case_cache)]
    if keyword:
        args += ["-k", keyword]
    extra = {}
    if probe_out is not None:
        extra = {"PYTEST_ADDOPTS": "-p conformance.bench", ENV_OUT: str(probe_out)}
    start = time.perf_counter()
    proc = subprocess.Popen(tree.command(*args), cwd=tree.root, env=tree.env(extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    killer = threading.Timer(timeout_s, proc.kill)
    killer.start()
    stderr = proc.stderr.read() if proc.stderr else b""   # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    killer.cancel()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    result = RunResult(label, wall, proc.returncode, round(usage.ru_maxrss / 1024, 1))
    result.leftovers = collect_leftovers()
    results_file = report_dir / "moto" / "results.json"
    if results_file.exists():
        doc = json.loads(results_file.read_text())
        result.selected = doc.get("run", {}).get("selected")
        result.duration_s = doc.get("duration_s")
        result.summary = doc.get("summary", {})
        result.unexpected = [f"{c['id']}: {c['outcome']}" for c in
                             doc.get("checks", []) + doc.get("observations", [])
                             if c.get("outcome") in ("failed", "error", "unexpected-pass")][:20]
        generated = [c["observed"] for c in doc.get("checks", [])
                     if c.get("category") == "generated" and isinstance(c.get("observed"), dict)
                     and c["observed"].get("cases_sha256")]
        result.cases_sha256 = {c["operation"]: c["observed"]["cases_sha256"]
                               for c in doc.get("checks", [])
                               if c.get("category") == "generated"
                               and isinstance(c.get("observed"), dict)
                               and c["observed"].get("cases_sha256")}
        result.cases_from = sorted({o.get("cases_from", "generated") for o in generated})
    elif proc.returncode not in (0, 1):
        tail = stderr.decode(errors="replace").strip().splitlines()[-3:]
        result.summary = {"error": " | ".join(tail)}
    if probe_out is not None and probe_out.exists():
        result.probe = json.loads(probe_out.read_text())
    return result


# -- raw boto3 reference -------------------------------------------------------------------
def _placeholder(model: Any, shape_name: str, depth: int = 0) -> Any:
    """A plain value of a shape: the first enum value, 'x', 1, {}, [] ... (required members
    only for structures)."""
    shape = model.shape(shape_name)
    kind = shape.get("type")
    if kind == "structure":
        if depth > 4:
            return {}
        return {name: _placeholder(model, shape["members"][name]["shape"], depth + 1)
                for name in shape.get("required", [])}
    if kind == "string":
        enum = shape.get("enum")
        return enum[0] if enum else "xxxxxxxx"
    if kind in ("integer", "long"):
        return max(1, int(shape.get("min", 1)))
    if kind == "boolean":
        return False
    if kind == "list":
        return []
    if kind == "map":
        return {}
    if kind == "blob":
        return b"x"
    if kind == "timestamp":
        return 0
    return None


def raw_mix(identities: Any, operations: tuple[str, ...]) -> list[tuple[str, dict[str, Any]]]:
    """One request per generated operation: required members with plain values, then the
    members the generator injects (pool, client, users, tokens) set as it sets them."""
    from conformance.generated.inject import inject, rules_for
    from conformance.spec.model import load_model

    model = load_model()
    mix = []
    for operation in operations:
        input_shape = model.input_shape(operation)
        body = _placeholder(model, input_shape) if input_shape else {}
        members = model.shape(input_shape).get("members", {}) if input_shape else {}
        for member in rules_for(operation):   # optional members the generator fills in
            if member in members and member not in body:
                kind = model.shape(members[member]["shape"]).get("type")
                if kind in ("map", "string"):
                    body[member] = {} if kind == "map" else "xxxxxxxx"
        inject(operation, body, identities)
        mix.append((operation, body))
    return mix


def boto3_client(endpoint: str, region: str, key: str, secret: str) -> Any:
    """A plain boto3 client: no client-side validation, no retries (one request per call)."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "cognito-idp", endpoint_url=endpoint, region_name=region, aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1,
                                                            "mode": "standard"}))


def call_quietly(client: Any, operation: str, params: dict[str, Any]) -> bool:
    """One boto3 call; an error answer is fine (it is still one request). False: boto3
    could not even serialize it."""
    from botocore.exceptions import ClientError, ParamValidationError

    try:
        client._make_api_call(operation, params)
    except ClientError:
        pass
    except (ParamValidationError, TypeError, ValueError, KeyError, AttributeError):
        return False
    return True


def _raw_client(endpoint: str, region: str, key: str, secret: str,
                mix: list[tuple[str, dict[str, Any]]], calls: int, ready: Any, go: Any,
                out: Any) -> None:
    """In a spawned process: warm up, wait for `go`, send `calls` requests, report time."""
    client = boto3_client(endpoint, region, key, secret)
    usable = [(op, params) for op, params in mix if call_quietly(client, op, params)]
    ready.put(len(usable))
    go.wait(60)
    start = time.perf_counter()
    for i in range(calls):
        operation, params = usable[i % len(usable)]
        call_quietly(client, operation, params)
    out.put(time.perf_counter() - start)


def in_step(target: Callable[..., None], args: list[tuple[Any, ...]],
            timeout_s: float) -> tuple[list[Any], list[float], float]:
    """One spawned process per `args`, each running `target(*args, ready, go, out)`: they
    get ready (what each put on `ready`), start together on `go`, and put their own
    seconds on `out`. (what they said when ready, their seconds, the wall time)."""
    from multiprocessing import get_context

    ctx = get_context("spawn")
    ready, go, out = ctx.Queue(), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*one, ready, go, out), daemon=True)
             for one in args]
    for proc in procs:
        proc.start()
    said = [ready.get(timeout=120) for _ in procs]
    start = time.perf_counter()
    go.set()
    elapsed = [out.get(timeout=timeout_s) for _ in procs]
    wall = time.perf_counter() - start
    for proc in procs:
        proc.join(10)
    return said, elapsed, wall


def raw_rate(endpoint: str, region: str, key: str, secret: str,
             mix: list[tuple[str, dict[str, Any]]], clients: int = RAW_CLIENTS,
             calls: int = RAW_CALLS) -> dict[str, Any]:
    """`clients` processes of boto3 calls at once against `endpoint`: calls/s together."""
    usable, elapsed, wall = in_step(
        _raw_client, [(endpoint, region, key, secret, mix, calls)] * clients, timeout_s=600)
    return {"clients": clients, "calls": calls * clients, "wall_s": round(wall, 3),
            "calls_per_s": round(calls * clients / wall, 1), "mix_operations": min(usable),
            "per_client_s": [round(e, 3) for e in elapsed]}


# -- the in-run probe (a pytest plugin: -p conformance.bench, only with CC_BENCH_OUT) -------
HANDWRITTEN, MACHINE, GENERATED = "handwritten", "machine", "generated"


def item_kind(item: Any) -> str:
    name = getattr(item, "originalname", "") or item.name
    if name.startswith("test_generated"):
        return GENERATED
    return MACHINE if "[state.machine." in item.name else HANDWRITTEN


class InRunProbe:
    """Times the items by kind, counts the requests moto serves (it runs in this process)
    and the Caller's, records a sample of the hand-written requests, and measures the raw
    references against the same server before the first item and after the last."""

    def __init__(self, config: Any, out: Path) -> None:
        self.config, self.out = config, out
        self.kind: str | None = None
        self.items: dict[str, list[float]] = {HANDWRITTEN: [], MACHINE: [], GENERATED: []}
        self.windows: dict[str, list[float]] = {}
        self.server_requests: dict[str, int] = {HANDWRITTEN: 0, MACHINE: 0, GENERATED: 0}
        self.caller_calls: dict[str, int] = {HANDWRITTEN: 0, MACHINE: 0, GENERATED: 0}
        self.recorded: list[tuple[str, bytes]] = []
        self.generated_requests: list[tuple[dict[str, str], bytes]] = []  # as moto got them
        self.generation_start: float | None = None
        self.generated_sent: dict[str, int] = {}
        self.overhead_s = 0.0
        self.in_item_overhead_s = 0.0   # probe work inside an item's protocol (not the item's)
        self.raw: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self._lock = threading.Lock()
        self._patch_caller()
        self._patch_generated()

    # -- instruments ------------------------------------------------------------------------
    def _patch_caller(self) -> None:
        from conformance.wire import Caller

        original, probe = Caller._send, self

        def counting_send(caller: Any, operation: str, target_header: str | None,
                          headers: dict[str, str], data: bytes, signed: bool) -> Any:
            kind = probe.kind
            if kind is not None:
                with probe._lock:
                    probe.caller_calls[kind] += 1
                if kind == HANDWRITTEN and target_header and target_header.endswith(
                        "." + operation) and len(probe.recorded) < 20000:
                    probe.recorded.append((operation, data))
            return original(caller, operation, target_header, headers, data, signed)

        Caller._send = counting_send  # type: ignore[method-assign]

    def _patch_generated(self) -> None:
        from conformance.generated import runner

        original_init, original_op, probe = (runner.GeneratedRun.__init__,
                                             runner.GeneratedRun.operation, self)

        def init(run: Any, *args: Any, **kwargs: Any) -> None:
            if probe.generation_start is None:
                probe.generation_start = time.perf_counter()
            original_init(run, *args, **kwargs)

        def operation(run: Any, name: str) -> Any:
            result = original_op(run, name)
            probe.generated_sent[name] = result.sent
            return result

        runner.GeneratedRun.__init__ = init  # type: ignore[method-assign]
        runner.GeneratedRun.operation = operation  # type: ignore[method-assign]

    def _count_server_requests(self, target: Any) -> None:
        """Wrap the embedded moto's WSGI app: every request it serves is counted under the
        kind of item running when it arrived."""
        server = getattr(getattr(target, "_server", None), "_server", None)
        if server is None or not hasattr(server, "app"):
            self.notes.append("moto's server not reachable: per-call uses the Caller's count")
            return
        app, probe = server.app, self

        def counting_app(environ: Any, start_response: Any) -> Any:
            kind = probe.kind
            if kind is not None:
                with probe._lock:
                    probe.server_requests[kind] += 1
            if GENERATED_HEADER in environ:
                probe._record_generated(environ)
            return app(environ, start_response)

        server.app = counting_app

    def _record_generated(self, environ: Any) -> None:
        """Keep a generated request as it arrived (its body read and put back)."""
        import io

        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        headers = {"Content-Type": environ.get("CONTENT_TYPE", "")}
        if environ.get("HTTP_X_AMZ_TARGET"):
            headers["X-Amz-Target"] = environ["HTTP_X_AMZ_TARGET"]
        if environ.get("HTTP_AUTHORIZATION"):
            headers["Authorization"] = "sign"      # re-signed by the raw client
        with self._lock:
            self.generated_requests.append((headers, body))

    # -- pytest hooks -----------------------------------------------------------------------
    @hookimpl(hookwrapper=True)
    def pytest_runtestloop(self, session: Any) -> Iterator[None]:
        from conformance.plugin import run_state

        state = run_state(self.config)
        self.target = state.target if state is not None else None
        if self.target is not None:
            self._count_server_requests(self.target)
            self._measure_raw("before the first item")
        yield
        if self.target is not None:
            self._measure_raw("after the last item")
            self._replay()
            self._cleanup()
        self._write()

    @hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: Any, nextitem: Any) -> Iterator[None]:
        """After the last item, before the session's fixtures go (the generated cases' pool
        and users still exist): the generated requests again, raw."""
        if nextitem is None and self.generated_requests and self.target is not None:
            self._replay_generated()
        yield

    @hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> Iterator[None]:
        kind = item_kind(item)
        self.kind = kind
        self.in_item_overhead_s = 0.0
        start = time.perf_counter()
        yield
        end = time.perf_counter() - self.in_item_overhead_s
        self.kind = None
        self.items[kind].append(end - start)
        window = self.windows.setdefault(kind, [start, end])
        window[0], window[1] = min(window[0], start), max(window[1], end)

    # -- reference measurements ---------------------------------------------------------------
    def _identities(self) -> Any:
        if getattr(self, "_ids", None) is None:
            from conformance.config import from_sources
            from conformance.generated.inject import create_identities
            from conformance.provision import Provisioner
            from conformance.wire import AwsCredentials, Caller

            run = from_sources({})
            key, secret, token = run.credentials()
            self.credentials = (key, secret)
            self.region = run.region
            self.caller = Caller(self.target.endpoint, run.region,
                                 AwsCredentials(key, secret, token), timeout_s=run.timeout_s)
            self.provisioner = Provisioner(self.caller)
            self._ids = create_identities(self.caller, self.provisioner)
        return self._ids

    def _measure_raw(self, when: str) -> None:
        start = time.perf_counter()
        try:
            from conformance.generated.pairs import OPERATIONS

            mix = raw_mix(self._identities(), OPERATIONS)
            result = raw_rate(self.target.endpoint, self.region, *self.credentials, mix)
            self.raw.append({"when": when, **result})
        except Exception as exc:  # noqa: BLE001 - a failed reference is reported, not fatal
            self.notes.append(f"raw rate {when}: {type(exc).__name__}: {exc}")
        self.overhead_s += time.perf_counter() - start

    def _replay_generated(self) -> None:
        start = time.perf_counter()
        kind, self.kind = self.kind, None   # its requests are not the generated phase's
        try:
            self._identities()   # credentials and region
            self.generated_replay = replay_generated(
                self.generated_requests, self.target.endpoint, self.region, self.credentials)
        except Exception as exc:  # noqa: BLE001 - a failed reference is reported, not fatal
            self.generated_replay = {}
            self.notes.append(f"generated replay: {type(exc).__name__}: {exc}")
        self.kind = kind
        spent = time.perf_counter() - start
        self.overhead_s += spent
        self.in_item_overhead_s += spent   # it ran in the last item's teardown

    def _replay(self) -> None:
        """The sampled hand-written requests through boto3 and through the Caller,
        alternating (boto3, Caller, boto3, Caller), one after the other in this process."""
        start = time.perf_counter()
        try:
            self.replay = replay(self.recorded, self.target.endpoint, self.region,
                                 self.credentials, self.caller)
        except Exception as exc:  # noqa: BLE001
            self.replay = {}
            self.notes.append(f"replay: {type(exc).__name__}: {exc}")
        self.overhead_s += time.perf_counter() - start

    def _cleanup(self) -> None:
        start = time.perf_counter()
        provisioner = getattr(self, "provisioner", None)
        if provisioner is not None:
            try:
                provisioner.cleanup()
            except Exception:  # noqa: BLE001 - the run's own cleanup is not ours to judge
                pass
        self.overhead_s += time.perf_counter() - start

    def _write(self) -> None:
        hand = self.items[HANDWRITTEN]
        served = self.server_requests[HANDWRITTEN]
        calls = served or self.caller_calls[HANDWRITTEN]
        gen_window = self.windows.get(GENERATED)
        gen_start = None
        if gen_window:
            gen_start = min(gen_window[0], self.generation_start or gen_window[0])
        sent = sum(self.generated_sent.values())
        doc = {
            "items": {k: len(v) for k, v in self.items.items()},
            "items_s": {k: round(sum(v), 3) for k, v in self.items.items()},
            "handwritten": {"items_s": round(sum(hand), 3), "server_requests": served,
                            "caller_calls": self.caller_calls[HANDWRITTEN],
                            "ms_per_call": round(1000 * sum(hand) / calls, 2) if calls else None},
            "generated": {"window_s": round(gen_window[1] - gen_start, 3) if gen_window
                          and gen_start is not None else None,
                          "cases": sent, "operations": len(self.generated_sent),
                          "server_requests": self.server_requests[GENERATED]},
            "raw": self.raw, "replay": getattr(self, "replay", {}),
            "generated_replay": getattr(self, "generated_replay", {}),
            "generated_recorded": len(self.generated_requests),
            "overhead_s": round(self.overhead_s, 3), "notes": self.notes,
        }
        window = doc["generated"]["window_s"]
        doc["generated"]["cases_per_s"] = round(sent / window, 1) if window else None
        self.out.write_text(json.dumps(doc, indent=2))


GENERATED_HEADER = "HTTP_X_SCHEMATHESIS_TESTCASEID"   # every generated case carries it


def _generated_client(endpoint: str, region: str, key: str, secret: str, path: str,
                      index: int, clients: int, ready: Any, go: Any, out: Any) -> None:
    """In a spawned process: its share of the recorded generated requests, sent as a raw
    client would (a requests session, SigV4 by botocore where the case was signed)."""
    import pickle

    import requests as http
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    share = pickle.loads(Path(path).read_bytes())[index::clients]
    session = http.Session()
    session.trust_env = False
    creds = Credentials(key, secret)

    def send(headers: dict[str, str], body: bytes) -> None:
        if headers.get("Authorization"):
            headers = {k: v for k, v in headers.items() if k != "Authorization"}
            request = AWSRequest(method="POST", url=endpoint, data=body, headers=headers)
            SigV4Auth(creds, "cognito-idp", region).add_auth(request)
            headers = dict(request.headers.items())
        session.post(endpoint, data=body, headers=headers, timeout=60)

    ready.put(len(share))
    go.wait(60)
    start = time.perf_counter()
    for headers, body in share:
        send(headers, body)
    out.put(time.perf_counter() - start)


def replay_generated(recorded: list[tuple[dict[str, str], bytes]], endpoint: str,
                     region: str, credentials: tuple[str, str],
                     clients: int = RAW_CLIENTS) -> dict[str, Any]:
    """The run's generated requests once more, by `clients` raw processes at once: the
    rate the target serves exactly these requests at."""
    import pickle

    with tempfile.NamedTemporaryFile(prefix="cc-bench-gen-", delete=False) as handle:
        handle.write(pickle.dumps(recorded))
    try:
        shares, elapsed, wall = in_step(
            _generated_client, [(endpoint.rstrip("/") + "/", region, *credentials, handle.name,
                                 i, clients) for i in range(clients)], timeout_s=1200)
    finally:
        os.unlink(handle.name)
    sent = sum(shares)
    return {"clients": clients, "requests": sent, "wall_s": round(wall, 3),
            "calls_per_s": round(sent / wall, 1) if wall else None,
            "bytes": sum(len(body) for _, body in recorded),
            "per_client_s": [round(e, 3) for e in elapsed]}


def replay(recorded: list[tuple[str, bytes]], endpoint: str, region: str,
           credentials: tuple[str, str], caller: Any, sample: int = REPLAY_SAMPLE,
           passes: int = 2) -> dict[str, Any]:
    from conformance.spec.model import load_model

    model = load_model()
    requests = []
    for operation, data in recorded:
        try:
            body = json.loads(data)
        except ValueError:
            continue
        if isinstance(body, dict) and operation in model.operations:
            requests.append((operation, body))
    if not requests:
        return {"requests": 0}
    step = max(1, len(requests) // sample)
    picked = requests[::step][:sample]
    client = boto3_client(endpoint, region, *credentials)
    usable = [(op, body) for op, body in picked if call_quietly(client, op, body)]  # warm-up
    timings: dict[str, list[float]] = {"boto3": [], "caller": []}
    runners: dict[str, Callable[[str, dict[str, Any]], Any]] = {
        "boto3": lambda op, body: call_quietly(client, op, body),
        "caller": lambda op, body: caller.call(op, body)}
    for _ in range(passes):
        for name in ("boto3", "caller"):
            start = time.perf_counter()
            for operation, body in usable:
                runners[name](operation, body)
            timings[name].append(1000 * (time.perf_counter() - start) / len(usable))
    return {"requests": len(requests), "replayed": len(usable),
            "boto3_ms_per_call": [round(t, 3) for t in timings["boto3"]],
            "caller_ms_per_call": [round(t, 3) for t in timings["caller"]]}


def pytest_configure(config: Any) -> None:
    """Registered by `-p conformance.bench`: the probe runs only in a bench's run (its
    output file named by CC_BENCH_OUT)."""
    out = os.environ.get(ENV_OUT)
    if not out:
        return
    config.pluginmanager.register(InRunProbe(config, Path(out)), "cc_bench_probe")


# -- the bench -----------------------------------------------------------------------------
def goal(value: float | None, limit: float, at_most: bool) -> dict[str, Any]:
    met = None if value is None else (value <= limit if at_most else value >= limit)
    return {"value": value, "goal": f"{'<=' if at_most else '>='} {limit}", "met": met}


def assemble(this: Tree, reference: Tree | None, common: list[str], runs: list[RunResult],
             repeat: int, load: tuple[list[float], list[float]]) -> dict[str, Any]:
    goals = baseline()["goals"]
    by_label: dict[str, list[RunResult]] = {}
    for run in runs:
        by_label.setdefault(run.label, []).append(run)
    ref_runs, this_runs = by_label.get("reference", []), by_label.get("this-common", [])
    cold_runs = by_label.get("this-common-cold", [])
    full = by_label.get("this-full", [])
    prime = by_label.get("this-prime", [])
    ref_s = [r.wall_s for r in ref_runs]
    this_s = [r.wall_s for r in this_runs]
    cold_s = [r.wall_s for r in cold_runs]
    full_s = [r.wall_s - r.probe.get("overhead_s", 0.0) for r in full]
    run_ratio = ratio(median(this_s), median(ref_s)) if reference else None
    cold_ratio = ratio(median(cold_s), median(ref_s)) if reference and cold_s else None

    probes = [r.probe for r in full if r.probe]
    cold_probes = [r.probe for r in prime if r.probe]
    gen_rates = [p["generated"].get("cases_per_s") for p in probes]
    raw_rates = [raw["calls_per_s"] for p in probes for raw in p.get("raw", [])]
    replay_rates = [p.get("generated_replay", {}).get("calls_per_s") for p in probes]
    per_run_gen_ratio = [generated_ratio(p) for p in probes]
    per_run_plain_ratio = [ratio(p["generated"].get("cases_per_s"),
                                 median([raw["calls_per_s"] for raw in p.get("raw", [])]))
                           for p in probes]
    hand_ms = [p["handwritten"].get("ms_per_call") for p in probes]
    boto3_ms = [t for p in probes for t in p.get("replay", {}).get("boto3_ms_per_call", [])]
    caller_ms = [t for p in probes for t in p.get("replay", {}).get("caller_ms_per_call", [])]

    shas: dict[str, set[str]] = {}
    for run in full + this_runs + cold_runs + prime:
        for operation, sha in run.cases_sha256.items():
            shas.setdefault(operation, set()).add(sha)
    differing = sorted(op for op, values in shas.items() if len(values) > 1)
    leftovers = {r.label + f"#{i}": r.leftovers
                 for label, group in by_label.items() for i, r in enumerate(group, 1)
                 if r.leftovers}
    this_leftovers = {k: v for k, v in leftovers.items() if not k.startswith("reference")}

    doc: dict[str, Any] = {
        "schema": 1,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"nproc": os.cpu_count(), "load_average_start": load[0],
                    "load_average_end": load[1], "python": platform.python_version(),
                    "platform": platform.platform()},
        "commit": {"this": this.commit, "dirty": bool(git("status", "--porcelain",
                                                          "--untracked-files=no")),
                   "reference": reference.commit if reference else None},
        "method": "side by side in one bench run, alternating, medians of --repeat; see "
                  "conformance/bench.py's docstring",
        "repeat": repeat,
        "run_time": {
            "profile": PROFILE, "target": "moto (embedded)",
            "selection": {"common_ids": len(common), "reference_ids": len(reference.ids)
                          if reference else None, "this_ids": len(this.ids),
                          "selected": {"reference": [r.selected for r in ref_runs],
                                       "this": [r.selected for r in this_runs]}},
            "reference_s": [round(s, 2) for s in ref_s], "this_s": [round(s, 2) for s in this_s],
            "median_reference_s": median(ref_s), "median_this_s": median(this_s),
            "ratio": goal(run_ratio, goals["run_time_ratio_max"], at_most=True),
            "cases_from": {"this-common": sorted({c for r in this_runs for c in r.cases_from}),
                           "this-common-cold": sorted({c for r in cold_runs
                                                       for c in r.cases_from})},
            "cold_s": [round(s, 2) for s in cold_s], "median_cold_s": median(cold_s),
            "ratio_cold": goal(cold_ratio, goals["run_time_ratio_max"], at_most=True),
            "this_full_s": [round(s, 2) for s in full_s], "median_this_full_s": median(full_s),
            "issue_baseline_s": baseline()["issue_figures"]["ci_run_s"],
            "exit_codes": {label: [r.exit_code for r in group]
                           for label, group in by_label.items()},
        },
        "generated": {
            "reference": "the run's own generated requests sent again by 2 raw processes",
            "cases_per_s": gen_rates, "raw_replay_calls_per_s": replay_rates,
            "median_cases_per_s": median(gen_rates),
            "median_raw_replay_calls_per_s": median(replay_rates),
            "per_run_ratio": per_run_gen_ratio,
            "ratio": goal(median(per_run_gen_ratio), goals["generated_vs_raw_min"],
                          at_most=False),
            "cold": {"cases_per_s": [p["generated"].get("cases_per_s") for p in cold_probes],
                     "raw_replay_calls_per_s": [p.get("generated_replay", {})
                                                .get("calls_per_s") for p in cold_probes],
                     "ratio": goal(median([generated_ratio(p) for p in cold_probes]),
                                   goals["generated_vs_raw_min"], at_most=False)},
            "plain_mix": {"raw_calls_per_s": raw_rates,
                          "median_raw_calls_per_s": median(raw_rates),
                          "per_run_ratio": per_run_plain_ratio},
            "cases": [p["generated"].get("cases") for p in probes],
            "window_s": [p["generated"].get("window_s") for p in probes],
        },
        "per_call": {
            "handwritten_ms": hand_ms, "boto3_ms": boto3_ms, "caller_ms": caller_ms,
            "median_handwritten_ms": median(hand_ms), "median_boto3_ms": median(boto3_ms),
            "median_caller_ms": median(caller_ms),
            "ratio": goal(ratio(median(hand_ms), median(boto3_ms)), goals["per_call_ratio_max"],
                          at_most=True),
            "caller_vs_boto3": ratio(median(caller_ms), median(boto3_ms)),
            "handwritten_requests": [p["handwritten"].get("server_requests") for p in probes],
            "handwritten_items_s": [p["handwritten"].get("items_s") for p in probes],
        },
        "peak_rss_mb": {label: [r.peak_rss_mb for r in group]
                        for label, group in by_label.items()},
        "determinism": {"runs_compared": len(full + this_runs + cold_runs + prime),
                        "operations": len(shas),
                        "differing": differing, "met": not differing if shas else None},
        "leftover_processes": {"this": this_leftovers, "reference": {
            k: v for k, v in leftovers.items() if k.startswith("reference")},
            "met": not this_leftovers},
        "probe_notes": sorted({n for p in probes for n in p.get("notes", [])}),
        "workers": dict(WORKERS_GONE),
        "runs": [r.to_json() for r in runs],
    }
    doc["goals"] = {
        "ci run <= 0.65x the reference, side by side": doc["run_time"]["ratio"]["met"],
        "... the same with every case generated (empty store)":
            doc["run_time"]["ratio_cold"]["met"],
        "generated phase >= 0.6x the raw request rate": doc["generated"]["ratio"]["met"],
        "... the same with every case generated (empty store)":
            doc["generated"]["cold"]["ratio"]["met"],
        "hand-written checks <= 1.5x raw boto3 per call": doc["per_call"]["ratio"]["met"],
        "same seed, same cases_sha256 for every operation": doc["determinism"]["met"],
        "no process left at exit": doc["leftover_processes"]["met"],
        "--workers faster than one process (or gone)": doc["workers"]["met"],
        "nightly fails nothing the ci profile passes": None,   # not measured here: ~15 min
    }
    return doc


def generated_ratio(probe: dict[str, Any]) -> float | None:
    """A run's generated cases/s over the raw rate of the same requests."""
    return ratio(probe.get("generated", {}).get("cases_per_s"),
                 probe.get("generated_replay", {}).get("calls_per_s"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.bench",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument("--reference", default=None,
                        help="commit to compare with (default: bench_baseline.json's; "
                        "HEAD~1 = the previous commit; none = no comparison)")
    parser.add_argument("--out", default="reports/bench.json")
    parser.add_argument("-k", dest="keyword", default=None,
                        help="only these checks (a smoke test of the bench itself)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    become_subreaper()
    load_start = [round(x, 2) for x in os.getloadavg()]
    scratch = Path(tempfile.mkdtemp(prefix="cc-bench-"))
    try:
        this = Tree("this", REPO, git("rev-parse", "HEAD"))
        this.ids = this.list_ids()
        rev = args.reference or baseline()["reference_commit"]
        reference = None if rev.lower() == "none" else export_tree(rev, scratch / "reference")
        if reference is not None:
            reference.ids = reference.list_ids()
        common = sorted(set(this.ids) & set(reference.ids)) if reference else this.ids
        keyword = args.keyword or keyword_for(common)
        runs: list[RunResult] = []
        warm = scratch / "cases-warm"   # filled by the priming run, then only read

        def one(label: str, round_no: int) -> None:
            tree = reference if label == "reference" else this
            out = scratch / f"{label}-{round_no}"
            full_run = label in ("this-full", "this-prime")
            cache = None if label == "reference" else (
                scratch / f"cases-cold-{round_no}" if label == "this-common-cold" else warm)
            out.mkdir(parents=True)
            run = run_cli(tree, label, out / "reports",  # type: ignore[arg-type]
                          None if full_run and not args.keyword else keyword,
                          probe_out=out / "probe.json" if full_run else None,
                          case_cache=cache)
            runs.append(run)
            print(f"bench: round {round_no}/{args.repeat} {label}: {run.wall_s:.1f} s "
                  f"(exit {run.exit_code}, {run.selected} selected, cases from "
                  f"{'+'.join(run.cases_from) or '-'}, peak RSS {run.peak_rss_mb} MB)",
                  file=sys.stderr)

        one("this-prime", 0)           # cold full run; fills the warm store
        for round_no in range(1, args.repeat + 1):
            order = ["reference", "this-common-cold", "this-common"]
            if round_no % 2 == 0:
                order.reverse()
            if reference is None:
                order.remove("reference")
            for label in order + ["this-full"]:
                one(label, round_no)
        load_end = [round(x, 2) for x in os.getloadavg()]
        doc = assemble(this, reference, common, runs, args.repeat, (load_start, load_end))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(doc, indent=2) + "\n")
    print(summary_line(doc), file=sys.stderr)
    print(f"wrote {out_path}", file=sys.stderr)
    return 0


def summary_line(doc: dict[str, Any]) -> str:
    def show(name: str, entry: dict[str, Any]) -> str:
        met = {True: "met", False: "NOT met", None: "n/a"}[entry["met"]]
        return f"{name} {entry['value']} ({entry['goal']}: {met})"

    return "bench: " + "; ".join([
        show("run time ratio", doc["run_time"]["ratio"]),
        show("cold", doc["run_time"]["ratio_cold"]),
        show("generated/raw", doc["generated"]["ratio"]),
        show("cold", doc["generated"]["cold"]["ratio"]),
        show("per-call ratio", doc["per_call"]["ratio"]),
        f"same cases: {'yes' if doc['determinism']['met'] else 'NO'}",
        "--workers: removed",
        f"leftovers: {'none' if doc['leftover_processes']['met'] else 'SOME'}"])


if __name__ == "__main__":
    sys.exit(main())
