"""Failure signatures: a known deviation never hides a new one.

The end-to-end tests run the real CLI against moto behind the fault proxy, with the SHIPPED
moto expectations, and change how moto fails a listed check: the run must turn red with
"changed failure". moto runs out of process here (its state is process-global, and the
CLI's probe resets it), so these tests never disturb the shared fault-proxy moto.

The unit tests pin the parts: signatures are built from status, `__type` and the deviating
aspects; values are made run-independent; generated pairs compare kinds as a subset.
"""

from __future__ import annotations

import json
import tomllib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from conformance import signature
from conformance.checks.assertions import expect_error
from conformance.checks.registry import Failure
from conformance.exchange import Exchange
from conformance.results.expectations import Expectation, apply
from conformance.results.outcome import EXPECTED_FAILURE, FAILED, CheckResult
from conformance.targets.base import free_port
from conformance.targets.process import ManagedProcess
from selftest import faultproxy as fp

DUPLICATE = "signup.duplicate-username"
LISTED_DUPLICATES = ("signup.duplicate-username.status",
                     "signup.duplicate-username.confirmed.status",
                     "signup.duplicate-username.prevent-existence.status")


# -- moto out of process, the fault proxy in front -------------------------------------------
@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[fp.FaultProxy]:
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    moto = ManagedProcess("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                   "-p", str(port)], port, log)
    moto.start()
    faults = fp.FaultProxy(f"http://127.0.0.1:{port}")
    faults.endpoint = faults.start()  # type: ignore[attr-defined]
    yield faults
    faults.stop()
    moto.stop()


def run_through(proxy: fp.FaultProxy, tmp_path: Path, keyword: str,
                faults: list[fp.Fault]) -> tuple[int, dict[str, dict], str]:
    """The CLI against the proxy with these faults; (exit code, results by id, stderr)."""
    proxy.faults = list(faults)
    proxy.hits = 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CC_", "AWS_"))}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "conformance.cli", "run", "--target", "moto", "--endpoint",
             proxy.endpoint, "-k", keyword, "--report-dir", str(tmp_path),  # type: ignore
             "--profile", "dev"], env=env, capture_output=True, text=True, timeout=240)
    finally:
        proxy.faults = []
    doc = json.loads((tmp_path / "moto" / "results.json").read_text())
    return done.returncode, {c["id"]: c for c in doc["checks"]}, done.stdout + done.stderr


def answer_200() -> fp.Mutation:
    return fp.success({"UserConfirmed": False, "UserSub": str(uuid.uuid4())})


def test_listed_deviation_still_expected_without_a_fault(proxy: fp.FaultProxy,
                                                         tmp_path: Path) -> None:
    """The control: moto's own message deviation is known, so the run is green."""
    code, checks, out = run_through(proxy, tmp_path, DUPLICATE, [])
    assert code == 0, out[-2000:]
    assert all(checks[i]["outcome"] == EXPECTED_FAILURE for i in LISTED_DUPLICATES), checks


@pytest.mark.parametrize("mutation", [
    pytest.param(answer_200(), id="answers-200"),
    pytest.param(fp.error("InternalErrorException", "Internal server error.", 500),
                 id="answers-500"),
])
def test_duplicate_signup_answering_otherwise_is_a_changed_failure(
        proxy: fp.FaultProxy, tmp_path: Path, mutation: fp.Mutation) -> None:
    fault = fp.Fault(mutation, operation="SignUp", when_type="UsernameExistsException")
    code, checks, out = run_through(proxy, tmp_path, DUPLICATE, [fault])
    assert proxy.hits >= len(LISTED_DUPLICATES), "the fault never fired"
    assert code == 1, out[-2000:]
    for check_id in LISTED_DUPLICATES:
        assert checks[check_id]["outcome"] == FAILED, checks[check_id]
        assert checks[check_id]["message"].startswith(
            "changed failure: was status=400, type=UsernameExistsException, message=differs, "
            "now status="), checks[check_id]["message"]


def test_error_type_header_removed_is_a_changed_failure(proxy: fp.FaultProxy,
                                                        tmp_path: Path) -> None:
    """moto's x-amzn-ErrorType is listed for its missing colon; no header at all is new."""
    fault = fp.Fault(fp.header("x-amzn-ErrorType", None), operation="SignUp")
    code, checks, out = run_through(proxy, tmp_path, "wire.error-header.errortype", [fault])
    result = checks["wire.error-header.errortype"]
    assert proxy.hits and code == 1, out[-2000:]
    assert result["outcome"] == FAILED and "x-amzn-ErrorType=absent" in result["message"]


