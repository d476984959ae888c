"""`cognito-conformance baseline results.json [...]`: draft or refresh expectations entries.

Why: a new target (or a new batch of checks) starts with many failures; writing each
`expectations/<target>.toml` entry by hand is slow and error-prone. This prints one TOML
table per unexpected failure with `reason` drafted from the observed message, `evidence`
taken from the check itself (the AWS source it enforces) and `signature` (how it fails, so a
later change of that failure is red), for an author to read, correct and paste. Errors and
unexpected passes are listed as comments: an error is not a deviation, and an unexpected
pass means an entry is stale.

Several results files of one target (other seeds or profiles) are merged: a generated pair
(or a state-machine fact) records the union of the failure kinds (diverging steps) the runs
saw, so a run that meets fewer stays green; a hand-written check whose signature differs
between the runs is flagged.

`--update FILE` rewrites an existing expectations file in place instead: every entry's
`signature` is set from the runs (reasons, evidence and comments are kept), failing checks
not yet listed are appended as drafts, and what changed is summarised on stderr.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.results.outcome import (
    ERROR, EXPECTED_FAILURE, FAILED, PASSED, UNEXPECTED_PASS,
)
from conformance.signature import drawn

REASON_CHARS = 240
RUN_TOKEN = re.compile(r"ccf[\w-]*")  # run-specific names: drafts stay stable across runs
GENERATED_FIRST = re.compile(r"^\d+ of \d+ generated cases failed; first: ")
ERROR_CHARS = 200


def draft_entries(results_file: Path | list[Path], keep_expected: bool = False) -> str:
    """TOML for every unexpected failure; `keep_expected` also re-emits the entries that
    still hold (expected failures, with their current reason): a whole refreshed file."""
    doc = merged(results_file if isinstance(results_file, list) else [results_file])
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


# -- several runs of one target ----------------------------------------------------------------
FAILING = (FAILED, EXPECTED_FAILURE)
PASSING = (PASSED, UNEXPECTED_PASS)


def merged(files: list[Path]) -> dict[str, Any]:
    """The first run, with each check's signature merged over every run that failed it."""
    docs = [json.loads(Path(f).read_text()) for f in files]
    names = {str(d.get("target", {}).get("name")) for d in docs}
    if len(names) > 1:
        raise ValueError(f"baseline: results of different targets: {sorted(names)}")
    base = docs[0]
    others = [{c["id"]: c for c in d.get("checks", [])} for d in docs[1:]]
    for check in base.get("checks", []):
        for other in (o[check["id"]] for o in others if check["id"] in o):
            _merge(check, other)
    return base


def _merge(check: dict[str, Any], other: dict[str, Any]) -> None:
    if other.get("outcome") not in FAILING:
        return
    if check.get("outcome") not in FAILING:
        check.update(other)
        return
    mine, theirs = check.get("signature") or [], other.get("signature") or []
    if drawn(check["id"], check.get("category")):
        check["signature"] = sorted(set(mine) | set(theirs))
    elif sorted(mine) != sorted(theirs):
        check["unstable"] = [mine, theirs]


# -- --update: refresh the signatures of an existing file in place ------------------------------
HEADER = re.compile(r'^\[\s*"(?P<id>[^"]+)"\s*\]\s*$')


def update_file(path: Path, files: list[Path], prune: bool = False) -> str:
    """Rewrite `path` with every listed entry's signature taken from the runs; returns a
    one-paragraph summary (for stderr). Entries whose check did not fail are kept as they
    are and named in the summary (stale, or not run); with `prune`, the entries of checks
    that PASSED in every run are removed (a check that did not run, was unsupported or
    errored keeps its entry: nothing proves it stale)."""
    doc = merged(files)
    by_id = {c["id"]: c for c in doc.get("checks", [])}
    done = _rewrite(path.read_text().splitlines(), by_id, prune)
    lines = done.lines
    drafts = [c for c in sorted(by_id.values(), key=lambda c: c["id"])
              if c.get("outcome") == FAILED and c["id"] not in done.listed]
    target = str(doc.get("target", {}).get("name", "the target"))
    if drafts:
        lines += ["", "# --- drafted by `cognito-conformance baseline --update`: review ---", ""]
        for check in drafts:
            lines += _table(check, _reason(check, target))
    path.write_text("\n".join(lines).rstrip("\n") + "\n")
    unstable = [c["id"] for c in by_id.values() if c.get("unstable")]
    return (f"{path}: {done.signed} signatures set, {len(drafts)} entries drafted; "
            f"signature changed (review the reason): {done.changed or 'none'}; "
            f"listed but not failing (stale or not run): {done.not_failing or 'none'}; "
            f"removed as passing in every run: {done.pruned or 'none'}; "
            f"signature differs between the runs: {unstable or 'none'}")


@dataclass
class Rewrite:
    lines: list[str] = field(default_factory=list)
    listed: set[str] = field(default_factory=set)
    not_failing: list[str] = field(default_factory=list)
    signed: int = 0                                         # entries given a signature
    changed: list[str] = field(default_factory=list)        # ... that had another one
    pruned: list[str] = field(default_factory=list)         # entries removed (--prune)


def _rewrite(source: list[str], by_id: dict[str, dict[str, Any]], prune: bool = False,
             ) -> Rewrite:
    """Walk the file entry by entry; an entry with a new signature gets it right after its
    `evidence` line (an old `signature` line is dropped, and the entry named in `changed`:
    its reason may describe the old failure), any other line stays as it was. With `prune`
    a passing check's entry (its table up to the blank line after it) is dropped."""
    out = Rewrite()
    new: str | None = None
    current = ""
    dropping = False
    for line in source:
        match = HEADER.match(line)
        if dropping and not match:
            dropping = bool(line.strip())   # the entry's keys, then its blank line, go
            continue
        dropping = False
        if match and prune and by_id.get(match.group("id"), {}).get("outcome") in PASSING:
            out.pruned.append(match.group("id"))
            dropping = True
            continue
        if match:
            current = match.group("id")
            out.listed.add(current)
            new = _signature_line(by_id.get(current))
            if new is None:
                out.not_failing.append(current)
            out.signed += new is not None
        elif new is not None and line.startswith("signature"):
            if line.strip() != new:
                out.changed.append(current)
            continue
        out.lines.append(line)
        if new is not None and line.startswith("evidence"):
            out.lines.append(new)
    return out


def _signature_line(check: dict[str, Any] | None) -> str | None:
    if check is None or check.get("outcome") not in FAILING or not check.get("signature"):
        return None
    return "signature = [" + ", ".join(_quote(s) for s in check["signature"]) + "]"
