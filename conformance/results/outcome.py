"""Outcome per check and the run summary: the vocabulary of every report.

Outcomes (DESIGN.md): passed, failed, expected-failure (failed the way the target's
expectations record it), unexpected-pass (listed but passed: the entry is stale), unsupported
(the target does not claim a capability the check needs), error (the harness or the target
broke). Observations are kept apart: they never pass or fail.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

PASSED = "passed"
FAILED = "failed"
EXPECTED_FAILURE = "expected-failure"
UNEXPECTED_PASS = "unexpected-pass"
UNSUPPORTED = "unsupported"
ERROR = "error"
OUTCOMES = (PASSED, FAILED, EXPECTED_FAILURE, UNEXPECTED_PASS, UNSUPPORTED, ERROR)
UNEXPECTED = (FAILED, UNEXPECTED_PASS, ERROR)
_SUMMARY_KEYS = {PASSED: "passed", FAILED: "failed", EXPECTED_FAILURE: "expected_failures",
                 UNEXPECTED_PASS: "unexpected_passes", UNSUPPORTED: "unsupported",
                 ERROR: "errors"}


@dataclass
class CheckResult:
    id: str
    operation: str
    category: str
    outcome: str
    message: str = ""
    expected: Any = field(default_factory=dict)
    observed: Any = field(default_factory=dict)
    evidence: list[str] = field(default_factory=list)
    reproduce: str = ""
    duration_s: float = 0.0
    reason: str | None = None          # the expectation's reason, when one applied
    cases: int | None = None           # generated checks: how many cases ran
    signature: list[str] | None = None  # how it failed (conformance/signature.py)
    unreachable: bool = False          # error because the target stopped answering
    trace: list[dict[str, Any]] = field(default_factory=list, repr=False)  # masked exchanges,
    # for attachments only; never written to results.json

    def to_json(self) -> dict[str, Any]:
        out = asdict(replace(self, trace=[]))   # the trace is never written: not copied
        del out["trace"]
        for key in ("reason", "cases", "signature"):
            if out[key] is None:
                del out[key]
        if not out["unreachable"]:
            del out["unreachable"]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CheckResult":
        return cls(**data)


def summarize(results: list[CheckResult]) -> dict[str, Any]:
    counts = {key: 0 for key in _SUMMARY_KEYS.values()}
    for result in results:
        counts[_SUMMARY_KEYS[result.outcome]] += 1
    ran = len(results) - counts["unsupported"]
    # Score = behaved like AWS / (all run - unsupported). An unexpected pass behaved like AWS
    # (its expectations entry is stale), so it counts; expected failures do not.
    behaved = counts["passed"] + counts["unexpected_passes"]
    counts["score"] = round(behaved / ran, 4) if ran else 0.0
    counts["total"] = len(results)
    return counts
