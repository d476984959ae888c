"""The console summary of a run and the exit code derived from results.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.results.outcome import ERROR, FAILED, UNEXPECTED_PASS

EXIT_OK, EXIT_UNEXPECTED, EXIT_TARGET = 0, 1, 3


def exit_code(doc: dict[str, Any]) -> int:
    checks = doc["checks"]
    if any(c["outcome"] == ERROR and c.get("unreachable") for c in checks):
        return EXIT_TARGET
    if any(c["outcome"] in (FAILED, UNEXPECTED_PASS, ERROR) for c in checks):
        return EXIT_UNEXPECTED
    return EXIT_OK


def print_summary(doc: dict[str, Any], path: Path) -> None:
    s = doc["summary"]
    target = doc["target"]
    print(f"\n{target['name']} {target.get('version', '')} at {target.get('endpoint', '')}: "
          f"{s['total']} checks: {s['passed']} passed, {s['failed']} failed, "
          f"{s['expected_failures']} expected failures, {s['unexpected_passes']} unexpected "
          f"passes, {s['unsupported']} unsupported, {s['errors']} errors; "
          f"score {s['score']:.1%}; {len(doc['observations'])} observations; "
          f"{doc['duration_s']:.1f}s")
    for c in doc["checks"]:
        if c["outcome"] in (FAILED, UNEXPECTED_PASS, ERROR):
            print(f"  {c['outcome'].upper():16} {c['id']}: {c['message']}")
    print(f"report: {path}")
