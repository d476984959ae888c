"""Lifecycle of emulators the suite runs as child processes (cognito-local, ministack).

Why a module of its own: a conformance run must never leave a server behind, whatever ends
it (normal exit, a crash, Ctrl-C, SIGTERM from CI). So every child is started in its own
session (= its own process group, which also keeps the terminal's Ctrl-C away from it: the
suite decides when it stops) and registered here; it is stopped by killing the whole group
(SIGTERM, then SIGKILL), from `ManagedProcess.stop`, an atexit hook, or the SIGTERM/SIGINT
handler. The handler also raises KeyboardInterrupt so the run unwinds and `interrupted()`
lets `--target all` stop instead of starting the next target.

`cognito-conformance run` installs the handlers first thing (`install_handlers`), not only
when a child starts: the default embedded moto runs in a thread of this process, and a
SIGTERM there must end the run as an interrupt (exit 130, report set aside) like Ctrl-C,
not kill the process before it can say what ran. Code that must not be cut half-way
(writing or swapping a report) runs inside `signals_deferred()`: a signal arriving there is
recorded (`interrupted()` turns true) and acted on after the block, never in its middle.

Start failures (binary missing, port taken, crash at start, never listening) become one
TargetStartError line carrying the last line the child wrote.

SIGKILL of the suite (no handler, no atexit) must leave nothing behind either. So:
- every emulator runs under a tiny watchdog (WATCHDOG, `python -I -S -c`), the leader of
  the emulator's session, holding the read end of a pipe whose only write end is in this
  process. When this process dies, however, the pipe reads EOF and the watchdog SIGTERMs
  then SIGKILLs its group and removes the scratch dir. Why a watchdog and not
  prctl(PR_SET_PDEATHSIG): the death signal fires when the parent THREAD that forked
  exits (a target restarted from a worker thread would be killed early) and reaches only
  the direct child, not what the emulator itself starts; the pipe is per process and the
  watchdog kills the whole group.
- the generated runner's worker processes run `die_with_parent` (poll of getppid).
- each run owns `<tmp>/cognito-conformance-<uid>/runs/<pid>/`: `owner` (start time),
  `procs/<pid>` (pid, start time, raw cmdline of every child it started) and the scratch
  dirs (`scratch_dir`). `sweep_dead_runs()`, first thing in `run`, removes the dirs of runs
  whose owner is dead, killing only the recorded pids whose start time and /proc cmdline
  still match (a reused pid is never touched); a live owner's dir is left alone.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Iterator, Mapping, Sequence

from conformance.targets.base import TargetStartError

STOP_GRACE_S = 3.0
POLL_S = 0.05

_LIVE: set["ManagedProcess"] = set()
_LOCK = threading.RLock()  # re-entrant: the signal handler may run while the main thread holds it
_STATE = {"handlers": False, "interrupted": False, "owner": 0, "deferred": 0}
_RUN: dict[str, Path] = {}
SWEEP_GRACE_S = 3.0

# The watchdog: argv = fd run_dir scratch cmd...; exits with the emulator's code, or on
# EOF of fd (the suite died) kills its group, removes scratch and, once every recorded
# process of the run is dead, the run dir. Standard library only (-I -S).
WATCHDOG = r"""
import os, select, shutil, signal, subprocess, sys, time
fd, run, scratch, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
try:
    child = subprocess.Popen(argv)
except OSError as exc:
    print("cannot run %s: %s" % (argv[0], exc.strerror), flush=True)
    sys.exit(127)
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, lambda *_: None)
def stat(pid):
    try:
        return open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
def alive(pid):
    st = stat(pid)
    return st is not None and st[0] != "Z"
def group():
    me = os.getpid()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me
            and (stat(p) or ["", "", "0"])[2] == str(me)]
while True:
    ready = select.select([fd], [], [], 0.1)[0]
    if ready and not os.read(fd, 64):
        break
    code = child.poll()
    if code is not None:
        sys.exit(code if code >= 0 else 128 - code)
os.killpg(0, signal.SIGTERM)
end = time.monotonic() + 2
while child.poll() is None and time.monotonic() < end:
    time.sleep(0.05)
for pid in group():
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
child.poll()
if scratch:
    shutil.rmtree(scratch, ignore_errors=True)
procs, end = os.path.join(run, "procs"), time.monotonic() + 3
while time.monotonic() < end:
    left = 0
    for name in (os.listdir(procs) if os.path.isdir(procs) else []):
        if name == str(os.getpid()) or not alive(name):
            try:
                os.unlink(os.path.join(procs, name))
            except OSError:
                pass
        else:
            left += 1
    if not left:
        shutil.rmtree(run, ignore_errors=True)
        break
    time.sleep(0.1)
