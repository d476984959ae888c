"""`url`: any cognito-idp endpoint the user already runs (`--target url --endpoint URL`).

The suite knows nothing about the server, so it promises little: no reset (state is not
ours), no code oracle unless `--code-command` names a shell command that prints the code
(`{pool_id}` and `{username}` are filled in, shell-quoted), and `admin`/`create-pool` only
once the start-up probe has seen them work: they are tentative (tried, not claimed), so a
server without them gets `unsupported` for the checks that need them. A `--code-command`
is a claim: an oracle that names no code fails the checks that need it. Credentials come
from the AWS_* variables.
"""

from __future__ import annotations

import shlex
import subprocess
from typing import ClassVar

from conformance.config import ConfigError, RunConfig
from conformance.targets.probe import ProbedCapabilities

CODE_COMMAND_TIMEOUT_S = 15.0


class UrlTarget(ProbedCapabilities):
    name: ClassVar[str] = "url"
    tentative_capabilities = frozenset({"admin", "create-pool"})

    def __init__(self, config: RunConfig) -> None:
        if not config.endpoint:
            raise ConfigError("--target url needs --endpoint URL (the server to test)")
        self.config = config
        self._endpoint = config.endpoint.rstrip("/")
        caps = {"admin", "create-pool"}
        if config.code_command:
            caps.add("code-oracle")
        self.capabilities = frozenset(caps)

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def start(self) -> None:
        """Nothing to start: the probe proves the endpoint answers."""

    def stop(self) -> None:
        """Nothing to stop: the server is the user's."""

    def reset(self) -> None:
        """No reset: runs are isolated by the provisioning prefix instead."""

    def version(self) -> str:
        return "unknown"

    def confirmation_code(self, pool_id: str, username: str) -> str | None:
        if not self.config.code_command:
            return None
        command = self.config.code_command.format(pool_id=shlex.quote(pool_id),
                                                  username=shlex.quote(username))
        try:
            done = subprocess.run(command, shell=True, capture_output=True, text=True,
                                  timeout=CODE_COMMAND_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            return None
        lines = done.stdout.strip().splitlines()
        return lines[-1].strip() if done.returncode == 0 and lines else None


TARGET = UrlTarget
