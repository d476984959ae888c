"""reports/index.html in a real browser: headless Chromium runs the page's own JS.

Why a browser: the page's filters, its sticky header and the marking of an interrupted run
are JS and CSS; string checks on the HTML cannot show that they work. Chromium's
`--dump-dom` gives the DOM after the scripts ran; the filters are applied from the URL
fragment (index.html#outcome=failed), so no clicks are needed. A screenshot is saved beside
the report (and copied to CC_MATRIX_SCREENSHOT, default <tmp>/cognito-conformance-matrix.png)
for a person to look at.

Skipped only when Chromium is absent outside CI; in CI (CI=true) it must run, and .ci/run
installs Debian's `chromium` when it is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conformance.reporting import results_json
from conformance.reporting.matrix import write_matrix
from conformance.results.outcome import (
    ERROR, EXPECTED_FAILURE, FAILED, PASSED, UNEXPECTED_PASS, UNSUPPORTED, CheckResult,
)

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
IN_CI = os.environ.get("CI", "").lower() == "true"
STARTED = datetime(2026, 1, 2, tzinfo=timezone.utc)
TARGETS = ("moto", "cognito-local", "ministack")

pytestmark = pytest.mark.skipif(CHROMIUM is None and not IN_CI,
                                reason="chromium not installed (apt-get install chromium)")


def _check(cid: str, category: str, outcome: str) -> CheckResult:
    failing = outcome in (FAILED, EXPECTED_FAILURE, ERROR)
    return CheckResult(
        id=cid, operation="SignUp", category=category, outcome=outcome,
        message=f"{cid}: got 500 <html>, want 400" if failing else "",
        expected={"status": 400} if failing else {}, observed={"status": 500} if failing else {},
        evidence=["https://docs.aws.amazon.com/cognito/latest/APIReference/API_SignUp.html"],
        reproduce="curl -sS -X POST http://127.0.0.1:1/ --data '{\"Password\": \"***\"}'",
        reason="the target answers 500" if outcome == EXPECTED_FAILURE else None,
        signature=["status=500", "type=none"] if failing else None)


# check id -> category, outcome per target (moto, cognito-local, ministack)
ROWS: dict[str, tuple[str, tuple[str, str, str]]] = {
    "wire.request-id.success": ("wire", (PASSED, PASSED, PASSED)),
    "wire.content-type.error": ("wire", (EXPECTED_FAILURE, PASSED, PASSED)),
    "signup.duplicate-username.status": ("status-mapping", (FAILED, PASSED, EXPECTED_FAILURE)),
    "signup.password.no-lower.status": ("status-mapping", (PASSED, UNEXPECTED_PASS, PASSED)),
    "validation.username.length": ("validation", (EXPECTED_FAILURE, EXPECTED_FAILURE, PASSED)),
    "state.confirm.wrong-code": ("state", (PASSED, UNSUPPORTED, ERROR)),
}


def _write_reports(reports: Path) -> None:
    for i, name in enumerate(TARGETS):
        results = [_check(cid, cat, outcomes[i]) for cid, (cat, outcomes) in ROWS.items()]
        obs = [CheckResult(id="signup.after.user-status", operation="SignUp",
                           category="observation", outcome=PASSED,
                           observed={"status": 200, "UserStatus": ["UNCONFIRMED", "X"][i % 2]})]
        doc = results_json.build({"name": name, "version": f"1.{i}", "endpoint": "http://x"},
                                 results, obs, STARTED, 3.0,
                                 extra={"interrupted": name == "ministack", "unrecorded": [],
                                        "run": {"seed": 0, "profile": "ci", "selected": 7}})
        results_json.write(reports / name / "results.json", doc)


def _chromium(page: Path, profile: Path, fragment: str = "", *args: str) -> str:
    assert CHROMIUM, "CI=true but chromium is not installed (.ci/run installs it)"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
         "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}", *args,
         page.as_uri() + fragment],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _rows(dom: str) -> dict[str, str]:
    """check id -> its <tr ...> start tag, from the DOM after the scripts ran."""
    return {m.group(1): m.group(0) for m in re.finditer(
        r'<tr class="chk" data-id="([^"]+)"[^>]*>', dom)}


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reports = tmp_path_factory.mktemp("browser") / "reports"
    _write_reports(reports)
    return [p for p in write_matrix(reports) if p.name == "index.html"][0]


def test_every_target_is_shown_and_nothing_filtered(page: Path, tmp_path: Path) -> None:
    dom = _chromium(page, tmp_path / "profile", "", "--dump-dom")
    assert 'data-filters="applied"' in dom, "the page's script did not run"
    for column, name in enumerate(sorted(TARGETS)):  # one column per target, by name
        assert re.search(rf'<div class="card[^"]*" data-target="{name}"', dom), name
        version = TARGETS.index(name)
        assert re.search(rf'<th class="t{column}">{name} 1\.{version}', dom), name
    assert re.search(r'<div class="card interrupted t\d" data-target="ministack"', dom)
    assert 'ministack: INTERRUPTED run' in dom
    rows = _rows(dom)
    assert set(rows) == set(ROWS) and not any("hidden" in tag for tag in rows.values())
    assert "6 of 6 checks, 1 observations shown" in dom


def test_filters_from_the_url_hide_rows_and_columns(page: Path, tmp_path: Path) -> None:
    dom = _chromium(page, tmp_path / "profile", "#outcome=failed&target=moto,ministack",
                    "--dump-dom")
    visible = {cid for cid, tag in _rows(dom).items() if "hidden" not in tag}
    assert visible == {"signup.duplicate-username.status"}  # failed on moto only
    assert "1 of 6 checks" in dom
    # the cognito-local column (the first: by name) is hidden, the other two are not
    assert re.search(r'<th class="t0" hidden="">cognito-local', dom)
    assert re.search(r'<th class="t1">ministack', dom) and re.search(r'<th class="t2">moto', dom)

    dom = _chromium(page, tmp_path / "profile", "#view=only-moto", "--dump-dom")
    visible = {cid for cid, tag in _rows(dom).items() if "hidden" not in tag}
    assert visible == {"wire.content-type.error"}


def test_screenshot_is_saved_beside_the_report(page: Path, tmp_path: Path) -> None:
    shot = page.parent / "matrix.png"
    _chromium(page, tmp_path / "profile", "", f"--screenshot={shot}", "--window-size=1400,1100")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, len(data)
    copy = Path(os.environ.get("CC_MATRIX_SCREENSHOT")
                or Path(tempfile.gettempdir()) / "cognito-conformance-matrix.png")
    shutil.copyfile(shot, copy)
    print(f"matrix screenshot: {shot} (copy: {copy})")