os._exit(137)
"""


def interrupted() -> bool:
    """True once SIGINT/SIGTERM arrived: callers stop instead of starting more work."""
    return bool(_STATE["interrupted"])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


class ManagedProcess:
    """One child server: started in its own process group, waited for, killed as a group."""

    def __init__(self, name: str, argv: Sequence[str], port: int, log_path: Path,
                 env: Mapping[str, str] | None = None, cwd: Path | None = None,
                 scratch: Path | None = None) -> None:
        self.name, self.argv, self.port = name, list(argv), port
        self.log_path, self.env, self.cwd = log_path, dict(env or {}), cwd
        self.scratch = scratch  # a temp dir removed once the process is dead
        self.proc: subprocess.Popen[bytes] | None = None
        self._watch: int | None = None   # write end of the watchdog's pipe
        self._records: list[int] = []

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self, timeout_s: float = 20.0) -> None:
        if port_in_use(self.port):
            raise TargetStartError(f"{self.name}: port {self.port} on 127.0.0.1 is taken")
        install_handlers()
        if shutil.which(self.argv[0]) is None:
            raise TargetStartError(f"{self.name}: cannot run {self.argv[0]}: "
                                   "no such executable")
        run = run_dir()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        read_end, self._watch = os.pipe()  # both non-inheritable: only pass_fds passes one
        argv = [sys.executable, "-I", "-S", "-c", WATCHDOG, str(read_end), str(run),
                str(self.scratch or ""), *self.argv]
        try:
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(
                    argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    cwd=self.cwd, env={**os.environ, **self.env}, start_new_session=True,
                    pass_fds=(read_end,))
        except OSError as exc:
            os.close(self._watch)
            self._watch = None
            raise TargetStartError(f"{self.name}: cannot run {self.argv[0]}: "
                                   f"{exc.strerror}") from exc
        finally:
            os.close(read_end)
        with _LOCK:
            _LIVE.add(self)
        self._records = [self.proc.pid]
        record(self.proc.pid)
        self._wait_listening(timeout_s)
        for pid in group_members(self.proc.pid):  # the emulator and whatever it started
            if pid not in self._records:
                self._records.append(pid)
                record(pid)

    def _wait_listening(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                message = (f"{self.name} exited with code {self.proc.returncode} at start: "
                           f"{self.last_line()}")
                self.stop()
                raise TargetStartError(message)
            if port_in_use(self.port):
                return
            time.sleep(POLL_S)
        message = (f"{self.name} did not listen on 127.0.0.1:{self.port} "
                   f"within {timeout_s:.0f}s: {self.last_line()}")
        self.stop()
        raise TargetStartError(message)

    def last_line(self) -> str:
        try:
            lines = [ln.strip() for ln in self.log_path.read_text(errors="replace").splitlines()]
        except OSError:
            return "(no output)"
        lines = [ln for ln in lines if ln]
        return lines[-1][:200] if lines else "(no output)"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """Kill the whole process group, then remove the scratch dir."""
        proc, self.proc = self.proc, None
        with _LOCK:
            _LIVE.discard(self)
        if proc is not None:
            _kill_group(proc)
        if self._watch is not None:
            os.close(self._watch)
            self._watch = None
        for pid in self._records:
            forget(pid)
        self._records = []
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the group, SIGKILL whatever is left after the grace period."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        _signal_group(proc.pid, sig)
        try:
            proc.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            pass


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)  # start_new_session=True: the group id is the child's pid
    except (ProcessLookupError, PermissionError):
        pass


def stop_all() -> None:
    if os.getpid() != _STATE["owner"]:
        return  # a forked child inherited the registry: the children are not its to kill
    with _LOCK:
        live = list(_LIVE)
    for child in live:
        child.stop()


class SignalInterrupt(KeyboardInterrupt):
    """What the handler raises: a subclass, never KeyboardInterrupt itself. CPython 3.11
    marks a KeyboardInterrupt (that exact type) leaving exec()/eval() of source text as
    unhandled even when a caller catches it, and `python -m` then ends by killing itself
    with SIGINT (exit -2), whatever code main returned. A signal during a lazy import's
    dataclass or namedtuple creation did exactly that in CI."""


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _STATE["owner"]:  # inherited by a fork: behave as if never installed
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _STATE["interrupted"] = True
    stop_all()
    if not _STATE["deferred"]:
        raise SignalInterrupt(f"signal {signum}")


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Run a block that must finish (a report write or swap): a SIGINT/SIGTERM arriving in
    it only sets `interrupted()`; the caller checks that after the block."""
    _STATE["deferred"] += 1
    try:
        yield
    finally:
        _STATE["deferred"] -= 1


