"""The cross-target matrix: one row per check id, one column per target, read from reports/.

Why: a team choosing an emulator or vendor wants one page that answers "where does each
target behave like AWS?". The matrix is built only from reports/<target>/results.json (never
from a target), so runs made at different times or on different machines can be compared.
Outcomes become symbols (LEGEND, data); a check a target did not run is shown as not run,
never as a pass. Observations are never pass or fail: their observed values sit side by side
in a separate table. Markdown for terminals and GitHub, static HTML (no JS) for CI artifacts.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.config import ConfigError
from conformance.exchange import scrub
from conformance.reporting.results_json import read, write_atomic
from conformance.results.outcome import (
    ERROR, EXPECTED_FAILURE, FAILED, PASSED, UNEXPECTED_PASS, UNSUPPORTED,
)

NOT_RUN = "not-run"
RECORDED = "recorded"  # the outcome of an observation that was made
# outcome -> (symbol, meaning); the order is the legend's and the counts' order.
LEGEND: dict[str, tuple[str, str]] = {
    PASSED: ("✅", "passed"),
    FAILED: ("❌", "failed"),
    EXPECTED_FAILURE: ("⚠️", "expected failure (known deviation, listed in expectations)"),
    UNEXPECTED_PASS: ("❗", "unexpected pass (expectation entry is stale)"),
    UNSUPPORTED: ("➖", "unsupported (target lacks a capability)"),
    ERROR: ("💥", "error (harness or target broke)"),
    NOT_RUN: ("·", "not run against this target"),
}
_OBSERVED_KEYS = ("status", "type")  # what an observation cell shows first, when present
MATRIX_FILES = ("matrix.md", "matrix.html")


@dataclass(frozen=True)
class Run:
    """One target's results.json, keyed by its report directory name."""

    name: str
    doc: dict[str, Any]

    @property
    def label(self) -> str:
        version = self.doc["target"].get("version", "")
        return f"{self.name} {version}".strip()

    def outcome(self, check_id: str) -> str:
        return self._outcomes().get(check_id, NOT_RUN)

    def observation(self, obs_id: str) -> dict[str, Any] | None:
        for item in self.doc.get("observations", []):
            if item["id"] == obs_id:
                return item
        return None

    def _outcomes(self) -> dict[str, str]:
        return {c["id"]: c["outcome"] for c in self.doc["checks"]}


def load_runs(reports_dir: Path) -> list[Run]:
    """Every reports/<target>/results.json, sorted by target; ConfigError when there is none."""
    paths = sorted(Path(reports_dir).glob("*/results.json"))
    if not paths:
        raise ConfigError(f"no */results.json under {reports_dir}: run the suite first")
    try:
        return [Run(p.parent.name, read(p)) for p in paths]
    except ValueError as exc:
        raise ConfigError(f"unreadable results: {exc}") from exc


def check_ids(runs: list[Run]) -> list[str]:
    return sorted({c["id"] for run in runs for c in run.doc["checks"]})


def observation_ids(runs: list[Run]) -> list[str]:
    return sorted({o["id"] for run in runs for o in run.doc.get("observations", [])})


def symbol(outcome: str) -> str:
    return LEGEND.get(outcome, ("?", outcome))[0]


def score_cell(run: Run) -> str:
    return f"{run.doc['summary']['score']:.1%}"


def counts_cell(run: Run) -> str:
    outcomes = [c["outcome"] for c in run.doc["checks"]]
    return " ".join(f"{outcomes.count(o)}{symbol(o)}" for o in LEGEND if o != NOT_RUN)


def observed_cell(item: dict[str, Any] | None) -> str:
    """What the target did (`400 NotAuthorizedException`, or JSON); an observation that could
    not be made (unsupported, error) shows that outcome instead of an empty value."""
    if item is None:
        return symbol(NOT_RUN)
    if item.get("outcome", RECORDED) != RECORDED:
        return f"{symbol(item['outcome'])} {item['outcome']}"
    return observed_value(item.get("observed"))


def observed_value(value: Any) -> str:
    if isinstance(value, dict) and any(k in value for k in _OBSERVED_KEYS):
        head = " ".join(str(value[k]) for k in _OBSERVED_KEYS if value.get(k) is not None)
        rest = {k: v for k, v in value.items() if k not in _OBSERVED_KEYS and k != "message"}
        return head + (f" {json.dumps(rest, sort_keys=True)}" if rest else "")
    return json.dumps(value, sort_keys=True)


