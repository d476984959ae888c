"""reports/<target>/summary.md: one run, read by a person in a minute.

Why a separate writer: results.json is for machines and holds every detail; the summary
answers "how did this target do, and what needs my attention?". Totals and a table per
category first; then the unexpected results (failed, error, unexpected pass) with their
message, signature, evidence and reproduction; then the known deviations grouped by reason
(one line per reason: the reason and the check ids, no reproduction: the deviation is
known); unsupported checks grouped by why; the observations in a compact table. Full detail
(expected/observed, evidence and reproduction of every check) stays in results.json and the
matrix page (reports/index.html). Built from results.json alone (never from a target); the
text goes through the secret scrubber as a whole before it is written, like results.json.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conformance.exchange import scrub
from conformance.reporting.results_json import write_atomic
from conformance.results.outcome import (
    ERROR, EXPECTED_FAILURE, FAILED, PASSED, UNEXPECTED_PASS, UNSUPPORTED,
)

UNEXPECTED = (FAILED, ERROR, UNEXPECTED_PASS)  # in this order: most urgent first
# (outcome, column label) of the per-category table.
CATEGORY_COLUMNS: tuple[tuple[str, str], ...] = (
    (PASSED, "passed"), (EXPECTED_FAILURE, "known"), (FAILED, "failed"), (ERROR, "error"),
    (UNEXPECTED_PASS, "unexpected pass"), (UNSUPPORTED, "unsupported"),
)
CATEGORY_ORDER = ("wire", "status-mapping", "validation", "shape", "state", "generated",
                  "security", "client")
VALUE_LIMIT = 100  # characters of an observed value in the observations table
_GENERATED_OBS = re.compile(r"^generated\.(?P<op>[^.]+)\.(?P<kind>[a-z-]+)$")
_OBSERVED_KEYS = ("status", "type")


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


def code(value: Any) -> str:
    """Inline code that survives backticks inside (they become ')."""
    return f"`{cell(str(value).replace('`', chr(39)))}`"


def header(doc: dict[str, Any]) -> list[str]:
    target = doc["target"]
    run = doc.get("run") or {}
    profile = (f"; profile {run.get('profile')}, seed {run.get('seed')}"
               if run.get("profile") else "")
    return [f"# {target['name']} {target.get('version', '')}".rstrip(), "",
            f"Endpoint `{target.get('endpoint', '')}`, started {doc['started_at']}, "
            f"{doc['duration_s']:.1f}s; spec {doc['spec']['service']} "
            f"{doc['spec']['api_version']}{profile}.", ""]


def totals(doc: dict[str, Any]) -> list[str]:
    s = doc["summary"]
    behaved = s.get("passed", 0) + s.get("unexpected_passes", 0)
    ran = s.get("total", 0) - s.get("unsupported", 0)
    unexpected = s.get("failed", 0) + s.get("errors", 0) + s.get("unexpected_passes", 0)
    verdict = (f"**{unexpected} unexpected** (below, first)" if unexpected
               else "nothing unexpected")
    line = (f"**Score {s['score']:.1%}** with {s.get('expected_failures', 0)} known deviations: "
            f"{behaved} of {ran} checks behaved like AWS; {verdict}; "
            f"{len(doc.get('observations', []))} observations.")
    return [line, ""]


def by_category(checks: list[dict[str, Any]]) -> list[str]:
    """One row per category and the totals: how many checks, how many of each outcome
    (columns no check has dropped, passed and known always shown)."""
    if not checks:
        return []
    found = {c.get("category", "") for c in checks}
    cats = [c for c in CATEGORY_ORDER if c in found] + sorted(found - set(CATEGORY_ORDER))
    columns = [(o, label) for o, label in CATEGORY_COLUMNS
               if o in (PASSED, EXPECTED_FAILURE) or any(c["outcome"] == o for c in checks)]
    lines = ["## By category", "",
             "| category | checks | " + " | ".join(label for _, label in columns) + " |",
             "|---" * (len(columns) + 2) + "|"]
    for cat in cats:
        mine = [c["outcome"] for c in checks if c.get("category", "") == cat]
        lines.append(f"| {cell(cat)} | {len(mine)} | "
                     + " | ".join(str(mine.count(o)) for o, _ in columns) + " |")
    every = [c["outcome"] for c in checks]
    lines.append(f"| **all** | **{len(every)}** | "
                 + " | ".join(f"**{every.count(o)}**" for o, _ in columns) + " |")
    return lines + [""]


def unexpected(checks: list[dict[str, Any]]) -> list[str]:
    """Failed, errors, unexpected passes: everything that needs a person, with detail."""
    found = [c for o in UNEXPECTED for c in checks if c["outcome"] == o]
    if not found:
        known_ones = any(c["outcome"] == EXPECTED_FAILURE for c in checks)
        why = ("every deviation is a known one" if known_ones else
               "every check behaved like AWS" if checks else "no check ran")
        return ["## Unexpected results (0)", "", f"None: {why}.", ""]
    lines = [f"## Unexpected results ({len(found)})", ""]
    for check in found:
        lines += check_block(check)
    return lines


def check_block(check: dict[str, Any]) -> list[str]:
    lines = [f"### {check['outcome']}: `{check['id']}` ({check['operation']}, "
             f"{check['category']})", ""]
    if check.get("message"):
        lines += [cell(check["message"]), ""]
    if check.get("reason"):
        lines += [f"Known deviation listed: {cell(check['reason'])}", ""]
    if check.get("signature"):
        lines.append("- signature: " + ", ".join(code(s) for s in check["signature"]))
    if check.get("expected") or check.get("observed"):
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


def _compact(value: Any, limit: int | None = None) -> str:
    text = json.dumps(value or {}, sort_keys=True).replace("`", "'")
    return text if limit is None or len(text) <= limit else text[:limit] + "…"


def known(checks: list[dict[str, Any]]) -> list[str]:
    """Expected failures grouped by their reason: one line per reason, the ids after it."""
    found = [c for c in checks if c["outcome"] == EXPECTED_FAILURE]
    if not found:
        return []
    groups: dict[str, list[str]] = {}
    for c in found:
        groups.setdefault(cell(c.get("reason") or "(no reason recorded)"), []).append(c["id"])
    order = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
    lines = [f"## Known deviations ({len(found)} checks, {len(groups)} reasons, "
             "each failing as its expectations entry records)", ""]
    lines += [f"- {reason}: " + ", ".join(f"`{i}`" for i in ids) for reason, ids in order]
    return lines + [""]


def unsupported(checks: list[dict[str, Any]]) -> list[str]:
    found = [c for c in checks if c["outcome"] == UNSUPPORTED]
    if not found:
        return []
    groups: dict[str, list[str]] = {}
    for c in found:
        groups.setdefault(cell(c.get("message") or "unsupported"), []).append(c["id"])
    lines = [f"## Unsupported ({len(found)})", ""]
    lines += [f"- {why}: " + ", ".join(f"`{i}`" for i in ids) for why, ids in groups.items()]
    return lines + [""]


def observations(items: list[dict[str, Any]]) -> list[str]:
    """Hand-written observations one row each; generated ones one row per operation (its
    unknown-member and null-optional answers side by side)."""
    if not items:
        return []
    plain = [o for o in items if not _GENERATED_OBS.match(o["id"])]
    generated: dict[str, dict[str, str]] = {}
    for o in items:
        m = _GENERATED_OBS.match(o["id"])
        if m:
            generated.setdefault(m["op"], {})[m["kind"]] = observed(o)
    lines = [f"## Observations ({len(items)}: what the target did where AWS's behaviour is "
             "unknown or disputed, never a pass or a fail)", ""]
    if plain:
        lines += ["| observation | observed |", "|---|---|"]
        lines += [f"| `{o['id']}` | {observed(o)} |" for o in plain]
        lines.append("")
    if generated:
        kinds = sorted({k for answers in generated.values() for k in answers})
        lines += ["| generated.&lt;Operation&gt;.… answers | " + " | ".join(kinds) + " |",
                  "|---" * (len(kinds) + 1) + "|"]
        lines += [f"| {op} | " + " | ".join(answers.get(k, "-") for k in kinds) + " |"
                  for op, answers in sorted(generated.items())]
        lines.append("")
    return lines


def observed(item: dict[str, Any]) -> str:
    """The observed value, compact; or why the observation could not be made."""
    if item.get("outcome", "recorded") != "recorded":
        return cell(f"{item['outcome']}: {item.get('message', '')}")
    value = item.get("observed")
    if isinstance(value, dict) and set(value) == {"cases", "answers"}:
        answers = ", ".join(f"{k} ×{v}" for k, v in value["answers"].items())
        return code(answers)
    if isinstance(value, dict) and any(k in value for k in _OBSERVED_KEYS):
        head = " ".join(str(value[k]) for k in _OBSERVED_KEYS if value.get(k) is not None)
        rest = {k: v for k, v in value.items() if k not in _OBSERVED_KEYS and k != "message"}
        text = head + (f" {_compact(rest)}" if rest else "")
        return code(text if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT] + "…")
    return code(_compact(value, VALUE_LIMIT))


