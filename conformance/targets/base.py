"""The Target contract and the discovery of target plugins.

A target is something that answers the cognito-idp API: an emulator the suite starts and
stops itself, or a running endpoint it attaches to (`--endpoint`). It declares
capabilities (what checks may rely on) and, where it can, a code oracle that reveals the
confirmation code it sent. A check that needs a capability the target does not claim is
`unsupported`, never faked; a capability it claims but the start-up probe refutes fails the
checks that need it (conformance/targets/probe.py). A target may also list
`tentative_capabilities`: ones it only tries (part of `capabilities`, never claimed), for
which a refutation means `unsupported` again.

`lacks` names what a target does not implement at all (an operation, or a behaviour such as
a challenge), each pinned by HOW it answers, like an expectation's signature. A check whose
SET-UP needs it is `unsupported` ("cognito-local lacks GlobalSignOut: ..."), not an `error`
of every run: the lack itself is judged (and listed in the expectations) by the checks of
that operation. The same step failing any other way stays an error, and a lack the target
no longer has costs nothing: the set-up succeeds and the check runs.
"""

from __future__ import annotations

import importlib
import pkgutil
import socket
from importlib.metadata import entry_points
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

from conformance.config import ConfigError, RunConfig

# What a check may require. Keep this list short and documented in README.md.
CAPABILITIES = {
    "code-oracle": "the suite can learn the confirmation code the target sent",
    "reset": "the target's state can be wiped between runs",
    "admin": "IAM-signed admin operations (AdminGetUser, AdminConfirmSignUp...) work",
    "create-pool": "pools and clients can be created through the API",
}


@dataclass(frozen=True)
class Lack:
    """Something the target does not implement, and how it answers when asked for it."""

    reason: str                  # one line: what is missing (and where that is on record)
    status: int                  # the answer's HTTP status ...
    error_type: str | None = None  # ... and `__type` (None: none)


def lack_of(target: object, step: str, status: int, error_type: str | None) -> Lack | None:
    """The target's declared lack of `step` (an operation name, or `<Operation>:<what>`),
    if the answer is exactly the one the declaration pins; else None (a real set-up error)."""
    lack = dict(getattr(target, "lacks", {}) or {}).get(step)
    if lack is None or (lack.status, lack.error_type) != (status, error_type):
        return None
    return lack


def lacks_json(target: object) -> dict[str, Any]:
    """results.json `target.lacks`: {step: {reason, status, type}}."""
    return {step: {"reason": lack.reason, "status": lack.status, "type": lack.error_type}
            for step, lack in sorted(dict(getattr(target, "lacks", {}) or {}).items())}


def declared_capabilities(target: object) -> frozenset[str]:
    """What the target claims: its capabilities minus those it only tries."""
    tried = frozenset(getattr(target, "capabilities", frozenset()))
    return tried - frozenset(getattr(target, "tentative_capabilities", frozenset()))


class TargetStartError(RuntimeError):
    """The target could not be started or reached (exit code 3)."""


@runtime_checkable
class Target(Protocol):
    name: ClassVar[str]
    capabilities: frozenset[str]

    @property
    def endpoint(self) -> str: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def reset(self) -> None: ...

    def version(self) -> str: ...

    def confirmation_code(self, pool_id: str, username: str) -> str | None: ...


class StartedServer:
    """Mixin for targets the suite starts (or attaches to): the endpoint, once there is one."""

    name: ClassVar[str]
    _endpoint: str | None

    @property
    def endpoint(self) -> str:
        if not self._endpoint:
            raise TargetStartError(f"{self.name} is not started")
        return self._endpoint


class ProcessServer(StartedServer):
    """Mixin for targets run as a child process (`_process`, a ManagedProcess).

    stop() ends the process and then lets the target remove its scratch files (`_wipe`).
    A target attached to a running server (`--endpoint`) owns no process, so it wipes nothing.
    """

    _process: object | None

    def stop(self) -> None:
        if self._process is not None:
            self._process.stop()  # type: ignore[attr-defined]
            self._process = None
            self._endpoint = None
            self._wipe()

    def _wipe(self) -> None:
        """Remove what start() made on disk; nothing by default."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_NOT_TARGETS = ("base", "probe", "process")  # helper modules of this package


def _module_targets() -> dict[str, str]:
    import conformance.targets as pkg

    return {m.name.replace("_", "-"): f"conformance.targets.{m.name}"
            for m in pkgutil.iter_modules(pkg.__path__) if m.name not in _NOT_TARGETS
            and not m.name.startswith("_")}


def available_targets() -> list[str]:
    names = set(_module_targets())
    names.update(ep.name for ep in entry_points(group="cognito_conformance.targets"))
    return sorted(names)


def load_target(config: RunConfig, name: str | None = None) -> Target:
    """Instantiate the target plugin named by the config (ConfigError if unknown)."""
    name = name or config.target
    modules = _module_targets()
    if name in modules:
        cls = importlib.import_module(modules[name]).TARGET
    else:
        eps = {ep.name: ep for ep in entry_points(group="cognito_conformance.targets")}
        if name not in eps:
            raise ConfigError(f"unknown target {name!r}; choose from "
                              f"{', '.join(available_targets())} (or all)")
        cls = eps[name].load()
    return cls(config)
