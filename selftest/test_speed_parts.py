"""Issue 12, part 7: speed without losing anything.

Secret masking (conformance/exchange.py): adding a secret must be cheap, and scrubbing must
still mask every written form of every secret, longest first, exactly as one longest-first
alternation of all forms does (the reference below).

Same seed, same cases (conformance/generated/runner.py): two generated runs with the same
seed send the same cases for every operation, whichever process generates them (a spawned
worker that imported little, or this self-test process that imported every module), so
results.json's cases_sha256 is equal between runs.

No worker outlives its run: close() stops the pool, and a pool nobody closed is stopped
when the process exits.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import re
import subprocess
import sys
import textwrap
import time
from typing import Iterator

import pytest

from conformance.config import RunConfig
from conformance.exchange import MASK, _Chunk, _SecretRegistry, _written_forms
from conformance.generated.inject import Identities, create_identities
from conformance.generated.pairs import GENERATED_CHECKS, OPERATIONS
from conformance.generated.results import result_for
from conformance.generated.runner import GeneratedRun
from conformance.results.runner import CheckSession, build_session
from conformance.targets.moto import MotoTarget


def _reference_pattern(values: list[str]) -> re.Pattern[str]:
    """The original masking: one alternation of every written form, longest first."""
    forms = sorted({f for v in values for f in _written_forms(v)}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, forms)))


def _reference(values: list[str], text: str) -> str:
    return _reference_pattern(values).sub(MASK, text)


def _secrets(rng: random.Random, n: int) -> list[str]:
    alphabet = "abcdef012345+/=-_.\"'\\\n\té€😀"
    out = []
    for i in range(n):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(4, 40)))
        if i % 7 == 3 and out:   # prefixes, extensions and overlaps of earlier secrets
            base = rng.choice(out)
            value = rng.choice([base[:max(4, len(base) // 2)], base + value[:5],
                                base[2:] + value[:4]])
        out.append(value)
    return out


def test_scrub_masks_every_form_of_every_secret_after_many_additions() -> None:
    rng = random.Random(12)
    registry = _SecretRegistry()
    values = _secrets(rng, 700)
    added: list[str] = []
    for i, value in enumerate(values):
        registry.add(value)
        if len(value) >= 4 and value not in added:
            added.append(value)
        if i % 37 == 0 or i == len(values) - 1:   # scrub in between: chunks of every size
            pieces = [rng.choice(_written_forms(rng.choice(added))) for _ in range(30)]
            text = " | ".join(p + rng.choice(["", "x", "é", "ab"]) for p in pieces)
            text += "".join(pieces[:5])           # adjacent secrets, no separator
            assert registry.scrub(text) == _reference(added, text)
    reference = _reference_pattern(added)
    for value in added:                           # every form alone is fully masked
        for form in _written_forms(value):
            scrubbed = registry.scrub(f"<{form}>")
            assert form not in scrubbed and scrubbed == reference.sub(MASK, f"<{form}>")
    assert len(registry._patterns) <= 11          # O(log n) chunks


def test_a_long_text_of_dense_overlaps_is_searched_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A generated body of long runs of "a" against remembered generated passwords "aaaa",
    "aaaaa", ... held in several chunks: merging the chunks' matches searched a chunk again
    after every overlap, to the end of the text (seconds per scrub, 30 s of a ci run). A text
    of WHOLE_AT characters or more is searched by one automaton, once; same masking."""
    searches: list[int] = []
    original = _Chunk.matches

    def counted(chunk: _Chunk, text: str, pos: int = 0) -> list[tuple[int, int]]:
        searches.append(len(text) - pos)
        return original(chunk, text, pos)

    monkeypatch.setattr(_Chunk, "matches", counted)
    registry = _SecretRegistry()
    values = ["a" * n for n in (4, 5, 7, 11, 2_000)] + ["aab" + "a" * 9, "ba" * 3]
    for value in values:              # a scrub after each: 7 values, chunks of 4, 2 and 1
        registry.add(value)
        registry.scrub("x")
    assert len(registry._patterns) > 1
    text = ("a" * 9_000 + "b" + "a" * 6 + "ba" * 5 + "aab" + "a" * 20) * 2
    searches.clear()
    assert registry.scrub(text) == _reference(values, text)
    assert len(searches) == 1, len(searches)
    short = "a" * 23 + "b" + "aab" + "a" * 12            # below WHOLE_AT: chunks merged
    assert registry.scrub(short) == _reference(values, short)


def test_adding_two_thousand_secrets_stays_cheap() -> None:
    """2,000 additions, each followed by a scrub (the pattern of a run), cost a small multiple
    of ONE compile of the full pattern; the original recompiled the full pattern on every
    addition (~1,000 full compiles' worth). Relative bound, measured in this test."""
    rng = random.Random(7)
    values = ["".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                      for _ in range(rng.randint(16, 48))) for _ in range(2000)]
    text = "an ordinary log line with no secret in it, long enough to matter " * 4
    start = time.perf_counter()
    _reference(values, text)
    baseline = time.perf_counter() - start        # one full compile + one scrub
    registry = _SecretRegistry()
    start = time.perf_counter()
    for value in values:
        registry.add(value)
        registry.scrub(text)
    incremental = time.perf_counter() - start
    assert registry.scrub(text + values[1234]) == text + MASK
    assert incremental < 40 * baseline, (incremental, baseline)


