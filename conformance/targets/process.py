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
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
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

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self, timeout_s: float = 20.0) -> None:
        if port_in_use(self.port):
            raise TargetStartError(f"{self.name}: port {self.port} on 127.0.0.1 is taken")
        install_handlers()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            try:
                self.proc = subprocess.Popen(
                    self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    cwd=self.cwd, env={**os.environ, **self.env}, start_new_session=True)
            except OSError as exc:
                raise TargetStartError(f"{self.name}: cannot run {self.argv[0]}: "
                                       f"{exc.strerror}") from exc
        with _LOCK:
            _LIVE.add(self)
        self._wait_listening(timeout_s)

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


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _STATE["owner"]:  # inherited by a fork: behave as if never installed
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    _STATE["interrupted"] = True
    stop_all()
    if not _STATE["deferred"]:
        raise KeyboardInterrupt(f"signal {signum}")


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
