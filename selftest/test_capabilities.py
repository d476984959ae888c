"""Self-tests of capabilities: a declared capability the probe refutes is a failure.

Why these exist (issue 9, "verdicts that cannot hide a regression"): a check that needs a
capability the session lacks used to be `unsupported`, whatever the reason. A target whose
declared AdminGetUser started answering 500 then lost its admin checks to `unsupported`,
which leaves the score's base, so it looked *better*. Here, through the fault proxy and a
real moto behind it: the refuted capability fails the hand-written checks and the generated
pairs that need it (message, evidence, signature), results.json lists it with its reason
(`target.capabilities`), the probed target keeps the refutation with its evidence, what a
target never claimed stays `unsupported`, and a claimed code oracle that names no code fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
import requests

from conformance.checks import all_checks
from conformance.config import RunConfig
from conformance.generated.pairs import all_pairs, pair_id
from conformance.plugin import target_info
from conformance.results.outcome import FAILED, UNSUPPORTED, CheckResult
from conformance.results.runner import CheckSession, build_session, missing_capability
from conformance.suite.test_generated import _result as generated_result
from conformance.targets.base import free_port
from conformance.targets.moto import MotoTarget
from conformance.targets.probe import Refutation, report_of
from conformance.targets.process import ManagedProcess
from conformance.targets.url import UrlTarget
from conformance.wire import AwsCredentials, Caller
from selftest import faultproxy as fp

ADMIN_500 = fp.Fault(fp.error("InternalErrorException", "admin is broken", 500),
                     operation="AdminGetUser")
ADMIN_REASON = "AdminGetUser answered 500 InternalErrorException"
ADMIN_SIGNATURE = ["capability=admin refuted"]
ADMIN_CHECKS = ("admingetuser.response.shape", "state.admin-confirm.confirms",
                "adminconfirmsignup.response.shape")
ADMIN_PAIR = "generated.SignUp.output-shape"  # every generated pair needs admin
PLAIN_CHECK = "wire.request-id.success"        # needs no capability
ORACLE_CHECK = "state.confirm.wrong-code.status"  # needs code-oracle only
ADMIN_CHECK = ADMIN_CHECKS[0]


def checks_named(*ids: str) -> dict:
    return {c.id: c for c in all_checks() if c.id in ids}


def caller_for(endpoint: str) -> Caller:
    return Caller(endpoint, "us-east-1", AwsCredentials("test", "test"), timeout_s=10)


@pytest.fixture
def admin_broken(fault_proxy: fp.FaultProxy) -> Iterator[str]:
    """The session's fault proxy (moto behind it) with AdminGetUser answering 500."""
    fault_proxy.faults = [ADMIN_500]
    try:
        yield fault_proxy.endpoint  # type: ignore[attr-defined]
    finally:
        fault_proxy.faults = []


def run_one(session: CheckSession, check_id: str) -> CheckResult:
    try:
        return session.run(checks_named(check_id)[check_id])
    finally:
        session.provisioner.cleanup()


def generated_one(session: CheckSession, pair: str) -> CheckResult:
    """A generated pair's result through the suite's own code path (no Schemathesis run
    starts: the capability verdict comes first)."""
    operation, check = next((op, chk) for op, chk in all_pairs()
                            if pair_id(op, chk) == pair)
    return generated_result(operation, check, session, lazy=None)  # type: ignore[arg-type]


