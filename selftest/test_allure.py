"""Allure results that explain a run (conformance/reporting/allure.py), judged on the
allure-results files themselves: statuses and message prefixes per outcome, categories that
put every outcome in exactly one place (Python's re.fullmatch with (?s) is what Allure's
Java matcher does with the same pattern), severity from fact confidence, readable
parameters, a history id that depends on the check id only, environment.properties and the
history carried over. The end-to-end twin (a real CLI run, `allure generate` on it) is in
selftest/test_run_output.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from conformance.reporting import allure
from conformance.results.outcome import CheckResult

OUTCOMES = {"c.passed": "passed", "c.failed": "failed", "c.xfail": "expected-failure",
            "c.xpass": "unexpected-pass", "c.unsupported": "unsupported", "c.error": "error"}
WANT = {"c.passed": ("passed", None), "c.failed": ("failed", "Failures (unknown deviations)"),
        "c.xfail": ("skipped", "Known deviations"),
        "c.xpass": ("failed", "Unexpected passes (stale expectations)"),
        "c.unsupported": ("skipped", "Unsupported"),
        "c.error": ("broken", "Errors (harness or target broke)"),
        "o.recorded": ("passed", None)}


def _doc() -> dict[str, Any]:
    checks = [{"id": i, "operation": "SignUp", "category": "wire", "outcome": o,
               "message": f"message of {i}", **({"reason": "known because"} if o ==
                                                 "expected-failure" else {}),
               **({"signature": ["status=400", "type=X"]} if o in ("failed",
                                                                     "expected-failure") else {})}
              for i, o in OUTCOMES.items()]
    return {"target": {"name": "moto", "version": "5.2.5", "endpoint": "http://127.0.0.1:1"},
            "spec": {"api_version": "2016-04-18", "model_sha256": "ab" * 32},
            "started_at": "2026-11-30T00:00:00Z", "run": {"seed": 7, "profile": "dev"},
            "checks": checks,
            "observations": [{"id": "o.recorded", "operation": "SignUp", "outcome": "recorded",
                              "message": ""}]}


def _raw_result(check_id: str) -> dict[str, Any]:
    """What allure-pytest writes: pytest's status and the parametrize objects' reprs."""
    return {"name": f"test_check[{check_id}]", "status": "failed", "uuid": check_id,
            "statusDetails": {"message": "Failed: [failed] x", "trace": "E  Failed"},
            "historyId": "changes-every-run", "fullName": "conformance.suite.test_checks#test_check",
            "parameters": [{"name": "check", "value": "Check(id=..., func=<function at 0x7f>)"}],
            "labels": [{"name": allure.CHECK_ID_LABEL, "value": check_id},
                       {"name": "epic", "value": "SignUp"}]}


@pytest.fixture
def finalized(tmp_path: Path) -> dict[str, dict[str, Any]]:
    results = tmp_path / "allure-results"
    results.mkdir()
    for check_id in WANT:
        (results / f"{check_id}-result.json").write_text(json.dumps(_raw_result(check_id)))
    previous = tmp_path / "previous-report" / "history"
    previous.mkdir(parents=True)
    (previous / "history.json").write_text('{"h": {}}')
    (previous / "history-trend.json").write_text("[]")
    allure.finalize(results, _doc(), tmp_path / "previous-report")
    return {p.name: (json.loads(p.read_text()) if p.suffix == ".json" else p.read_text())
            for p in results.rglob("*") if p.is_file()}


def _categories_of(result: dict[str, Any], categories: list[dict[str, Any]]) -> list[str]:
    message = (result.get("statusDetails") or {}).get("message") or ""
    return [c["name"] for c in categories if result["status"] in c["matchedStatuses"]
            and re.fullmatch(c["messageRegex"], message)]


def test_every_outcome_lands_in_exactly_its_own_category(finalized: dict) -> None:
    categories = finalized["categories.json"]
    for check_id, (status, category) in WANT.items():
        result = finalized[f"{check_id}-result.json"]
        assert result["status"] == status, check_id
        assert _categories_of(result, categories) == ([category] if category else []), check_id


def test_known_deviation_message_carries_reason_and_signature(finalized: dict) -> None:
    details = finalized["c.xfail-result.json"]["statusDetails"]
    assert details["message"] == "Known deviation: known because :: message of c.xfail"
    assert details["trace"] == "signature: status=400, type=X"


def test_parameters_are_readable_and_history_id_is_the_check_id(finalized: dict) -> None:
    result = finalized["c.failed-result.json"]
    params = {p["name"]: p["value"] for p in result["parameters"]}
    assert params == {"operation": "SignUp", "target": "moto", "seed": "7", "profile": "dev"}
    assert "0x" not in json.dumps(result["parameters"]) and result["name"] == "c.failed"
    assert result["historyId"] == allure.history_id("c.failed") == result["testCaseId"]


def test_environment_properties(finalized: dict) -> None:
    env = dict(line.split(" = ", 1) for line in finalized["environment.properties"].splitlines())
    assert env["target"] == "moto" and env["version"] == "5.2.5" and env["seed"] == "7"
    assert env["profile"] == "dev" and env["spec.model_sha256"] == "ab" * 32
    assert env["endpoint"] == "http://127.0.0.1:1"


def test_history_of_a_previous_report_is_carried_over(finalized: dict) -> None:
    assert finalized["history.json"] == {"h": {}} and finalized["history-trend.json"] == []


def test_no_history_without_a_previous_report(tmp_path: Path) -> None:
    assert not allure.copy_history(tmp_path / "missing", tmp_path)
    assert not (tmp_path / "history").exists()


@pytest.mark.parametrize(("check_id", "severity"), [
    ("signup.duplicate-username.prevent-existence.status", None),  # from its facts, below
    ("generated.SignUp.not-a-server-error", None),
])
def test_severity_follows_the_strongest_fact_confidence(check_id: str, severity: Any) -> None:
    from conformance.spec.facts import fact

    facts = allure._facts_of(check_id)
    assert facts, check_id
    best = min(("recorded", "documented", "reported", "inferred", "unknown").index(
        fact(f).confidence) for f in facts)
    want = ("critical", "normal", "minor", "trivial", "trivial")[best]
    assert allure.severity(check_id, "wire") == want


def test_severity_mapping_and_observations() -> None:
    assert allure.SEVERITY == {"recorded": "critical", "documented": "normal",
                               "reported": "minor", "inferred": "trivial", "unknown": "trivial"}
    assert allure.severity("anything", "observation") == "trivial"
    assert allure.severity("no.such.check", "wire") == allure.NO_FACT_SEVERITY


def test_step_names_say_operation_status_and_error_type() -> None:
    exchange = {"operation": "SignUp", "response": {"status": 400, "body": {
        "__type": "UsernameExistsException", "message": "m"}}}
    assert allure.step_name(exchange) == "SignUp -> 400 UsernameExistsException"
    assert allure.step_name({"operation": "GetUser", "response": {"status": 200}}) \
        == "GetUser -> 200"


def test_an_item_without_a_result_keeps_allure_pytests_verdict(tmp_path: Path) -> None:
    (tmp_path / "x-result.json").write_text(json.dumps(_raw_result("not.recorded")))
    allure.finalize(tmp_path, _doc())
    assert json.loads((tmp_path / "x-result.json").read_text())["status"] == "failed"
    assert (tmp_path / "categories.json").exists()


def test_attach_without_allure_running_is_harmless() -> None:
    allure.attach(CheckResult(id="x", operation="SignUp", category="wire", outcome="passed"),
                  "moto")
