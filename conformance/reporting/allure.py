"""Allure results that explain a conformance run, not a pytest run.

Two halves:
- `attach(result, target)`, while an item runs (called by plugin.report_result): labels
  (epic = operation, feature = category, story = check id, severity from the facts'
  confidence, `check_id`, `outcome`), readable parameters instead of the parametrize
  objects' reprs, each request/response exchange as a step with masked attachments, the
  evidence links and a masked evidence attachment;
- `finalize(allure_dir, doc, history)`, once results.json is written (the Recorder, on the
  controller, after every worker wrote its files): every `*-result.json` gets the status and
  message of its check's outcome (below), a history id that depends on the check id only
  (the parametrize objects' reprs hold addresses, so allure-pytest's own id changes from run
  to run and history never matched), the run's parameters (target, seed, profile);
  `categories.json`, `environment.properties` and, from a previous Allure report given with
  `--allure-history DIR`, `DIR/history/` copied to `history/`.

Outcome -> Allure status + message prefix (Allure has five statuses; the prefix is what the
Categories tab matches, so known deviations and failures never share a category):

| outcome          | status  | message prefix                            | category                                |
|------------------|---------|-------------------------------------------|-----------------------------------------|
| passed           | passed  | -                                         | -                                       |
| failed           | failed  | `Deviation: `                             | Failures (unknown deviations)           |
| unexpected-pass  | failed  | `Unexpected pass (stale expectation): `   | Unexpected passes (stale expectations)  |
| error            | broken  | `Error: `                                 | Errors (harness or target broke)        |
| expected-failure | skipped | `Known deviation: `                       | Known deviations                        |
| unsupported      | skipped | `Unsupported: `                           | Unsupported                             |
| observation      | passed  | -                                         | - (label outcome=recorded)              |

Severity (the strongest confidence among the facts a check enforces; specs/behaviours):
recorded -> critical, documented -> normal, reported -> minor, inferred / unknown -> trivial;
a check without facts -> normal; observations -> trivial (they carry no verdict).

Nothing unmasked is written: every text goes through exchange.scrub, and the exchanges in
CheckResult.trace are masked already.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from conformance.exchange import scrub
from conformance.results.outcome import (
    ERROR, EXPECTED_FAILURE, FAILED, PASSED, UNEXPECTED_PASS, UNSUPPORTED, CheckResult,
)

OBSERVATION = "observation"
RECORDED = "recorded"
# outcome -> (Allure status, message prefix)
STATUS: dict[str, tuple[str, str]] = {
    PASSED: ("passed", ""),
    FAILED: ("failed", "Deviation: "),
    UNEXPECTED_PASS: ("failed", "Unexpected pass (stale expectation): "),
    ERROR: ("broken", "Error: "),
    EXPECTED_FAILURE: ("skipped", "Known deviation: "),
    UNSUPPORTED: ("skipped", "Unsupported: "),
    RECORDED: ("passed", ""),  # an observation that recorded what the target did
}
CATEGORIES: list[dict[str, Any]] = [
    {"name": "Failures (unknown deviations)", "matchedStatuses": ["failed"],
     "messageRegex": r"(?s)Deviation: .*",
     "description": "The target deviates from AWS and the deviation is not known: fix the "
                    "target or report it."},
    {"name": "Unexpected passes (stale expectations)", "matchedStatuses": ["failed"],
     "messageRegex": r"(?s)Unexpected pass \(stale expectation\): .*",
     "description": "Listed as a known deviation, but the target behaved like AWS: remove "
                    "the entry from conformance/expectations/<target>.toml."},
    {"name": "Errors (harness or target broke)", "matchedStatuses": ["broken"],
     "messageRegex": r"(?s)Error: .*"},
    {"name": "Known deviations", "matchedStatuses": ["skipped"],
     "messageRegex": r"(?s)Known deviation: .*",
     "description": "Failed exactly the way conformance/expectations/<target>.toml records."},
    {"name": "Unsupported", "matchedStatuses": ["skipped"],
     "messageRegex": r"(?s)Unsupported: .*",
     "description": "The target does not claim a capability the check needs."},
]
SEVERITY = {"recorded": "critical", "documented": "normal", "reported": "minor",
            "inferred": "trivial", "unknown": "trivial"}
NO_FACT_SEVERITY = "normal"
CHECK_ID_LABEL = "check_id"
MAX_STEPS = 25              # exchanges shown as steps per check (state-machine checks hold more)
REPLACED_PARAMETERS = ("check", "operation", "kind", "target", "seed", "profile")


# -- while an item runs -----------------------------------------------------------------------

def severity(check_id: str, category: str) -> str:
    """Allure severity of a check id, from the confidence of the facts it enforces."""
    if category == OBSERVATION:
        return "trivial"
    from conformance.spec.facts import CONFIDENCES, fact

    facts = _facts_of(check_id)
    if not facts:
        return NO_FACT_SEVERITY
    best = min(CONFIDENCES.index(fact(f).confidence) for f in facts)
    return SEVERITY[CONFIDENCES[best]]


_FACTS: dict[str, tuple[str, ...]] = {}   # check id -> facts, filled on first use


def _facts_of(check_id: str) -> tuple[str, ...]:
    if check_id not in _FACTS:
        from conformance.checks import all_checks
        from conformance.generated.pairs import all_pairs, pair_id

        _FACTS.update({pair_id(op, chk): (chk.fact,) for op, chk in all_pairs()})
        _FACTS.update({item.id: item.facts for item in all_checks()})
    return _FACTS.get(check_id, ())


def step_name(exchange: dict[str, Any]) -> str:
    response = exchange.get("response") or {}
    body = response.get("body")
    kind = body.get("__type", "") if isinstance(body, dict) else ""
    return " ".join(str(p) for p in (exchange.get("operation") or "request", "->",
                                     response.get("status", "?"), kind) if p != "")


def attach(result: CheckResult, target_name: str) -> None:
    """Labels, readable parameters, exchanges as steps, evidence: on the running item."""
    try:
        import allure
    except ImportError:  # allure-pytest is a dependency, but the plugin must not need it
        return
    allure.dynamic.epic(result.operation or "(none)")
    allure.dynamic.feature(result.category)
    allure.dynamic.story(result.id)
    allure.dynamic.severity(severity(result.id, result.category))
    allure.dynamic.label(CHECK_ID_LABEL, result.id)
    allure.dynamic.label("outcome", _outcome(result))
    allure.dynamic.label("target", target_name)
    allure.dynamic.title(result.id)
    # allure-pytest named them after the parametrize objects (a Check's repr, with a function
    # address): readable values instead; finalize() settles the final list.
    allure.dynamic.parameter("check", result.id)
    allure.dynamic.parameter("operation", result.operation)
    allure.dynamic.parameter("target", target_name)
    for url in result.evidence:
        allure.dynamic.link(url, name=url)
    for i, exchange in enumerate(result.trace[:MAX_STEPS], 1):
        with allure.step(scrub(f"{i}. {step_name(exchange)}")):
            for part in ("request", "response"):
                allure.attach(scrub(json.dumps(exchange.get(part), indent=2, default=str)),
                              name=part, attachment_type=allure.attachment_type.JSON)
    if len(result.trace) > MAX_STEPS:
        with allure.step(f"... {len(result.trace) - MAX_STEPS} more exchanges not shown"):
            pass
    if result.reproduce:
        allure.attach(scrub(result.reproduce), name="reproduce",
                      attachment_type=allure.attachment_type.TEXT)
    allure.attach(scrub(json.dumps(result.to_json(), indent=2, default=str)), name="evidence",
                  attachment_type=allure.attachment_type.JSON)


def _outcome(result: CheckResult) -> str:
    if result.category == OBSERVATION and result.outcome == PASSED:
        return RECORDED
    return result.outcome


# -- once the run is recorded -----------------------------------------------------------------

def history_id(check_id: str) -> str:
    return hashlib.md5(check_id.encode()).hexdigest()


def finalize(allure_dir: Path, doc: dict[str, Any], history: str | Path | None = None) -> None:
    """Statuses, messages, history ids, parameters; categories, environment, history."""
    allure_dir = Path(allure_dir)
    if not allure_dir.is_dir():
        return
    by_id = {c["id"]: c for c in doc.get("checks", [])}
    by_id.update({o["id"]: {**o, "category": OBSERVATION} for o in doc.get("observations", [])})
    run = doc.get("run") or {}
    target = (doc.get("target") or {}).get("name", "")
    for path in sorted(allure_dir.glob("*-result.json")):
        data = json.loads(path.read_text("utf-8"))
        entry = by_id.get(_label(data, CHECK_ID_LABEL) or "")
        if entry is None:
            continue  # an item that recorded no result: allure-pytest's verdict stands
        _rewrite(data, entry, target, run)
        path.write_text(scrub(json.dumps(data, indent=1)), "utf-8")
    (allure_dir / "categories.json").write_text(json.dumps(CATEGORIES, indent=2) + "\n")
    (allure_dir / "environment.properties").write_text(environment(doc))
    if history:
        copy_history(Path(history), allure_dir)


def _label(data: dict[str, Any], name: str) -> str | None:
    return next((lb.get("value") for lb in data.get("labels", []) if lb.get("name") == name),
                None)


def _rewrite(data: dict[str, Any], entry: dict[str, Any], target: str,
             run: dict[str, Any]) -> None:
    outcome = entry["outcome"]
    status, prefix = STATUS.get(outcome, ("broken", "Error: "))
    data["status"] = status
    message = entry.get("message") or ""
    if outcome == EXPECTED_FAILURE and entry.get("reason"):
        message = f"{entry['reason']} :: {message}"
    details: dict[str, Any] = {}
    if prefix or message:
        details["message"] = prefix + message
    if entry.get("signature"):
        details["trace"] = "signature: " + ", ".join(entry["signature"])
    data["statusDetails"] = details or None
    data["historyId"] = data["testCaseId"] = history_id(entry["id"])
    data["name"] = entry["id"]
    data["parameters"] = [
        {"name": "operation", "value": entry.get("operation") or "-"},
        {"name": "target", "value": target, "excluded": True},
        {"name": "seed", "value": str(run.get("seed", "")), "excluded": True},
        {"name": "profile", "value": str(run.get("profile", "")), "excluded": True},
    ]


def environment(doc: dict[str, Any]) -> str:
    """environment.properties: what the Environment widget shows (Java properties format)."""
    target, spec, run = doc.get("target") or {}, doc.get("spec") or {}, doc.get("run") or {}
    rows = {"target": target.get("name", ""), "version": target.get("version", ""),
            "endpoint": target.get("endpoint", ""),
            "spec.api_version": spec.get("api_version", ""),
            "spec.model_sha256": spec.get("model_sha256", ""),
            "seed": run.get("seed", ""), "profile": run.get("profile", ""),
            "started_at": doc.get("started_at", "")}
    return "".join(f"{key} = {_escape(str(value))}\n" for key, value in rows.items())


def _escape(value: str) -> str:
    return scrub(value).replace("\\", "\\\\").replace("\n", "\\n")


def copy_history(report_dir: Path, allure_dir: Path) -> bool:
    """A previous report's history (DIR/history, or DIR itself when it holds the history
    files) into allure-results/history; False when there is none."""
    source = report_dir / "history" if (report_dir / "history").is_dir() else report_dir
    if not (source / "history.json").is_file():
        return False
    shutil.copytree(source, allure_dir / "history", dirs_exist_ok=True)
    return True
