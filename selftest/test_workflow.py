"""The nightly workflow (.github/workflows/conformance.yml) only runs what exists: every
`make X` is a Makefile target, every `cognito-conformance <sub>` a CLI subcommand, every
`--option` given to `run` one the CLI takes; one job per local emulator uploads
reports/<target>/; the final job builds the matrix, badges and the diff. And the badges
(conformance/reporting/badges.py) are shields.io endpoint JSON."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance import cli
from conformance.reporting.badges import badge, color, write_badges

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "conformance.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def _runs(workflow: dict[str, Any]) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"]
            if "run" in step]


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", text, re.MULTILINE))


def test_triggers_are_schedule_and_dispatch(workflow: dict) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads `on` as True
    assert "schedule" in triggers and "workflow_dispatch" in triggers


def test_every_make_target_exists(workflow: dict) -> None:
    used = {t for run in _runs(workflow) for m in re.finditer(r"\bmake((?: [a-z][\w-]*)+)", run)
            for t in m.group(1).split()}
    assert used and used <= _make_targets(), used - _make_targets()


def test_every_cli_subcommand_and_run_option_exists(workflow: dict) -> None:
    parser = cli.build_parser()
    subcommands = set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    text = "\n".join(_runs(workflow))
    used = set(re.findall(r"cognito-conformance (\w+)", text))
    assert used >= {"matrix", "diff", "badges"} and used <= subcommands, used - subcommands
    run_options = {opt for action in parser._subparsers._group_actions[0]  # type: ignore
                   .choices["run"]._actions for opt in action.option_strings}
    args = " ".join(m for m in re.findall(r'ARGS="([^"]*)"', text.replace("\n", " ")))
    given = {a for a in shlex.split(args) if a.startswith("--")}
    assert given and given <= run_options, given - run_options


def test_one_job_per_local_target_uploading_its_reports(workflow: dict) -> None:
    job = workflow["jobs"]["run"]
    assert job["strategy"]["matrix"]["target"] == list(cli.LOCAL_EMULATORS)
    uploads = [s for s in job["steps"] if str(s.get("uses", "")).startswith(
        "actions/upload-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "reports/${{ matrix.target }}/"


def test_final_job_builds_matrix_badges_and_diff_after_every_run(workflow: dict) -> None:
    job = workflow["jobs"]["matrix"]
    assert "run" in job["needs"] and job["if"] == "always()"
    text = "\n".join(s.get("run", "") for s in job["steps"])
    assert "GITHUB_STEP_SUMMARY" in text and "badges reports/" in text
    downloads = [s for s in job["steps"] if str(s.get("uses", "")).startswith(
        "actions/download-artifact")]
    assert any("run-id" in s.get("with", {}) for s in downloads)  # the previous run's


@pytest.mark.parametrize(("score", "want"), [(1.0, "brightgreen"), (0.9, "brightgreen"),
                                             (0.8, "green"), (0.517, "yellow"),
                                             (0.368, "orange"), (0.1, "red"), (0.0, "red")])
def test_badge_colour(score: float, want: str) -> None:
    assert color(score) == want


def test_badges_are_shields_endpoint_json_per_complete_target(tmp_path: Path) -> None:
    for name, score, interrupted in (("moto", 0.3684, False), ("ministack", 0.517, False),
                                     ("cognito-local", 0.9, True)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "results.json").write_text(json.dumps(
            {"target": {"name": name}, "summary": {"score": score},
             "interrupted": interrupted}))
    written = write_badges(tmp_path)
    assert [p.name for p in written] == ["ministack.json", "moto.json"]
    doc = json.loads((tmp_path / "badges" / "moto.json").read_text())
    assert doc == {"schemaVersion": 1, "label": "moto conformance", "message": "36.8 %",
                   "color": "orange"}
    assert badge({"target": {"name": "x"}, "summary": {"score": 1}})["message"] == "100.0 %"


def test_badges_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "moto").mkdir()
    (tmp_path / "moto" / "results.json").write_text(json.dumps(
        {"target": {"name": "moto"}, "summary": {"score": 0.5}}))
    assert cli.main(["badges", str(tmp_path)]) == 0
    assert (tmp_path / "badges" / "moto.json").exists() and "wrote" in capsys.readouterr().out
