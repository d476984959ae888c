"""`cognito-conformance baseline results.json`: draft expectations entries for review.

Why: a new target (or a new batch of checks) starts with many failures; writing each
`expectations/<target>.toml` entry by hand is slow and error-prone. This prints one TOML
table per unexpected failure with `reason` drafted from the observed message, `evidence`
taken from the check itself (the AWS source it enforces) and `signature` (how it fails, so a
later change of that failure is red), for an author to read, correct and paste. Errors and unexpected passes are listed as comments: an error is not a deviation, and
an unexpected pass means an entry is stale.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from conformance.results.outcome import EXPECTED_FAILURE, ERROR, FAILED, UNEXPECTED_PASS

REASON_CHARS = 240
RUN_TOKEN = re.compile(r"ccf[\w-]*")  # run-specific names: drafts stay stable across runs
GENERATED_FIRST = re.compile(r"^\d+ of \d+ generated cases failed; first: ")
ERROR_CHARS = 200


def draft_entries(results_file: Path, keep_expected: bool = False) -> str:
    """TOML for every unexpected failure; `keep_expected` also re-emits the entries that
    still hold (expected failures, with their current reason): a whole refreshed file."""
    doc = json.loads(results_file.read_text())
    target = doc.get("target", {})
    lines = [f"# Drafted by `cognito-conformance baseline` from a run against "
             f"{target.get('name')} {target.get('version', '')}: review every reason.", ""]
    checks = sorted(doc.get("checks", []), key=lambda c: c["id"])
    for check in checks:
        if keep_expected and check.get("outcome") == EXPECTED_FAILURE:
            lines.extend(_kept(check))
        else:
            lines.extend(_entry(check, str(target.get("name", "the target"))))
    return "\n".join(lines + _errors(checks)) + "\n"


def _entry(check: dict[str, Any], target: str) -> list[str]:
    outcome = check.get("outcome")
    if outcome == FAILED and check.get("reason"):  # listed, but it now fails another way
        return ["# changed failure: check that the reason still describes it",
                *_table(check, str(check["reason"]))]
    if outcome == FAILED:
        return _table(check, _reason(check, target))
    if outcome == UNEXPECTED_PASS:
        return [f"# stale entry, remove: {check['id']}", ""]
    return []


def _kept(check: dict[str, Any]) -> list[str]:
    return _table(check, str(check.get("reason") or _one_line(check.get("message"))))


def _table(check: dict[str, Any], reason: str) -> list[str]:
    signature = ", ".join(_quote(s) for s in check.get("signature") or ["TODO"])
    return [f"[{_quote(check['id'])}]", f"reason = {_quote(reason)}",
            f"evidence = {_quote(_evidence(check))}", f"signature = [{signature}]", ""]


def _errors(checks: list[dict[str, Any]]) -> list[str]:
    """Errors grouped by message: fix the setup or the harness, do not list them."""
    groups: dict[str, list[str]] = {}
    for check in checks:
        if check.get("outcome") == ERROR:
            message = _one_line(check.get("message"))[:ERROR_CHARS]
            groups.setdefault(message, []).append(check["id"])
    lines = []
    for message, ids in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"# error, not a deviation ({len(ids)} checks): {message}")
        lines.extend(f"#   {check_id}" for check_id in ids)
    return lines


def _reason(check: dict[str, Any], target: str) -> str:
    """`<target>: <what it did>`, without counts or run-specific names."""
    text = RUN_TOKEN.sub("<name>", _one_line(check.get("message") or "fails this check"))
    if GENERATED_FIRST.match(text):
        text = "some generated cases fail, e.g. " + GENERATED_FIRST.sub("", text)
    return f"{target}: {text}"[:REASON_CHARS]


def _evidence(check: dict[str, Any]) -> str:
    evidence = check.get("evidence") or []
    if isinstance(evidence, str):
        return evidence
    return str(evidence[0]) if evidence else "TODO: the AWS source this check enforces"


def _one_line(text: Any) -> str:
    return " ".join(str(text or "").split())


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string
