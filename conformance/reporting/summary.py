"""The console summary of a run and the exit code derived from results.json.

The exit code is never green for a report that cannot stand for a whole run: an interrupted
run exits 130 whatever ran, and an id the check runner recorded no result for (listed in
`unrecorded`, also an observation's) is an unexpected error (1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.results.outcome import ERROR, FAILED, UNEXPECTED_PASS

EXIT_OK, EXIT_UNEXPECTED, EXIT_TARGET, EXIT_INTERRUPTED = 0, 1, 3, 130


def exit_code(doc: dict[str, Any]) -> int:
    checks = doc["checks"]
    if doc.get("interrupted"):
        return EXIT_INTERRUPTED
    if any(c["outcome"] == ERROR and c.get("unreachable") for c in checks):
        return EXIT_TARGET
    if doc.get("unrecorded"):
        return EXIT_UNEXPECTED
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
          f"score {s['score']:.1%} with {s['expected_failures']} known deviations; "
          f"{len(doc['observations'])} observations; "
          f"{doc['duration_s']:.1f}s")
    for c in doc["checks"]:
        if c["outcome"] in (FAILED, UNEXPECTED_PASS, ERROR):
            print(f"  {c['outcome'].upper():16} {c['id']}: {c['message']}")
    unrecorded = set(doc.get("unrecorded", []))
    for o in doc["observations"]:
        if o["id"] in unrecorded:
            print(f"  {o['outcome'].upper():16} {o['id']}: {o['message']}")
    print(f"report: {path}")