def test_invalid_password_as_invalid_parameter_is_a_changed_failure(
        proxy: fp.FaultProxy, tmp_path: Path) -> None:
    """The password checks are listed for moto's message; a wrong __type is new."""
    fault = fp.Fault(fp.member("__type", "InvalidParameterException"), operation="SignUp",
                     when_type="InvalidPasswordException")
    code, checks, out = run_through(proxy, tmp_path, "signup.password", [fault])
    password = [c for i, c in checks.items() if i.startswith("signup.password.")]
    assert proxy.hits and code == 1, out[-2000:]
    assert password and all(c["outcome"] == FAILED for c in password), password
    assert all("type=InvalidParameterException" in c["message"] for c in password)


# -- the parts --------------------------------------------------------------------------------
def exchange(status: int, body: dict) -> Exchange:
    return Exchange(operation="SignUp", url="http://x/", target_header="x",
                    request_headers={}, request_body=b"{}", signed=False, status=status,
                    headers={}, body=json.dumps(body).encode(), elapsed_s=0.0)


def failure_of(status: int, body: dict) -> Failure:
    with pytest.raises(Failure) as caught:
        expect_error(exchange(status, body), DUPLICATE)
    return caught.value


def sig(failure: Failure) -> list[str]:
    return signature.build(failure.aspects, failure.status, failure.error_type)


def test_message_only_deviation_keeps_status_and_type_in_the_signature() -> None:
    wrong_message = failure_of(400, {"__type": "UsernameExistsException", "message": "bob"})
    assert sig(wrong_message) == ["status=400", "type=UsernameExistsException",
                                  "message=differs"]
    accepted = failure_of(200, {"UserSub": "x"})
    assert sig(accepted)[:2] == ["status=200", "type=none"]


def test_run_specific_values_are_made_stable() -> None:
    assert signature.stable(None) == "absent"
    assert signature.stable("User ccf-1-ab-u-12 in us-east-1_AbC123 sent to a@b.com") == \
        "User <name> in <pool-id> sent to <email>"
    assert signature.stable(str(uuid.uuid4())) == "<uuid>"
    assert signature.stable("FORCE_CHANGE_PASSWORD") == "FORCE_CHANGE_PASSWORD"
    assert len(signature.stable("x" * 500)) == signature.MAX_VALUE


def result(category: str, sig_: list[str]) -> CheckResult:
    return CheckResult(id="c", operation="SignUp", category=category, outcome=FAILED,
                       message="m", signature=sig_)


@pytest.mark.parametrize(("recorded", "observed", "outcome"), [
    (["status=400", "type=X", "message=differs"], ["status=400", "type=X", "message=differs"],
     EXPECTED_FAILURE),
    (["status=400", "type=X", "message=differs"], ["status=200", "type=none"], FAILED),
    (["status=400", "type=X", "message=differs"], ["status=400", "type=X"], FAILED),
])
def test_hand_written_check_needs_the_same_signature(recorded: list[str],
                                                     observed: list[str],
                                                     outcome: str) -> None:
    entry = Expectation("c", "r", "e", tuple(recorded))
    assert apply(result("status-mapping", observed), {"c": entry}).outcome == outcome


@pytest.mark.parametrize(("observed", "outcome"), [
    (["5xx text/html"], EXPECTED_FAILURE),                        # fewer kinds: no change
    (["5xx text/html", "2xx accepted"], EXPECTED_FAILURE),        # the same kinds
    (["5xx text/html", "400 non-validation __type"], FAILED),     # a new kind is red
])
def test_generated_pair_fails_only_on_a_new_kind(observed: list[str], outcome: str) -> None:
    entry = Expectation("c", "r", "e", ("5xx text/html", "2xx accepted"))
    got = apply(result("generated", observed), {"c": entry})
    assert got.outcome == outcome
    if outcome == FAILED:
        assert got.message.startswith("changed failure:")


# -- baseline --update: signatures refreshed in place, kinds merged over runs ------------------
def run_doc(path: Path, checks: list[dict]) -> Path:
    base = {"operation": "SignUp", "expected": {}, "observed": {}, "reproduce": "",
            "duration_s": 0, "evidence": ["https://e"], "message": "m"}
    path.write_text(json.dumps({"target": {"name": "x"}, "observations": [],
                                "checks": [{**base, **c} for c in checks]}))
    return path


