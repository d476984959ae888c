"""Self-tests of the target plugins: real start/stop of each emulator, no process left behind.

Why these exist: a target that leaks a server, hides a start failure behind a traceback, or
quietly runs against real AWS would make every verdict of the suite suspect. So each
emulator is really started and stopped here (cognito-local from .cache/node, which
`make test` installs first: its absence is a failure, never a skip), the exit codes of the
CLI's failure modes are asserted, and the `aws` target's sweep, cleanup command and leak
report are exercised against an out-of-process moto standing in for AWS (endpoint override;
nothing here ever calls AWS).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Iterator

import pytest
import requests

from conformance import cleanup
from conformance.cli import main
from conformance.config import RunConfig
from conformance.targets import cognito_local
from conformance.targets.base import TargetStartError, free_port
from conformance.targets.cognito_local import CognitoLocalTarget
from conformance.targets.ministack import MinistackTarget
from conformance.targets.probe import confirm_capabilities
from conformance.targets.process import ManagedProcess
from conformance.wire import AwsCredentials, Caller
from selftest import faultproxy as fp

AWS_FLAG = "--i-understand-this-creates-resources"
FAKE_AWS_ENV = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_REGION": "us-east-1"}
ONE_CHECK = "wire.request-id.success"
ALL_CAPS = {"code-oracle", "reset", "admin", "create-pool"}


# -- helpers -------------------------------------------------------------------------------
def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def children(pid: int, marker: str) -> list[int]:
    """Live descendants-by-parent of `pid` whose command line contains `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().split(")")[-1].split()[1])
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and marker in cmd and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def caller_for(endpoint: str) -> Caller:
    return Caller(endpoint, "us-east-1", AwsCredentials("test", "test"), timeout_s=10)


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CC_", "AWS_"))}
    return {**env, **extra}


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance.cli", *args], cwd=cwd,
                          env=env or cli_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.fixture(scope="module")
def standalone_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto out of process: its state is not shared with the fault-proxy moto."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    proc = ManagedProcess("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                   "-p", str(port)], port, log)
    proc.start()
    yield f"http://127.0.0.1:{port}"
    proc.stop()


@pytest.fixture
def moto_endpoint(standalone_moto: str) -> str:
    requests.post(standalone_moto + "/moto-api/reset", timeout=10)
    return standalone_moto


def make_pools(endpoint: str, names: list[str]) -> list[str]:
    caller = caller_for(endpoint)
    return [caller.call("CreateUserPool", {"PoolName": n}).json["UserPool"]["Id"]
            for n in names]


def pool_names(endpoint: str) -> set[str]:
    return {p["Name"] for p in cleanup.list_pools(caller_for(endpoint))}


# -- emulators really start, confirm their capabilities and stop --------------------------
@pytest.mark.parametrize("cls", [CognitoLocalTarget, MinistackTarget])
def test_emulator_starts_probes_and_stops(cls: type) -> None:
    target = cls(RunConfig(target=cls.name))
    started = time.perf_counter()
    target.start()
    try:
        assert time.perf_counter() - started < 15
        pid = target._process.pid
        assert alive(pid)
        caps = confirm_capabilities(target, RunConfig(target=cls.name))
        assert caps == ALL_CAPS, caps
        assert target.version()[0].isdigit()
    finally:
        target.stop()
    assert not alive(pid)


@pytest.mark.parametrize("cls", [CognitoLocalTarget, MinistackTarget])
def test_code_oracle_gives_the_code_the_emulator_accepts(cls: type) -> None:
    target = cls(RunConfig(target=cls.name))
    target.start()
    try:
        caller = caller_for(target.endpoint)
        pool = caller.call("CreateUserPool", {"PoolName": "ccf-oracle",
                                              "AutoVerifiedAttributes": ["email"]})
        pool_id = pool.json["UserPool"]["Id"]
        client = caller.call("CreateUserPoolClient", {"UserPoolId": pool_id,
                                                      "ClientName": "c"}).json
        client_id = client["UserPoolClient"]["ClientId"]
        body = {"ClientId": client_id, "Username": "oracle-user", "Password": "Aa1!aaaaaa",
                "UserAttributes": [{"Name": "email", "Value": "o@example.com"}]}
        assert caller.call("SignUp", body).status == 200
        code = target.confirmation_code(pool_id, "oracle-user")
        wrong = "000000" if code != "000000" else "111111"
        confirm = {"ClientId": client_id, "Username": "oracle-user"}
        assert caller.call("ConfirmSignUp", {**confirm, "ConfirmationCode": wrong}).status \
            == 400
        assert caller.call("ConfirmSignUp", {**confirm, "ConfirmationCode": code}).status \
            == 200
    finally:
        target.stop()


def test_cognito_local_reset_keeps_endpoint_and_wipes_state() -> None:
    target = CognitoLocalTarget(RunConfig(target="cognito-local"))
    target.start()
    try:
        endpoint = target.endpoint
        make_pools(endpoint, ["ccf-before-reset"])
        target.reset()
        assert target.endpoint == endpoint
        assert pool_names(endpoint) == set()
    finally:
        target.stop()


def test_ministack_runs_with_auth_so_bad_credentials_are_refused() -> None:
    target = MinistackTarget(RunConfig(target="ministack"))
    target.start()
    try:
        bad = Caller(target.endpoint, "us-east-1", AwsCredentials("AKIAWRONG", "nope"))
        reply = bad.call("ListUserPools", {"MaxResults": 1})
        assert reply.status >= 400, reply.summary()
        make_pools(target.endpoint, ["ccf-before-reset"])
        target.reset()
        assert pool_names(target.endpoint) == set()
    finally:
        target.stop()


# -- start failures: one line, exit 3 -------------------------------------------------------
def test_missing_cognito_local_package_is_exit_3(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cognito_local, "NODE_PREFIX", tmp_path / "no-node")
    code = main(["run", "--target", "cognito-local", "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 3
    assert len(err) == 1 and "make node-deps" in err[0], err


def test_port_taken_and_crash_at_start_are_start_errors(tmp_path: Path) -> None:
    port = free_port()
    holder = ManagedProcess("holder", [sys.executable, "-m", "http.server", "-b",
                                       "127.0.0.1", str(port)], port, tmp_path / "h.log")
    holder.start()
    try:
        with pytest.raises(TargetStartError, match="taken"):
            ManagedProcess("x", [sys.executable, "-c", "0"], port, tmp_path / "x.log").start()
    finally:
        holder.stop()
    crash = ManagedProcess("crasher", [sys.executable, "-c", "print('boom'); exit(4)"],
                           free_port(), tmp_path / "c.log")
    with pytest.raises(TargetStartError, match="code 4.*boom"):
        crash.start()
    missing = ManagedProcess("nobin", ["/nonexistent/bin"], free_port(), tmp_path / "n.log")
    with pytest.raises(TargetStartError, match="cannot run"):
        missing.start()


# -- no process left behind after SIGTERM / Ctrl-C -----------------------------------------
STARTER = """
import sys, time
from conformance.config import RunConfig
from conformance.targets.{module} import TARGET
t = TARGET(RunConfig(target=TARGET.name)); t.start()
print(t._process.pid, t._process.scratch, flush=True)
time.sleep(120)
"""


@pytest.mark.parametrize("module,sig", [("ministack", signal.SIGTERM),
                                        ("cognito_local", signal.SIGINT)])
def test_signal_stops_the_emulator(module: str, sig: signal.Signals, tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", STARTER.format(module=module)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              cwd=tmp_path, env=cli_env())
    assert parent.stdout is not None
    pid, scratch = parent.stdout.readline().split()
    child = int(pid)
    assert alive(child) and Path(scratch).is_dir()
    parent.send_signal(sig)
    parent.wait(timeout=20)
    assert not alive(child)
    assert not Path(scratch).exists()


def test_sigterm_during_a_cli_run_leaves_no_process(tmp_path: Path) -> None:
    """`--target all`, SIGTERM while cognito-local runs: it dies, ministack never starts."""
    parent = subprocess.Popen([sys.executable, "-m", "conformance.cli", "run", "--target",
                               "all", "-k", ONE_CHECK, "--report-dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              cwd=tmp_path, env=cli_env())
    deadline, kids = time.monotonic() + 30, []
    while not kids and time.monotonic() < deadline and parent.poll() is None:
        kids = children(parent.pid, "start.js")
        time.sleep(0.05)
    assert kids, "cognito-local never started"
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(timeout=30) == 130
    assert not any(alive(pid) for pid in kids)
    assert not (tmp_path / "ministack").exists()


# -- usage errors: exit 2 -------------------------------------------------------------------
@pytest.mark.parametrize("args,env,needle", [
    (["--target", "url"], {}, "--endpoint"),
    (["--target", "aws"], FAKE_AWS_ENV, AWS_FLAG),
    (["--target", "aws", AWS_FLAG], {}, "AWS_ACCESS_KEY_ID"),
])
def test_usage_errors_are_exit_2(args: list[str], env: dict[str, str], needle: str,
                                 tmp_path: Path) -> None:
    done = run_cli(["run", *args, "--report-dir", str(tmp_path)], tmp_path, cli_env(**env),
                   timeout=60)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], lines


def test_url_target_runs_against_any_endpoint(moto_endpoint: str, tmp_path: Path) -> None:
    done = run_cli(["run", "--target", "url", "--endpoint", moto_endpoint, "-k", ONE_CHECK,
                    "--report-dir", str(tmp_path)], tmp_path)
    assert done.returncode in (0, 1), done.stderr
    doc = json.loads((tmp_path / "url" / "results.json").read_text())
    assert doc["target"]["name"] == "url" and doc["checks"]


# -- aws: moto standing in; sweep, cleanup command, leak report -----------------------------
def test_aws_run_deletes_what_it_created(moto_endpoint: str, tmp_path: Path) -> None:
    make_pools(moto_endpoint, ["someone-elses-pool"])
    done = run_cli(["run", "--target", "aws", AWS_FLAG, "--endpoint", moto_endpoint,
                    "-k", "signup.duplicate-username.status", "--report-dir", str(tmp_path)],
                   tmp_path, cli_env(**FAKE_AWS_ENV))
    assert done.returncode in (0, 1), done.stderr
    assert (tmp_path / "aws" / "results.json").exists()
    assert pool_names(moto_endpoint) == {"someone-elses-pool"}
    assert not (tmp_path / "aws" / "leaks.json").exists()


def test_cleanup_command_sweeps_by_prefix_across_pages(moto_endpoint: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    make_pools(moto_endpoint, [f"ccf-left-{i}" for i in range(5)] + ["keep-me"])
    monkeypatch.setattr(cleanup, "PAGE_SIZE", 2)
    for key, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(key, value)
    code = main(["cleanup", "--target", "url", "--endpoint", moto_endpoint,
                 "--report-dir", str(tmp_path)])
    assert code == 0
    assert pool_names(moto_endpoint) == {"keep-me"}


class NoDeleteProxy(fp.FaultProxy):
    """Refuses DeleteUserPool without forwarding it (a fault would mutate it after the fact)."""

    def forward(self, path: str, headers: dict[str, str], data: bytes) -> fp.Response:
        if headers.get("X-Amz-Target", "").endswith(".DeleteUserPool"):
            body = {"__type": "InternalErrorException", "message": "cannot delete"}
            return fp.Response(500, {"Content-Type": "application/x-amz-json-1.1"},
                               json.dumps(body).encode())
        return super().forward(path, headers, data)


def test_undeletable_pools_are_reported_as_leaks(moto_endpoint: str, tmp_path: Path) -> None:
    proxy = NoDeleteProxy(moto_endpoint)
    endpoint = proxy.start()
    try:
        done = run_cli(["run", "--target", "aws", AWS_FLAG, "--endpoint", endpoint,
                        "-k", "signup.duplicate-username.status", "--report-dir",
                        str(tmp_path)], tmp_path, cli_env(**FAKE_AWS_ENV))
        leaks = json.loads((tmp_path / "aws" / "leaks.json").read_text())
        assert leaks["leaked"] and all(p["name"].startswith("ccf-") for p in leaks["leaked"])
        assert "could not be deleted" in done.stderr
        swept = run_cli(["cleanup", "--target", "url", "--endpoint", endpoint,
                         "--report-dir", str(tmp_path)], tmp_path, cli_env(**FAKE_AWS_ENV))
        assert swept.returncode == 1 and "leaks.json" in swept.stderr
    finally:
        proxy.stop()


# -- baseline drafts valid TOML from a results.json -----------------------------------------
def test_baseline_drafts_an_entry_per_unexpected_failure(tmp_path: Path) -> None:
    check = {"operation": "SignUp", "category": "c", "expected": {}, "observed": {},
             "reproduce": "", "duration_s": 0}
    doc = {"target": {"name": "x", "version": "1"}, "observations": [], "checks": [
        {**check, "id": "a.fails", "outcome": "failed", "message": 'says "no"\nthen',
         "evidence": ["https://docs.aws.amazon.com/a"], "signature": ["status=200", "type=none"]},
        {**check, "id": "b.passes", "outcome": "passed", "message": "", "evidence": []},
        {**check, "id": "c.errors", "outcome": "error", "message": "boom", "evidence": []}]}
    results = tmp_path / "results.json"
    results.write_text(json.dumps(doc))
    done = run_cli(["baseline", str(results)], tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    entries = tomllib.loads(done.stdout)
    assert entries == {"a.fails": {"reason": 'x: says "no" then',
                                   "evidence": "https://docs.aws.amazon.com/a",
                                   "signature": ["status=200", "type=none"]}}
    assert "# error, not a deviation (1 checks): boom\n#   c.errors" in done.stdout


# -- --target all: the three emulators one after another -----------------------------------
def test_target_all_runs_every_local_emulator(tmp_path: Path) -> None:
    done = run_cli(["run", "--target", "all", "-k", ONE_CHECK, "--report-dir", str(tmp_path)],
                   tmp_path)
    assert done.returncode in (0, 1), done.stderr
    for name in ("moto", "cognito-local", "ministack"):
        doc = json.loads((tmp_path / name / "results.json").read_text())
        assert doc["target"]["name"] == name


# -- url: a code oracle only through --code-command, confirmed by the probe ---------------
ORACLE_CHECK = "state.auth.wrong-password.status"


@pytest.mark.parametrize("extra,supported", [([], False),
                                             (["--code-command", "echo 123456"], True)])
def test_url_code_oracle_only_with_code_command(extra: list[str], supported: bool,
                                                tmp_path: Path) -> None:
    ministack = MinistackTarget(RunConfig(target="ministack"))
    ministack.start()
    try:
        done = run_cli(["run", "--target", "url", "--endpoint", ministack.endpoint,
                        "-k", ORACLE_CHECK, "--report-dir", str(tmp_path), *extra], tmp_path)
    finally:
        ministack.stop()
    doc = json.loads((tmp_path / "url" / "results.json").read_text())
    outcome = {c["id"]: c["outcome"] for c in doc["checks"]}[ORACLE_CHECK]
    assert (outcome != "unsupported") == supported, (outcome, done.stdout[-500:])


def test_unreachable_aws_is_exit_3_without_a_false_leak_report(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    done = run_cli(["run", "--target", "aws", AWS_FLAG, "--endpoint", dead,
                    "--report-dir", str(tmp_path)], tmp_path, cli_env(**FAKE_AWS_ENV), timeout=60)
    assert done.returncode == 3, done.stderr
    assert done.stderr.strip().count("\n") == 0 and "unreachable" in done.stderr
    assert not (tmp_path / "aws" / "leaks.json").exists()


# -- attached with --endpoint: no data dir to read codes from, no server of its own to stop --
def test_an_attached_cognito_local_claims_no_code_oracle_and_stops_nothing() -> None:
    server = CognitoLocalTarget(RunConfig(target="cognito-local"))
    server.start()
    try:
        config = RunConfig(target="cognito-local", endpoint=server.endpoint)
        attached = CognitoLocalTarget(config)
        attached.start()
        assert confirm_capabilities(attached, config) == {"admin", "create-pool"}
        attached.stop()
        assert server._process is not None and server._process.alive()
    finally:
        server.stop()


def test_baseline_keep_expected_refreshes_a_whole_file(tmp_path: Path) -> None:
    check = {"operation": "SignUp", "category": "c", "expected": {}, "observed": {},
             "reproduce": "", "duration_s": 0, "evidence": ["https://e"]}
    doc = {"target": {"name": "x"}, "observations": [], "checks": [
        {**check, "id": "kept", "outcome": "expected-failure", "message": "m",
         "reason": "the reviewed reason", "signature": ["status=400", "type=X"]},
        {**check, "id": "stale", "outcome": "unexpected-pass", "message": "", "reason": "r"},
        {**check, "id": "new", "outcome": "failed", "message": "now fails",
         "signature": ["x=absent"]}]}
    results = tmp_path / "results.json"
    results.write_text(json.dumps(doc))
    done = run_cli(["baseline", "--keep-expected", str(results)], tmp_path, timeout=60)
    entries = tomllib.loads(done.stdout)
    assert entries == {"kept": {"reason": "the reviewed reason", "evidence": "https://e",
                                "signature": ["status=400", "type=X"]},
                       "new": {"reason": "x: now fails", "evidence": "https://e",
                               "signature": ["x=absent"]}}
