"""The results layer: outcome counts and score, expectations, results.json, the exit code.

These are the numbers every report and CI gate is built on, so they are pinned here with
small hand-made results (no target needed). The results.json keys are compared with the
schema in DESIGN.md (copied below: the design notes live outside the repository).
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conformance.exchange import remember
from conformance.reporting import results_json
from conformance.reporting.summary import EXIT_OK, EXIT_TARGET, EXIT_UNEXPECTED, exit_code
from conformance.results.expectations import (
    Expectation, ExpectationsError, apply, load_expectations, validate,
)
from conformance.results.outcome import (
    ERROR, EXPECTED_FAILURE, FAILED, OUTCOMES, PASSED, UNEXPECTED_PASS, UNSUPPORTED,
    CheckResult, summarize,
)

# DESIGN.md "results.json": the keys of each object (ARCHITECTURE.md adds summary.total,
# observation evidence/reproduce and the run{} block).
TOP_KEYS = {"schema", "target", "spec", "started_at", "duration_s", "summary", "checks",
            "observations", "run"}
TARGET_KEYS = {"name", "version", "endpoint"}
SPEC_KEYS = {"service", "api_version", "model_sha256"}
SUMMARY_KEYS = {"passed", "failed", "expected_failures", "unexpected_passes", "unsupported",
                "errors", "score", "total"}
CHECK_KEYS = {"id", "operation", "category", "outcome", "message", "expected", "observed",
              "evidence", "reproduce", "duration_s"}
CHECK_OPTIONAL_KEYS = {"reason", "cases", "unreachable"}
OBSERVATION_KEYS = {"id", "operation", "observed", "why", "evidence", "reproduce"}
OBSERVATION_EXTRA_KEYS = {"outcome", "message"}  # written today, not yet in DESIGN.md
STARTED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def result(outcome: str, cid: str = "x.check", **kw: object) -> CheckResult:
    return CheckResult(id=cid, operation="SignUp", category="status-mapping",
                       outcome=outcome, **kw)  # type: ignore[arg-type]


def results(*outcomes: str) -> list[CheckResult]:
    return [result(o, f"c{i}") for i, o in enumerate(outcomes)]


def doc_of(checks: list[CheckResult], observations: list[CheckResult] | None = None) -> dict:
    return results_json.build({"name": "moto", "version": "5", "endpoint": "http://x"},
                              checks, observations or [], STARTED, 1.5,
                              extra={"run": {"seed": 0}})


# -- summary and score ----------------------------------------------------------------------

def test_summarize_counts_every_outcome_once() -> None:
    summary = summarize(results(*OUTCOMES))
    assert {k: summary[k] for k in SUMMARY_KEYS - {"score", "total"}} == {
        "passed": 1, "failed": 1, "expected_failures": 1, "unexpected_passes": 1,
        "unsupported": 1, "errors": 1}
    assert summary["total"] == len(OUTCOMES)


@pytest.mark.parametrize(("outcomes", "score"), [
    ((PASSED, PASSED, FAILED, UNSUPPORTED), round(2 / 3, 4)),   # unsupported not in the base
    ((PASSED, EXPECTED_FAILURE), 0.5),                         # known deviations still count
    ((PASSED, UNEXPECTED_PASS, ERROR, FAILED), 0.5),           # unexpected pass behaved as AWS
    ((UNSUPPORTED, UNSUPPORTED), 0.0),                         # nothing ran
    ((), 0.0),
    ((PASSED,), 1.0),
])
def test_summarize_score_is_passed_over_run(outcomes: tuple[str, ...], score: float) -> None:
    assert summarize(results(*outcomes))["score"] == score


# -- expectations -----------------------------------------------------------------------------

ENTRY = {"x.check": Expectation("x.check", "moto says hello", "https://docs.aws/x")}


def test_apply_listed_failure_becomes_expected_failure_with_reason() -> None:
    out = apply(result(FAILED, message="boom"), ENTRY)
    assert (out.outcome, out.reason, out.message) == (EXPECTED_FAILURE, "moto says hello", "boom")


def test_apply_listed_pass_becomes_unexpected_pass_naming_the_stale_entry() -> None:
    out = apply(result(PASSED), ENTRY)
    assert out.outcome == UNEXPECTED_PASS
    assert "moto says hello" in out.message and "stale" in out.message


@pytest.mark.parametrize("outcome", [UNSUPPORTED, ERROR])
def test_apply_listed_unsupported_or_error_keeps_outcome(outcome: str) -> None:
    assert apply(result(outcome), ENTRY).outcome == outcome


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_apply_unlisted_check_is_unchanged(outcome: str) -> None:
    out = apply(result(outcome, "other.check"), ENTRY)
    assert (out.outcome, out.reason) == (outcome, None)


ENTRY_TEXT = '["wire.content-type.error"]\nreason = "r"\nevidence = "https://e"\n'
SIGNED = ENTRY_TEXT + 'signature = ["status=400", "type=X"]\n'


@pytest.mark.parametrize(("text", "problem"), [
    (ENTRY_TEXT, "missing 'signature'"),
    ('["wire.content-type.error"]\nevidence = "e"\nsignature = ["s"]\n', "missing 'reason'"),
    (SIGNED + "color = 1\n", "unknown key 'color'"),
    (SIGNED.replace('reason = "r"', "reason = 3"), "'reason' must be a non-empty str"),
    (SIGNED.replace('["status=400", "type=X"]', '"status=400"'),
     "'signature' must be a non-empty list"),
    (SIGNED + SIGNED, "not valid TOML"),                               # a duplicate table
    (SIGNED + "[broken\n", "not valid TOML"),
    (SIGNED.replace("content-type.error", "content-typo.error"),
     "no check has this id (did you mean 'wire.content-type.error'?)"),
    ('"wire.content-type.error" = "x"\n', "must be a table"),
])
def test_malformed_expectations_are_one_line_naming_entry_and_problem(
        tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "t.toml").write_text(text)
    with pytest.raises(ExpectationsError) as caught:
        validate("t", tmp_path)
    message = str(caught.value)
    assert problem in message and str(tmp_path / "t.toml") in message, message
    assert "\n" not in message.strip()


def test_load_expectations_missing_file_is_empty(tmp_path: Path) -> None:
    assert load_expectations("nobody", tmp_path) == {}


def test_load_expectations_reads_entries(tmp_path: Path) -> None:
    (tmp_path / "t.toml").write_text(SIGNED)
    assert validate("t", tmp_path) == {"wire.content-type.error": Expectation(
        "wire.content-type.error", "r", "https://e", ("status=400", "type=X"))}


@pytest.mark.parametrize("target", ["moto", "cognito-local", "ministack"])
def test_shipped_expectations_are_valid(target: str) -> None:
    entries = validate(target)
    assert entries and all(e.reason and e.evidence and e.signature for e in entries.values())


# -- results.json -----------------------------------------------------------------------------

def test_results_json_keys_match_design_schema() -> None:
    obs = CheckResult(id="o.x", operation="ConfirmSignUp", category="observation",
                      outcome=PASSED, observed={"status": 400})
    doc = doc_of([result(FAILED, reason="r"), result(PASSED, "y")], [obs])
    assert set(doc) == TOP_KEYS
    assert (set(doc["target"]), set(doc["spec"]), set(doc["summary"])) == (
        TARGET_KEYS, SPEC_KEYS, SUMMARY_KEYS)
    for check in doc["checks"]:
        assert CHECK_KEYS <= set(check) <= CHECK_KEYS | CHECK_OPTIONAL_KEYS
    assert set(doc["observations"][0]) == OBSERVATION_KEYS | OBSERVATION_EXTRA_KEYS


def test_an_observation_cut_short_by_a_gone_target_says_so() -> None:
    """As a check's error does: `unreachable` tells the target's doing from the suite's."""
    gone = CheckResult(id="o.x", operation="SignUp", category="observation", outcome=ERROR,
                       message="target stopped answering", unreachable=True)
    ours = CheckResult(id="o.y", operation="SignUp", category="observation", outcome=ERROR,
                       message="generation failed: boom")
    observations = doc_of([], [gone, ours])["observations"]
    assert [o.get("unreachable") for o in observations] == [True, None]


