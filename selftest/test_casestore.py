"""The case store (conformance/generated/casestore.py): replayed cases are the generated ones.

A replay must be indistinguishable from generating again: same cases_sha256, same cases
sent, same answers, same verdicts of every check on every operation. Runs here go against
the self-tests' moto, each with its own pool and users (one run's deletions must not change
another's answers), with a few examples and every phase (the coverage phase's probes carry
the most metadata).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from conformance.config import RunConfig
from conformance.generated import casestore
from conformance.generated.inject import create_identities
from conformance.generated.runner import GeneratedRun, OperationRun, pregeneration_spec
from conformance.results.runner import build_session
from conformance.targets.moto import MotoTarget
from conformance.wire import Caller

OPERATIONS = ("SignUp", "ListUsers", "GetUser", "RespondToAuthChallenge")
FEW = 2


def _summary(run: OperationRun) -> dict[str, Any]:
    """Everything a result is made of, but where the cases came from and the timings."""
    return {"digest": run.digest, "sent": run.sent, "statuses": run.statuses,
            "error": run.error, "split": (run.positive, run.negative, run.probes),
            "classes": run.negative_classes,
            "tallies": {k: (t.judged, t.failures, sorted(t.kinds), t.first_message)
                        for k, t in run.tallies.items()},
            "lenient": {k: (a.cases, a.answers) for k, a in run.lenient.items()}}


def _run(moto_server: MotoTarget, cache: Path | None, seed: int = 0,
         operations: tuple[str, ...] = OPERATIONS) -> dict[str, OperationRun]:
    config = RunConfig(endpoint=moto_server.endpoint)
    session = build_session(moto_server, config, expectations={})
    try:
        identities = create_identities(session.caller, session.provisioner)
        run = GeneratedRun(session.caller, identities, seed=seed, max_examples=FEW,
                           operations=operations, case_cache=cache)
        try:
            return {op: run.operation(op) for op in operations}
        finally:
            run.close()
    finally:
        session.provisioner.cleanup()


@pytest.fixture(scope="module")
def three_runs(moto_server: MotoTarget, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[tuple[Path, dict[str, OperationRun], ...]]:
    cache = tmp_path_factory.mktemp("cases")
    stored = _run(moto_server, cache)       # generates and stores
    generated = _run(moto_server, None)     # generates again, no store
    replayed = _run(moto_server, cache)     # replays
    yield cache, stored, generated, replayed


def test_a_replay_gives_what_generating_again_gives(three_runs: Any) -> None:
    _, stored, generated, replayed = three_runs
    assert {r.cases_from for r in stored.values()} == {"generated"}
    assert {r.cases_from for r in replayed.values()} == {"cache"}
    for op in OPERATIONS:
        assert stored[op].sent > 0 and stored[op].error is None, op
        assert _summary(replayed[op]) == _summary(generated[op]), op
        assert _summary(stored[op]) == _summary(generated[op]), op


def test_cases_generated_before_the_target_is_asked_are_the_same(
        three_runs: Any, moto_server: MotoTarget, tmp_path: Path) -> None:
    """GeneratedRun.pregenerate (the warm workers, during the hand-written checks): the
    cases it stores, sending nothing to a placeholder endpoint with no identities, replay
    to the same digest, cases, answers and verdicts as generating them during the run."""
    generated = three_runs[2]
    spec = pregeneration_spec(0, FEW, OPERATIONS, tmp_path)
    assert spec is not None
    nowhere = Caller(spec.endpoint, spec.region, spec.credentials, timeout_s=0.1)
    run = GeneratedRun(nowhere, spec.identities, seed=0, max_examples=FEW,
                       operations=OPERATIONS, case_cache=tmp_path)
    try:
        assert all(run.pregenerate(op) for op in OPERATIONS)
        assert not run.pregenerate(OPERATIONS[0])            # stored already: nothing to do
        assert not run.results                                # nothing was run
    finally:
        run.close()
    replayed = _run(moto_server, tmp_path)
    for op in OPERATIONS:
        assert replayed[op].cases_from == "cache", op
        assert _summary(replayed[op]) == _summary(generated[op]), op
    assert pregeneration_spec(0, FEW, OPERATIONS, None) is None   # no store: no pregeneration


def test_a_store_is_named_by_everything_cases_depend_on(three_runs: Any,
                                                        moto_server: MotoTarget) -> None:
    cache = three_runs[0]
    keys = {p.parent.name for p in cache.rglob("*.cases")}
    assert len(keys) == 1
    other = _run(moto_server, cache, seed=1, operations=("SignUp",))
    assert other["SignUp"].cases_from == "generated"           # another seed, another key
    assert len({p.parent.name for p in cache.rglob("*.cases")}) == 2


def test_an_unreadable_store_is_generated_again(moto_server: MotoTarget, tmp_path: Path
                                                ) -> None:
    first = _run(moto_server, tmp_path, operations=("GetUser",))["GetUser"]
    (path,) = tmp_path.rglob("GetUser.cases")
    path.write_bytes(b"not a case store")
    again = _run(moto_server, tmp_path, operations=("GetUser",))["GetUser"]
    assert again.cases_from == "generated" and again.digest == first.digest
    assert _run(moto_server, tmp_path, operations=("GetUser",))["GetUser"].cases_from == "cache"


def test_an_operation_that_failed_is_not_stored(moto_server: MotoTarget, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"n": 0}
    original = GeneratedRun._one_case

    def flaky(self: GeneratedRun, case: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the target went away")
        original(self, case)

    monkeypatch.setattr(GeneratedRun, "_one_case", flaky)
    run = _run(moto_server, tmp_path, operations=("GetUser",))["GetUser"]
    assert run.error and "went away" in run.error
    assert not list(tmp_path.rglob("*.cases"))


def test_the_default_store_is_the_users_cache(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert casestore.default_dir() == tmp_path / "cognito-conformance" / "cases"


def test_a_run_keeps_only_the_most_recently_used_keys(tmp_path: Path) -> None:
    """Every change to the generation code or the document is a new key (~1 MB): without a
    prune the store grows by one folder per commit. Only the KEEP_KEYS folders used last
    stay, never the current one, and nothing not named like a key is touched; a load marks
    its folder used (an old key replayed today outlives newer unused ones)."""
    import os

    keys = [f"{i:032x}" for i in range(casestore.KEEP_KEYS + 3)]
    for age, key in enumerate(keys):  # keys[0] the newest
        folder = tmp_path / key
        folder.mkdir()
        (folder / "SignUp.cases").write_bytes(b"x")
        os.utime(folder, (1e9 - age * 60, 1e9 - age * 60))
    (tmp_path / "notes").mkdir()
    oldest, replayed = keys[-1], keys[-2]
    store = casestore.CaseStore(tmp_path, replayed)
    store.save("GetUser", [("record",)])
    assert store.load("GetUser") == [("record",)]   # used now: the newest
    removed = casestore.prune(tmp_path, current=oldest)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert sorted(removed) == sorted(keys[casestore.KEEP_KEYS - 1:-2])
    assert replayed in left and oldest in left and "notes" in left
    assert len(left) == casestore.KEEP_KEYS + 2   # the kept, the current one, notes
