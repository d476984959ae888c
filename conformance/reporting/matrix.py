"""The cross-target matrix: one row per check id, one column per target, read from reports/.

Why: a team choosing an emulator or vendor wants one page that answers "where does each
target behave like AWS?". The matrix is built only from reports/<target>/results.json (never
from a target), so runs made at different times or on different machines can be compared.
Outcomes become symbols (LEGEND, data); a check a target did not run is shown as not run,
never as a pass. Observations are never pass or fail: their observed values sit side by side
in a separate table. Three files: matrix.md for terminals and GitHub, matrix.json for
machines, index.html for people: one self-contained page (inline CSS and JS from assets/,
nothing fetched), usable offline and without JS (its filters then stay hidden).

"Differs across targets" and "fails only on X" compare verdicts, not outcomes: a target
behaved like AWS (passed, unexpected pass) or did not (failed, expected failure, error);
unsupported and not-run take no side. An interrupted run's results.json is marked wherever
its target appears, and partial reports set aside under reports/interrupted/ are named.
"""

from __future__ import annotations

import html
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.config import ConfigError
from conformance.exchange import scrub
from conformance.reporting.markdown import DEVIATED, broken_clients, impact
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
MATRIX_FILES = ("matrix.md", "matrix.json", "index.html")
MATRIX_SCHEMA = 1
CATEGORY_ORDER = ("wire", "status-mapping", "validation", "shape", "state", "generated",
                  "security", "client")
GOOD = (PASSED, UNEXPECTED_PASS)             # behaved like AWS
BAD = (FAILED, EXPECTED_FAILURE, ERROR)      # did not


@dataclass(frozen=True)
class Run:
    """One target's results.json, keyed by its report directory name."""

    name: str
    doc: dict[str, Any]

    @property
    def label(self) -> str:
        version = self.doc["target"].get("version", "")
        mark = " (interrupted)" if self.interrupted else ""
        return f"{self.name} {version}".strip() + mark

    @property
    def interrupted(self) -> bool:
        return bool(self.doc.get("interrupted"))

    def outcome(self, check_id: str) -> str:
        return self._outcomes().get(check_id, NOT_RUN)

    def observation(self, obs_id: str) -> dict[str, Any] | None:
        for item in self.doc.get("observations", []):
            if item["id"] == obs_id:
                return item
        return None

    def check(self, check_id: str) -> dict[str, Any] | None:
        return self._checks().get(check_id)

    def client_links(self, check_id: str) -> list[dict[str, Any]]:
        """The client checks of the same behaviour this run judged (results.json
        `client_links`; none in a run without client checks)."""
        return list((self.doc.get("client_links") or {}).get(check_id) or [])

    def _outcomes(self) -> dict[str, str]:
        return {cid: c["outcome"] for cid, c in self._checks().items()}

    def _checks(self) -> dict[str, dict[str, Any]]:
        cache = self.__dict__.get("_by_id")
        if cache is None:
            cache = {c["id"]: c for c in self.doc["checks"]}
            object.__setattr__(self, "_by_id", cache)
        return cache


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


def check_info(runs: list[Run]) -> dict[str, tuple[str, str]]:
    """check id -> (operation, category), from the first run that has it."""
    info: dict[str, tuple[str, str]] = {}
    for run in runs:
        for c in run.doc["checks"]:
            info.setdefault(c["id"], (c.get("operation", ""), c.get("category", "")))
    return info


def categories(runs: list[Run]) -> list[str]:
    """Categories in README order, any other after them alphabetically."""
    found = {cat for _, cat in check_info(runs).values()}
    order = [c for c in CATEGORY_ORDER if c in found]
    return order + sorted(found - set(order))


