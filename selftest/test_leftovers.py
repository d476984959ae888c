"""Self-tests: a SIGKILLed run leaves nothing behind, and emulators listen on loopback only.

Why these exist: SIGKILL runs no handler and no atexit, so the SIGTERM tests of
test_targets.py say nothing about it. Here the CLI is killed with -9 in the middle of a
cognito-local and of a ministack run (generated pairs: the emulator, its watchdog, the
multiprocessing workers and resource tracker are all up), and every process of that run
and its run dir (with the scratch dirs) must be gone 5 s later; the next run's sweep is
exercised on hand-made run dirs (dead owner swept, live owner left alone, a recorded pid
whose cmdline no longer matches never killed); and each emulator's listening sockets are
read from /proc/net/tcp{,6}: 127.0.0.1 / ::1 only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.config import RunConfig
from conformance.targets.cognito_local import CognitoLocalTarget
from conformance.targets.ministack import MinistackTarget
from conformance.targets.process import (
    group_members, record, runs_root, start_time, sweep_dead_runs,
)
from selftest.test_targets import alive, cli_env

SLOW = "generated"  # every generated pair: workers are busy for far longer than we wait


def descendants(root: int) -> dict[int, str | None]:
    """Every live process below `root` (by parent pid), with its start time."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, todo = {}, [root]
    while todo:
        parent = todo.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = start_time(pid)
                todo.append(pid)
    return {pid: start for pid, start in found.items() if start}


def cmd(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.parametrize("target,marker", [("cognito-local", "start.js"),
                                           ("ministack", "ministack")])
def test_sigkill_of_the_cli_leaves_no_process_and_no_temp_dir(target: str, marker: str,
                                                              tmp_path: Path) -> None:
    cli = subprocess.Popen([sys.executable, "-m", "conformance.cli", "run", "--target", target,
                            "-k", SLOW, "--profile", "dev", "--report-dir", str(tmp_path)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           cwd=tmp_path, env=cli_env())
    run = runs_root() / str(cli.pid)
    try:
        deadline, kids = time.monotonic() + 15, {}
        while time.monotonic() < deadline and cli.poll() is None:
            kids = descendants(cli.pid)
            cmds = [cmd(pid) for pid in kids]
            if any(marker in c for c in cmds) and sum("spawn_main" in c for c in cmds) >= 1:
                break
            time.sleep(0.1)
        assert any(marker in cmd(pid) for pid in kids), f"{target} never started"
        assert any("spawn_main" in cmd(pid) for pid in kids), "no worker process started"
        scratch = [p for p in run.iterdir() if p.name.startswith("cc-")]
        assert scratch, "no scratch dir in the run dir"
    finally:
        cli.kill()
        cli.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        left = [pid for pid, start in kids.items() if start_time(pid) == start]
        if not left and not run.exists():
            break
        time.sleep(0.1)
    assert not left, [(pid, cmd(pid)[:80]) for pid in left]
    assert not run.exists(), sorted(p.name for p in run.rglob("*"))


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


def _fake_run(root: Path, owner: int, owner_start: str | None) -> Path:
    run = root / str(owner)
    (run / "procs").mkdir(parents=True)
    (run / "owner").write_text(json.dumps({"pid": owner, "start": owner_start}))
    (run / "cc-scratch-x").mkdir()
    return run


def test_sweep_removes_dead_runs_only_and_kills_only_proven_pids(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "0"])
    dead.wait()
    owner = _sleeper()
    ours, ours_live, reused = _sleeper(), _sleeper(), _sleeper()
    try:
        stale = _fake_run(tmp_path, dead.pid, "1")
        record(ours.pid, stale)
        record(reused.pid, stale)  # then "reused": the recorded cmdline no longer matches
        entry = stale / "procs" / str(reused.pid)
        data = json.loads(entry.read_text())
        entry.write_text(json.dumps({**data, "cmdline": b"something else".hex()}))
        live = _fake_run(tmp_path, owner.pid, start_time(owner.pid))
        record(ours_live.pid, live)

        killed = sweep_dead_runs(tmp_path)

        assert killed == [ours.pid]
        assert ours.wait(timeout=5) != 0
        assert not stale.exists()
        assert live.is_dir() and (live / "cc-scratch-x").is_dir()
        assert alive(ours_live.pid) and alive(reused.pid) and alive(owner.pid)
    finally:
        for proc in (owner, ours, ours_live, reused):
            proc.kill()
            proc.wait()


def _listeners(pids: list[int]) -> list[tuple[str, int]]:
    """(address hex, port) of the LISTEN sockets held by `pids`, from /proc/net/tcp{,6}."""
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                link = os.readlink(fd)
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port = fields[1].split(":")
            if fields[3] == "0A" and fields[9] in inodes:
                found.append((address, int(port, 16)))
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1


@pytest.mark.parametrize("cls", [CognitoLocalTarget, MinistackTarget])
def test_emulators_listen_on_loopback_only(cls: type) -> None:
    target = cls(RunConfig(target=cls.name))
    target.start()
    try:
        pids = group_members(target._process.pid)
        found = _listeners(pids)
        assert target._process.port in {port for _, port in found}, found
        assert all(address in LOOPBACK for address, _ in found), found
    finally:
        target.stop()