# -- Markdown ---------------------------------------------------------------------------------

def _md_row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"


def md_checks(runs: list[Run]) -> list[str]:
    lines = [_md_row(["check"] + [r.label for r in runs]), "|---" * (len(runs) + 1) + "|",
             _md_row(["**score**"] + [f"**{score_cell(r)}**" for r in runs]),
             _md_row(["**counts**"] + [counts_cell(r) for r in runs])]
    lines += [_md_row([f"`{cid}`"] + [symbol(r.outcome(cid)) for r in runs])
              for cid in check_ids(runs)]
    return lines


def md_observations(runs: list[Run]) -> list[str]:
    ids = observation_ids(runs)
    if not ids:
        return []
    return (["", "## Observations", "",
             "Where AWS's behaviour is unknown or disputed: what each target did, never a "
             "pass or a fail.", "",
             _md_row(["observation"] + [r.label for r in runs]),
             "|---" * (len(runs) + 1) + "|"]
            + [_md_row([f"`{oid}`"] + [observed_cell(r.observation(oid)) for r in runs])
               for oid in ids])


def md_legend() -> list[str]:
    return ["Legend: " + "; ".join(f"{s} {meaning}" for s, meaning in LEGEND.values()), ""]


def render_matrix(reports_dir: Path) -> str:
    """The Markdown grid of every results.json under `reports_dir` (secrets scrubbed)."""
    runs = load_runs(reports_dir)
    lines = ["# Conformance matrix", "", *md_legend(), *md_checks(runs), *md_observations(runs)]
    return scrub("\n".join(lines) + "\n")


# -- HTML -------------------------------------------------------------------------------------

_CSS = ("body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 8px}td.o{text-align:center}"
        ".passed{background:#dfd}.failed,.error{background:#fdd}"
        ".expected-failure{background:#ffd}.unexpected-pass{background:#fcf}"
        ".unsupported,.not-run{background:#eee}code{font-size:90%}")


def _tr(cells: list[str], tag: str = "td") -> str:
    return "<tr>" + "".join(c if c.startswith("<t") else f"<{tag}>{c}</{tag}>"
                            for c in cells) + "</tr>"


def _outcome_td(outcome: str) -> str:
    meaning = LEGEND.get(outcome, ("?", outcome))[1]
    return (f'<td class="o {html.escape(outcome)}" title="{html.escape(meaning)}">'
            f"{symbol(outcome)}</td>")


def html_checks(runs: list[Run]) -> list[str]:
    esc = html.escape
    rows = [_tr(["check"] + [esc(r.label) for r in runs], "th"),
            _tr(["<th>score</th>"] + [f"<th>{esc(score_cell(r))}</th>" for r in runs]),
            _tr(["counts"] + [esc(counts_cell(r)) for r in runs])]
    rows += [_tr([f"<code>{esc(cid)}</code>"] + [_outcome_td(r.outcome(cid)) for r in runs])
             for cid in check_ids(runs)]
    return ["<table>", *rows, "</table>"]


def html_observations(runs: list[Run]) -> list[str]:
    ids = observation_ids(runs)
    if not ids:
        return []
    esc = html.escape
    rows = [_tr(["observation"] + [esc(r.label) for r in runs], "th")]
    rows += [_tr([f"<code>{esc(oid)}</code>"]
                 + [f"<code>{esc(observed_cell(r.observation(oid)))}</code>" for r in runs])
             for oid in ids]
    return ["<h2>Observations</h2>", "<p>Never a pass or a fail.</p>", "<table>", *rows,
            "</table>"]


def render_html(reports_dir: Path) -> str:
    """The same grid as a static HTML page (no scripts)."""
    runs = load_runs(reports_dir)
    legend = "; ".join(f"{s} {html.escape(m)}" for s, m in LEGEND.values())
    body = ["<!doctype html>", '<html><head><meta charset="utf-8">',
            f"<title>Conformance matrix</title><style>{_CSS}</style></head><body>",
            "<h1>Conformance matrix</h1>", f"<p>{legend}</p>", *html_checks(runs),
            *html_observations(runs), "</body></html>"]
    return scrub("\n".join(body) + "\n")


def write_matrix(reports_dir: Path) -> list[Path]:
    """Write reports/matrix.md and reports/matrix.html; returns their paths."""
    reports_dir = Path(reports_dir)
    out = [reports_dir / name for name in MATRIX_FILES]
    write_atomic(out[0], render_matrix(reports_dir))
    write_atomic(out[1], render_html(reports_dir))
    return out