def test_baseline_update_sets_signatures_keeps_reasons_and_merges_kinds(tmp_path: Path) -> None:
    from conformance.reporting.baseline import update_file

    toml = tmp_path / "x.toml"
    toml.write_text('# a comment kept\n["hand"]\nreason = "reviewed"\nevidence = "https://e"\n'
                    'signature = ["old"]\n\n["gen"]\nreason = "g"\nevidence = "https://e"\n\n'
                    '["gone"]\nreason = "s"\nevidence = "https://e"\nsignature = ["k"]\n')
    ci = run_doc(tmp_path / "ci.json", [
        {"id": "hand", "category": "state", "outcome": "failed", "signature": ["status=200"]},
        {"id": "gen", "category": "generated", "outcome": "failed", "signature": ["5xx x"]},
        {"id": "gone", "category": "state", "outcome": "passed"},
        {"id": "new", "category": "state", "outcome": "failed", "signature": ["a=b"]}])
    dev = run_doc(tmp_path / "dev.json", [
        {"id": "gen", "category": "generated", "outcome": "failed", "signature": ["2xx y"]}])
    summary = update_file(toml, [ci, dev])
    text = toml.read_text()
    assert text.startswith("# a comment kept\n")
    entries = tomllib.loads(text)
    assert entries["hand"] == {"reason": "reviewed", "evidence": "https://e",
                               "signature": ["status=200"]}
    assert entries["gen"]["signature"] == ["2xx y", "5xx x"]          # union over the runs
    assert entries["gone"]["signature"] == ["k"] and "['gone']" in summary  # stale: named
    assert entries["new"]["signature"] == ["a=b"] and "1 entries drafted" in summary and "review the reason): ['hand']" in summary


def test_baseline_update_prune_removes_only_entries_that_passed_in_every_run(
        tmp_path: Path) -> None:
    from conformance.reporting.baseline import update_file

    toml = tmp_path / "x.toml"
    toml.write_text('["passes"]\nreason = "p"\nevidence = "https://e"\nsignature = ["k"]\n\n'
                    '# --- a section comment kept\n["fails"]\nreason = "f"\nevidence = "https://e"\n\n'
                    '["flaky"]\nreason = "x"\nevidence = "https://e"\n\n'
                    '["unsupported"]\nreason = "u"\nevidence = "https://e"\n\n'
                    '["absent"]\nreason = "a"\nevidence = "https://e"\n')
    ci = run_doc(tmp_path / "ci.json", [
        {"id": "passes", "category": "state", "outcome": "unexpected-pass"},
        {"id": "fails", "category": "state", "outcome": "failed", "signature": ["a=b"]},
        {"id": "flaky", "category": "state", "outcome": "passed"},
        {"id": "unsupported", "category": "state", "outcome": "unsupported"}])
    dev = run_doc(tmp_path / "dev.json", [
        {"id": "flaky", "category": "state", "outcome": "failed", "signature": ["c=d"]}])
    summary = update_file(toml, [ci, dev], prune=True)
    text = toml.read_text()
    assert sorted(tomllib.loads(text)) == ["absent", "fails", "flaky", "unsupported"]
    assert "# --- a section comment kept\n[\"fails\"]" in text and "\n\n\n" not in text
    assert "removed as passing in every run: ['passes']" in summary


# -- profiles: a deviation only a profile's volume finds ----------------------------------------
def test_an_entry_for_one_profile_applies_only_to_runs_of_that_profile(tmp_path: Path) -> None:
    from conformance.results.expectations import ExpectationsError, load_expectations

    (tmp_path / "t.toml").write_text(
        '["a"]\nreason = "r"\nevidence = "https://e"\nsignature = ["k"]\nprofiles = ["nightly"]\n'
        '\n["b"]\nreason = "r"\nevidence = "https://e"\nsignature = ["k"]\n')
    assert sorted(load_expectations("t", tmp_path, profile="ci")) == ["b"]
    assert sorted(load_expectations("t", tmp_path, profile="nightly")) == ["a", "b"]
    assert sorted(load_expectations("t", tmp_path)) == ["a", "b"]  # validation sees all
    (tmp_path / "t.toml").write_text(
        '["a"]\nreason = "r"\nevidence = "https://e"\nsignature = ["k"]\nprofiles = ["weekly"]\n')
    with pytest.raises(ExpectationsError, match="unknown profile"):
        load_expectations("t", tmp_path)