def compare(runs: list[Run], check_id: str) -> tuple[bool, str | None]:
    """(differs, fails_only_on): whether some target behaved like AWS and another did not,
    and the one target that did not while every other that took a side did."""
    good = [r.name for r in runs if r.outcome(check_id) in GOOD]
    bad = [r.name for r in runs if r.outcome(check_id) in BAD]
    differs = bool(good and bad)
    return differs, bad[0] if differs and len(bad) == 1 else None


def category_counts(run: Run, category: str | None = None) -> dict[str, int]:
    """passed (behaved like AWS), known (expected failures), failed (failed, error),
    other (unsupported) of one run, optionally within one category."""
    out = {"passed": 0, "known": 0, "failed": 0, "other": 0}
    for c in run.doc["checks"]:
        if category is None or c.get("category") == category:
            o = c["outcome"]
            key = ("passed" if o in GOOD else "known" if o == EXPECTED_FAILURE
                   else "failed" if o in (FAILED, ERROR) else "other")
            out[key] += 1
    return out


def set_aside_runs(reports_dir: Path) -> list[Path]:
    """Partial reports of interrupted runs (reports/interrupted/<target>/results.json)."""
    return sorted(Path(reports_dir).glob("interrupted/*/results.json"))


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
    if isinstance(value, dict) and set(value) == {"cases", "answers"}:  # generated observation
        return ", ".join(f"{k} ×{v}" for k, v in value["answers"].items()) or "no case"
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


def _md_interrupted(runs: list[Run]) -> list[str]:
    return [f"**{r.name}: interrupted run**: partial results, not the whole suite." for r in runs
            if r.interrupted] + ([""] if any(r.interrupted for r in runs) else [])


def md_client_impact(runs: list[Run]) -> list[str]:
    """Per deviating wire/status/state check with client checks of the same behaviour: does
    the deviation break a client, per target ("all clients cope" / "breaks js ...")."""
    ids = [cid for cid in check_ids(runs)
           if any(r.outcome(cid) in DEVIATED and r.client_links(cid) for r in runs)]
    if not ids:
        return []
    clients = sorted({str(x.get("client")) for r in runs for cid in ids
                      for x in r.client_links(cid)})
    lines = ["", "## Client impact", "",
             "For each check a target deviates on that client checks (`client.<client>.*`, "
             "same operation and fact) judge too: does the deviation reach the application? "
             "Per target and client, how many such deviations break it (wire checks apart "
             "from the others):", "",
             _md_row(["client"] + [r.label for r in runs]), "|---" * (len(runs) + 1) + "|"]
    info = check_info(runs)
    for client in clients:
        cells = []
        for run in runs:
            mine = [cid for cid in ids if run.outcome(cid) in DEVIATED and run.client_links(cid)
                    and any(x.get("client") == client for x in run.client_links(cid))]
            broken = [cid for cid in mine if client in broken_clients(run.client_links(cid))]
            wire = [cid for cid in mine if info[cid][1] == "wire"]
            cells.append(f"wire {len([c for c in broken if c in wire])} of {len(wire)}, other "
                         f"{len([c for c in broken if c not in wire])} of "
                         f"{len(mine) - len(wire)}" if mine else symbol(NOT_RUN))
        lines.append(_md_row([client] + cells))
    lines += ["", _md_row(["check"] + [r.label for r in runs]), "|---" * (len(runs) + 1) + "|"]
    for cid in ids:
        cells = [impact(r.client_links(cid)) if r.outcome(cid) in DEVIATED and
                 r.client_links(cid) else symbol(r.outcome(cid)) for r in runs]
        lines.append(_md_row([f"`{cid}`"] + cells))
    return lines


def render_matrix(reports_dir: Path) -> str:
    """The Markdown grid of every results.json under `reports_dir` (secrets scrubbed)."""
    runs = load_runs(reports_dir)
    lines = ["# Conformance matrix", "", *_md_interrupted(runs), *md_legend(), *md_checks(runs),
             *md_categories(runs), *md_client_impact(runs), *md_observations(runs)]
    return scrub("\n".join(lines) + "\n")


