"""Issue 12 part 1: a broken target ends the run fast and clearly, through the real CLI.

Why a subprocess and a time bound per mode: what a CI job sees of a target that dies,
freezes, answers 500 or answers something that is not Cognito is the exit code (3), ONE
stderr line and how long it waited. Before the circuit breaker (conformance/wire.py) a
frozen moto cost every remaining check a full --timeout, a killed one 48 ConnectionError
lines and exit 1. Each mode here uses -k, the dev profile and short timeouts.

Targets: an out-of-process moto (killed with SIGKILL or frozen with SIGSTOP mid-run), a
TCP server that accepts and never answers, HTTP servers answering 500 or 200 `{}` to
everything, and the fault proxy in front of moto (slow ListUserPools, `{}` for
CreateUserPool).
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from conformance.paths import REPO_DIR
from conformance.targets.base import free_port
from conformance.targets.process import ManagedProcess
from selftest import faultproxy as fp

FAST = ("--profile", "dev", "--seed", "1")
HANDWRITTEN = "signup or confirm or resend"   # ~100 hand-written checks, no generated run
ONE_CHECK = "wire.request-id.success"


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CC_", "AWS_", "PYTEST_"))}
    return {**env, "PYTHONPATH": str(REPO_DIR), **extra}


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "conformance.cli", "run", *args]


def run(args: list[str], timeout: float = 90) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(args, env=cli_env(), cwd=REPO_DIR, capture_output=True, text=True,
                          timeout=timeout, check=False)
    return done, time.monotonic() - started


def one_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr[-3000:]
    assert "Traceback" not in stderr
    return lines[0]


def results(report_dir: Path) -> dict:
    return json.loads((report_dir / "moto" / "results.json").read_text())


# -- targets ----------------------------------------------------------------------------------
@pytest.fixture
def moto_process(tmp_path: Path) -> Iterator[ManagedProcess]:
    port = free_port()
    proc = ManagedProcess("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                   "-p", str(port)], port, tmp_path / "moto.log")
    proc.start()
    proc.endpoint = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    yield proc
    try:
        os.killpg(proc.pid, signal.SIGCONT)  # type: ignore[arg-type]
    except (OSError, TypeError):
        pass
    proc.stop()


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """Accepts TCP connections (the kernel would anyway) and never answers a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for conn in held:
        conn.close()


def answering(status: int, body: bytes) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def answering_500() -> Iterator[str]:
    yield from answering(500, b'{"__type": "InternalFailure", "message": "boom"}')


@pytest.fixture
def answering_empty() -> Iterator[str]:
    yield from answering(200, b"{}")


@pytest.fixture
def proxy(moto_process: ManagedProcess) -> Iterator[fp.FaultProxy]:
    proxy = fp.FaultProxy(moto_process.endpoint)  # type: ignore[attr-defined]
    proxy.endpoint = proxy.start()  # type: ignore[attr-defined]
    yield proxy
    proxy.stop()