# -- client impact (issue 14): does a deviation break a real client? --------------------------
DEVIATED = (FAILED, EXPECTED_FAILURE)        # the target deviated (a known deviation too)
COPES = (PASSED, UNEXPECTED_PASS)            # the client surfaced what it does for AWS


def impact(links: list[dict[str, Any]]) -> str:
    """One line from a check's `client_links`: `all clients cope (boto3, cli, js)`,
    `breaks js signup-unknown-client: ResourceNotFoundException modeled 400 -> parse
    SyntaxError generic 400 (copes: boto3, cli)`, or `clients not judged (unsupported)`."""
    broken = [x for x in links if x.get("outcome") in DEVIATED]
    coping = sorted({str(x.get("client")) for x in links if x.get("outcome") in COPES})
    if broken:
        parts = []
        for x in broken:
            how = (f"{x['aws_surfaces']} -> {x.get('surfaced')}" if x.get("aws_surfaces")
                   else str(x.get("surfaced") or x.get("outcome")))
            parts.append(f"{x.get('client')} {str(x.get('id', '')).rsplit('.', 1)[-1]}: {how}")
        return "breaks " + "; ".join(parts) + (f" (copes: {', '.join(coping)})" if coping
                                               else "")
    if coping:
        return f"all clients cope ({', '.join(coping)})"
    return "clients not judged (" + ", ".join(sorted({str(x.get("outcome")) for x in links})) \
        + ")"