def md_categories(runs: list[Run]) -> list[str]:
    """category x target: passed / known / failed counts."""
    lines = ["", "## By category", "", "passed / known deviations / failed (or error)", "",
             _md_row(["category"] + [r.label for r in runs]), "|---" * (len(runs) + 1) + "|"]
    for cat in categories(runs):
        cells = []
        for run in runs:
            n = category_counts(run, cat)
            cells.append(f"{n['passed']} / {n['known']} / {n['failed']}")
        lines.append(_md_row([cat] + cells))
    return lines


# -- matrix.json ------------------------------------------------------------------------------

def build_json(runs: list[Run]) -> dict[str, Any]:
    """The machine-readable matrix: targets with their summary, per check its outcome per
    target (not-run where a target has no result), per observation what each target did."""
    info = check_info(runs)
    checks = []
    for cid in check_ids(runs):
        differs, only = compare(runs, cid)
        operation, category = info[cid]
        entry = {"id": cid, "operation": operation, "category": category,
                 "outcomes": {r.name: r.outcome(cid) for r in runs},
                 "differs": differs, "fails_only_on": only}
        clients = {r.name: impact(r.client_links(cid)) for r in runs if r.client_links(cid)}
        if clients:   # issue 14: what the client checks of the same behaviour surfaced
            entry["clients"] = clients
        checks.append(entry)
    observations = []
    for oid in observation_ids(runs):
        items = {r.name: r.observation(oid) for r in runs}
        first = next(i for i in items.values() if i is not None)
        observations.append({
            "id": oid, "operation": first.get("operation", ""),
            "observed": {name: (None if i is None else i.get("observed"))
                         for name, i in items.items()},
            "outcomes": {name: NOT_RUN if i is None else i.get("outcome", RECORDED)
                         for name, i in items.items()},
            "differs": _observation_differs(items.values())})
    return {
        "schema": MATRIX_SCHEMA,
        "targets": [{"name": r.name, "label": r.label, "version": r.doc["target"].get("version"),
                     "endpoint": r.doc["target"].get("endpoint"),
                     "started_at": r.doc.get("started_at"), "duration_s": r.doc.get("duration_s"),
                     "interrupted": r.interrupted, "unrecorded": r.doc.get("unrecorded", []),
                     "run": r.doc.get("run", {}), "summary": r.doc["summary"],
                     "categories": {cat: category_counts(r, cat) for cat in categories(runs)}}
                    for r in runs],
        "checks": checks,
        "observations": observations,
    }


def _observation_differs(items: Any) -> bool:
    seen = {observed_cell(i) for i in items if i is not None}
    return len(seen) > 1


def render_json(reports_dir: Path) -> str:
    return scrub(json.dumps(build_json(load_runs(reports_dir)), indent=1) + "\n")


# -- index.html -------------------------------------------------------------------------------

ASSETS = Path(__file__).parent / "assets"
_DETAIL_LIMIT = 600  # characters of expected/observed JSON shown in a cell; results.json has all
_OUTCOME_FILTERS = (("", "any outcome"), ("unexpected", "unexpected (failed, error, stale)"),
                    ("not-passed", "not passed"), *((o, o) for o in LEGEND))
_esc = html.escape  # attribute values (and text too: always safe)


def _txt(text: str) -> str:
    """Element text: <, > and & escaped; quotes need none there (a smaller page)."""
    return html.escape(text, quote=False)

# The page's own symbols: plain text glyphs every font has (no colour-emoji font needed).
HTML_SYMBOLS = {PASSED: "✓", FAILED: "✗", EXPECTED_FAILURE: "≈", UNEXPECTED_PASS: "!",
                UNSUPPORTED: "–", ERROR: "✸", NOT_RUN: "·"}


def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def _pct(run: Run) -> str:
    return f"{run.doc['summary']['score']:.1%}"


