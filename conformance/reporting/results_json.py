"""results.json: the one contract between running and reporting (schema in DESIGN.md).

Written atomically (temp file + rename) so a killed run never leaves half a file, and
passed through the secret scrubber as a whole before it touches disk.

The same holds for a whole report directory (results.json, summary.md, junit.xml,
allure-results/): a run writes into a staging directory (`stage`) and the complete report
is swapped in by rename (`publish`), so reports/<target>/ always holds the last complete
run. An interrupted run's partial report is marked `"interrupted": true` and set aside to
reports/interrupted/<target>/ (`set_aside`): one level deeper, so `matrix` (which reads
reports/*/results.json) never shows it as a target.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conformance.exchange import mask, scrub
from conformance.results.outcome import CheckResult, summarize
from conformance.spec.model import load_model

SCHEMA_VERSION = 1
STAGING_DIR = ".staging"          # reports/.staging/<unique>/<target>/ while a run writes
INTERRUPTED_DIR = "interrupted"   # reports/interrupted/<target>/: an interrupted run's report


def build(target: dict[str, Any], results: list[CheckResult], observations: list[CheckResult],
          started_at: datetime, duration_s: float, extra: dict[str, Any] | None = None
          ) -> dict[str, Any]:
    model = load_model()
    doc = {
        "schema": SCHEMA_VERSION,
        "target": target,
        "spec": {"service": model.metadata["endpointPrefix"], "api_version": model.api_version,
                 "model_sha256": model.sha256},
        "started_at": started_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_s": round(duration_s, 3),
        "summary": summarize(results),
        "checks": [r.to_json() for r in sorted(results, key=lambda r: r.id)],
        "observations": [_observation(o) for o in sorted(observations, key=lambda o: o.id)],
    }
    doc.update(extra or {})
    return mask(doc)


def _observation(result: CheckResult) -> dict[str, Any]:
    out = {"id": result.id, "operation": result.operation, "observed": result.observed,
           "outcome": "recorded" if result.outcome == "passed" else result.outcome,
           "message": result.message, "why": "AWS behaviour unknown or disputed",
           "evidence": result.evidence, "reproduce": result.reproduce}
    if result.unreachable:  # an error because the target stopped answering, as for checks
        out["unreachable"] = True
    return out


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are meant to be published
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(path: Path, doc: dict[str, Any]) -> None:
    write_atomic(path, scrub(json.dumps(doc, indent=2, sort_keys=False)) + "\n")


def read(path: Path) -> dict[str, Any]:
    doc = json.loads(Path(path).read_text())
    if doc.get("schema") != SCHEMA_VERSION:
        raise ValueError(f"{path}: results schema {doc.get('schema')!r} is not {SCHEMA_VERSION}")
    return doc


# -- report directories: staged, published whole, or set aside ------------------------------
def stage(report_dir: Path, target: str) -> Path:
    """A fresh, empty directory for this run's report of `target` (unique per run, on the
    same filesystem as the final one so `publish` is a rename)."""
    root = Path(report_dir) / STAGING_DIR
    root.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(dir=root, prefix=f"{target}-")) / target
    staged.mkdir()
    return staged


def publish(staged: Path, final: Path) -> None:
    """Swap a complete staged report in for the previous one (two renames, no copy)."""
    previous = staged.parent / f"{staged.name}.previous"
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        os.replace(final, previous)
    os.replace(staged, final)
    shutil.rmtree(previous, ignore_errors=True)


def aside_dir(report_dir: Path, target: str) -> Path:
    return Path(report_dir) / INTERRUPTED_DIR / target


def set_aside(staged: Path, dest: Path, target: str) -> None:
    """Mark the staged report interrupted (writing a results.json with nothing in it when
    the run stopped before any result) and move it to `dest`, replacing an older one."""
    path = staged / "results.json"
    doc = read(path) if path.exists() else build(
        {"name": target}, [], [], datetime.now(timezone.utc), 0.0, extra={"unrecorded": []})
    doc["interrupted"] = True
    staged.mkdir(parents=True, exist_ok=True)
    write(path, doc)
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, dest)


def discard(staged: Path) -> None:
    """Remove what is left of a staging directory (and the staging root once empty)."""
    shutil.rmtree(staged.parent, ignore_errors=True)
    try:
        staged.parent.parent.rmdir()
    except OSError:
        pass  # another run is staging, or it is already gone