# -- end to end: the CLI against moto behind the fault proxy --------------------------------
@pytest.fixture(scope="module")
def own_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto out of process: a `--endpoint` run resets it, which must not wipe the session's
    shared in-process moto."""
    port = free_port()
    proc = ManagedProcess("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                   "-p", str(port)], port,
                          tmp_path_factory.mktemp("moto") / "moto.log")
    proc.start()
    yield f"http://127.0.0.1:{port}"
    proc.stop()


def test_refuted_admin_fails_its_checks_and_is_listed(own_moto: str, tmp_path: Path) -> None:
    proxy = fp.FaultProxy(own_moto, faults=[ADMIN_500])
    endpoint = proxy.start()
    (tmp_path / "expectations").mkdir()
    keyword = " or ".join([*ADMIN_CHECKS, ADMIN_PAIR, PLAIN_CHECK])
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("CC_", "AWS_"))},
           "CC_EXPECTATIONS_DIR": str(tmp_path / "expectations")}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "conformance.cli", "run", "--target", "moto",
             "--endpoint", endpoint, "-k", keyword, "--profile", "dev", "--seed", "1",
             "--report-dir", str(tmp_path / "reports")],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    finally:
        proxy.stop()
    doc = json.loads((tmp_path / "reports" / "moto" / "results.json").read_text())
    checks = {c["id"]: c for c in doc["checks"]}
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert set(checks) >= {*ADMIN_CHECKS, ADMIN_PAIR, PLAIN_CHECK}, sorted(checks)
    for check_id in (*ADMIN_CHECKS, ADMIN_PAIR):
        result = checks[check_id]
        assert result["outcome"] == FAILED, (check_id, result["outcome"], result["message"])
        assert result["message"] == ("target declares admin but the start-up probe refuted "
                                     f"it: {ADMIN_REASON}"), result["message"]
        assert result["signature"] == ADMIN_SIGNATURE
        probe = result["observed"]["refuted"]["admin"]["probe"]
        assert probe["operation"] == "AdminGetUser" and probe["status"] == 500
    assert "refuted" not in checks[PLAIN_CHECK]["message"]
    assert checks[PLAIN_CHECK]["outcome"] != UNSUPPORTED
    caps = doc["target"]["capabilities"]
    assert caps["refuted"] == {"admin": ADMIN_REASON}
    assert caps["declared"] == ["admin", "code-oracle", "create-pool", "reset"]
    assert caps["confirmed"] == ["code-oracle", "create-pool", "reset"]
    assert caps["probed"] is True


def test_a_healthy_target_lists_every_capability_confirmed(own_moto: str,
                                                           tmp_path: Path) -> None:
    requests.post(own_moto + "/moto-api/reset", timeout=10)
    target = MotoTarget(RunConfig(endpoint=own_moto))
    assert target.probe_capabilities(caller_for(own_moto)) == target.capabilities
    caps = target_info(target)["capabilities"]
    assert caps == {"declared": sorted(target.capabilities),
                    "confirmed": sorted(target.capabilities), "refuted": {},
                    "unconfirmed": {}, "probed": True}


# -- the probed target keeps the refutation and its evidence ------------------------------
def test_the_probed_target_keeps_the_refutation_and_its_evidence(admin_broken: str) -> None:
    config = RunConfig(endpoint=admin_broken)
    target = MotoTarget(config)
    confirmed = target.probe_capabilities(caller_for(admin_broken))
    assert "admin" not in confirmed
    refuted = report_of(target).refuted
    assert list(refuted) == ["admin"] and refuted["admin"].reason == ADMIN_REASON
    assert refuted["admin"].observed["status"] == 500
    assert target_info(target)["capabilities"]["refuted"] == {"admin": ADMIN_REASON}
    session = build_session(target, config, expectations={}, capabilities=confirmed)
    result = run_one(session, ADMIN_CHECK)
    assert (result.outcome, result.signature) == (FAILED, ADMIN_SIGNATURE), result.message
    assert generated_one(session, ADMIN_PAIR).outcome == FAILED
    assert "refuted" not in run_one(session, PLAIN_CHECK).message


# -- what the target never claimed stays unsupported ----------------------------------------
def test_a_capability_never_claimed_stays_unsupported(fault_proxy: fp.FaultProxy) -> None:
    config = RunConfig(endpoint=fault_proxy.endpoint)  # type: ignore[attr-defined]
    target = MotoTarget(config)
    target.capabilities = frozenset({"create-pool", "code-oracle"})  # claims no admin
    session = build_session(target, config, expectations={})
    result = run_one(session, ADMIN_CHECK)
    assert result.outcome == UNSUPPORTED and result.message == "target lacks admin"
    assert generated_one(session, ADMIN_PAIR).outcome == UNSUPPORTED


def test_the_decision_fails_only_for_a_refuted_declared_capability() -> None:
    refuted = {"admin": Refutation(ADMIN_REASON, {"status": 500})}
    usable = frozenset({"create-pool"})
    both = missing_capability(frozenset({"admin", "code-oracle"}), usable, refuted)
    assert both is not None and both.outcome == FAILED and both.signature == ADMIN_SIGNATURE
    assert "code-oracle" not in both.message
    oracle = missing_capability(frozenset({"code-oracle"}), usable, refuted)
    assert oracle is not None and oracle.outcome == UNSUPPORTED
    assert missing_capability(frozenset({"create-pool"}), usable, refuted) is None
    observation = missing_capability(frozenset({"admin"}), usable, refuted, observation=True)
    assert observation is not None and observation.outcome == "error"


def test_a_tentative_capability_the_probe_refutes_is_unsupported(admin_broken: str) -> None:
    """`url` only tries admin (any server): not seeing it work is no failure."""
    config = RunConfig(target="url", endpoint=admin_broken)
    target = UrlTarget(config)
    confirmed = target.probe_capabilities(caller_for(admin_broken))
    report = report_of(target)
    assert confirmed == {"create-pool"} and report.refuted == {}
    assert report.unconfirmed["admin"].reason == ADMIN_REASON
    session = build_session(target, config, expectations={}, capabilities=confirmed)
    assert run_one(session, ADMIN_CHECK).outcome == UNSUPPORTED


# -- a claimed code oracle that names no code -----------------------------------------------
class MutedOracle(MotoTarget):
    """moto whose oracle (declared) never names a code."""

    def confirmation_code(self, pool_id: str, username: str) -> str | None:
        return None


def test_a_claimed_oracle_without_a_code_fails(fault_proxy: fp.FaultProxy) -> None:
    config = RunConfig(endpoint=fault_proxy.endpoint)  # type: ignore[attr-defined]
    result = run_one(build_session(MutedOracle(config), config, expectations={}),
                     ORACLE_CHECK)
    assert result.outcome == FAILED, (result.outcome, result.message)
    assert "code-oracle=no code" in (result.signature or []), result.signature
    assert "code oracle named no confirmation code" in result.message


def test_the_probe_refutes_a_muted_oracle_and_its_checks_fail(
        fault_proxy: fp.FaultProxy) -> None:
    config = RunConfig(endpoint=fault_proxy.endpoint)  # type: ignore[attr-defined]
    target = MutedOracle(config)
    confirmed = target.probe_capabilities(caller_for(config.endpoint or ""))
    assert "code-oracle" not in confirmed and "code-oracle" in report_of(target).refuted
    result = run_one(build_session(target, config, {}, confirmed), ORACLE_CHECK)
    assert result.outcome == FAILED and result.signature == ["capability=code-oracle refuted"]
    assert result.message.startswith("target declares code-oracle but the start-up probe "
                                     "refuted it: the code oracle named no confirmation code")


def test_an_oracle_never_claimed_stays_unsupported(fault_proxy: fp.FaultProxy) -> None:
    config = RunConfig(endpoint=fault_proxy.endpoint)  # type: ignore[attr-defined]
    target = MutedOracle(config)
    target.capabilities = frozenset({"admin", "create-pool", "reset"})
    result = run_one(build_session(target, config, expectations={}), ORACLE_CHECK)
    assert result.outcome == UNSUPPORTED and result.message == "target lacks code-oracle"