def _score_card(i: int, run: Run) -> str:
    s = run.doc["summary"]
    t = run.doc["target"]
    n = category_counts(run)
    total = max(1, sum(n.values()))
    bar = "".join(f'<span class="b-{k}" style="width:{v / total:.2%}" title="{v} {k}"></span>'
                  for k, v in (("ok", n["passed"]), ("known", n["known"]),
                               ("bad", n["failed"]), ("other", n["other"])) if v)
    badge = ' <span class="badge">INTERRUPTED</span>' if run.interrupted else ""
    counts = (f"{s['passed']} passed, {s['failed']} failed, {s['expected_failures']} expected "
              f"failures, {s['unexpected_passes']} unexpected passes, {s['unsupported']} "
              f"unsupported, {s['errors']} errors of {s['total']}")
    run_info = run.doc.get("run", {})
    meta = (f"{_esc(str(run.doc.get('started_at', '')))}, {run.doc.get('duration_s', 0):.0f} s, "
            f"profile {_esc(str(run_info.get('profile', '-')))}, seed "
            f"{_esc(str(run_info.get('seed', '-')))}")
    refuted = t.get("capabilities", {}).get("refuted") or {}
    extra = ""
    if run.interrupted:
        extra += (f'<div class="run"><b>Partial run:</b> {len(run.doc["checks"])} checks of '
                  f'{_esc(str(run_info.get("selected", "?")))} selected ids</div>')
    if refuted:
        extra += ('<div class="run">capabilities refuted: '
                  + _esc(", ".join(f"{k} ({v})" for k, v in sorted(refuted.items()))) + "</div>")
    if run.doc.get("unrecorded"):
        extra += f'<div class="run">{len(run.doc["unrecorded"])} ids recorded no result</div>'
    cls = "card interrupted" if run.interrupted else "card"
    return (f'<div class="{cls} t{i}" data-target="{_esc(run.name)}"><h3>{_esc(run.name)} '
            f'<span class="muted">{_esc(str(t.get("version", "")))}</span>{badge}</h3>'
            f'<div class="score">{_pct(run)}</div>'
            f'<div class="known">{s["expected_failures"]} known deviations</div>'
            f'<div class="bar">{bar}</div><div class="counts">{_esc(counts)}</div>'
            f'<div class="run">{meta}</div>{extra}</div>')


def _grid(runs: list[Run]) -> list[str]:
    head = "".join(f'<th class="t{i}">{_esc(r.label)}</th>' for i, r in enumerate(runs))
    rows = [f"<table class=\"grid\"><thead><tr><th>category</th>{head}</tr></thead><tbody>"]
    for cat in [*categories(runs), None]:
        cells = []
        for i, run in enumerate(runs):
            n = category_counts(run, cat)
            link = f"#category={cat}" if cat else "#"
            parts = [_num(n["passed"], "ok", "passed", f"{link}&outcome=passed" if cat else "#outcome=passed"),
                     _num(n["known"], "known", "known deviations",
                          f"{link}&outcome=expected-failure" if cat else "#outcome=expected-failure"),
                     _num(n["failed"], "bad", "failed or error",
                          f"{link}&outcome=unexpected" if cat else "#outcome=unexpected")]
            other = f' <span class="muted" title="unsupported">+{n["other"]}</span>' if n["other"] else ""
            cells.append(f'<td class="n t{i}">{" / ".join(parts)}{other}</td>')
        name = f'<a href="#category={_esc(cat)}">{_esc(cat)}</a>' if cat else "<b>all</b>"
        attr = f' data-cat="{_esc(cat)}"' if cat else ""
        rows.append(f"<tr{attr}><th>{name}</th>{''.join(cells)}</tr>")
    rows.append("</tbody></table>")
    return ['<h2 id="by-category">By category</h2>',
            '<p class="muted">passed / known deviations / failed or error, per target; '
            "click a count to filter the checks below.</p>", *rows]