# -- random: a deviation whose failing cases are random draws ----------------------------------
def test_a_random_entry_is_expected_when_drawn_and_passes_when_not(tmp_path: Path) -> None:
    """moto's generated.AdminCreateUser.output-shape fails in dev seed 0 (1 of 19 cases) and
    passes in dev seed 1: a profile list called that failure new under one seed and known
    under another. A random entry: same failure, expected under every seed; no failing case
    drawn, a pass with a note (not an unexpected pass); failing another way, still failed."""
    from conformance.results.expectations import (
        ExpectationsError, apply, load_expectations,
    )
    from conformance.results.outcome import CheckResult

    (tmp_path / "t.toml").write_text(
        '["g"]\nreason = "accepts bad names"\nevidence = "https://e"\n'
        'signature = ["200 body violates the output shape"]\nrandom = true\n'
        '\n["h"]\nreason = "r"\nevidence = "https://e"\nsignature = ["k"]\n')
    entries = load_expectations("t", tmp_path, profile="dev")

    def result(check_id: str, outcome: str, signature: list[str] | None = None) -> CheckResult:
        return CheckResult(check_id, "AdminCreateUser", "generated", outcome,
                           signature=signature)

    drawn = apply(result("g", "failed", ["200 body violates the output shape"]), entries)
    assert drawn.outcome == "expected-failure"
    missed = apply(result("g", "passed"), entries)
    assert missed.outcome == "passed" and "drew none" in missed.message
    other = apply(result("g", "failed", ["5xx text/html"]), entries)
    assert other.outcome == "failed" and "changed failure" in other.message
    stale = apply(result("h", "passed"), entries)  # without random: still a stale entry
    assert stale.outcome == "unexpected-pass"
    (tmp_path / "t.toml").write_text(
        '["g"]\nreason = "r"\nevidence = "https://e"\nsignature = ["k"]\nrandom = "yes"\n')
    with pytest.raises(ExpectationsError, match="'random' must be true or false"):
        load_expectations("t", tmp_path)


# -- the state machine's facts: which steps a run reaches depends on its seed --------------------
def test_a_state_machine_fact_is_judged_by_the_steps_recorded(tmp_path: Path) -> None:
    """Seen on cognito-local (ci seed 2): the run reached confirm_right@FORCE_CHANGE_PASSWORD
    but not confirm_wrong there, and answered confirm_right@CONFIRMED 200 where seed 0's
    history had left it 400 ExpiredCodeException (one stored code per user). Compared
    whole, both were "changed failures" of known deviations. As sets: a step not reached is
    no change; a step answered in a way not recorded is; baseline unites the runs."""
    from conformance.reporting.baseline import merged

    recorded = ["status=400", "type=ExpiredCodeException",
                "confirm_right@FORCE_CHANGE_PASSWORD=400 ExpiredCodeException",
                "confirm_wrong@FORCE_CHANGE_PASSWORD=400 ExpiredCodeException"]
    entry = {"state.machine.f": Expectation("state.machine.f", "r", "https://e",
                                            tuple(recorded))}

    def fact(signature: list[str]) -> CheckResult:
        return CheckResult("state.machine.f", "ConfirmSignUp", "state", FAILED,
                           signature=signature)

    fewer = apply(fact(recorded[:3]), entry)
    assert fewer.outcome == EXPECTED_FAILURE
    other = apply(fact(["status=200", "type=none",
                        "confirm_right@FORCE_CHANGE_PASSWORD=200"]), entry)
    assert other.outcome == FAILED and "confirm_right@FORCE_CHANGE_PASSWORD=200" in other.message
    hand = {"x.check": Expectation("x.check", "r", "https://e", tuple(recorded))}
    exact = CheckResult("x.check", "SignUp", "state", FAILED, signature=recorded[:3])
    assert apply(exact, hand).outcome == FAILED   # a hand-written check: still exact
    seed0 = run_doc(tmp_path / "0.json", [{"id": "state.machine.f", "category": "state",
                                          "outcome": "failed", "signature": recorded}])
    seed2 = run_doc(tmp_path / "2.json", [{"id": "state.machine.f", "category": "state",
                                          "outcome": "failed",
                                          "signature": ["status=200", "type=none"]}])
    check = merged([seed0, seed2])["checks"][0]
    assert "unstable" not in check
    assert check["signature"] == sorted(set(recorded) | {"status=200", "type=none"})
