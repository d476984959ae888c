"""cognito-local (npm `cognito-local`, pinned) as a target, started by the suite.

Installed by the project's own set-up into a project-local folder (`make node-deps`:
`npm install --prefix .cache/node cognito-local@5.3.0`), never globally. Each start gets a
fresh data dir (inside the run's own dir, process.scratch_dir, so a dead run's is swept)
holding `.cognito/config.json` with `UsernameAttributes: []` so
plain usernames work as on AWS, and a free loopback port.

Code oracle: cognito-local stores the code it "sent" in its database file,
`.cognito/db/<poolId>.json` -> Users.<username>.ConfirmationCode. That is the real code,
so checks that need a wrong code rejected (or the right one accepted) measure cognito-local
honestly; we do not set CODE=fixed. cognito-local deletes the code when the user is
confirmed, so the oracle remembers the last code it read (confirming twice needs it).
Attached to a running cognito-local (`--endpoint`), the suite has no data dir to read: no
code oracle.

Reset = stop, wipe the data dir, start again on the same port (the endpoint stays valid).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any, ClassVar

from conformance.config import RunConfig
from conformance.paths import REPO_DIR
from conformance.targets.base import Lack, ProcessServer, TargetStartError, free_port
from conformance.targets.probe import ProbedCapabilities
from conformance.targets.process import ManagedProcess, scratch_dir

PACKAGE = "cognito-local"
PINNED_VERSION = "5.3.0"
NODE_PREFIX = REPO_DIR / ".cache" / "node"
ENTRY = Path("node_modules") / PACKAGE / "lib" / "bin" / "start.js"
CONFIG = {"UserPoolDefaults": {"UsernameAttributes": []}}
INSTALL_HINT = "run `make node-deps` (npm install --prefix .cache/node cognito-local@5.3.0)"
READ_RETRIES = 5


def node_prefix() -> Path:
    return NODE_PREFIX


_UNSUPPORTED = "CognitoLocal#Unsupported"
_NOT_IN_5_3 = ("cognito-local 5.3.0 does not implement {op}: every call answers 500 "
               "CognitoLocal#Unsupported (judged by the {op} checks)")


class CognitoLocalTarget(ProcessServer, ProbedCapabilities):
    name: ClassVar[str] = "cognito-local"
    capabilities = frozenset({"code-oracle", "reset", "admin", "create-pool"})
    # What checks' set-up may need and cognito-local does not implement (Target.lacks).
    lacks: ClassVar[dict[str, Lack]] = {
        **{op: Lack(_NOT_IN_5_3.format(op=op), 500, _UNSUPPORTED)
           for op in ("GlobalSignOut", "AdminUserGlobalSignOut", "AdminResetUserPassword")},
        "AdminInitiateAuth:NEW_PASSWORD_REQUIRED": Lack(
            "cognito-local's AdminInitiateAuth signs an admin-created (FORCE_CHANGE_PASSWORD) "
            "user straight in, never answering the NEW_PASSWORD_REQUIRED challenge (judged by "
            "new-password.challenge.admin-initiate-auth)", 200, None),
    }

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self._endpoint = config.endpoint
        self._data_dir: Path | None = None
        self._process: ManagedProcess | None = None
        self._codes: dict[tuple[str, str], str] = {}
        if self._endpoint:  # attached (--endpoint): no data dir to read, no code oracle
            self.capabilities = frozenset({"admin", "create-pool"})

    def start(self) -> None:
        if self._endpoint:
            return
        entry = _entry_script()
        port = free_port()
        self._data_dir = scratch_dir("cc-cognito-local-")
        self._process = self._spawn(entry, port)
        self._endpoint = f"http://127.0.0.1:{port}"

    def _spawn(self, entry: Path, port: int) -> ManagedProcess:
        assert self._data_dir is not None
        _write_config(self._data_dir)
        node = shutil.which("node")
        if node is None:
            raise TargetStartError(f"cognito-local needs node on PATH; {INSTALL_HINT}")
        process = ManagedProcess(self.name, [node, str(entry)], port,
                                 self._data_dir / "cognito-local.log",
                                 env={"HOST": "127.0.0.1", "PORT": str(port)},
                                 cwd=self._data_dir, scratch=self._data_dir)
        try:
            process.start()
        except TargetStartError:
            self._wipe()
            raise
        return process

    def _wipe(self) -> None:
        if self._data_dir is not None and self._process is None:
            shutil.rmtree(self._data_dir, ignore_errors=True)

    def reset(self) -> None:
        if self._process is None:
            return  # attached to someone else's server: its state is not ours to wipe
        port = self._process.port
        self._process.stop()
        self._process = None
        self._wipe()
        self._data_dir = scratch_dir("cc-cognito-local-")
        self._process = self._spawn(_entry_script(), port)

    def version(self) -> str:
        try:
            manifest = json.loads((NODE_PREFIX / "node_modules" / PACKAGE /
                                   "package.json").read_text())
            return str(manifest["version"])
        except (OSError, ValueError, KeyError):
            return f"{PINNED_VERSION}?"

    def confirmation_code(self, pool_id: str, username: str) -> str | None:
        if self._data_dir is None:
            return None
        users = _read_users(self._data_dir / ".cognito" / "db" / f"{pool_id}.json")
        user = users.get(username) or _find_user(users, username)
        code = user.get("ConfirmationCode") if user else None
        if code:  # remembered: cognito-local drops the code once the user is confirmed
            self._codes[(pool_id, username)] = str(code)
        return self._codes.get((pool_id, username))

    def forgot_password_code(self, pool_id: str, username: str) -> str | None:
        """ForgotPassword stores its code where sign-up codes live (Users.<name>.
        ConfirmationCode); read fresh, never the remembered sign-up code."""
        if self._data_dir is None:
            return None
        users = _read_users(self._data_dir / ".cognito" / "db" / f"{pool_id}.json")
        user = users.get(username) or _find_user(users, username)
        code = user.get("ConfirmationCode") if user else None
        return str(code) if code else None


def _entry_script() -> Path:
    entry = NODE_PREFIX / ENTRY
    if not entry.is_file():
        raise TargetStartError(f"{PACKAGE} {PINNED_VERSION} is not installed in "
                               f"{NODE_PREFIX}; {INSTALL_HINT}")
    return entry


def _write_config(data_dir: Path) -> None:
    cfg = data_dir / ".cognito" / "config.json"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(json.dumps(CONFIG))


def _read_users(path: Path) -> dict[str, Any]:
    """The pool's Users table; retried because cognito-local rewrites the file in place."""
    for _ in range(READ_RETRIES):
        try:
            return dict(json.loads(path.read_text()).get("Users") or {})
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            time.sleep(0.05)
    return {}


def _find_user(users: dict[str, Any], name: str) -> dict[str, Any] | None:
    """A user stored under another key (email/alias usernames): match attributes."""
    for user in users.values():
        values = {a.get("Value") for a in user.get("Attributes", [])}
        if name == user.get("Username") or name in values:
            return dict(user)
    return None


TARGET = CognitoLocalTarget