def _num(n: int, kind: str, title: str, href: str) -> str:
    cls = f"n-{kind}" if n else "n-zero"
    return f'<a class="{cls}" href="{_esc(href)}" title="{n} {title}">{n}</a>'


def _views(runs: list[Run], ids: list[str]) -> list[str]:
    verdicts = [compare(runs, cid) for cid in ids]
    differs = sum(1 for d, _ in verdicts if d)
    items = [f'<li><a href="#view=differs">Differs across targets</a>: {differs} checks '
             "where some target behaved like AWS and another did not</li>"]
    for run in runs:
        only = sum(1 for _, o in verdicts if o == run.name)
        items.append(f'<li><a href="#view=only-{_esc(run.name)}">Fails only on '
                     f"{_esc(run.name)}</a>: {only} checks every other target passes</li>")
    return ['<h2 id="views">Views</h2>', '<div id="views"><ul>', *items, "</ul></div>"]


def _evidence_and_reproduction(item: dict[str, Any]) -> list[str]:
    """The evidence links and the reproduction of a check or observation cell."""
    out = []
    if item.get("evidence"):
        out.append('<span class="k">Evidence:</span><ul>'
                   + "".join(_evidence(e) for e in item["evidence"]) + "</ul>")
    if item.get("reproduce"):
        out.append(f'<span class="k">Reproduce:</span><pre>{_txt(item["reproduce"])}</pre>')
    return out


def _evidence(item: str) -> str:
    url, _, note = item.partition(" ")
    if url.startswith(("https://", "http://")):
        return f'<li><a href="{_esc(url)}" rel="noreferrer">{_esc(url)}</a> {_txt(note)}</li>'
    return f"<li>{_txt(item)}</li>"


