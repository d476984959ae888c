"""shields.io endpoint badges, one per target: reports/badges/<target>.json.

`cognito-conformance badges reports/` reads every reports/<target>/results.json (complete
runs only: an interrupted report lives one level deeper and is never read) and writes
{"schemaVersion": 1, "label": "<target> conformance", "message": "36.8 %", "color": ...};
a README shows it with https://img.shields.io/endpoint?url=<raw URL of the JSON>. The
score is results.json's (passed + unexpected passes) / (total - unsupported).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BADGES_DIR = "badges"
# (lowest score, colour), best first
COLORS = ((0.9, "brightgreen"), (0.75, "green"), (0.5, "yellow"), (0.25, "orange"),
          (0.0, "red"))


def color(score: float) -> str:
    return next(c for floor, c in COLORS if score >= floor)


def badge(doc: dict[str, Any]) -> dict[str, Any]:
    score = float(doc["summary"]["score"])
    return {"schemaVersion": 1, "label": f"{doc['target']['name']} conformance",
            "message": f"{score * 100:.1f} %", "color": color(score)}


def write_badges(reports: Path) -> list[Path]:
    """One badge per reports/<target>/results.json; returns the files written."""
    out = Path(reports) / BADGES_DIR
    written = []
    for results in sorted(Path(reports).glob("*/results.json")):
        doc = json.loads(results.read_text())
        if doc.get("interrupted"):
            continue
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{doc['target']['name']}.json"
        path.write_text(json.dumps(badge(doc)) + "\n")
        written.append(path)
    return written
