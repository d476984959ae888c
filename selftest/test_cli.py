"""The CLI's contract, end to end in a subprocess: exit codes, one-line errors, expectations.

Why a subprocess: exit codes and stderr are what CI scripts see, and `run` starts pytest
in-process, so only a separate process shows them as a user gets them. The moto runs use a
temporary expectations folder (CC_EXPECTATIONS_DIR, read by conformance/config.py) so a
test can remove one known deviation and watch the run turn red without touching the
shipped file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from conformance.paths import expectations_dir

FAST = ("--profile", "dev", "--seed", "1")


def run_cli(*args: str, env: dict[str, str] | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CC_")}
    return subprocess.run([sys.executable, "-m", "conformance.cli", *args], text=True,
                          capture_output=True, timeout=timeout, env={**clean, **(env or {})})


def results(report_dir: Path) -> dict:
    return json.loads((report_dir / "moto" / "results.json").read_text())


def known_deviations(directory: Path, profile: str = FAST[1]) -> dict[str, dict]:
    """moto's entries that apply to a run of `profile` (an entry may name its profiles)."""
    entries = tomllib.loads((directory / "moto.toml").read_text())
    return {k: v for k, v in entries.items() if profile in v.get("profiles", [profile])}


@pytest.fixture
def expectations_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "expectations"
    shutil.copytree(expectations_dir(), folder)
    return folder


def test_unreachable_endpoint_exits_3_with_one_line() -> None:
    started = time.monotonic()
    proc = run_cli("run", "--endpoint", "http://127.0.0.1:1", timeout=30)
    assert proc.returncode == 3, proc.stderr
    assert time.monotonic() - started < 30
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "127.0.0.1:1" in lines[0], proc.stderr


def test_unknown_target_exits_2() -> None:
    proc = run_cli("run", "--target", "nonsense", timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_moto_run_is_green_with_every_deviation_expected(tmp_path: Path,
                                                         expectations_copy: Path) -> None:
    proc = run_cli("run", "--report-dir", str(tmp_path), *FAST,
                   env={"CC_EXPECTATIONS_DIR": str(expectations_copy)})
    doc = results(tmp_path)
    bad = [(c["id"], c["outcome"]) for c in doc["checks"]
           if c["outcome"] in ("failed", "unexpected-pass", "error")]
    assert proc.returncode == 0 and not bad, (proc.returncode, bad, proc.stderr[-2000:])
    outcomes = {c["id"]: c["outcome"] for c in doc["checks"]}
    entries = known_deviations(expectations_copy)
    listed = [i for i in entries if i in outcomes]
    # a random entry's failing cases may not be drawn by this seed: then it passes
    assert listed and all(outcomes[i] == "expected-failure" or (
        entries[i].get("random") and outcomes[i] == "passed") for i in listed)


def test_removing_one_deviation_turns_the_run_red(tmp_path: Path,
                                                  expectations_copy: Path) -> None:
    entries = known_deviations(expectations_copy)
    removed = next(i for i in entries if not i.startswith("generated."))
    text = (expectations_copy / "moto.toml").read_text()
    kept = {i: v for i, v in entries.items() if i != removed}
    (expectations_copy / "moto.toml").write_text("".join(
        f'["{i}"]\nreason = {json.dumps(v["reason"])}\n'
        f'evidence = {json.dumps(v["evidence"])}\n'
        f'signature = {json.dumps(v["signature"])}\n\n' for i, v in kept.items()))
    assert removed in text
    proc = run_cli("run", "--report-dir", str(tmp_path), "-k", removed, *FAST,
                   env={"CC_EXPECTATIONS_DIR": str(expectations_copy)})
    outcomes = {c["id"]: c["outcome"] for c in results(tmp_path)["checks"]}
    assert outcomes.get(removed) == "failed", (
        f"{removed} is {outcomes.get(removed)!r} with its entry removed: the run did not read "
        "CC_EXPECTATIONS_DIR (plugin.py must pass RunConfig.expectations_dir to "
        "load_expectations)")
    assert proc.returncode == 1, proc.stderr[-2000:]