def _short_json(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= _DETAIL_LIMIT else text[:_DETAIL_LIMIT] + " …"


def _check_cell(i: int, run: Run, cid: str) -> str:
    outcome = run.outcome(cid)
    meaning = LEGEND.get(outcome, ("?", outcome))[1]
    head = f'<span class="sym">{HTML_SYMBOLS.get(outcome, "?")}</span> {_esc(outcome)}'
    cls = f'o o-{_esc(outcome)} t{i}'
    item = run.check(cid)
    if item is None:
        return f'<td class="{cls}" data-o="{NOT_RUN}" title="{_esc(meaning)}"><span class="plain">{head}</span></td>'
    body: list[str] = []
    if item.get("message"):
        body.append(f'<p class="msg">{_txt(item["message"])}</p>')
    if item.get("reason"):
        body.append(f'<p><span class="k">Known deviation:</span> {_txt(item["reason"])}</p>')
    if item.get("signature"):
        sig = "".join(f"<code>{_txt(s)}</code> " for s in item["signature"])
        body.append(f'<p><span class="k">Signature:</span> {sig}</p>')
    if item.get("cases") is not None:
        body.append(f'<p><span class="k">Cases judged:</span> {item["cases"]}</p>')
    if run.client_links(cid):
        body.append(f'<p><span class="k">Clients:</span> {_txt(impact(run.client_links(cid)))}'
                    "</p>")
    for key in ("expected", "observed"):
        if item.get(key):
            body.append(f'<p><span class="k">{key.capitalize()}:</span> '
                        f"<code>{_txt(_short_json(item[key]))}</code></p>")
    body += _evidence_and_reproduction(item)
    if not body:
        body.append('<p class="muted">no detail recorded</p>')
    return (f'<td class="{cls}" data-o="{_esc(outcome)}" title="{_esc(run.label)}: {_esc(meaning)}">'
            f'<details><summary>{head}</summary><div class="det">{"".join(body)}</div>'
            "</details></td>")


def _cols(runs: list[Run]) -> str:
    width = f"{70 / max(1, len(runs)):.2f}%"
    return '<col class="id">' + "".join(f'<col class="t{i}" style="width:{width}">'
                                        for i in range(len(runs)))


def _checks_table(runs: list[Run], ids: list[str]) -> list[str]:
    info = check_info(runs)
    cols = _cols(runs)
    head = "".join(f'<th class="t{i}">{_esc(r.label)}</th>' for i, r in enumerate(runs))
    out = ['<h2 id="checks">Checks</h2>',
           '<p class="muted">One row per check, grouped by category; open a cell for the '
           "message, the known deviation's reason, the failure signature, the evidence and "
           "the reproduction.</p>",
           f'<table class="checks"><colgroup>{cols}</colgroup>'
           f"<thead><tr><th>check</th>{head}</tr></thead>"]
    for cat in categories(runs):
        in_cat = [cid for cid in ids if info[cid][1] == cat]
        out.append(f'<tbody data-cat="{_esc(cat)}"><tr class="cat"><th colspan="{len(runs) + 1}">'
                   f"{_esc(cat)} <span class=\"muted\">({len(in_cat)})</span></th></tr>")
        for cid in in_cat:
            differs, only = compare(runs, cid)
            cells = "".join(_check_cell(i, r, cid) for i, r in enumerate(runs))
            out.append(f'<tr class="chk" data-id="{_esc(cid.lower())}" data-cat="{_esc(cat)}" '
                       f'data-differs="{int(differs)}" data-only="{_esc(only or "")}">'
                       f'<td class="id" title="{_esc(info[cid][0])}"><code>{_esc(cid)}</code>'
                       f"</td>{cells}</tr>")
        out.append("</tbody>")
    return out + ["</table>"]


def _observation_cell(i: int, item: dict[str, Any] | None) -> str:
    text = _esc(observed_cell(item))
    if item is None:
        return f'<td class="ov o-not-run t{i}">{text}</td>'
    body = []
    if item.get("message"):
        body.append(f'<p class="msg">{_txt(item["message"])}</p>')
    body += _evidence_and_reproduction(item)
    if not body:
        return f'<td class="ov t{i}"><code class="v">{text}</code></td>'
    return (f'<td class="ov t{i}"><details><summary><code class="v">{text}</code></summary>'
            f'<div class="det">{"".join(body)}</div></details></td>')


def _observations_table(runs: list[Run]) -> list[str]:
    ids = observation_ids(runs)
    if not ids:
        return []
    cols = _cols(runs)
    head = "".join(f'<th class="t{i}">{_esc(r.label)}</th>' for i, r in enumerate(runs))
    out = [f'<h2 id="observations">Observations ({len(ids)})</h2>',
           '<p class="muted">Where AWS\'s behaviour is unknown or disputed: what each target '
           "did, side by side, never a pass or a fail. ≠ marks rows where targets differ.</p>",
           f'<table class="obs"><colgroup>{cols}</colgroup>'
           f"<thead><tr><th>observation</th>{head}</tr></thead><tbody>"]
    for oid in ids:
        items = [r.observation(oid) for r in runs]
        op = next((i.get("operation", "") for i in items if i), "")
        cls = "ob differs" if _observation_differs(items) else "ob"
        out.append(f'<tr class="{cls}" data-id="{_esc(oid.lower())}" '
                   f'data-differs="{int(cls != "ob")}"><td class="id" title="{_esc(op)}">'
                   f"<code>{_esc(oid)}</code></td>"
                   + "".join(_observation_cell(i, item) for i, item in enumerate(items)) + "</tr>")
    return out + ["</tbody></table>"]


def _filters(runs: list[Run]) -> str:
    boxes = "".join(f'<label><input type="checkbox" name="target" value="{_esc(r.name)}" '
                    f"checked> {_esc(r.name)}</label>" for r in runs)
    cats = "".join(f'<option value="{_esc(c)}">{_esc(c)}</option>' for c in categories(runs))
    outcomes = "".join(f'<option value="{_esc(v)}">{_esc(t)}</option>' for v, t in _OUTCOME_FILTERS)
    views = ('<option value="">all checks</option><option value="differs">differs across '
             "targets</option>" + "".join(f'<option value="only-{_esc(r.name)}">fails only on '
                                          f"{_esc(r.name)}</option>" for r in runs))
    return (f'<form id="filters" hidden>{boxes}'
            f'<label>category <select name="category"><option value="">all</option>{cats}'
            f'</select></label><label>outcome <select name="outcome">{outcomes}</select></label>'
            f'<label>view <select name="view">{views}</select></label>'
            '<label><input type="search" name="q" placeholder="check id contains…"></label>'
            '<span id="shown"></span></form>')


def _banners(runs: list[Run], reports_dir: Path) -> list[str]:
    out = []
    for run in runs:
        if run.interrupted:
            out.append(f'<p class="banner">{_esc(run.name)}: INTERRUPTED run: its results are '
                       "partial and do not stand for the whole suite.</p>")
    for path in set_aside_runs(reports_dir):
        rel = path.relative_to(reports_dir).parent
        out.append(f'<p class="banner note">A newer interrupted run of {_esc(path.parent.name)} '
                   f"left a partial report in <code>{_esc(str(rel))}/</code>; it is not shown "
                   "here (its last complete report is).</p>")
    return out


def render_html(reports_dir: Path) -> str:
    """reports/index.html: one self-contained page (secrets scrubbed, everything escaped)."""
    reports_dir = Path(reports_dir)
    runs = load_runs(reports_dir)
    ids = check_ids(runs)
    legend = "".join(f'<span class="o-{_esc(o)}">{HTML_SYMBOLS[o]} {_esc(m)}</span>'
                     for o, (_, m) in LEGEND.items())
    names = json.dumps([r.name for r in runs]).replace("</", "<\\/")
    n_obs = len(observation_ids(runs))
    body = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Cognito conformance matrix</title>", f"<style>{_asset('matrix.css')}</style>",
        "</head><body>",
        f'<header id="bar"><div><h1>Cognito conformance matrix</h1><div class="meta">'
        f"{len(runs)} targets, {len(ids)} checks, {n_obs} observations</div></div>"
        f"{_filters(runs)}</header>",
        "<main>", *_banners(runs, reports_dir),
        '<section id="scores">' + "".join(_score_card(i, r) for i, r in enumerate(runs))
        + "</section>",
        '<p class="muted">Score = (passed + unexpected passes) / (checks run - unsupported): '
        "the share of checks where the target behaved like AWS; known deviations are the "
        "expected failures listed in the target's expectations file.</p>",
        *_grid(runs), *_views(runs, ids), *_checks_table(runs, ids), *_observations_table(runs),
        f'<p class="legend">{legend}</p>', "</main>",
        f'<script type="application/json" id="targets">{names}</script>',
        f"<script>{_asset('matrix.js')}</script>", "</body></html>"]
    return scrub("\n".join(body) + "\n")


def write_matrix(reports_dir: Path) -> list[Path]:
    """Write reports/matrix.md, matrix.json and index.html; returns their paths."""
    reports_dir = Path(reports_dir)
    out = [reports_dir / name for name in MATRIX_FILES]
    write_atomic(out[0], render_matrix(reports_dir))
    write_atomic(out[1], render_json(reports_dir))
    write_atomic(out[2], render_html(reports_dir))
    return out


def write_matrix_and_tell(reports_dir: Path, strict: bool = True) -> list[Path]:
    """write_matrix with one stderr line per file written. Not strict (after `run --target
    all`): no results to show is one stderr line, never an error of the run."""
    try:
        paths = write_matrix(reports_dir)
    except ConfigError as exc:
        if strict:
            raise
        print(f"cognito-conformance: matrix not written: {exc}", file=sys.stderr)
        return []
    for path in paths:
        print(f"wrote {path}", file=sys.stderr)
    return paths
