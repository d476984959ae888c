"""reports/<target>/summary.md: one run, readable on GitHub or in a CI artifact.

Why a separate writer: results.json is for machines; an emulator author wants the list of
deviations with the AWS evidence and a command to reproduce each one. The summary is built
from results.json alone (never from a target), deviations first (unexpected outcomes, then
known deviations, then unsupported), passed checks only counted. The text goes through the
secret scrubber as a whole before it is written, like results.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conformance.exchange import scrub
from conformance.reporting.results_json import write_atomic
from conformance.results.outcome import (
    ERROR, EXPECTED_FAILURE, FAILED, PASSED, UNEXPECTED_PASS, UNSUPPORTED,
)

# Sections of non-passing checks, most urgent first: (outcome, heading).
SECTIONS: tuple[tuple[str, str], ...] = (
    (FAILED, "Failed"), (ERROR, "Errors"), (UNEXPECTED_PASS, "Unexpected passes"),
    (EXPECTED_FAILURE, "Known deviations: expected failures"), (UNSUPPORTED, "Unsupported"),
)
# (summary key, column label) of the counts table.
COUNTS: tuple[tuple[str, str], ...] = (
    ("total", "checks"), ("passed", PASSED), ("failed", FAILED),
    ("expected_failures", EXPECTED_FAILURE), ("unexpected_passes", UNEXPECTED_PASS),
    ("unsupported", UNSUPPORTED), ("errors", ERROR),
)


def cell(value: Any) -> str:
    """One Markdown table cell: no pipes or line breaks."""
    return str(value).replace("|", "\\|").replace("\n", " ").strip()


def fenced(text: str, lang: str = "") -> list[str]:
    """A fenced code block whose fence is longer than any backtick run inside `text`."""
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return [fence + lang, text, fence]


def _longest_backticks(text: str) -> int:
    best = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        best = max(best, run)
    return best


def header(doc: dict[str, Any]) -> list[str]:
    target = doc["target"]
    return [f"# {target['name']} {target.get('version', '')}".rstrip(), "",
            f"Endpoint `{target.get('endpoint', '')}`, started {doc['started_at']}, "
            f"{doc['duration_s']:.1f}s; spec {doc['spec']['service']} "
            f"{doc['spec']['api_version']}.", ""]


def counts(summary: dict[str, Any]) -> list[str]:
    labels = [label for _, label in COUNTS] + ["score"]
    values = [str(summary.get(key, 0)) for key, _ in COUNTS] + [f"{summary['score']:.1%}"]
    return ["| " + " | ".join(labels) + " |", "|" + "---|" * len(labels),
            "| " + " | ".join(values) + " |", ""]


def check_block(check: dict[str, Any]) -> list[str]:
    lines = [f"### `{check['id']}` ({check['operation']}, {check['category']})", ""]
    if check.get("message"):
        lines += [cell(check["message"]), ""]
    if check.get("reason"):
        lines += [f"Known deviation: {cell(check['reason'])}", ""]
    lines += [f"- expected: `{_compact(check.get('expected'))}`",
              f"- observed: `{_compact(check.get('observed'))}`"]
    lines += [f"- evidence: {evidence_link(item)}" for item in check.get("evidence", [])]
    if check.get("reproduce"):
        lines += ["", *fenced(check["reproduce"], "sh")]
    return lines + [""]


def evidence_link(item: str) -> str:
    """`https://x (note)` -> `<https://x> (note)`; a non-URL source stays plain text."""
    url, _, note = item.partition(" ")
    if url.startswith(("https://", "http://")):
        return f"<{url}> {cell(note)}".rstrip()
    return cell(item)


def _compact(value: Any) -> str:
    return json.dumps(value or {}, sort_keys=True).replace("`", "'")


def sections(checks: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for outcome, heading in SECTIONS:
        matching = [c for c in checks if c["outcome"] == outcome]
        if matching:
            lines += [f"## {heading} ({len(matching)})", ""]
            for check in matching:
                lines += check_block(check)
    return lines or ["Every check passed.", ""]


def observations(items: list[dict[str, Any]]) -> list[str]:
    if not items:
        return []
    lines = [f"## Observations ({len(items)})", "",
             "What the target did where AWS's behaviour is unknown or disputed: "
             "never a pass or a fail.", "", "| observation | operation | observed |",
             "|---|---|---|"]
    lines += [f"| `{o['id']}` | {o['operation']} | {observed(o)} |" for o in items]
    return lines + [""]


def observed(item: dict[str, Any]) -> str:
    """The observed values, or why the observation could not be made."""
    if item.get("outcome", "recorded") != "recorded":
        return cell(f"{item['outcome']}: {item.get('message', '')}")
    return f"`{cell(_compact(item.get('observed')))}`"


def render_summary(doc: dict[str, Any]) -> str:
    """The whole summary.md of one results.json document (secrets scrubbed)."""
    lines = (header(doc) + _interrupted(doc) + counts(doc["summary"]) + sections(doc["checks"])
             + observations(doc.get("observations", [])))
    return scrub("\n".join(lines).rstrip() + "\n")


def _interrupted(doc: dict[str, Any]) -> list[str]:
    if not doc.get("interrupted"):
        return []
    return ["**Interrupted:** this run was stopped before it finished; only what ran is "
            "listed, and nothing here stands for the whole suite.", ""]


def write_summary(doc: dict[str, Any], path: Path) -> Path:
    write_atomic(path, render_summary(doc))
    return path