def wait_for_first_result(reports: Path, proc: subprocess.Popen[str],
                          timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not any(reports.glob(".staging/*/moto/allure-results/*-result.json")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no check ran"
        time.sleep(0.05)


def break_mid_run(moto: ManagedProcess, sig: signal.Signals, reports: Path,
                  *extra: str, keyword: str = HANDWRITTEN) -> tuple[int, str, float]:
    """Run the `keyword` checks against `moto`, send `sig` to it once the first result
    is written; (exit code, stderr, seconds from the signal to the exit)."""
    proc = subprocess.Popen(cli("--target", "moto", "--endpoint",
                                moto.endpoint,  # type: ignore[attr-defined]
                                "-k", keyword, "--report-dir", str(reports), *FAST,
                                *extra),
                            env=cli_env(CC_CASE_CACHE="off"), cwd=REPO_DIR,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for_first_result(reports, proc)
        # the whole process group: ManagedProcess runs the server under a watchdog that
        # leads the group (targets/process.py), so its pid is not the server's
        os.killpg(moto.pid, sig)  # type: ignore[arg-type]
        sent = time.monotonic()
        _, stderr = proc.communicate(timeout=120)
        return proc.returncode, stderr, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def assert_rest_stopped(reports: Path) -> None:
    doc = results(reports)
    stopped = [c for c in doc["checks"] if c.get("unreachable")]
    assert len(stopped) >= len(doc["checks"]) - 5, [c["outcome"] for c in doc["checks"]]
    assert all(c["outcome"] == "error" for c in stopped)
    assert sum(c["message"].startswith("target stopped answering") for c in stopped) \
        >= len(stopped) - 3


# -- mid-run: killed, frozen ------------------------------------------------------------------
def test_killed_mid_run_is_exit_3_fast_with_one_line(moto_process: ManagedProcess,
                                                     tmp_path: Path) -> None:
    code, stderr, took = break_mid_run(moto_process, signal.SIGKILL, tmp_path / "r")
    assert code == 3, stderr[-3000:]
    line = one_line(stderr)
    # refused once the port is closed; reset or closed when the kill cut a call in flight
    reasons = ("connection refused", "connection reset", "connection closed without an answer")
    assert "target stopped answering" in line and any(r in line for r in reasons), line
    assert took < 30, took
    assert_rest_stopped(tmp_path / "r")


def test_frozen_mid_run_is_exit_3_within_timeout_plus_two_short_waits(
        moto_process: ManagedProcess, tmp_path: Path) -> None:
    """SIGSTOP: connections are accepted, nothing answers. --timeout 4: 4 + 3 + 3 s."""
    code, stderr, took = break_mid_run(moto_process, signal.SIGSTOP, tmp_path / "r",
                                       "--timeout", "4")
    assert code == 3, stderr[-3000:]
    line = one_line(stderr)
    assert "target stopped answering" in line and "timed out" in line, line
    assert took < 25, took
    assert_rest_stopped(tmp_path / "r")


def test_frozen_while_generated_cases_run_is_exit_3_within_30_s(
        moto_process: ManagedProcess, tmp_path: Path) -> None:
    """The generated cases run in worker processes, which have breakers of their own: a
    frozen target ends each worker's operation after --timeout + 3 + 3 s (not a --timeout
    per case, nor Hypothesis shrinking a connection error), and the run after that."""
    code, stderr, took = break_mid_run(moto_process, signal.SIGSTOP, tmp_path / "r",
                                       "--timeout", "4", keyword="generated.")
    assert code == 3, stderr[-3000:]
    assert "target stopped answering" in one_line(stderr)
    assert took < 30, took
    doc = results(tmp_path / "r")
    errors = [c for c in doc["checks"] if c["outcome"] == "error"]
    assert errors and all(c.get("unreachable") for c in errors), \
        [(c["id"], c["message"][:300]) for c in errors if not c.get("unreachable")]
    assert all(c["message"].startswith("target stopped answering") for c in errors)
    cut = [o for o in doc["observations"] if o["outcome"] == "error"]
    assert all(o.get("unreachable") for o in cut), [o["id"] for o in cut]


# -- at start: silent, 500, not Cognito ---------------------------------------------------------
def test_silent_target_is_exit_3_after_one_timeout(silent_endpoint: str,
                                                   tmp_path: Path) -> None:
    done, took = run(cli("--endpoint", silent_endpoint, "--timeout", "2", "-k", ONE_CHECK,
                         "--report-dir", str(tmp_path), *FAST))
    assert done.returncode == 3, done.stderr[-2000:]
    assert "timed out" in one_line(done.stderr)
    assert took < 20, took


def test_a_target_answering_500_to_everything_is_exit_3(answering_500: str,
                                                        tmp_path: Path) -> None:
    done, took = run(cli("--endpoint", answering_500, "-k", ONE_CHECK,
                         "--report-dir", str(tmp_path), *FAST))
    assert done.returncode == 3, done.stderr[-2000:]
    line = one_line(done.stderr)
    assert "HTTP 500" in line and "broken" in line, line
    assert took < 20, took


def test_a_target_answering_empty_json_is_not_cognito(answering_empty: str,
                                                      tmp_path: Path) -> None:
    done, took = run(cli("--target", "url", "--endpoint", answering_empty, "-k", ONE_CHECK,
                         "--report-dir", str(tmp_path), *FAST))
    assert done.returncode == 3, done.stderr[-2000:]
    line = one_line(done.stderr)
    assert "not a cognito-idp endpoint" in line and "{}" in line, line
    assert took < 20, took


def test_create_user_pool_answering_empty_json_is_one_line_not_a_traceback(
        proxy: fp.FaultProxy, tmp_path: Path) -> None:
    proxy.faults = [fp.Fault(fp.success({}), operation="CreateUserPool")]
    done, took = run(cli("--target", "moto", "--endpoint",
                         proxy.endpoint,  # type: ignore[attr-defined]
                         "-k", ONE_CHECK, "--report-dir", str(tmp_path), *FAST))
    assert done.returncode == 3, done.stderr[-2000:]
    line = one_line(done.stderr)
    assert "no cognito-idp endpoint gives" in line and "'UserPool'" in line, line
    assert proxy.faults[0].fired
    assert took < 20, took


# -- slow: the probe waits --timeout, not 5 s ---------------------------------------------------
def test_a_slow_target_is_waited_for_as_long_as_timeout_says(proxy: fp.FaultProxy,
                                                             tmp_path: Path) -> None:
    proxy.faults = [fp.Fault(lambda r, req: time.sleep(6), operation="ListUserPools",
                             times=1),
                    fp.Fault(lambda r, req: time.sleep(0.3))]
    done, took = run(cli("--target", "moto", "--endpoint",
                         proxy.endpoint,  # type: ignore[attr-defined]
                         "--timeout", "10", "-k", ONE_CHECK,
                         "--report-dir", str(tmp_path), *FAST))
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert results(tmp_path)["checks"][0]["outcome"] != "error"
    assert took < 45, took


def test_a_target_slower_than_timeout_is_exit_3(proxy: fp.FaultProxy, tmp_path: Path) -> None:
    proxy.faults = [fp.Fault(lambda r, req: time.sleep(3), operation="ListUserPools")]
    done, took = run(cli("--target", "moto", "--endpoint",
                         proxy.endpoint,  # type: ignore[attr-defined]
                         "--timeout", "1", "-k", ONE_CHECK,
                         "--report-dir", str(tmp_path), *FAST))
    assert done.returncode == 3, done.stderr[-2000:]
    assert "timed out" in one_line(done.stderr)
    assert took < 20, took


# -- the run's deadline ---------------------------------------------------------------------------
def test_deadline_errors_the_checks_left_and_exits_1(tmp_path: Path) -> None:
    done, took = run(cli("-k", HANDWRITTEN, "--deadline", "4", "--report-dir", str(tmp_path),
                         *FAST))
    assert done.returncode == 1, done.stderr[-2000:]
    ours = [ln for ln in done.stderr.splitlines() if ln.startswith("cognito-conformance:")]
    assert len(ours) == 1 and "run deadline of 4 s passed" in ours[0], done.stderr[-2000:]
    doc = results(tmp_path)
    cut = [c for c in doc["checks"] if c["message"] == "run deadline of 4 s passed"]
    assert cut and all(c["outcome"] == "error" and not c.get("unreachable") for c in cut)
    assert took < 40, took
