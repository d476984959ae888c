"""What one real `cognito-conformance run` shows and writes, end to end in a subprocess
(stdout is a pipe, so the non-terminal mode): the suite's own progress lines and closing
total (no control characters, no pytest summary line, the total counted as results.json
counts), and allure-results that separate known deviations from failures, unexpected
passes and errors; `allure generate` (npm allure-commandline in .cache/allure, `make
allure-deps`) builds a report whose Categories tab does the same.

One run (moto, dev profile, the wire checks plus one observation) with an expectations copy
edited so that every verdict kind appears: a known deviation removed (failed), a passing
check listed (unexpected pass), the rest expected failures and passes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.paths import expectations_dir

KEYWORD = "(wire and not generated) or state.signup.enabled"
REMOVED = "wire.content-type.error"        # listed deviation removed: failed
STALE = "wire.content-type.success"        # passing check listed: unexpected pass
STALE_ENTRY = f'''
["{STALE}"]
reason = "self-test: listed although moto passes it"
evidence = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/CommonErrors.html"
signature = ["status=200", "type=none", "Content-Type=differs"]
'''
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # anything but \n
ALLURE_BIN = Path(__file__).resolve().parents[1] / ".cache" / "allure" / "node_modules" / \
    ".bin" / "allure"


def _expectations(folder: Path) -> Path:
    shutil.copytree(expectations_dir(), folder)
    text = (folder / "moto.toml").read_text()
    start = text.index(f'["{REMOVED}"]')
    end = text.index("\n[", start + 1)
    (folder / "moto.toml").write_text(text[:start] + text[end + 1:] + STALE_ENTRY)
    return folder


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("run-output")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")}
    env["CC_EXPECTATIONS_DIR"] = str(_expectations(tmp / "expectations"))
    proc = subprocess.run([sys.executable, "-m", "conformance.cli", "run", "--target", "moto",
                           "--profile", "dev", "-k", KEYWORD, "--report-dir", str(tmp / "r")],
                          text=True, capture_output=True, timeout=600, env=env)
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    report = tmp / "r" / "moto"
    results = {}
    for path in (report / "allure-results").glob("*-result.json"):
        data = json.loads(path.read_text())
        label = {lb["name"]: lb["value"] for lb in data["labels"]}
        results[label["check_id"]] = data
    return {"proc": proc, "doc": json.loads((report / "results.json").read_text()),
            "report": report, "allure": results, "tmp": tmp}


# -- progress, not on a terminal --------------------------------------------------------------

def test_progress_output_has_no_control_characters(run: dict) -> None:
    out = run["proc"].stdout
    assert out.strip() and not CONTROL.search(out), repr(out[:500])


def test_closing_total_is_counted_as_results_json_counts(run: dict) -> None:
    doc, out = run["doc"], run["proc"].stdout
    closing = [ln for ln in out.splitlines() if " checks: " in ln]
    assert len(closing) == 1, out
    summary = doc["summary"]
    assert f" {summary['total']} checks: {summary['passed']} passed, {summary['failed']} failed" \
        in closing[0]
    assert f"; {len(doc['observations'])} observations;" in closing[0]
    finished = [ln for ln in out.splitlines() if ln.startswith("moto: finished ")]
    assert len(finished) == 1 and f" {summary['total']} checks (" in finished[0] \
        and f", {len(doc['observations'])} observations" in finished[0], out


def test_pytest_letters_and_summary_line_are_suppressed(run: dict) -> None:
    out = run["proc"].stdout
    assert not re.search(r"^=*\s*\d+ \w+(, \d+ \w+)* in [\d.]+s", out, re.MULTILINE), out
    assert not re.search(r"^[.xsFE]+$", out, re.MULTILINE), out


def test_one_line_per_finished_category(run: dict) -> None:
    out = run["proc"].stdout
    for category in {c["category"] for c in run["doc"]["checks"]} | {"observation"}:
        lines = [ln for ln in out.splitlines() if ln.startswith(f"moto: {category} done, ")]
        assert len(lines) == 1, (category, out)


# -- allure-results ---------------------------------------------------------------------------

def test_outcomes_have_distinct_statuses_and_messages(run: dict) -> None:
    results, doc = run["allure"], run["doc"]
    outcomes = {c["id"]: c["outcome"] for c in doc["checks"]}
    assert outcomes[REMOVED] == "failed" and outcomes[STALE] == "unexpected-pass"
    assert "expected-failure" in outcomes.values() and "passed" in outcomes.values()
    assert set(results) == set(outcomes) | {o["id"] for o in doc["observations"]}
    prefix = {"failed": ("failed", "Deviation: "), "unexpected-pass": (
        "failed", "Unexpected pass (stale expectation): "), "expected-failure": (
        "skipped", "Known deviation: "), "passed": ("passed", None)}
    for check_id, outcome in outcomes.items():
        status, start = prefix[outcome]
        assert results[check_id]["status"] == status, check_id
        message = (results[check_id].get("statusDetails") or {}).get("message")
        assert (message or "").startswith(start or "") and (start or not message), check_id


def test_labels_parameters_and_steps(run: dict) -> None:
    result = run["allure"][REMOVED]
    labels = {(lb["name"], lb["value"]) for lb in result["labels"]}
    assert {("epic", result["parameters"][0]["value"]), ("feature", "wire"),
            ("story", REMOVED), ("outcome", "failed")} <= labels
    assert any(name == "severity" and value in ("critical", "normal", "minor", "trivial")
               for name, value in labels)
    assert {p["name"] for p in result["parameters"]} == {"operation", "target", "seed",
                                                          "profile"}
    assert result["historyId"] == hashlib.md5(REMOVED.encode()).hexdigest()
    assert result["steps"] and all(re.match(r"\d+\. \w+ -> \d{3}", s["name"])
                                   for s in result["steps"])
    sources = [a["source"] for s in result["steps"] for a in s["attachments"]]
    assert sources and all((run["report"] / "allure-results" / s).exists() for s in sources)


def test_categories_and_environment_are_written(run: dict) -> None:
    folder = run["report"] / "allure-results"
    names = [c["name"] for c in json.loads((folder / "categories.json").read_text())]
    assert "Known deviations" in names and "Failures (unknown deviations)" in names
    env = (folder / "environment.properties").read_text()
    assert "target = moto\n" in env and "profile = dev\n" in env and "seed = 0\n" in env


def test_allure_generate_separates_known_deviations_from_failures(run: dict) -> None:
    binary = str(ALLURE_BIN) if ALLURE_BIN.exists() else shutil.which("allure")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("allure-commandline missing in CI: run `make allure-deps`")
        pytest.skip("allure-commandline not installed (make allure-deps)")
    out = run["tmp"] / "allure-report"
    proc = subprocess.run([binary, "generate", str(run["report"] / "allure-results"), "-o",
                           str(out), "--clean"], text=True, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tree = json.loads((out / "data" / "categories.json").read_text())
    members = {c["name"]: _leaf_names(c) for c in tree["children"]}
    outcomes = {c["id"]: c["outcome"] for c in run["doc"]["checks"]}
    assert members["Failures (unknown deviations)"] == {REMOVED}
    assert members["Unexpected passes (stale expectations)"] == {STALE}
    assert members["Known deviations"] == {i for i, o in outcomes.items()
                                           if o == "expected-failure"}
    assert "Product defects" not in members and "Test defects" not in members


def _leaf_names(node: dict[str, Any]) -> set[str]:
    if "children" not in node:
        return {node["name"]}
    return set().union(*(_leaf_names(c) for c in node["children"]))