def install_handlers() -> None:
    """Once, from the main thread: atexit + SIGTERM/SIGINT/SIGHUP stop every live child and
    raise KeyboardInterrupt (replacing only the default handlers)."""
    if _STATE["handlers"]:
        return
    _STATE["handlers"], _STATE["owner"] = True, os.getpid()
    atexit.register(stop_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        if signal.getsignal(sig) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(sig, _on_signal)


# -- what a run owns, and the sweep of dead runs' leftovers -----------------------------------
def runs_root() -> Path:
    return Path(tempfile.gettempdir()) / f"cognito-conformance-{os.getuid()}" / "runs"


def _stat(pid: int | str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def start_time(pid: int | str) -> str | None:
    """The process's start time (clock ticks since boot): with the pid, its identity."""
    st = _stat(pid)
    return st[19] if st is not None and st[0] != "Z" else None


def cmdline(pid: int | str) -> bytes | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None


def group_members(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        st = _stat(entry.name) if entry.name.isdigit() else None
        if st is not None and st[0] != "Z" and st[2] == str(pgid):
            found.append(int(entry.name))
    return found


def run_dir() -> Path:
    """This run's own dir (created once, removed at exit): owner start time, child records,
    scratch dirs. The parent dir is private to the user (0700, refused if not theirs)."""
    if "dir" in _RUN:
        return _RUN["dir"]
    root = runs_root()
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    for path in (root.parent, root):
        info = path.lstat()
        if info.st_uid != os.getuid() or not path.is_dir() or path.is_symlink():
            raise TargetStartError(f"{path} is not a directory owned by this user")
    path = root / str(os.getpid())
    (path / "procs").mkdir(parents=True, exist_ok=True)
    (path / "owner").write_text(json.dumps({"pid": os.getpid(),
                                            "start": start_time(os.getpid())}))
    _RUN["dir"] = path
    atexit.register(_remove_run_dir, os.getpid())
    return path


def _remove_run_dir(owner: int) -> None:
    if os.getpid() != owner:
        return
    stop_all()
    path = _RUN.pop("dir", None)
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def scratch_dir(prefix: str) -> Path:
    """A temp dir inside this run's dir: a dead run's is swept with it."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=run_dir()))


def record(pid: int, run: Path | None = None) -> None:
    """Note a process this run started (pid, start time, cmdline) for a later sweep."""
    run = run or run_dir()
    raw = cmdline(pid)
    data = {"pid": pid, "start": start_time(pid), "cmdline": raw.hex() if raw else ""}
    try:
        (run / "procs" / str(pid)).write_text(json.dumps(data))
    except OSError:
        pass


def forget(pid: int, run: Path | None = None) -> None:
    run = run or _RUN.get("dir")
    if run is not None:
        try:
            (run / "procs" / str(pid)).unlink()
        except OSError:
            pass


def _release(run: Path) -> None:
    """Remove the run dir once no recorded process of it is alive (the last one out)."""
    procs = run / "procs"
    try:
        names = [p.name for p in procs.iterdir()]
    except OSError:
        return
    if not any(start_time(name) for name in names):
        shutil.rmtree(run, ignore_errors=True)


def die_with_parent(parent: int, run: str) -> None:
    """In a worker process (ProcessPoolExecutor initializer): record this process and exit
    as soon as `parent` is gone (the suite was SIGKILLed), removing the record."""
    path = Path(run)
    record(os.getpid(), path)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        forget(os.getpid(), path)
        _release(path)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


def worker_initializer() -> tuple[object, tuple[int, str]]:
    """(initializer, initargs) for a pool of worker processes started by this run."""
    return die_with_parent, (os.getpid(), str(run_dir()))


def _owner_alive(path: Path) -> bool:
    try:
        owner = json.loads((path / "owner").read_text())
    except (OSError, ValueError):
        owner = {"pid": path.name, "start": None}
    started = start_time(owner.get("pid", path.name))
    return started is not None and (owner.get("start") in (None, started))


def sweep_dead_runs(root: Path | None = None) -> list[int]:
    """Remove the dirs of runs whose owner is dead, after SIGKILLing the processes they
    recorded that are provably theirs (same start time, same /proc cmdline). Returns the
    pids killed. A run whose owner lives (or is this process) is left alone."""
    root = root or runs_root()
    killed: list[int] = []
    try:
        entries = [p for p in root.iterdir() if p.is_dir() and p.name.isdigit()]
    except OSError:
        return killed
    for path in entries:
        if int(path.name) == os.getpid() or _owner_alive(path):
            continue
        for item in (path / "procs").glob("*"):
            try:
                data = json.loads(item.read_text())
                pid = int(data["pid"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            raw = cmdline(pid)
            if (data.get("start") and start_time(pid) == data["start"] and raw
                    and raw.hex() == data.get("cmdline")):
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                except OSError:
                    pass
        shutil.rmtree(path, ignore_errors=True)
    return killed
