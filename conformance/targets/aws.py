"""`aws`: the real service. Opt-in only, because the run creates resources in an account.

`--target aws` needs `--i-understand-this-creates-resources` (RunConfig.allow_aws) and
credentials in the AWS_* variables, else it is a usage error (exit 2) before anything is
called. The region is the configured one (AWS_REGION / --region). Every pool the suite makes
is named under the run prefix (conformance/provision.py); at stop the target sweeps the
pools with this run's own prefix (handed to the checks' session through RunConfig.extra),
so a concurrent run in the same account keeps its pools, and whatever cannot be deleted goes to
reports/aws/leaks.json plus one stderr line (`cognito-conformance cleanup` sweeps later).

No code oracle (real codes go to real mailboxes) and no reset (an account is not ours to
wipe). `admin` and `create-pool` are declared, not tentative: AWS has them, so a probe that
refutes them (usually credentials without the IAM permissions) fails the checks that need
them, loudly, instead of shrinking the run to what the credentials allow. `--endpoint`
overrides the regional URL: for FIPS/VPC endpoints, and for the self-tests, which use moto
standing in for AWS. The suite's CI never calls AWS.
"""

from __future__ import annotations

import os
import time
from typing import Any, ClassVar

from conformance.config import ConfigError, RunConfig
from conformance.provision import PREFIX_KEY, new_prefix
from conformance.targets.probe import ProbedCapabilities

OPT_IN_FLAG = "--i-understand-this-creates-resources"
CLOCK_SLACK_S = 120.0  # the sweep window starts a little before start() (clock skew)


class AwsTarget(ProbedCapabilities):
    name: ClassVar[str] = "aws"
    capabilities = frozenset({"admin", "create-pool"})

    def __init__(self, config: RunConfig) -> None:
        if not config.allow_aws:
            raise ConfigError(f"--target aws creates resources in your AWS account; "
                              f"add {OPT_IN_FLAG} to go ahead")
        if not (os.environ.get("AWS_ACCESS_KEY_ID") and
                os.environ.get("AWS_SECRET_ACCESS_KEY")):
            raise ConfigError("--target aws needs AWS_ACCESS_KEY_ID and "
                              "AWS_SECRET_ACCESS_KEY in the environment")
        self.config = config
        self._endpoint = (config.endpoint or
                          f"https://cognito-idp.{config.region}.amazonaws.com").rstrip("/")
        self._started_at: float | None = None
        self.prefix = new_prefix()  # this run's pools only
        self._reached = False  # set by the probe; unreached -> only real pools count as leaks
        self.leaks_file = None

    @property
    def endpoint(self) -> str:
        return self._endpoint

    def start(self) -> None:
        self._started_at = time.time() - CLOCK_SLACK_S

    def attach_info(self) -> dict[str, str]:
        """The session's provisioner names its pools under this prefix (results/runner.py),
        so the sweep at stop covers them."""
        return {PREFIX_KEY: self.prefix}

    def stop(self) -> None:
        """Delete this run's pools (prefix + created since start); report what is left."""
        if self._started_at is None:
            return
        from conformance import cleanup

        result = cleanup.sweep(self._caller(), prefix=self.prefix + "-",
                               created_after=self._started_at)
        self._started_at = None
        leaked = [p for p in result.leaked if self._reached or p["pool_id"] != "?"]
        self.leaks_file = cleanup.report_leaks(self.config.target_report_dir(self.name),
                                               self.name, self._endpoint, leaked)

    def _caller(self) -> Any:
        from conformance.wire import AwsCredentials, Caller

        key, secret, token = self.config.credentials()
        return Caller(self._endpoint, self.config.region, AwsCredentials(key, secret, token),
                      timeout_s=self.config.timeout_s)

    def reset(self) -> None:
        """No reset: runs are isolated by the provisioning prefix instead."""

    def version(self) -> str:
        return "aws"

    def confirmation_code(self, pool_id: str, username: str) -> str | None:
        return None

    def probe_capabilities(self, caller: Any) -> frozenset[str]:
        self._reached = True
        return super().probe_capabilities(caller)


TARGET = AwsTarget
