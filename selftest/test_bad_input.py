"""Issue 12 parts 2 and 6: bad input is caught before anything starts; --help tells the truth.

Why through the real CLI: what a user gets for a typo is the exit code (2), ONE stderr line
naming the problem, and nothing started (no target, no report folder written). Each case is
one subprocess that never starts a target, so each takes about a second.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from conformance.cli import _item_names
from conformance.paths import REPO_DIR


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CC_", "AWS_", "PYTEST_"))}
    return {**env, "PYTHONPATH": str(REPO_DIR)}


def run_cli(*args: str, cwd: Path = REPO_DIR) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance.cli", *args], env=cli_env(),
                          cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def a_file(tmp: Path) -> str:
    path = tmp / "a-file"
    path.write_text("not a folder")
    return str(path)


BAD = {
    "endpoint-no-host": (["--endpoint", "http://"], "--endpoint"),
    "endpoint-open-ipv6": (["--endpoint", "http://[::1"], "Invalid IPv6 URL"),
    "endpoint-no-scheme": (["--endpoint", "127.0.0.1:5000"], "--endpoint"),
    "endpoint-bad-scheme": (["--endpoint", "ftp://127.0.0.1:21"], "--endpoint"),
    "endpoint-bad-port": (["--endpoint", "http://127.0.0.1:port"], "--endpoint"),
    "timeout-zero": (["--timeout", "0"], "--timeout must be a positive number"),
    "timeout-negative": (["--timeout", "-3"], "--timeout must be a positive number"),
    "timeout-not-a-number": (["--timeout", "soon"], "invalid float value"),
    "timeout-nan": (["--timeout", "nan"], "--timeout must be a positive number"),
    "deadline-zero": (["--deadline", "0"], "--deadline must be a positive number"),
    "report-dir-is-a-file": (["--report-dir", "{file}"], "is not a folder"),
    "report-dir-under-a-file": (["--report-dir", "{file}/reports"], "is not a folder"),
    "report-dir-not-creatable": (["--report-dir", "/proc/self/reports"], "not writable"),
    "case-cache-is-a-file": (["--case-cache", "{file}"], "is not a folder (or say off)"),
    "k-syntax-error": (["-k", "wire.("], "not a valid pytest -k expression"),
    "k-unclosed": (["-k", "wire and (signup"], "not a valid pytest -k expression"),
    "k-matches-nothing": (["-k", "no-such-check"], "matches no check"),
    "k-contradiction": (["-k", "wire and not wire"], "matches no check"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_exit_2_one_line_nothing_started(case: str, tmp_path: Path) -> None:
    args, needle = BAD[case]
    args = [a.replace("{file}", a_file(tmp_path)) for a in args]
    reports = tmp_path / "reports"
    if "--report-dir" not in args:
        args += ["--report-dir", str(reports)]
    done = run_cli("run", *args, "--profile", "dev", cwd=tmp_path)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], lines
    assert not done.stdout, "pytest ran"
    assert not reports.exists(), "a report folder was written: a target ran"
    assert sorted(p.name for p in tmp_path.iterdir()) in ([], ["a-file"]), \
        list(tmp_path.iterdir())


def test_read_only_report_dir_is_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: a 0555 folder is writable")
        done = run_cli("run", "--report-dir", str(folder), "--profile", "dev")
        assert done.returncode == 2, done.stderr
        assert "not writable" in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("keyword", ["wire.request-id.success", "generated.SignUp.",
                                     "not wire", "SignUp and content-type", "test_generated",
                                     "state.observe.resend.unknown-user.enabled"])
def test_k_that_matches_is_not_refused_and_agrees_with_pytest(keyword: str) -> None:
    """Our matcher (pytest's Expression over each item's -k names) against pytest's own
    collection with the same -k: the same number of items."""
    from _pytest.mark.expression import Expression

    expression = Expression.compile(keyword)
    ours = sum(expression.evaluate(lambda ident, names=[n.lower() for n in names]:
                                   any(ident.lower() in n for n in names))
               for names in _item_names())
    done = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "conformance.suite",
                           "--collect-only", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                           "-p", "no:conformance", "-k", keyword], env=cli_env(),
                          cwd=REPO_DIR, capture_output=True, text=True, timeout=60)
    collected = re.search(r"(\d+)(?:/\d+)? tests? (?:collected|selected)", done.stdout)
    assert collected, done.stdout[-2000:]
    assert ours == int(collected.group(1)) > 0, (ours, done.stdout[-500:])


# -- --help and --version ---------------------------------------------------------------------
def test_help_lists_exit_codes_and_no_dest_names() -> None:
    for args in (["--help"], ["run", "--help"]):
        done = run_cli(*args)
        assert done.returncode == 0
        for code in ("0 ", "1 ", "2 ", "3 ", "130 "):
            assert re.search(rf"^  {code}", done.stdout, re.M), (code, done.stdout)
        assert "CC_" not in done.stdout, done.stdout
    assert "--deadline SECONDS" in run_cli("run", "--help").stdout


def test_version_comes_from_the_package_metadata() -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"cognito-conformance {version('cognito-conformance')}"