# -- same seed, same cases -------------------------------------------------------------------
# The coverage phase (boundaries enumerated, no random draws) is most of a run's cases and
# most of its time; the draws that went astray were Hypothesis' (fuzzing), so the runs here
# keep the phases that draw. `make bench` compares every phase's cases_sha256 across runs.
DRAWING_PHASES = ("examples", "fuzzing")
FEW = 5


@pytest.fixture(scope="module")
def direct_session(moto_server: MotoTarget) -> Iterator[CheckSession]:
    session = build_session(moto_server, RunConfig(endpoint=moto_server.endpoint),
                            expectations={})
    yield session
    session.provisioner.cleanup()


@pytest.fixture(scope="module")
def direct_identities(direct_session: CheckSession) -> Identities:
    return create_identities(direct_session.caller, direct_session.provisioner)


def _sha256s(session: CheckSession, identities: Identities, seed: int, processes: int,
             operations: tuple[str, ...] = OPERATIONS) -> dict[str, str]:
    """cases_sha256 per operation, as results.json writes it."""
    run = GeneratedRun(session.caller, identities, seed=seed, max_examples=FEW,
                       operations=operations, processes=processes, phases=DRAWING_PHASES)
    try:
        return {op: str(result_for(run.operation(op), GENERATED_CHECKS[0])
                        .observed["cases_sha256"]) for op in operations}
    finally:
        run.close()


def test_two_runs_with_the_same_seed_write_the_same_cases_sha256_for_every_operation(
        direct_session: CheckSession, direct_identities: Identities) -> None:
    # This process has imported every module of the suite (and the self-tests); the pool's
    # spawned workers only what the runner needs, with another hash seed. Hypothesis used to
    # draw literals from whatever local modules were loaded: 23 of 26 operations differed.
    import conformance.checks  # noqa: F401
    import conformance.cli  # noqa: F401
    import conformance.plugin  # noqa: F401

    in_workers = _sha256s(direct_session, direct_identities, seed=0, processes=2)
    in_process = _sha256s(direct_session, direct_identities, seed=0, processes=0)
    assert all(len(v) == 64 for v in in_workers.values()), in_workers
    differing = sorted(op for op in OPERATIONS if in_workers[op] != in_process[op])
    assert not differing, f"same seed, other cases for {differing}"
    other_seed = _sha256s(direct_session, direct_identities, seed=1, processes=0,
                          operations=("SignUp",))
    assert other_seed["SignUp"] != in_process["SignUp"]   # the fingerprint does see the seed


# -- no worker outlives its run --------------------------------------------------------------
def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_close_stops_every_worker(direct_session: CheckSession,
                                  direct_identities: Identities) -> None:
    run = GeneratedRun(direct_session.caller, direct_identities, seed=0, max_examples=1,
                       operations=("GetUser", "SignUp", "AdminCreateUser"), processes=2,
                       phases=("fuzzing",))
    assert run.operation("GetUser").sent > 0           # the others still pending or running
    pids = [p.pid for p in (run.pool.executor._processes or {}).values()]  # type: ignore
    assert pids
    run.close()
    assert not [pid for pid in pids if _alive(pid)]
    assert not [c for c in multiprocessing.active_children() if c.pid in pids]


def test_a_pool_nobody_closed_is_stopped_at_exit(moto_server: MotoTarget) -> None:
    script = textwrap.dedent(f"""
        from conformance.config import RunConfig
        from conformance.generated.inject import create_identities
        from conformance.generated.runner import GeneratedRun
        from conformance.results.runner import build_session
        from conformance.targets.moto import MotoTarget

        if __name__ == "__main__":
            config = RunConfig(endpoint={moto_server.endpoint!r})
            session = build_session(MotoTarget(config), config, expectations={{}})
            ids = create_identities(session.caller, session.provisioner)
            run = GeneratedRun(session.caller, ids, seed=0, max_examples=1,
                               operations=("GetUser", "SignUp"), processes=2,
                               phases=("fuzzing",))
            run.operation("GetUser")
            print(*[p.pid for p in run.pool.executor._processes.values()], flush=True)
            # exits without close()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONHASHSEED": "7"})
    assert done.returncode == 0, done.stderr[-2000:]
    pids = [int(p) for p in done.stdout.split()]
    assert pids
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if _alive(pid)]


# -- cheap per-run and per-case costs ---------------------------------------------------------
def test_the_run_does_not_rewrite_asserts() -> None:
    """Verdicts never rest on a bare assert; rewriting cost ~3 s of every run."""
    from pathlib import Path

    from conformance.cli import _pytest_args

    assert "--assert=plain" in _pytest_args(RunConfig(), Path("out"), verbose=False)


def test_the_callers_session_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    from conformance.wire import session_for

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/some/bundle.pem")
    local = session_for("http://127.0.0.1:5000")
    assert local.trust_env is False and "https" not in local.proxies
    remote = session_for("https://cognito-idp.us-east-1.amazonaws.com")
    assert remote.proxies["https"] == "http://proxy.invalid:3128"   # as requests would use
    assert remote.verify == "/some/bundle.pem"
