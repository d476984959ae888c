"""The JavaScript SDK v3 as a judge: `client.send(new SignUpCommand(params))` in Node.

ONE long-lived `node js/adapter.mjs` process per adapter, started on the first call and
fed JSON lines (protocol in adapter.mjs), so a call costs a few milliseconds instead of a
Node start-up (~100 ms+). What the SDK surfaces: `error.name`, `$metadata.httpStatusCode`,
`$fault`, whether the error is an instance of the exception class the package exports
under that name (modeled), and the parsed output.

The SDK (npm `@aws-sdk/client-cognito-identity-provider`, pinned to JS_SDK_VERSION) is
installed project-local, like cognito-local: `npm install --prefix .cache/js-sdk ...`;
`sdk_dir=` and `node=` override where it and Node are. maxAttempts is 1 (no retries).

The Node process never outlives the suite: it exits when its stdin closes (this process
ending, however), runs in its own session (a terminal's Ctrl-C is the suite's to handle)
and is recorded with the run (conformance/targets/process.py) so a sweep can end it.
Credentials and params travel over the pipe, never in argv or the environment.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from conformance.clients.base import (STAGE_OK, STAGE_OTHER, STAGE_PARSE, STAGE_SERVICE,
                                      STAGE_TRANSPORT, AdapterError, ClientUnavailable,
                                      Surfaced, clean_text, plain)
from conformance.exchange import harvest
from conformance.paths import REPO_DIR
from conformance.wire import AwsCredentials

JS_SDK_PACKAGE = "@aws-sdk/client-cognito-identity-provider"
JS_SDK_VERSION = "3.1169.0"
SDK_DIR = REPO_DIR / ".cache" / "js-sdk"
ADAPTER = Path(__file__).resolve().parent / "js" / "adapter.mjs"
READY_TIMEOUT_S = 30.0
REPLY_ALLOWANCE_S = 5.0         # on top of the call's timeout (the SDK's own is timeout_s)
STDERR_LINES = 20

# Node system error codes and SDK error names that mean "no HTTP answer".
_TRANSPORT_CODES = {"ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND",
                    "EHOSTUNREACH", "ECONNABORTED", "EAI_AGAIN"}
_TRANSPORT_NAMES = {"TimeoutError", "RequestTimeout", "AbortError"}


class JsAdapter:
    name = "js"

    def __init__(self, endpoint: str, region: str, credentials: AwsCredentials,
                 timeout_s: float = 15.0, *, node: str | os.PathLike[str] | None = None,
                 sdk_dir: str | os.PathLike[str] | None = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.credentials = credentials
        self.timeout_s = timeout_s
        self.node = str(node) if node is not None else shutil.which("node")
        self.sdk_dir = Path(sdk_dir) if sdk_dir is not None else SDK_DIR
        self._proc: subprocess.Popen[str] | None = None
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._ready: dict[str, Any] | None = None
        self._checked: tuple[str | None] | None = None
        self.starts = 0      # Node processes started (self-tests assert one per adapter)

    # -- availability -----------------------------------------------------------------------
    @property
    def package_json(self) -> Path:
        return self.sdk_dir / "node_modules" / JS_SDK_PACKAGE / "package.json"

    def available(self) -> str | None:
        if self._checked is None:
            self._checked = (self._probe(),)
        return self._checked[0]

    def _probe(self) -> str | None:
        if not self.node or not Path(self.node).exists():
            return "Node.js is not installed: no `node` on PATH (the JS SDK needs Node >= 20)"
        try:
            meta = json.loads(self.package_json.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return (f"the JavaScript SDK is not installed: no {JS_SDK_PACKAGE} under "
                    f"{self.sdk_dir} (npm install --prefix {self.sdk_dir} "
                    f"{JS_SDK_PACKAGE}@{JS_SDK_VERSION})")
        try:
            done = subprocess.run([self.node, "--version"], capture_output=True, text=True,
                                  timeout=READY_TIMEOUT_S, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"`{self.node} --version` failed: {exc}"
        found = re.match(r"v(\d+)\.", done.stdout.strip())
        wanted = re.search(r">=\s*(\d+)", str(meta.get("engines", {}).get("node", "")))
        if not found:
            return f"`{self.node} --version` did not name a Node version: {done.stdout!r}"
        if wanted and int(found.group(1)) < int(wanted.group(1)):
            return (f"Node {done.stdout.strip()} is too old for {JS_SDK_PACKAGE} "
                    f"{meta.get('version')} (engines: node {meta['engines']['node']})")
        return None

    def version(self) -> str | None:
        if self.available() is not None:
            return None
        try:
            meta = json.loads(self.package_json.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return f"{JS_SDK_PACKAGE} {meta.get('version')}"

    # -- the Node process -------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _ensure_started(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        reason = self.available()
        if reason is not None:
            raise ClientUnavailable(reason)
        self._stop_process()
        assert self.node is not None
        proc = subprocess.Popen(
            [self.node, str(ADAPTER), str(self.sdk_dir)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
            bufsize=1, start_new_session=True, cwd=str(self.sdk_dir),
            env={"PATH": os.environ.get("PATH", os.defpath), "NODE_ENV": "production",
                 "HOME": str(self.sdk_dir), "AWS_CONFIG_FILE": os.devnull,
                 "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
        self._proc = proc
        self.starts += 1
        self._replies = queue.Queue()
        _record(proc.pid)
        threading.Thread(target=self._read_stdout, args=(proc, self._replies),
                         daemon=True, name="js-adapter-stdout").start()
        threading.Thread(target=self._read_stderr, args=(proc,), daemon=True,
                         name="js-adapter-stderr").start()
        first = self._next(self._replies, READY_TIMEOUT_S)
        if not first or not first.get("ready"):
            why = (first or {}).get("error") or self._last_stderr() or "no answer"
            self._stop_process()
            raise ClientUnavailable(f"the JS SDK adapter did not start: {why}")
        self._ready = first

    def _read_stdout(self, proc: subprocess.Popen[str],
                     replies: queue.Queue[dict[str, Any]]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                replies.put(json.loads(line))
            except ValueError:
                self._stderr.append("stdout: " + line.rstrip()[:300])
        replies.put({"_eof": True})   # the process ended

    def _read_stderr(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self._stderr.append(line.rstrip()[:300])

    def _last_stderr(self) -> str:
        return clean_text(" | ".join(self._stderr)) or ""

    @staticmethod
    def _next(replies: queue.Queue[dict[str, Any]],
              timeout_s: float) -> dict[str, Any] | None:
        try:
            return replies.get(timeout=timeout_s)
        except queue.Empty:
            return None

    # -- one call ---------------------------------------------------------------------------
    def call(self, operation: str, params: dict[str, Any]) -> Surfaced:
        harvest(params)
        with self._lock:
            self._ensure_started()
            proc = self._proc
            assert proc is not None and proc.stdin is not None
            request_id = next(self._ids)
            request = {"id": request_id, "operation": operation, "params": params,
                       "endpoint": self.endpoint, "region": self.region,
                       "credentials": {"accessKeyId": self.credentials.access_key,
                                       "secretAccessKey": self.credentials.secret_key,
                                       **({"sessionToken": self.credentials.token}
                                          if self.credentials.token else {})},
                       "timeoutMs": int(self.timeout_s * 1000)}
            start = time.perf_counter()
            try:
                proc.stdin.write(json.dumps(request) + "\n")
                proc.stdin.flush()
            except OSError as exc:
                self._stop_process()
                raise AdapterError(f"the JS SDK adapter died: {exc} "
                                   f"{self._last_stderr()}") from exc
            deadline = start + self.timeout_s + REPLY_ALLOWANCE_S
            while True:
                reply = self._next(self._replies, max(0.0, deadline - time.perf_counter()))
                if reply is not None and reply.get("_eof"):
                    self._stop_process()   # the next call starts a new one
                    raise AdapterError("the JS SDK adapter exited: " + self._last_stderr())
                if reply is None:
                    self._stop_process()   # a hung adapter is not reused
                    return Surfaced(self.name, operation, ok=False, stage=STAGE_TRANSPORT,
                                    error_code="AdapterTimeout",
                                    elapsed_s=time.perf_counter() - start,
                                    raw_error=f"no answer from the SDK within "
                                              f"{self.timeout_s + REPLY_ALLOWANCE_S:g} s")
                if reply.get("id") == request_id:
                    break          # an older id is the late answer of a timed-out call
        return self._surfaced(operation, reply, time.perf_counter() - start)

    def _surfaced(self, operation: str, reply: dict[str, Any], elapsed: float) -> Surfaced:
        if reply.get("ok"):
            output = reply.get("output")
            return Surfaced(self.name, operation, ok=True, stage=STAGE_OK,
                            http_status=reply.get("httpStatusCode"),
                            output=plain(output) if isinstance(output, dict) else {},
                            elapsed_s=elapsed)
        error = reply.get("error") or {}
        name = error.get("name")
        status = error.get("httpStatusCode")
        if error.get("service"):
            stage = STAGE_SERVICE
        elif error.get("code") in _TRANSPORT_CODES or name in _TRANSPORT_NAMES:
            stage = STAGE_TRANSPORT
        elif status is not None or error.get("bodyText") is not None:
            stage = STAGE_PARSE      # an answer came, the SDK threw something not a service error
        else:
            stage = STAGE_OTHER
        detail = {k: error.get(k) for k in ("fault", "className", "code", "messageType")
                  if error.get(k) is not None}
        message = error.get("message")
        raw = f"{error.get('className') or name}: {message}"
        if error.get("bodyText"):
            raw += f" (body: {error['bodyText']})"
        return Surfaced(self.name, operation, ok=False, stage=stage,
                        error_code=name if isinstance(name, str) else None,
                        modeled=bool(error.get("modeled")),
                        http_status=status if isinstance(status, int) else None,
                        message=clean_text(message, 10_000), raw_error=clean_text(raw),
                        elapsed_s=elapsed, detail=detail)

    # -- closing ----------------------------------------------------------------------------
    def _stop_process(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()     # the adapter exits on stdin's end
        except OSError:
            pass
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=3)
        _forget(proc.pid)

    def close(self) -> None:
        with self._lock:
            self._stop_process()


def _record(pid: int) -> None:
    try:
        from conformance.targets import process
        process.record(pid)
    except Exception:  # noqa: BLE001 - the record only helps a later sweep
        pass


def _forget(pid: int) -> None:
    try:
        from conformance.targets import process
        process.forget(pid)
    except Exception:  # noqa: BLE001
        pass
