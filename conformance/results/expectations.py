"""Known deviations of a target, as data: conformance/expectations/<target>.toml.

Each entry is a table keyed by a check id with `reason` (what the target does instead),
`evidence` (the AWS source of the behaviour the check enforces) and `signature` (HOW the
check fails: conformance/signature.py; `cognito-conformance baseline` writes it).

Applying an entry to a result:
- failed with the recorded signature  -> `expected-failure`;
- failed with another signature       -> stays `failed`: "changed failure: was ..., now ...",
  so a deviation listed for its message never hides a new status, type or header problem;
- passed                              -> `unexpected-pass` (the entry is stale: remove it).
Generated pairs record their failure kinds, state-machine facts their diverging steps; such
a check fails only when a kind or step answer not recorded appears (fewer, or other counts,
are no change: which ones a run meets depends on its seed; conformance/signature.py).

An entry may carry `random = true`: its failing cases are random draws (fuzzing-phase
cases, state-machine sequences), so whether a run meets one depends on its seed, profile and
example count, not on the target. Failing as recorded is an `expected-failure` in any run;
passing stays `passed`, with a message saying the run drew none of the deviation's cases
(not an `unexpected-pass`: a pass proves nothing about a deviation the run never met, and
the same seed always gives the same verdict). `baseline --prune` still removes it once it
passes in every run given.

An entry may carry `profiles = ["nightly"]`: a deviation only that profile's settings can
meet at all. It applies to runs of those profiles only; in the others the check is judged
with no entry. A deviation that depends on the draw is `random`, not a profile list: a
profile list would call the same failure known under one seed and new under another.

The files are validated before any target starts (`validate`): TOML syntax, duplicate
tables, unknown keys, wrong types and ids that name no check are one line and exit 2, so a
typo never silently drops an entry.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from conformance.config import PROFILES, ConfigError
from conformance.paths import expectations_dir
from conformance.results.outcome import (
    EXPECTED_FAILURE, FAILED, PASSED, UNEXPECTED_PASS, CheckResult,
)
from conformance.signature import drawn, kinds_ok, render, same

KEYS = {"reason": str, "evidence": str, "signature": list}
OPTIONAL_KEYS = {"profiles": list, "random": bool}


class ExpectationsError(ConfigError):
    """A malformed expectations file (exit code 2, one line naming file, entry and problem)."""


@dataclass(frozen=True)
class Expectation:
    check_id: str
    reason: str
    evidence: str
    signature: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()  # empty: every profile
    random: bool = False             # its failing cases are random draws (see above)

    def applies_to(self, profile: str | None) -> bool:
        return profile is None or not self.profiles or profile in self.profiles

    def matches(self, result: CheckResult) -> bool:
        """Does the result fail the way this entry recorded?"""
        observed = list(result.signature or [])
        if drawn(result.id, result.category):
            return bool(observed) and kinds_ok(list(self.signature), observed)
        return same(list(self.signature), observed)


def expectations_path(target: str, directory: Path | None = None) -> Path:
    return (directory or expectations_dir()) / f"{target}.toml"


def load_expectations(target: str, directory: Path | None = None,
                      known_ids: Iterable[str] | None = None,
                      profile: str | None = None) -> dict[str, Expectation]:
    """The target's entries, validated (ExpectationsError on the first problem).

    `known_ids` (every registered check id) turns on the unknown-id check; without it the
    ids are not checked (self-tests that apply hand-made entries). With `profile`, only the
    entries that apply to that profile (see `profiles`)."""
    path = expectations_path(target, directory)
    if not path.exists():
        return {}
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExpectationsError(f"{path}: not valid TOML: {exc}") from None
    known = frozenset(known_ids) if known_ids is not None else None
    entries = {check_id: _entry(path, check_id, value, known)
               for check_id, value in raw.items()}
    return {k: e for k, e in entries.items() if e.applies_to(profile)}


def validate(target: str, directory: Path | None = None) -> dict[str, Expectation]:
    """Load and check the file against every registered check id (the CLI's pre-flight)."""
    return load_expectations(target, directory, known_check_ids())


def known_check_ids() -> frozenset[str]:
    """Ids an expectations entry may name: hand-written checks and generated pairs
    (observations never pass or fail, so listing one is an error)."""
    from conformance.checks import all_checks
    from conformance.generated.pairs import all_ids

    return frozenset([c.id for c in all_checks() if not c.is_observation] + all_ids())


def _entry(path: Path, check_id: str, value: Any,
           known: frozenset[str] | None) -> Expectation:
    where = f"{path}: entry {check_id!r}"
    if not isinstance(value, dict):
        raise ExpectationsError(f"{where}: must be a table ([\"{check_id}\"] with reason, "
                                "evidence and signature)")
    if known is not None and check_id not in known:
        hint = difflib.get_close_matches(check_id, sorted(known), n=1)
        raise ExpectationsError(f"{where}: no check has this id"
                                + (f" (did you mean {hint[0]!r}?)" if hint else ""))
    for key in value:
        if key not in KEYS and key not in OPTIONAL_KEYS:
            raise ExpectationsError(f"{where}: unknown key {key!r} (allowed: "
                                    f"{', '.join(sorted({**KEYS, **OPTIONAL_KEYS}))})")
    for key, kind in KEYS.items():
        _require(where, key, value.get(key), kind)
    profiles = value.get("profiles", [])
    if "profiles" in value:
        _require(where, "profiles", profiles, list)
        unknown = [p for p in profiles if p not in PROFILES]
        if unknown:
            raise ExpectationsError(f"{where}: unknown profile(s) {unknown} in 'profiles' "
                                    f"(choose from {sorted(PROFILES)})")
    random_draws = value.get("random", False)
    if not isinstance(random_draws, bool):
        raise ExpectationsError(f"{where}: 'random' must be true or false")
    return Expectation(check_id, value["reason"], value["evidence"],
                       tuple(value["signature"]), tuple(profiles), random_draws)


def _require(where: str, key: str, value: Any, kind: type) -> None:
    if value is None:
        raise ExpectationsError(f"{where}: missing {key!r}")
    if not isinstance(value, kind) or not value:
        raise ExpectationsError(f"{where}: {key!r} must be a non-empty {kind.__name__}")
    if kind is list and not all(isinstance(v, str) and v for v in value):
        raise ExpectationsError(f"{where}: {key!r} must list non-empty strings")


def apply(result: CheckResult, expectations: dict[str, Expectation]) -> CheckResult:
    entry = expectations.get(result.id)
    if entry is None:
        return result
    result.reason = entry.reason
    if result.outcome == FAILED:
        if entry.matches(result):
            result.outcome = EXPECTED_FAILURE
        else:
            result.message = f"changed failure: {_change(entry, result)}: {result.message}"
    elif result.outcome == PASSED and entry.random:
        result.message = ("known deviation with randomly drawn cases; this run drew none of "
                          f"them ({entry.reason})")
    elif result.outcome == PASSED:
        result.outcome = UNEXPECTED_PASS
        result.message = (f"listed as a known deviation ({entry.reason}) but passed: "
                          "remove the stale entry from the expectations file")
    return result


def _change(entry: Expectation, result: CheckResult) -> str:
    if drawn(result.id, result.category):
        new = sorted(set(result.signature or []) - set(entry.signature))
        return f"new failure kind(s) {', '.join(new)} (recorded: {render(list(entry.signature))})"
    return f"was {render(list(entry.signature))}, now {render(result.signature)}"
