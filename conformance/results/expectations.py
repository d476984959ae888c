"""Known deviations of a target, as data: conformance/expectations/<target>.toml.

Each entry is keyed by a check id and must give a `reason` and `evidence`. A listed check
that fails becomes `expected-failure`; one that passes becomes `unexpected-pass` so the
stale entry gets removed. Entries that name no registered check are reported as stale too.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from conformance.paths import expectations_dir
from conformance.results.outcome import (
    EXPECTED_FAILURE, FAILED, PASSED, UNEXPECTED_PASS, CheckResult,
)


@dataclass(frozen=True)
class Expectation:
    check_id: str
    reason: str
    evidence: str


def load_expectations(target: str, directory: Path | None = None) -> dict[str, Expectation]:
    path = (directory or expectations_dir()) / f"{target}.toml"
    if not path.exists():
        return {}
    out = {}
    for check_id, raw in tomllib.loads(path.read_text()).items():
        if not raw.get("reason") or not raw.get("evidence"):
            raise ValueError(f"{path.name}: entry {check_id!r} needs a reason and evidence")
        out[check_id] = Expectation(check_id, raw["reason"], raw["evidence"])
    return out


def apply(result: CheckResult, expectations: dict[str, Expectation]) -> CheckResult:
    entry = expectations.get(result.id)
    if entry is None:
        return result
    result.reason = entry.reason
    if result.outcome == FAILED:
        result.outcome = EXPECTED_FAILURE
    elif result.outcome == PASSED:
        result.outcome = UNEXPECTED_PASS
        result.message = (f"listed as a known deviation ({entry.reason}) but passed: "
                          "remove the stale entry from the expectations file")
    return result
