"""`make bench` (conformance/bench.py, issue 12 part 8): its parts measure what they claim.

The bench itself takes minutes, so it is not run here; what could quietly go wrong is:
- the -k expression selecting more or fewer items than the ids both trees share;
- the raw reference sending something boto3 cannot serialize (fewer operations in the mix);
- a process a run leaves behind going unnoticed;
- goals judged the wrong way round, or a differing cases_sha256 not reported;
- the in-run probe (`-p conformance.bench`) rotting: one small real run writes its figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from _pytest.mark.expression import Expression

from conformance import bench
from conformance.bench import RunResult, Tree
from conformance.config import RunConfig
from conformance.generated.inject import create_identities
from conformance.generated.pairs import OPERATIONS
from conformance.results.runner import build_session
from conformance.targets.moto import MotoTarget

REPO = Path(__file__).resolve().parent.parent


def _matches(expression: Expression, names: list[str]) -> bool:
    lowered = [n.lower() for n in names]
    return expression.evaluate(lambda ident, **_: any(ident.lower() in n for n in lowered))


def test_keyword_selects_exactly_the_given_ids() -> None:
    # ids that are substrings of each other, across the three item kinds
    items = {"a.b": "test_check", "a.b.c": "test_check", "x.a.b": "test_check",
             "generated.SignUp.content-type": "test_generated",
             "generated.SignUp.content-type-x": "test_generated",
             "generated.SignUp.unknown-member": "test_generated_observation"}
    wanted = ["a.b", "generated.SignUp.content-type", "generated.SignUp.unknown-member"]
    expression = Expression.compile(bench.keyword_for(wanted))
    selected = [i for i, function in items.items()
                if _matches(expression, [f"{function}[{i}]", function, "conformance"])]
    assert sorted(selected) == sorted(wanted)


def test_goals_ratios_and_determinism_are_judged_the_right_way(tmp_path: Path) -> None:
    def run(label: str, wall: float, sha: str, probe: dict[str, Any] | None = None,
            leftovers: list[str] | None = None) -> RunResult:
        return RunResult(label, wall, 0, 100.0, cases_sha256={"SignUp": "s", "GetUser": sha},
                         probe=probe or {}, leftovers=leftovers or [])

    probe = {"generated": {"cases_per_s": 90.0, "cases": 900, "window_s": 10.0},
             "raw": [{"calls_per_s": 300.0}, {"calls_per_s": 200.0}],
             "handwritten": {"ms_per_call": 6.0, "server_requests": 10, "items_s": 0.06},
             "replay": {"boto3_ms_per_call": [4.0, 4.0], "caller_ms_per_call": [4.2, 4.4]},
             "generated_replay": {"calls_per_s": 150.0},
             "overhead_s": 5.0}
    cold = {**probe, "generated_replay": {"calls_per_s": 300.0}}
    runs = [run("this-prime", 60.0, "g", cold),
            run("reference", 40.0, "g"), run("this-common-cold", 30.0, "g"),
            run("this-common", 20.0, "g"),
            run("this-full", 35.0, "g", probe), run("reference", 42.0, "g", leftovers=["9 x"]),
            run("this-common-cold", 34.0, "g"),
            run("this-common", 30.0, "OTHER"), run("this-full", 37.0, "g", probe)]
    this = Tree("this", REPO, "c" * 40, ids=["a", "b", "c"])
    reference = Tree("reference", tmp_path, "d" * 40, ids=["a", "b"])
    doc = bench.assemble(this, reference, ["a", "b"], runs, 2, ([1.0], [2.0]))
    assert doc["run_time"]["ratio"] == {"value": round(25.0 / 41.0, 3), "goal": "<= 0.65",
                                        "met": True}
    assert doc["run_time"]["this_full_s"] == [30.0, 32.0]   # the probe's own time is not the run's
    assert doc["run_time"]["ratio_cold"] == {"value": round(32.0 / 41.0, 3), "goal": "<= 0.65",
                                             "met": False}
    # generated cases/s over the raw rate of the same requests (not the plain mix)
    assert doc["generated"]["ratio"] == {"value": 0.6, "goal": ">= 0.6", "met": True}
    assert doc["generated"]["cold"]["ratio"]["value"] == 0.3
    assert doc["generated"]["plain_mix"]["per_run_ratio"] == [0.36, 0.36]
    assert doc["per_call"]["ratio"] == {"value": 1.5, "goal": "<= 1.5", "met": True}
    assert doc["determinism"] == {"runs_compared": 7, "operations": 2, "differing": ["GetUser"],
                                  "met": False}
    assert doc["leftover_processes"]["met"] is True         # the reference's are reported apart
    assert doc["leftover_processes"]["reference"] == {"reference#2": ["9 x"]}
    assert doc["machine"]["nproc"] == os.cpu_count()
    assert doc["workers"]["measured"] is False and doc["workers"]["met"] is True
    assert doc["workers"]["why"].startswith("--workers removed")
    assert doc["goals"]["ci run <= 0.65x the reference, side by side"] is True
    assert doc["goals"]["same seed, same cases_sha256 for every operation"] is False
    assert doc["goals"]["--workers faster than one process (or gone)"] is True
    assert bench.summary_line(doc).startswith("bench: run time ratio 0.61 (<= 0.65: met)")


def test_the_raw_mix_has_every_generated_operation_and_boto3_sends_it(
        moto_server: MotoTarget) -> None:
    session = build_session(moto_server, RunConfig(endpoint=moto_server.endpoint),
                            expectations={})
    try:
        identities = create_identities(session.caller, session.provisioner)
        mix = bench.raw_mix(identities, OPERATIONS)
        assert [op for op, _ in mix] == list(OPERATIONS)
        client = bench.boto3_client(moto_server.endpoint, "us-east-1", "test", "test")
        unsendable = [op for op, params in mix if not bench.call_quietly(client, op, params)]
        assert not unsendable
    finally:
        session.provisioner.cleanup()


def test_a_process_left_behind_is_found_and_ended() -> None:
    script = ("import subprocess, sys\n"
              "from conformance.bench import become_subreaper, collect_leftovers\n"
              "assert become_subreaper()\n"
              "subprocess.run(['sh', '-c', 'sleep 120 & exit 0'], check=True)\n"
              "print(repr(collect_leftovers(settle_s=0.3)))\n"
              "print(repr(collect_leftovers(settle_s=0.3)))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=True)
    first, second = done.stdout.splitlines()
    assert "sleep 120" in first
    assert second == "[]"                                   # ended and reaped


def test_the_in_run_probe_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "probe.json"
    keyword = "[wire.content-type.error] or [wire.client-error.status-400] or generated.GetUser"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CC_", "PYTEST_"))}
    env.update({"PYTEST_ADDOPTS": "-p conformance.bench", bench.ENV_OUT: str(out)})
    done = subprocess.run([sys.executable, "-m", "conformance.cli", "run", "--target", "moto",
                           "--max-examples", "1", "-k", keyword, "--case-cache", "off",
                           "--report-dir", str(tmp_path / "reports")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    probe = json.loads(out.read_text())
    assert probe["items"]["handwritten"] == 2 and probe["items"]["generated"] > 0
    assert probe["handwritten"]["server_requests"] >= 2
    assert probe["handwritten"]["ms_per_call"] > 0
    assert probe["generated"]["cases"] > 0 and probe["generated"]["cases_per_s"] > 0
    assert [r["when"] for r in probe["raw"]] == ["before the first item", "after the last item"]
    assert all(r["calls_per_s"] > 0 and r["mix_operations"] == len(OPERATIONS)
               for r in probe["raw"])
    assert probe["replay"]["replayed"] >= 1 and len(probe["replay"]["boto3_ms_per_call"]) == 2
    # every generated case moto received, sent again raw
    assert probe["generated_replay"]["requests"] == probe["generated"]["cases"]
    assert probe["generated_replay"]["calls_per_s"] > 0
    assert probe["notes"] == [] and probe["overhead_s"] > 0
