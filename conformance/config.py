"""The ONLY reader of command-line options and environment variables.

Everything else receives a frozen RunConfig. The same option table feeds argparse (the
`cognito-conformance` CLI) and pytest (`pytest --cc-target ...`), so both front doors take
the same options with the same defaults. The CLI hands its RunConfig to the pytest run (and
to pytest-xdist workers) through one environment variable, CC_RUN_CONFIG, as JSON; secrets
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
    workers: int = 0
    seed: int = 0
    max_examples: int | None = None
    profile: str = "ci"
    reset: bool | None = None
    timeout_s: float = 15.0
    allow_aws: bool = False
    code_command: str | None = None
    expectations_dir: str | None = None  # CC_EXPECTATIONS_DIR; None = the shipped files
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def profile_settings(self) -> Profile:
        return PROFILES[self.profile]

    @property
    def examples(self) -> int:
        return self.max_examples or self.profile_settings.max_examples

    def target_report_dir(self, name: str | None = None) -> Path:
        return Path(self.report_dir) / (name or self.target)

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
    (("--workers",), {"type": int, "help": "pytest-xdist workers (0 = in process)"},
     "workers"),
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
)
ENV_VARS = {"CC_TARGET": "target", "CC_ENDPOINT": "endpoint", "AWS_REGION": "region",
            "AWS_DEFAULT_REGION": "region", "CC_REPORT_DIR": "report_dir",
            "CC_PROFILE": "profile", "CC_SEED": "seed", "CC_MAX_EXAMPLES": "max_examples",
            "CC_CODE_COMMAND": "code_command", "CC_EXPECTATIONS_DIR": "expectations_dir"}
# `run`-only flags (cli.py adds them as dest=cc_<field>): -k and the AWS opt-in.
CLI_ONLY = ("keyword", "allow_aws")
_TYPES: dict[str, Callable[[str], Any]] = {"seed": int, "max_examples": int, "workers": int,
                                           "timeout_s": float}


def add_options(add: Callable[..., Any], prefix: str = "--") -> None:
    """Register OPTIONS on argparse (`prefix="--"`) or pytest (`prefix="--cc-"`)."""
    for flags, kwargs, dest in OPTIONS:
        names = [prefix + f[2:] for f in flags]
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
    if config.profile not in PROFILES:
        raise ConfigError(f"unknown profile {config.profile!r}; choose from {sorted(PROFILES)}")
    if config.endpoint and not config.endpoint.startswith(("http://", "https://")):
        raise ConfigError(f"--endpoint must be an http(s) URL, got {config.endpoint!r}")
    if config.workers < 0 or (config.max_examples is not None and config.max_examples < 1):
        raise ConfigError("--workers must be >= 0 and --max-examples >= 1")
    return config
