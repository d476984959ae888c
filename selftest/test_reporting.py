"""The writers fed by results.json: summary.md, the cross-target matrix, the run diff.

Each test builds small results.json documents by hand (no target), so a writer's output can
be pinned exactly: which checks it lists, which symbol a cell gets, which change is a
regression, and which exit code the CLI returns for it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conformance import cli
from conformance.exchange import MASK, remember
from conformance.reporting import results_json
from conformance.reporting.diff import Change, diff_runs, render_diff
from conformance.reporting.markdown import fenced, render_summary
from conformance.reporting.matrix import (
    LEGEND, MATRIX_FILES, NOT_RUN, render_html, render_matrix, write_matrix,
)
from conformance.results.outcome import (
    ERROR, EXPECTED_FAILURE, FAILED, OUTCOMES, PASSED, UNEXPECTED_PASS, UNSUPPORTED, CheckResult,
)

STARTED = datetime(2026, 1, 2, tzinfo=timezone.utc)
CURL = "curl -sS -X POST http://127.0.0.1:1/ --data '{\"Password\": \"***\"}'"


def check(cid: str, outcome: str, **kw: Any) -> CheckResult:
    base: dict[str, Any] = {"message": f"{cid} went {outcome}", "evidence": ["https://aws/e"],
                            "reproduce": CURL}
    base.update(kw)
    return CheckResult(id=cid, operation="SignUp", category="status-mapping", outcome=outcome,
                       **base)


def observation(oid: str, observed: dict[str, Any]) -> CheckResult:
    return CheckResult(id=oid, operation="ConfirmSignUp", category="observation",
                       outcome=PASSED, observed=observed)


def doc(name: str, checks: list[CheckResult], observations: list[CheckResult] = ()
        ) -> dict[str, Any]:
    return results_json.build({"name": name, "version": "1.0", "endpoint": "http://x"},
                              checks, list(observations), STARTED, 2.0)


def write(reports: Path, name: str, checks: list[CheckResult],
          observations: list[CheckResult] = ()) -> Path:
    path = reports / name / "results.json"
    results_json.write(path, doc(name, checks, observations))
    return path


# -- summary.md -------------------------------------------------------------------------------

def test_summary_lists_every_non_passing_check_most_urgent_first() -> None:
    text = render_summary(doc("moto", [check(f"c.{o}", o) for o in OUTCOMES]))
    order = [text.index(f"`c.{o}`") for o in (FAILED, ERROR, UNEXPECTED_PASS,
                                              EXPECTED_FAILURE, UNSUPPORTED)]
    assert order == sorted(order) and "`c.passed`" not in text


def test_summary_totals_and_a_row_per_category() -> None:
    data = doc("moto", [check("a", PASSED), check("b", FAILED, reason=None),
                        check("k", EXPECTED_FAILURE, reason="r"),
                        CheckResult(id="w", operation="SignUp", category="wire", outcome=PASSED)])
    text = render_summary(data)
    assert "**Score 50.0%** with 1 known deviations: 2 of 4 checks behaved like AWS; " \
           "**1 unexpected**" in text
    assert "| category | checks | passed | known | failed |" in text  # columns in use only
    assert "| wire | 1 | 1 | 0 | 0 |" in text and "| status-mapping | 3 | 1 | 1 | 1 |" in text
    assert "| **all** | **4** | **2** | **1** | **1** |" in text


def test_summary_unexpected_results_carry_message_signature_evidence_and_curl() -> None:
    text = render_summary(doc("moto", [check("b", FAILED, signature=["status=500", "type=none"])]))
    assert "### failed: `b` (SignUp, status-mapping)" in text and "b went failed" in text
    assert "- signature: `status=500`, `type=none`" in text and "<https://aws/e>" in text
    assert "```sh\n" + CURL + "\n```" in text


def test_summary_known_deviations_one_line_per_reason_without_curl() -> None:
    text = render_summary(doc("moto", [check("k1", EXPECTED_FAILURE, reason="moto differs"),
                                       check("k2", EXPECTED_FAILURE, reason="moto differs"),
                                       check("k3", EXPECTED_FAILURE, reason="other | reason")]))
    assert "## Known deviations (3 checks, 2 reasons" in text
    assert "- moto differs: `k1`, `k2`\n- other \\| reason: `k3`\n" in text
    assert "curl" not in text and "None: every deviation is a known one." in text


def test_summary_all_passed_and_observations() -> None:
    text = render_summary(doc("moto", [check("a", PASSED)],
                              [observation("o.x", {"status": 400, "type": "X"}),
                               observation("generated.SignUp.unknown-member",
                                           {"cases": 3, "answers": {"200": 2, "500": 1}})]))
    assert "None: every check behaved like AWS." in text
    assert "never a pass or a fail" in text and "| `o.x` | `400 X` |" in text
    assert "| SignUp | `200 ×2, 500 ×1` |" in text


def test_summary_of_a_real_sized_run_stays_short() -> None:
    """209 checks (132 known deviations under 79 reasons) and 47 observations: a page."""
    checks = [check(f"c{i:03}", EXPECTED_FAILURE if i < 132 else PASSED,
                    reason=f"reason {i % 79}" if i < 132 else None) for i in range(209)]
    obs = [observation(f"o.{i}", {"status": 400, "type": "X"}) for i in range(23)]
    obs += [observation(f"generated.Op{i // 2}.{'unknown-member' if i % 2 else 'null-optional'}",
                        {"cases": 1, "answers": {"200": 1}}) for i in range(24)]
    text = render_summary(doc("moto", checks, obs))
    assert len(text.splitlines()) <= 150 and "curl" not in text


def test_summary_scrubs_remembered_secrets() -> None:
    remember("Pw-summary-secret-1!")
    data = doc("moto", [check("a", FAILED)])
    data["checks"][0]["message"] = "echo Pw-summary-secret-1!"  # as if it escaped masking
    text = render_summary(data)
    assert "Pw-summary-secret-1!" not in text and f"echo {MASK}" in text


def test_fenced_block_survives_backticks() -> None:
    fence, body, close = fenced("a ``` b")
    assert fence == close == "````" and body == "a ``` b"


# -- matrix -----------------------------------------------------------------------------------

@pytest.fixture
def reports(tmp_path: Path) -> Path:
    write(tmp_path, "moto", [check("a", PASSED), check("b", EXPECTED_FAILURE),
                             check("c", FAILED)],
          [observation("o.x", {"status": 400, "type": "NotAuthorizedException"})])
    write(tmp_path, "vendor", [check("a", PASSED), check("b", UNEXPECTED_PASS),
                               check("d", UNSUPPORTED)],
          [observation("o.x", {"status": 200, "type": None})])
    return tmp_path


def _row(text: str, first_cell: str) -> list[str]:
    line = next(x for x in text.splitlines() if x.startswith(f"| {first_cell} |"))
    return [c.strip() for c in line.strip("|").split("|")][1:]


def test_matrix_one_column_per_target_one_row_per_check(reports: Path) -> None:
    text = render_matrix(reports)
    assert _row(text, "check") == ["moto 1.0", "vendor 1.0"]
    sym = {o: s for o, (s, _) in LEGEND.items()}
    assert _row(text, "`a`") == [sym[PASSED], sym[PASSED]]
    assert _row(text, "`b`") == [sym[EXPECTED_FAILURE], sym[UNEXPECTED_PASS]]
    assert _row(text, "`c`") == [sym[FAILED], sym[NOT_RUN]]  # never shown as a pass
    assert _row(text, "`d`") == [sym[NOT_RUN], sym[UNSUPPORTED]]


def test_matrix_header_rows_carry_score_and_counts(reports: Path) -> None:
    text = render_matrix(reports)
    # vendor: a passed, b an unexpected pass (behaved like AWS), d unsupported -> 2/2
    assert _row(text, "**score**") == ["**33.3%**", "**100.0%**"]
    moto_counts = _row(text, "**counts**")[0].split()
    assert moto_counts[:3] == [f"1{LEGEND[PASSED][0]}", f"1{LEGEND[FAILED][0]}",
                               f"1{LEGEND[EXPECTED_FAILURE][0]}"]


def test_matrix_legend_explains_every_symbol(reports: Path) -> None:
    legend = next(x for x in render_matrix(reports).splitlines() if x.startswith("Legend"))
    assert all(f"{s} {meaning}" in legend for s, meaning in LEGEND.values())


def test_matrix_observations_side_by_side_never_verdicts(reports: Path) -> None:
    text = render_matrix(reports)
    assert _row(text, "`o.x`") == ["400 NotAuthorizedException", "200"]
    assert "`o.x`" not in text.split("## Observations")[0]


def test_matrix_html_is_one_self_contained_escaped_page(reports: Path) -> None:
    data = results_json.read(reports / "moto" / "results.json")
    data["checks"][2]["message"] = "<script>alert('x')</script> & \"q\""
    data["checks"][2]["evidence"] = ["javascript:alert(1) not a link", "https://aws/e?a=1&b=2 n"]
    results_json.write(reports / "moto" / "results.json", data)
    page = render_html(reports)
    assert page.startswith("<!doctype html>") and "<style>" in page
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", page)  # nothing fetched
    assert page.count("<script") == 2  # the target list (JSON) and the inline filter code
    assert "<script>alert" not in page and "&lt;script&gt;alert('x')&lt;/script&gt; &amp;" in page
    assert 'href="javascript' not in page and 'href="https://aws/e?a=1&amp;b=2"' in page
    assert 'data-o="unexpected-pass"' in page and "<code>o.x</code>" in page


def test_matrix_html_cells_open_the_detail(reports: Path) -> None:
    page = render_html(reports)
    row = page[page.index('data-id="c"'):].split("</tr>")[0]
    assert row.count("<details>") == 1 and "c went failed" in row  # moto's cell; vendor: not run
    assert 'data-o="not-run"' in row and "Reproduce:</span><pre>" + CURL.replace("<", "&lt;") in row
    assert '<a href="https://aws/e" rel="noreferrer">' in row


def test_matrix_html_scores_views_and_filters(reports: Path) -> None:
    page = render_html(reports)
    assert '<div class="score">33.3%</div><div class="known">1 known deviations</div>' in page
    assert '<option value="only-moto">' in page and 'value="differs"' in page
    row = page[page.index('data-id="b"'):].split(">")[0]  # moto known deviation, vendor passes
    assert 'data-differs="1"' in row and 'data-only="moto"' in row
    assert 'name="target" value="vendor"' in page and 'name="outcome"' in page
    assert "position: sticky" in page


def test_matrix_json_targets_with_summary_and_outcome_per_target(reports: Path) -> None:
    write_matrix(reports)
    data = json.loads((reports / "matrix.json").read_text())
    assert [t["name"] for t in data["targets"]] == ["moto", "vendor"]
    assert data["targets"][0]["summary"]["expected_failures"] == 1
    assert data["targets"][1]["interrupted"] is False
    by_id = {c["id"]: c for c in data["checks"]}
    assert by_id["c"]["outcomes"] == {"moto": FAILED, "vendor": NOT_RUN}
    assert (by_id["b"]["differs"], by_id["b"]["fails_only_on"]) == (True, "moto")
    assert (by_id["a"]["differs"], by_id["a"]["fails_only_on"]) == (False, None)
    assert data["observations"][0]["observed"]["moto"]["status"] == 400
    assert data["observations"][0]["differs"] is True


def test_matrix_marks_an_interrupted_run_everywhere(reports: Path) -> None:
    path = reports / "vendor" / "results.json"
    data = results_json.read(path)
    data["interrupted"] = True
    results_json.write(path, data)
    results_json.write(reports / "interrupted" / "moto" / "results.json",
                       {**results_json.read(reports / "moto" / "results.json"),
                        "interrupted": True})
    write_matrix(reports)
    assert _row((reports / "matrix.md").read_text(), "check")[1] == "vendor 1.0 (interrupted)"
    assert json.loads((reports / "matrix.json").read_text())["targets"][1]["interrupted"]
    page = (reports / "index.html").read_text()
    assert page.count('<span class="badge">INTERRUPTED</span>') == 1
    assert "vendor: INTERRUPTED run" in page and "<code>interrupted/moto/</code>" in page


def test_matrix_cli_is_quiet_and_writes_md_json_and_html(reports: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["matrix", str(reports)]) == cli.EXIT_OK
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [f"wrote {reports / n}" for n in MATRIX_FILES]
    assert (reports / "matrix.md").read_text().startswith("# Conformance matrix")
    assert (reports / "index.html").read_text().startswith("<!doctype html>")


def test_matrix_without_results_is_a_usage_error(tmp_path: Path) -> None:
    assert cli.main(["matrix", str(tmp_path)]) == cli.EXIT_USAGE


def test_write_matrix_returns_every_path(reports: Path) -> None:
    assert [p.name for p in write_matrix(reports)] == ["matrix.md", "matrix.json", "index.html"]


def test_run_target_all_writes_the_matrix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """After `run --target all` (targets replaced by a stub writing their results.json)."""
    def fake_run_target(config: Any, verbose: bool = False) -> int:
        write(tmp_path, config.target, [check("a", PASSED)])
        return cli.EXIT_OK

    monkeypatch.setattr(cli, "run_target", fake_run_target)
    assert cli.main(["run", "--target", "all", "--report-dir", str(tmp_path)]) == cli.EXIT_OK
    assert "wrote " + str(tmp_path / "index.html") in capsys.readouterr().err
    page = (tmp_path / "index.html").read_text()
    assert all(f'data-target="{n}"' in page for n in cli.LOCAL_EMULATORS)
    badges = {p.name for p in (tmp_path / "badges").glob("*.json")}
    assert badges == {f"{n}.json" for n in cli.LOCAL_EMULATORS}


# -- diff -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "regression"), [
    (PASSED, FAILED, True), (EXPECTED_FAILURE, FAILED, True), (PASSED, ERROR, True),
    (EXPECTED_FAILURE, UNEXPECTED_PASS, True), (None, FAILED, True),  # new check, failing
    (PASSED, None, True),                                            # a passing check vanished
    (FAILED, PASSED, False), (FAILED, EXPECTED_FAILURE, False), (PASSED, UNSUPPORTED, False),
    (None, PASSED, False), (FAILED, None, False), (ERROR, FAILED, True),
])
def test_change_regression_rules(old: str | None, new: str | None, regression: bool) -> None:
    assert Change("x", old, new).regression is regression


def test_observation_change_is_never_a_regression() -> None:
    assert Change("o", '{"status": 400}', None, kind="observation").regression is False


def _two_runs(tmp_path: Path) -> tuple[Path, Path]:
    old = write(tmp_path / "old", "moto", [check("same", PASSED), check("fixed", FAILED),
                                           check("broke", PASSED), check("gone", PASSED)],
                [observation("o.x", {"status": 400})])
    new = write(tmp_path / "new", "moto", [check("same", PASSED), check("fixed", PASSED),
                                           check("broke", FAILED), check("added", PASSED)],
                [observation("o.x", {"status": 200})])
    return old, new


def test_diff_runs_lists_only_changes(tmp_path: Path) -> None:
    changes = {c.id: c for c in diff_runs(*_two_runs(tmp_path))}
    assert set(changes) == {"fixed", "broke", "gone", "added", "o.x"}
    assert {k for k, c in changes.items() if c.regression} == {"broke", "gone"}
    assert (changes["added"].old, changes["gone"].new) == (None, None)


def test_render_diff_sections(tmp_path: Path) -> None:
    text = render_diff(diff_runs(*_two_runs(tmp_path)))
    assert text.startswith("2 regression(s), 5 change(s)")
    assert text.index("## Regressions") < text.index("## New checks")
    assert "- `broke`: passed -> failed" in text and "- `gone`: passed -> absent" in text
    assert "- `added`: absent -> passed" in text and "never pass/fail" in text


def test_render_diff_no_changes() -> None:
    assert render_diff([]) == "No changes.\n"


def test_diff_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old, new = _two_runs(tmp_path)
    assert cli.main(["diff", str(old), str(new)]) == cli.EXIT_UNEXPECTED
    assert cli.main(["diff", str(new), str(old.parent)]) == cli.EXIT_UNEXPECTED  # dir works
    assert cli.main(["diff", str(new), str(new)]) == cli.EXIT_OK
    assert "No changes." in capsys.readouterr().out


def test_matrix_observation_not_made_shows_its_outcome(tmp_path: Path) -> None:
    path = write(tmp_path, "moto", [check("a", PASSED)], [observation("o.x", {})])
    data = results_json.read(path)
    data["observations"][0].update(outcome=UNSUPPORTED, message="no code oracle")
    results_json.write(path, data)
    assert _row(render_matrix(tmp_path), "`o.x`") == [f"{LEGEND[UNSUPPORTED][0]} unsupported"]


def test_summary_evidence_autolinks_only_the_url() -> None:  # unexpected results only
    data = doc("moto", [check("b", FAILED, evidence=["https://aws/x (a note)", "EVIDENCE.md s4"])])
    text = render_summary(data)
    assert "- evidence: <https://aws/x> (a note)" in text and "- evidence: EVIDENCE.md s4" in text


def test_diff_cli_unreadable_input_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    assert cli.main(["diff", str(tmp_path / "missing.json"), str(tmp_path)]) == cli.EXIT_USAGE
    assert cli.main(["diff", str(tmp_path / "bad.json"), str(tmp_path)]) == cli.EXIT_USAGE
