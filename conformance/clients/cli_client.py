"""The AWS CLI as a judge: `aws cognito-idp sign-up --cli-input-json ...` as a shell user runs it.

What the CLI surfaces is its exit code, its stderr (`An error occurred (UsernameExistsException)
when calling the SignUp operation: ...`) and, on success, JSON on stdout. Each call is one
`aws` process (~1.5 s: Python start-up and the CLI's imports; no way around it for a CLI).

It runs with `--debug`, because only the debug log says two things the plain output does
not: the HTTP status the CLI saw (urllib3's `"POST / HTTP/1.1" 400 54` line) and the class
the CLI's botocore raised (`botocore.errorfactory.UsernameExistsException` = modeled,
`botocore.exceptions.ClientError` = generic). The debug text also holds the request body
(the password) and signed headers, so it is parsed here and never kept: `raw_error` is only
the part a user sees after the log (scrubbed). The input goes in a file (0600, in the
adapter's private 0700 dir, removed after the call), not argv (no password in `ps`); stdin
does not work: the CLI reads a `file://` parameter twice.

Isolation: the process gets a minimal environment: the credentials given, AWS_CONFIG_FILE
and AWS_SHARED_CREDENTIALS_FILE = /dev/null, HOME = an empty private dir, no AWS_PROFILE,
AWS_MAX_ATTEMPTS=1 (standard retry mode: one attempt, a 5xx is surfaced as it came),
AWS_PAGER="" (v2's pager; v1 has none and refuses --no-cli-pager).

Which `aws`: the constructor's `aws=` path, else the suite's venv (`<sys.prefix>/bin/aws`,
the `clients` extra), else `.cache/awscli/bin/aws` (a project-local venv), else PATH.
awscli v1 (>= 1.44) vendors its own botocore (`awscli.botocore`), so it does not pin or
replace the suite's botocore; its `--version` names the botocore it runs.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from conformance.clients.base import (STAGE_OK, STAGE_OTHER, STAGE_PARSE, STAGE_SERVICE,
                                      STAGE_TRANSPORT, STAGE_VALIDATION, ClientUnavailable,
                                      Surfaced, clean_text)
from conformance.exchange import harvest
from conformance.paths import REPO_DIR
from conformance.wire import AwsCredentials

AWSCLI_VERSION = "1.46.3"      # the pinned awscli (PyPI, v1 line); CI requires this one
LOCAL_VENV_AWS = REPO_DIR / ".cache" / "awscli" / "bin" / "aws"
START_UP_ALLOWANCE_S = 30.0    # on top of the call's timeout: the CLI's own start-up

_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - ")
_HTTP_LINE = re.compile(r'"POST [^"]*" (\d{3}) ')
_EXC_LINE = re.compile(r"^((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*): ?(.*)$")
_CLIENT_ERROR = re.compile(
    r"An error occurred \((?P<code>[^)]*)\) when calling the (?P<op>\w+) operation"
    r"(?: \(reached max retries: \d+\))?: ?(?P<msg>.*)", re.DOTALL)
_EXIT_LINE = "Exiting with rc"
_MAIN_EXC = "Exception caught in main()"
# botocore exception classes -> where the call ended (the debug traceback names the class)
_TRANSPORT = {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
              "ConnectionClosedError", "ConnectionError", "HTTPClientError",
              "ProxyConnectionError", "SSLError"}
_VALIDATION = {"ParamValidationError", "ParamSyntaxError", "ParamError",
               "ValidationError"}
_PARSE = {"ResponseParserError", "JSONDecodeError"}


class CliAdapter:
    name = "cli"

    def __init__(self, endpoint: str, region: str, credentials: AwsCredentials,
                 timeout_s: float = 15.0, *, aws: str | os.PathLike[str] | None = None,
                 debug: bool = True) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.credentials = credentials
        self.timeout_s = timeout_s
        self.debug = debug
        self._aws_arg = aws
        self._home: str | None = None
        self._version: str | None = None
        self._unavailable: str | None = None
        self._checked = False
        self._lock = threading.Lock()

    # -- which aws --------------------------------------------------------------------------
    def executable(self) -> str | None:
        """The `aws` this adapter runs, or None when none is found."""
        if self._aws_arg is not None:
            path = Path(self._aws_arg)
            return str(path) if _runnable(path) else None
        for candidate in (Path(sys.prefix) / "bin" / "aws", LOCAL_VENV_AWS):
            if _runnable(candidate):
                return str(candidate)
        return shutil.which("aws")

    def available(self) -> str | None:
        with self._lock:
            if not self._checked:
                self._checked = True
                self._unavailable, self._version = self._probe()
            return self._unavailable

    def _probe(self) -> tuple[str | None, str | None]:
        aws = self.executable()
        if aws is None:
            where = (str(self._aws_arg) if self._aws_arg is not None else
                     f"{Path(sys.prefix) / 'bin'}, {LOCAL_VENV_AWS.parent} or PATH")
            return (f"the AWS CLI is not installed: no `aws` in {where} (install the "
                    "`clients` extra, awscli from PyPI)"), None
        try:
            done = subprocess.run([aws, "--version"], capture_output=True, text=True,
                                  env=self._env(), timeout=START_UP_ALLOWANCE_S,
                                  stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"`{aws} --version` failed: {exc}", None
        text = (done.stdout + done.stderr).strip()
        if done.returncode != 0 or not text.startswith("aws-cli/"):
            return (f"`{aws} --version` did not name an AWS CLI (exit {done.returncode}): "
                    f"{text[:200]}"), None
        return None, text.splitlines()[0]

    def version(self) -> str | None:
        self.available()
        return self._version

    # -- one call ---------------------------------------------------------------------------
    def _env(self) -> dict[str, str]:
        if self._home is None:
            # 0700, empty; inside the run's dir, so a killed run's is swept by the next
            from conformance.targets.process import scratch_dir
            self._home = str(scratch_dir("awscli-home-"))
        env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": self._home,
               "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "utf-8",
               "AWS_ACCESS_KEY_ID": self.credentials.access_key,
               "AWS_SECRET_ACCESS_KEY": self.credentials.secret_key,
               "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
               "AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard", "AWS_PAGER": "",
               "AWS_DEFAULT_OUTPUT": "json", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_CLI_AUTO_PROMPT": "off"}
        if self.credentials.token:
            env["AWS_SESSION_TOKEN"] = self.credentials.token
        return env

    def argv(self, operation: str, input_path: str) -> list[str]:
        from botocore import xform_name

        aws = self.executable()
        if aws is None:
            raise ClientUnavailable(self.available() or "the AWS CLI is not installed")
        seconds = str(max(1, math.ceil(self.timeout_s)))
        argv = [aws, "cognito-idp", xform_name(operation, "-"),
                "--cli-input-json", "file://" + input_path, "--endpoint-url", self.endpoint,
                "--region", self.region, "--output", "json",
                "--cli-read-timeout", seconds, "--cli-connect-timeout", seconds]
        return argv + (["--debug"] if self.debug else [])

    def call(self, operation: str, params: dict[str, Any]) -> Surfaced:
        reason = self.available()
        if reason is not None:
            raise ClientUnavailable(reason)
        harvest(params)
        env = self._env()
        assert self._home is not None
        fd, input_path = tempfile.mkstemp(prefix="input-", suffix=".json", dir=self._home)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:   # mkstemp: mode 0600
            json.dump(params, handle)
        start = time.perf_counter()
        try:
            done = subprocess.run(self.argv(operation, input_path), capture_output=True,
                                  text=True, env=env, stdin=subprocess.DEVNULL,
                                  timeout=self.timeout_s + START_UP_ALLOWANCE_S)
        except subprocess.TimeoutExpired:
            return Surfaced(self.name, operation, ok=False, stage=STAGE_TRANSPORT,
                            error_code="Timeout", elapsed_s=time.perf_counter() - start,
                            raw_error=f"aws did not finish within "
                                      f"{self.timeout_s + START_UP_ALLOWANCE_S:g} s",
                            detail={"exit_code": None})
        finally:
            os.unlink(input_path)
        return parse_run(operation, done.returncode, done.stdout, done.stderr,
                         time.perf_counter() - start, modeled_codes=_model_errors())

    def close(self) -> None:
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None


def parse_run(operation: str, exit_code: int, stdout: str, stderr: str, elapsed_s: float,
              modeled_codes: frozenset[str] = frozenset()) -> Surfaced:
    """What one `aws` run surfaced, from its exit code, stdout and (debug) stderr."""
    lines = stderr.splitlines()
    statuses = [int(m.group(1)) for line in lines if _LOG_LINE.match(line)
                for m in [_HTTP_LINE.search(line)] if m]
    status = statuses[-1] if statuses else None
    if exit_code == 0:
        text = stdout.strip()
        try:
            output = json.loads(text) if text else {}
        except ValueError:
            return Surfaced("cli", operation, ok=False, stage=STAGE_PARSE,
                            error_code="InvalidJSONOutput", http_status=status,
                            raw_error=clean_text(text), elapsed_s=elapsed_s,
                            detail={"exit_code": 0})
        return Surfaced("cli", operation, ok=True, stage=STAGE_OK, http_status=status,
                        output=output if isinstance(output, dict) else {"value": output},
                        elapsed_s=elapsed_s, detail={"exit_code": 0})
    shown = _user_text(lines)
    exc_class = _raised_class(lines)
    detail: dict[str, Any] = {"exit_code": exit_code}
    if exc_class:
        detail["exception"] = exc_class
    found = _CLIENT_ERROR.search(shown)
    if found:
        code = found.group("code")
        if exc_class:   # the CLI's own botocore: an errorfactory class is a modeled one
            modeled = exc_class.rsplit(".", 1)[-1] == code and \
                exc_class.startswith("botocore.errorfactory.")
        else:           # no debug log: the code names one of the service's error shapes
            modeled = code in modeled_codes
        return Surfaced("cli", operation, ok=False, stage=STAGE_SERVICE, error_code=code,
                        modeled=modeled, http_status=status,
                        message=clean_text(found.group("msg"), 10_000),
                        raw_error=clean_text(shown), elapsed_s=elapsed_s, detail=detail)
    short = exc_class.rsplit(".", 1)[-1] if exc_class else None
    if short in _VALIDATION or shown.startswith("Parameter validation failed") \
            or exit_code == 2:
        stage = STAGE_VALIDATION
    elif short in _TRANSPORT or shown.startswith(("Could not connect", "Read timeout",
                                                   "Connect timeout")):
        stage = STAGE_TRANSPORT
    elif short in _PARSE or shown.startswith("Unable to parse"):
        stage = STAGE_PARSE
    else:
        stage = STAGE_OTHER
    return Surfaced("cli", operation, ok=False, stage=stage,
                    error_code=short or ("UsageError" if exit_code == 2 else None),
                    http_status=status, message=clean_text(shown, 10_000),
                    raw_error=clean_text(shown), elapsed_s=elapsed_s, detail=detail)


def _user_text(lines: list[str]) -> str:
    """What a user without --debug sees: stderr after the debug log, without it."""
    cut = 0
    for i, line in enumerate(lines):
        if _LOG_LINE.match(line) and _EXIT_LINE in line:
            cut = i + 1
    if cut:
        return "\n".join(lines[cut:]).strip()
    kept, in_log = [], False
    for line in lines:   # no exit line: drop log records (and their continuation lines)
        if _LOG_LINE.match(line):
            in_log = True
            continue
        if in_log and (line.startswith((" ", "\t", "Traceback")) or _EXC_LINE.match(line)):
            continue
        in_log = False
        kept.append(line)
    return "\n".join(kept).strip()


def _raised_class(lines: list[str]) -> str | None:
    """The class of the exception the CLI's main() caught: the last `module.Class: ...`
    line of the traceback its debug log prints after "Exception caught in main()"."""
    start = next((i for i, line in enumerate(lines)
                  if _LOG_LINE.match(line) and _MAIN_EXC in line), None)
    if start is None:
        return None
    found = None
    for line in lines[start + 1:]:
        if _LOG_LINE.match(line):
            break
        match = _EXC_LINE.match(line)
        if match and not line.startswith((" ", "\t")) and " " not in match.group(1):
            found = match.group(1)
    return found


def _runnable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


_MODEL_ERRORS: dict[str, frozenset[str]] = {}


def _model_errors() -> frozenset[str]:
    """The service's modeled error codes (the suite's pinned model, what botocore loads)."""
    if "v" not in _MODEL_ERRORS:
        try:
            from conformance.spec.model import load_model
            _MODEL_ERRORS["v"] = frozenset(load_model().error_shapes())
        except Exception:  # noqa: BLE001 - only a fallback for runs without --debug
            _MODEL_ERRORS["v"] = frozenset()
    return _MODEL_ERRORS["v"]
