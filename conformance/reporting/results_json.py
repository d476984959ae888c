"""results.json: the one contract between running and reporting (schema in DESIGN.md).

Written atomically (temp file + rename) so a killed run never leaves half a file, and
passed through the secret scrubber as a whole before it touches disk.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conformance.exchange import mask, scrub
from conformance.results.outcome import CheckResult, summarize
from conformance.spec.model import load_model

SCHEMA_VERSION = 1


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
    return {"id": result.id, "operation": result.operation, "observed": result.observed,
            "outcome": "recorded" if result.outcome == "passed" else result.outcome,
            "message": result.message, "why": "AWS behaviour unknown or disputed",
            "evidence": result.evidence, "reproduce": result.reproduce}


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
