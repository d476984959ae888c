"""ministack (PyPI `ministack`, pinned through the `ministack` extra) as a target.

Started by the suite on a free loopback port (GATEWAY_PORT, BIND_HOST=127.0.0.1) with
AUTH=true, TMPDIR=its scratch dir (ministack writes `ministack-<port>.pid` there: a killed
run's is swept with the dir) and IOT_MTLS_ENABLED=0 / SFTP_ENABLED=0: ministack 1.5.33 opens
an IoT mTLS listener on 0.0.0.0:8883 at boot, ignoring BIND_HOST. Its other 0.0.0.0 ports
(RDS proxy, opensearch, eks, mwaa ...) open only when those services are used, never by
Cognito calls. Why AUTH=true (measured 2026-11-25, ministack 1.5.33): by default ministack
accepts any credentials, accepts SignUp on a secret client without SecretHash or with a
wrong one, and confirms sign-ups with any code. With AUTH=true it answers a bad key with
UnrecognizedClientException, SecretHash problems with NotAuthorizedException and a wrong
code with CodeMismatchException - all as AWS does - and nothing it accepted by default is
refused wrongly. So AUTH=true is the mode closer to AWS. The credentials it accepts are the
ones in its own AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, so it is started with the same
credentials the suite signs with.

Code oracle: ministack sends every confirmation code as the fixed `123456` (its SES outbox,
GET /_ministack/ses/messages, shows "Your verification code is 123456."); since it checks
codes under AUTH=true, a wrong code is a real test. Reset: POST /_ministack/reset.
"""

from __future__ import annotations

import shutil
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import ClassVar

import requests

from conformance.config import RunConfig
from conformance.targets.base import ProcessServer, TargetStartError, free_port
from conformance.targets.probe import ProbedCapabilities
from conformance.targets.process import ManagedProcess, scratch_dir

FIXED_CODE = "123456"
FORGOT_CODE = "654321"  # ForgotPassword / AdminResetUserPassword codes (1.5.33: fixed)
RESET_PATH = "/_ministack/reset"
INSTALL_HINT = "install the extra: pip install -e '.[ministack]'"


class MinistackTarget(ProcessServer, ProbedCapabilities):
    name: ClassVar[str] = "ministack"
    capabilities = frozenset({"code-oracle", "reset", "admin", "create-pool"})
    auth_mode = "true"

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self._endpoint = config.endpoint
        self._process: ManagedProcess | None = None
        self._log_dir: Path | None = None

    def start(self) -> None:
        if self._endpoint:
            return
        port = free_port()
        self._log_dir = scratch_dir("cc-ministack-")
        self._process = ManagedProcess(self.name, _command(), port,
                                       self._log_dir / "ministack.log",
                                       env=self._env(port), cwd=self._log_dir,
                                       scratch=self._log_dir)
        try:
            self._process.start()
        except TargetStartError:
            self._process = None
            self._wipe()
            raise
        self._endpoint = f"http://127.0.0.1:{port}"

    def _env(self, port: int) -> dict[str, str]:
        key, secret, _ = self.config.credentials()
        return {"GATEWAY_PORT": str(port), "BIND_HOST": "127.0.0.1",
                "TMPDIR": str(self._log_dir or ""),  # its ministack-<port>.pid file
                # listeners bound to 0.0.0.0 whatever BIND_HOST says (1.5.33: IoT mTLS on
                # :8883 at boot, SFTP on :2222): off, the suite never uses them
                "IOT_MTLS_ENABLED": "0", "SFTP_ENABLED": "0",
                "AUTH": self.auth_mode, "AWS_ACCESS_KEY_ID": key,
                "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": self.config.region}

    def _wipe(self) -> None:
        if self._log_dir is not None:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            self._log_dir = None

    def reset(self) -> None:
        reply = requests.post(self.endpoint + RESET_PATH, timeout=self.config.timeout_s)
        if reply.status_code >= 300:
            raise TargetStartError(f"ministack reset answered HTTP {reply.status_code}")

    def version(self) -> str:
        try:
            return version("ministack")
        except PackageNotFoundError:
            return "unknown"

    def confirmation_code(self, pool_id: str, username: str) -> str | None:
        return FIXED_CODE

    def forgot_password_code(self, pool_id: str, username: str) -> str | None:
        """ministack sends every password-reset code as the fixed 654321 (its SES outbox
        shows it); it checks the code under AUTH=true."""
        return FORGOT_CODE


def _command() -> list[str]:
    """The `ministack` console script beside this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "ministack"
    found = str(beside) if beside.is_file() else shutil.which("ministack")
    if not found:
        raise TargetStartError(f"the ministack command is not installed; {INSTALL_HINT}")
    return [found]


TARGET = MinistackTarget
