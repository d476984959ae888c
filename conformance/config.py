"""The ONLY reader of command-line options and environment variables.

Everything else receives a frozen RunConfig. The same option table feeds argparse (the
`cognito-conformance` CLI) and pytest (`pytest --cc-target ...`), so both front doors take
the same options with the same defaults. The CLI hands its RunConfig to the pytest run it
starts in its own process through one environment variable, CC_RUN_CONFIG, as JSON; secrets
are never put there: credentials are read from the AWS_* variables at the point of use.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

ENV_CONFIG = "CC_RUN_CONFIG"
EMULATOR_CREDENTIALS = ("test", "test")


class ConfigError(ValueError):
    """Bad usage or configuration (exit code 2)."""


@dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int          # Schemathesis fuzzing examples per operation and mode
    state_machine_examples: int
    state_machine_steps: int


PROFILES = {
    "dev": Profile("dev", max_examples=25, state_machine_examples=10, state_machine_steps=12),
    # ci: 70 fuzzing examples + the coverage phase = ~2,140 generated cases over 14 operations
    "ci": Profile("ci", max_examples=70, state_machine_examples=25, state_machine_steps=20),
    "nightly": Profile("nightly", max_examples=400, state_machine_examples=200,
                       state_machine_steps=40),
}


@dataclass(frozen=True)
class RunConfig:
    target: str = "moto"
    endpoint: str | None = None
    region: str = "us-east-1"
    report_dir: str = "reports"
    keyword: str | None = None
    seed: int = 0
    max_examples: int | None = None
    profile: str = "ci"
    reset: bool | None = None
    timeout_s: float = 15.0
    allow_aws: bool = False
    code_command: str | None = None
    expectations_dir: str | None = None  # CC_EXPECTATIONS_DIR; None = the shipped files
    allure_history: str | None = None  # a previous Allure report: its history/ is carried over
    deadline_s: float | None = None  # --deadline: seconds for the whole run (None: none)
    deadline_at: float | None = None  # its epoch time, set by the CLI when the run starts
    clients: str = "boto3"  # --clients: whose client checks run (boto3,cli,js | all | none)
    case_cache: str | None = None  # --case-cache: DIR, or "off"; None = the user's cache dir
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def profile_settings(self) -> Profile:
        return PROFILES[self.profile]

    @property
    def examples(self) -> int:
        return self.max_examples or self.profile_settings.max_examples

    def target_report_dir(self, name: str | None = None) -> Path:
        return Path(self.report_dir) / (name or self.target)

    @property
    def client_names(self) -> tuple[str, ...]:
        """The clients whose `client.<client>.*` checks run (CLIENT_NAMES order)."""
        from conformance.clients.base import parse_clients

        return parse_clients(self.clients)

    @property
    def case_cache_dir(self) -> Path | None:
        """Where generated cases are kept between runs (casestore.py), None when off."""
        from conformance.paths import case_store_dir

        if self.case_cache == "off":
            return None
        return Path(self.case_cache) if self.case_cache else case_store_dir()

    def credentials(self) -> tuple[str, str, str | None]:
        """(access key, secret key, session token): AWS_* variables, else emulator dummies."""
        key = os.environ.get("AWS_ACCESS_KEY_ID")
        secret = os.environ.get("AWS_SECRET_ACCESS_KEY")
        if key and secret:
            return key, secret, os.environ.get("AWS_SESSION_TOKEN")
        return EMULATOR_CREDENTIALS[0], EMULATOR_CREDENTIALS[1], None

    def to_env(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    def replace(self, **changes: Any) -> "RunConfig":
        return dataclasses.replace(self, **changes)


# (flags, argparse/pytest keyword arguments, RunConfig field)
OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any], str], ...] = (
    (("--target",), {"help": "target name (moto, cognito-local, ministack, url, aws, all)"},
     "target"),
    (("--endpoint",), {"help": "use an already running server at this URL"}, "endpoint"),
    (("--region",), {"help": "AWS region to sign for (default: AWS_REGION or us-east-1)"},
     "region"),
    (("--report-dir",), {"help": "where reports/<target>/ is written"}, "report_dir"),
    (("--seed",), {"type": int, "help": "seed for generated cases and the state machine"},
     "seed"),
    (("--max-examples",), {"type": int, "help": "generated examples per operation"},
     "max_examples"),
    (("--profile",), {"choices": sorted(PROFILES), "help": "dev, ci (default) or nightly"},
     "profile"),
    (("--timeout",), {"type": float, "help": "seconds per HTTP call"}, "timeout_s"),
    (("--code-command",), {"help": "shell command printing a confirmation code; "
                           "{pool_id} and {username} are filled in (url target)"},
     "code_command"),
    (("--allure-history",), {"metavar": "DIR", "help": "a previous Allure report folder "
                             "(allure generate's output): its history/ is copied into "
                             "allure-results/ so trends carry over"}, "allure_history"),
    (("--clients",), {"help": "client checks to run: boto3,cli,js (any of them), all or "
                      "none (default boto3); a client not installed is unsupported"},
     "clients"),
    (("--case-cache",), {"help": "where generated cases are kept, so a run with the same "
                         "seed and profile replays them instead of generating them again "
                         "(default: $XDG_CACHE_HOME/cognito-conformance/cases); off = "
                         "always generate"}, "case_cache"),
)
ENV_VARS = {"CC_TARGET": "target", "CC_ENDPOINT": "endpoint", "AWS_REGION": "region",
            "AWS_DEFAULT_REGION": "region", "CC_REPORT_DIR": "report_dir",
            "CC_PROFILE": "profile", "CC_SEED": "seed", "CC_MAX_EXAMPLES": "max_examples",
            "CC_CODE_COMMAND": "code_command", "CC_EXPECTATIONS_DIR": "expectations_dir",
            "CC_ALLURE_HISTORY": "allure_history", "CC_CLIENTS": "clients",
            "CC_CASE_CACHE": "case_cache"}
# `run`-only flags (cli.py adds them as dest=cc_<field>): -k and the AWS opt-in.
CLI_ONLY = ("keyword", "allow_aws", "deadline_s")
# Shown in --help instead of argparse's default (the dest, CC_...); an option missing here
# gets its flag name in capitals.
METAVARS = {"target": "NAME", "endpoint": "URL", "region": "REGION", "report_dir": "DIR",
            "seed": "N", "max_examples": "N", "timeout_s": "SECONDS",
            "code_command": "COMMAND", "clients": "LIST", "case_cache": "DIR|off"}
_TYPES: dict[str, Callable[[str], Any]] = {"seed": int, "max_examples": int, "timeout_s": float}


def add_options(add: Callable[..., Any], prefix: str = "--") -> None:
    """Register OPTIONS on argparse (`prefix="--"`) or pytest (`prefix="--cc-"`)."""
    for flags, kwargs, dest in OPTIONS:
        names = [prefix + f[2:] for f in flags]
        if "choices" not in kwargs and "metavar" not in kwargs:
            kwargs = {**kwargs, "metavar": METAVARS.get(dest, flags[0][2:].upper()
                                                      .replace("-", "_"))}
        add(*names, dest=f"cc_{dest}", default=None, **kwargs)


def from_sources(options: Mapping[str, Any], env: Mapping[str, str] | None = None,
                 **overrides: Any) -> RunConfig:
    """Build the RunConfig: defaults < CC_RUN_CONFIG < environment < options < overrides."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    if env.get(ENV_CONFIG):
        values.update(json.loads(env[ENV_CONFIG]))
    for var, name in ENV_VARS.items():
        if env.get(var):
            values[name] = _TYPES.get(name, str)(env[var])
    for _, _, name in OPTIONS:
        if options.get(f"cc_{name}") is not None:
            values[name] = options[f"cc_{name}"]
    for name in CLI_ONLY:  # options only the `run` command has (not in OPTIONS/pytest)
        if options.get(f"cc_{name}") is not None:
            values[name] = options[f"cc_{name}"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    return _validated(RunConfig(**values))


def _validated(config: RunConfig) -> RunConfig:
    """Every value a run could trip over later, checked before any target starts: each
    problem is one ConfigError line (exit 2). Nothing is created here (the report folder
    is only checked to be creatable)."""
    if config.profile not in PROFILES:
        raise ConfigError(f"unknown profile {config.profile!r}; choose from {sorted(PROFILES)}")
    if config.endpoint is not None:
        check_endpoint(config.endpoint)
    if config.max_examples is not None and config.max_examples < 1:
        raise ConfigError("--max-examples must be >= 1")
    check_seconds("--timeout", config.timeout_s)
    if config.deadline_s is not None:
        check_seconds("--deadline", config.deadline_s)
    check_report_dir(config.report_dir)
    try:
        config.client_names
    except ValueError as exc:
        raise ConfigError(f"--clients: {exc}") from None
    cache = config.case_cache_dir
    if cache is not None and cache.exists() and not cache.is_dir():
        raise ConfigError(f"--case-cache {str(cache)!r} is not a folder (or say off)")
    return config


def check_endpoint(url: str) -> None:
    """An http(s) URL with a host (and a numeric port, if any)."""
    from urllib.parse import urlsplit

    bad = f"--endpoint must be an http(s) URL with a host, e.g. http://127.0.0.1:5000; got {url!r}"
    if not isinstance(url, str) or not url or any(c.isspace() for c in url):
        raise ConfigError(bad)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{bad} ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(bad)
    if port == 0:
        raise ConfigError(f"{bad} (port 0)")


def check_seconds(flag: str, value: Any) -> None:
    """A positive, finite number of seconds."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{flag} must be a positive number of seconds, got {value!r}")


def check_report_dir(path: str) -> None:
    """A writable folder, or one that can be created (its nearest existing parent is a
    writable folder). Checked, not created: a refused run writes nothing."""
    if not path:
        raise ConfigError("--report-dir must not be empty")
    folder = Path(path).expanduser().absolute()
    if folder.exists():
        if not folder.is_dir():
            raise ConfigError(f"--report-dir {path!r} is not a folder")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ConfigError(f"--report-dir {path!r} is not writable")
        return
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"--report-dir {path!r} cannot be created: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"--report-dir {path!r} cannot be created: {parent} is not "
                          "writable")