def broken_clients(links: list[dict[str, Any]]) -> set[str]:
    return {str(x.get("client")) for x in links if x.get("outcome") in DEVIATED}


def client_impact(doc: dict[str, Any]) -> list[str]:
    """For each wire/status/state check the target deviates on that has client checks of
    the same behaviour in the run: whether every client copes or which one breaks, and per
    client how many of those deviations break it."""
    links = doc.get("client_links") or {}
    deviating = [c for c in doc["checks"] if c["outcome"] in DEVIATED and links.get(c["id"])]
    if not deviating:
        return []
    clients = sorted({str(x.get("client")) for c in deviating for x in links[c["id"]]})
    lines = [f"## Client impact ({len(deviating)} deviations judged by client checks too)", "",
             "Does the deviation reach the application? Each line: what the linked client "
             "checks (`client.<client>.<scenario>`, same operation and fact) surfaced.", ""]
    for client in clients:
        judged = [c for c in deviating if any(x.get("client") == client
                                               and x.get("outcome") in DEVIATED + COPES
                                               for x in links[c["id"]])]
        parts = []
        for category in sorted({c.get("category", "") for c in judged},
                               key=lambda k: (k not in CATEGORY_ORDER, CATEGORY_ORDER.index(k)
                                              if k in CATEGORY_ORDER else 0, k)):
            mine = [c for c in judged if c.get("category", "") == category]
            broken = [c["id"] for c in mine if client in broken_clients(links[c["id"]])]
            parts.append(f"{category} {len(broken)} of {len(mine)}"
                         + (" (" + ", ".join(f"`{i}`" for i in broken) + ")" if broken else ""))
        lines.append(f"- **{client}** breaks on: " + "; ".join(parts))
    lines.append("")
    lines += [f"- `{c['id']}` ({c['outcome']}): {cell(impact(links[c['id']]))}"
              for c in deviating]
    return lines + [""]


def footer(doc: dict[str, Any]) -> list[str]:
    return ["Every check's expected and observed values, evidence and reproduction: "
            "`results.json` beside this file; all targets side by side: `../index.html` "
            "(after `run --target all` or `cognito-conformance matrix`)."]


def render_summary(doc: dict[str, Any]) -> str:
    """The whole summary.md of one results.json document (secrets scrubbed)."""
    checks = doc["checks"]
    lines = (header(doc) + _interrupted(doc) + totals(doc) + by_category(checks)
             + unexpected(checks) + _unrecorded(doc) + known(checks) + client_impact(doc)
             + unsupported(checks) + observations(doc.get("observations", [])) + footer(doc))
    return scrub("\n".join(lines).rstrip() + "\n")


def _interrupted(doc: dict[str, Any]) -> list[str]:
    if not doc.get("interrupted"):
        return []
    return ["**Interrupted:** this run was stopped before it finished; only what ran is "
            "listed, and nothing here stands for the whole suite.", ""]


def _unrecorded(doc: dict[str, Any]) -> list[str]:
    """Observations that recorded no result (checks that did are already errors above)."""
    ids = set(doc.get("unrecorded") or [])
    lost = [o for o in doc.get("observations", []) if o["id"] in ids]
    if not lost:
        return []
    return [f"Observations that recorded no result ({len(lost)}): "
            + ", ".join(f"`{o['id']}`" for o in lost), ""]


def write_summary(doc: dict[str, Any], path: Path) -> Path:
    write_atomic(path, render_summary(doc))
    return path