def test_results_json_values_have_design_types() -> None:
    doc = doc_of([result(FAILED, "b"), result(PASSED, "a")])
    assert doc["schema"] == results_json.SCHEMA_VERSION == 1
    assert doc["started_at"] == "2026-01-02T03:04:05Z"
    assert doc["spec"]["service"] == "cognito-idp" and len(doc["spec"]["model_sha256"]) == 64
    assert [c["id"] for c in doc["checks"]] == ["a", "b"]  # stable order for diffs
    assert "trace" not in doc["checks"][0]


def test_results_json_round_trips(tmp_path: Path) -> None:
    doc = doc_of([result(FAILED, message="m", reason="r")])
    results_json.write(tmp_path / "results.json", doc)
    assert results_json.read(tmp_path / "results.json") == doc


def test_results_json_write_leaves_no_temp_file(tmp_path: Path) -> None:
    results_json.write(tmp_path / "moto" / "results.json", doc_of([result(PASSED)]))
    assert [p.name for p in (tmp_path / "moto").iterdir()] == ["results.json"]


def test_results_json_write_is_atomic_when_interrupted(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "results.json"
    results_json.write(path, doc_of([result(PASSED)]))
    before = path.read_text()

    def crash(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        results_json.write(path, doc_of([result(FAILED)]))
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_results_json_read_rejects_other_schema(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"schema": 2}))
    with pytest.raises(ValueError, match="schema"):
        results_json.read(path)


def test_results_json_write_scrubs_remembered_secrets(tmp_path: Path) -> None:
    secret = "Zq-results-secret-7781"
    remember(secret)
    doc = doc_of([result(FAILED, message=f"target said {secret}")])
    doc["run"]["note"] = secret  # even a value added after build() is scrubbed at write
    results_json.write(tmp_path / "results.json", doc)
    assert secret not in (tmp_path / "results.json").read_text()


# -- exit code --------------------------------------------------------------------------------

@pytest.mark.parametrize(("checks", "code"), [
    ([], EXIT_OK),
    ([{"outcome": PASSED}, {"outcome": EXPECTED_FAILURE}, {"outcome": UNSUPPORTED}], EXIT_OK),
    ([{"outcome": PASSED}, {"outcome": FAILED}], EXIT_UNEXPECTED),
    ([{"outcome": UNEXPECTED_PASS}], EXIT_UNEXPECTED),
    ([{"outcome": ERROR}], EXIT_UNEXPECTED),
    ([{"outcome": FAILED}, {"outcome": ERROR, "unreachable": True}], EXIT_TARGET),
])
def test_exit_code_fails_only_on_unexpected(checks: list[dict], code: int) -> None:
    assert exit_code({"checks": checks}) == code


def test_exit_code_of_a_built_document() -> None:
    assert exit_code(doc_of([result(EXPECTED_FAILURE), result(PASSED, "p")])) == EXIT_OK
    assert exit_code(doc_of([result(ERROR, unreachable=True)])) == EXIT_TARGET
