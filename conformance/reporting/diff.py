"""What changed between two runs: per check id, outcome old -> new, regressions flagged.

Why: nightly CI compares tonight's results.json with last night's and must fail only on an
unexpected change. A change is a regression when a check *became* failed, error or
unexpected-pass (including a new check that arrives in one of those states), or when a
check that passed disappeared (a silently dropped check must not look like progress).
Observations never pass or fail: a changed observed value is listed, never a regression.
Both inputs are results.json files (or the reports/<target>/ directories holding them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.config import ConfigError
from conformance.exchange import scrub
from conformance.reporting.results_json import read
from conformance.results.outcome import ERROR, FAILED, PASSED, UNEXPECTED_PASS

BAD = (FAILED, ERROR, UNEXPECTED_PASS)
CHECK, OBSERVATION = "check", "observation"
ABSENT = "absent"  # how a missing side is written


@dataclass(frozen=True)
class Change:
    id: str
    old: str | None           # outcome (checks) or compact observed JSON (observations)
    new: str | None
    kind: str = CHECK

    @property
    def regression(self) -> bool:
        if self.kind != CHECK:
            return False
        return (self.new in BAD and self.old != self.new) or (
            self.old == PASSED and self.new is None)

    @property
    def added(self) -> bool:
        return self.old is None

    @property
    def removed(self) -> bool:
        return self.new is None


def _load(path: Path) -> dict[str, Any]:
    """A results.json (or the directory holding one); ConfigError (exit 2) when unreadable."""
    path = Path(path)
    path = path / "results.json" if path.is_dir() else path
    try:
        return read(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read results {path}: {exc}") from exc


def _outcomes(doc: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["outcome"] for c in doc["checks"]}


def _observed(doc: dict[str, Any]) -> dict[str, str]:
    return {o["id"]: json.dumps(o.get("observed"), sort_keys=True)
            for o in doc.get("observations", [])}


def _changes(old: dict[str, str], new: dict[str, str], kind: str) -> list[Change]:
    return [Change(key, old.get(key), new.get(key), kind) for key in sorted(set(old) | set(new))
            if old.get(key) != new.get(key)]


def diff_runs(old_path: Path, new_path: Path) -> list[Change]:
    """Every check whose outcome changed, appeared or disappeared, then observation changes."""
    old, new = _load(old_path), _load(new_path)
    for path, doc in ((old_path, old), (new_path, new)):
        if doc.get("interrupted"):
            raise ConfigError(f"{path} is an interrupted run: compare complete runs")
    return (_changes(_outcomes(old), _outcomes(new), CHECK)
            + _changes(_observed(old), _observed(new), OBSERVATION))


# (heading, which changes) in the order render_diff lists them.
SECTIONS = (
    ("Regressions", lambda c: c.regression),
    ("New checks", lambda c: c.kind == CHECK and c.added and not c.regression),
    ("Removed checks", lambda c: c.kind == CHECK and c.removed and not c.regression),
    ("Other changes", lambda c: c.kind == CHECK and not (c.regression or c.added or c.removed)),
    ("Observations changed (never pass/fail)", lambda c: c.kind == OBSERVATION),
)


def _line(change: Change) -> str:
    return f"- `{change.id}`: {change.old or ABSENT} -> {change.new or ABSENT}"


def render_diff(changes: list[Change]) -> str:
    """Markdown: regressions first; `No changes.` when both runs agree."""
    if not changes:
        return "No changes.\n"
    lines = [f"{sum(c.regression for c in changes)} regression(s), {len(changes)} change(s)", ""]
    for heading, wanted in SECTIONS:
        picked = [c for c in changes if wanted(c)]
        if picked:
            lines += [f"## {heading} ({len(picked)})", *map(_line, picked), ""]
    return scrub("\n".join(lines).rstrip() + "\n")
