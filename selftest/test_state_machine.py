"""The lifecycle state machine is strict, judged fact by fact (`state.machine.<fact id>`).

Behind the fault proxy with the AWS-like overlay (selftest/cases/lifecycle.py) every fact
passes, judged on every transition (a fact only inferred is an observation, and agrees).
One deliberate deviation on top fails the fact it breaks, and only that one, with a runnable
reproduction: a duplicate SignUp answering 500 or 200, AdminGetUser still UNCONFIRMED after
a confirmation, a wrong code answered with another error, a wrong forgot-password code
accepted (the model follows the password the target took, so no sign-in fact fails with it),
a RESET_REQUIRED user signed in, an admin-created user signed straight in. Another answer where AWS's is only
inferred is recorded, and fails only the floor (a 5xx). A re-read of a user that answers 500
is an error of the run, never "absent". On plain moto every transition is judged; the same
seed gives the same results; the facts of one session share one run.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import uuid
from typing import Callable, Iterator

import pytest

from conformance.config import RunConfig
from conformance.machines.lifecycle import MachineRun, machine_run, target_changed
from conformance.machines.model import FACTS, FLOOR, TABLE, observed_only, requires, routes
from conformance.results.outcome import CheckResult
from conformance.results.runner import CheckSession, build_session
from conformance.spec.facts import fact
from conformance.targets.moto import MotoTarget
from selftest import faultproxy as fp
from selftest.cases.admin_users import TOKENS
from selftest.cases.lifecycle import (
    STUCK_UNCONFIRMED, AwsLifecycle, Request, Tracked, aws_like, aws_like_but, wrong_code,
)

SNIPPET = re.compile(r"runnable:\n(?P<code>.*)\Z", re.DOTALL)
Results = dict[str, CheckResult]
RunMachine = Callable[..., Results]


def check_id(fact_id: str) -> str:
    return f"state.machine.{fact_id}"


def run_all(session: CheckSession, checks_by_id: dict) -> Results:
    return {f: session.run(checks_by_id[check_id(f)]) for f in FACTS}


def failing(results: Results) -> dict[str, CheckResult]:
    return {f: r for f, r in results.items() if r.outcome != "passed"}


def differing(results: Results) -> set[str]:
    """Observations (facts only inferred) whose record shows another answer than inferred."""
    return {f for f, r in results.items() if observed_only(f) and not r.observed["agrees"]}


def assert_reproduction(result: CheckResult) -> None:
    match = SNIPPET.search(result.message)
    assert match, result.message
    code = match.group("code")
    ast.parse(code)  # the reproduction is valid Python
    assert 1 <= code.count("\nstep(") <= 12, code  # the diverging user's calls, not the run
    assert "replayed on fresh users" in result.message, result.message
    assert not re.search(r"Cc[0-9a-f]{12}9!", result.message), "a suite password leaked"


@pytest.fixture
def run_machine(fault_proxy: fp.FaultProxy, proxied_session: CheckSession,
                checks_by_id: dict) -> Iterator[RunMachine]:
    """Every fact's check behind the proxy with `faults`, on a fresh session (so one fresh
    machine run), the dev profile unless told otherwise."""
    def run(faults: list[fp.Fault], **config: object) -> Results:
        base = proxied_session.config or RunConfig()
        session = dataclasses.replace(proxied_session,
                                      config=base.replace(**{"profile": "dev", **config}))
        fault_proxy.faults = list(faults)
        try:
            return run_all(session, checks_by_id)
        finally:
            fault_proxy.faults = []
    yield run


def test_machine_facts_pass_on_aws_like_target(run_machine: RunMachine) -> None:
    results = run_machine(aws_like())
    assert not failing(results), {f: r.message for f, r in failing(results).items()}
    assert not differing(results)
    checks = [r for f, r in results.items() if not observed_only(f)]
    runs = {r.observed["run"]["calls"] for r in checks}
    assert len(runs) == 1, "the facts of one session share one run"
    summary = checks[0].observed["run"]
    assert summary["transitions_judged"] == f"{len(TABLE)}/{len(TABLE)}", summary
    assert all(r.observed["judged"] for r in checks)


@pytest.mark.parametrize("answer", [
    fp.status(500),
    fp.success({"UserConfirmed": False, "UserSub": str(uuid.uuid4())}),
], ids=["500", "200"])
def test_duplicate_sign_up_answer_fails_the_duplicate_fact(answer: fp.Mutation,
                                                           run_machine: RunMachine) -> None:
    results = run_machine(aws_like_but(fp.Fault(answer, operation="SignUp",
                                                when_type="UsernameExistsException")))
    assert set(failing(results)) == {"signup.duplicate-username"}, \
        {f: r.message for f, r in failing(results).items()}
    result = results["signup.duplicate-username"]
    status = "500" if "500" in str(result.signature) else "200"
    assert f"status={status}" in result.signature, result.signature
    assert any(s.startswith("sign_up@") for s in result.signature), result.signature
    assert_reproduction(result)


def test_status_stuck_unconfirmed_fails_the_confirm_facts(run_machine: RunMachine) -> None:
    results = run_machine(aws_like_but(STUCK_UNCONFIRMED))
    confirm = results["lifecycle.confirm.success"]
    assert confirm.outcome == "failed", confirm.message
    assert "get_user@CONFIRMED=UserStatus=UNCONFIRMED" in confirm.signature, confirm.signature
    assert_reproduction(confirm)
    assert results["lifecycle.confirm.admin.success"].outcome == "failed"
    # The model follows the target, which never shows CONFIRMED: what needs a CONFIRMED user
    # is never judged, and a fact never judged does not pass.
    unjudged = results["lifecycle.auth.success"]
    assert unjudged.outcome == "failed" and "not exercised (" in unjudged.message
    assert unjudged.signature == ["status=none", "type=none",
                                  "sign_in_right@CONFIRMED=not exercised"]


@pytest.mark.parametrize("error_type,marker", [
    ("ExpiredCodeException", ""), ("UsernameExistsException", " (undeclared)"),
], ids=["declared", "undeclared"])
def test_wrong_code_with_another_error_fails_the_wrong_code_fact(
        error_type: str, marker: str, run_machine: RunMachine) -> None:
    results = run_machine(aws_like_but(fp.Fault(fp.member("__type", error_type),
                                                operation="ConfirmSignUp",
                                                when_type="CodeMismatchException")))
    assert set(failing(results)) == {"lifecycle.confirm.wrong-code"}, \
        {f: r.message for f, r in failing(results).items()}
    result = results["lifecycle.confirm.wrong-code"]
    assert result.signature == ["status=400", f"type={error_type}",
                                f"confirm_wrong@UNCONFIRMED=400 {error_type}{marker}"]
    assert_reproduction(result)


@pytest.mark.parametrize("answer,judged", [
    (fp.status(500), "failed"), (fp.member("__type", "ResourceNotFoundException"), "passed"),
], ids=["500-fails-the-floor", "declared-error-only-observed"])
def test_inferred_answer_is_observed_and_judged_by_the_floor(
        answer: fp.Mutation, judged: str, run_machine: RunMachine) -> None:
    """AdminConfirmSignUp for a missing user: UserNotFoundException is only inferred, so
    another answer is recorded, never failed; a 5xx still fails the floor."""
    results = run_machine(aws_like_but(fp.Fault(answer, operation="AdminConfirmSignUp",
                                                when_type="UserNotFoundException")))
    assert differing(results) == {"lifecycle.confirm.admin.unknown-user"}
    observed = results["lifecycle.confirm.admin.unknown-user"].observed
    assert observed["differs"].keys() == {"admin_confirm@absent"}, observed
    assert set(failing(results)) == ({FLOOR} if judged == "failed" else set())
    if judged == "failed":
        floor = results[FLOOR]
        assert "admin_confirm@absent=500 UserNotFoundException" in floor.signature
        assert_reproduction(floor)


class AcceptsAnyForgotCode(AwsLifecycle):
    """AWS-like but for moto's own forgot-password deviation: any code sets the password."""

    def confirm_forgot_blocked(self, req: Request) -> Request | None:
        user = self.user(req)
        return super().confirm_forgot_blocked(req) if user and not user.code else None

    def confirm_forgot(self, r: fp.Response, req: Request) -> None:
        user: Tracked | None = self.user(req)
        if user is not None and user.code and wrong_code(req) and r.status == 200:
            user.status, user.code = "CONFIRMED", False
            return
        super().confirm_forgot(r, req)


def test_wrong_forgot_code_accepted_fails_only_the_wrong_code_fact(
        run_machine: RunMachine) -> None:
    results = run_machine(AcceptsAnyForgotCode().faults())
    assert set(failing(results)) == {"password.forgot.confirm.wrong-code"}, \
        {f: r.message for f, r in failing(results).items()}
    result = results["password.forgot.confirm.wrong-code"]
    assert "confirm_forgot_wrong@CONFIRMED=200" in result.signature, result.signature
    assert_reproduction(result)
    assert "PW + \"1\"" in result.message or "PW + \"2\"" in result.message or \
        "Password=PW" in result.message, result.message


def test_reset_required_user_signed_in_fails_the_reset_sign_in_fact(
        run_machine: RunMachine) -> None:
    results = run_machine(aws_like_but(fp.Fault(fp.success(TOKENS), operation="InitiateAuth",
                                                when_type="PasswordResetRequiredException")))
    assert set(failing(results)) == {"password.admin-reset.sign-in"}, \
        {f: r.message for f, r in failing(results).items()}
    result = results["password.admin-reset.sign-in"]
    assert result.signature[-1] == "sign_in_right@RESET_REQUIRED=200", result.signature
    assert_reproduction(result)


def test_admin_created_user_signed_straight_in_fails_the_challenge_fact(
        run_machine: RunMachine) -> None:
    def straight_in(r: fp.Response, req: dict) -> None:
        if (r.json or {}).get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            fp.success(TOKENS)(r, req)
    results = run_machine(aws_like_but(fp.Fault(straight_in, operation="InitiateAuth",
                                                when_type="")))
    result = results["admin.challenge.new-password-required"]
    assert result.outcome == "failed", result.message
    assert any(s.startswith("sign_in_right@FORCE_CHANGE_PASSWORD=ChallengeName")
               for s in result.signature), result.signature
    assert_reproduction(result)
    # the challenge is never reached to be answered: that fact is not passed either
    assert results["admin.challenge.answered"].outcome == "failed"
    assert set(failing(results)) == {"admin.challenge.new-password-required",
                                     "admin.challenge.answered"}, \
        {f: r.message for f, r in failing(results).items()}


def test_every_pair_has_a_route_and_a_fact() -> None:
    """Each (action, state) of the model is reachable by successes with every capability,
    its fact exists, and a fact judged only by the oracle's pairs requires the oracle."""
    everything = frozenset({"admin", "code-oracle"})
    for pair, step in TABLE.items():
        assert routes(pair, everything), pair
        assert fact(step.fact).summary, step.fact
    assert requires("password.forgot.confirm.success") == everything
    assert requires("password.change.success") == frozenset({"admin"})
    assert not routes(("confirm_forgot_right", "CONFIRMED"), frozenset({"admin"}))


def resync_read_fails() -> list[fp.Fault]:
    """A duplicate SignUp answers 200 (a divergence), then AdminGetUser of that user 500."""
    diverged: set[str] = set()

    def duplicate_accepted(r: fp.Response, req: dict) -> None:
        diverged.add(req.get("Username", ""))
        fp.success({"UserConfirmed": False, "UserSub": str(uuid.uuid4())})(r, req)
    return aws_like_but(
        fp.Fault(duplicate_accepted, operation="SignUp", when_type="UsernameExistsException"),
        fp.Fault(fp.error("InternalErrorException", "An error occurred.", 500),
                 operation="AdminGetUser", when=lambda req: req.get("Username") in diverged))


def test_resync_read_answering_500_is_an_error_not_absent(run_machine: RunMachine) -> None:
    results = run_machine(resync_read_fails())
    assert results["signup.duplicate-username"].outcome == "failed"
    others = {f: r for f, r in results.items() if f != "signup.duplicate-username"}
    assert {r.outcome for r in others.values()} == {"error"}, \
        {f: (r.outcome, r.message) for f, r in others.items()}
    message = others["lifecycle.confirm.success"].message
    assert "set-up failed" in message and "AdminGetUser answered 500" in message, message


@pytest.fixture(scope="module")
def direct_session(moto_server: MotoTarget) -> Iterator[CheckSession]:
    """Plain moto without the proxy (faster), no expectations (the machine never reads them)."""
    config = RunConfig(endpoint=moto_server.endpoint, profile="dev")
    session = build_session(MotoTarget(config), config, {})
    yield session
    session.provisioner.cleanup()


def fresh(session: CheckSession, **config: object) -> CheckSession:
    return dataclasses.replace(session, config=session.config.replace(**config))


def test_plain_moto_is_judged_on_every_transition(direct_session: CheckSession,
                                                  checks_by_id: dict) -> None:
    results = run_all(fresh(direct_session, profile="ci"), checks_by_id)
    for fact_id, result in results.items():
        assert "not exercised" not in str(result.signature), (fact_id, result.message)
        assert result.outcome in ("passed", "failed"), (fact_id, result.message)
    # moto accepts any code: a wrong one confirms the user (it once passed unjudged).
    assert "confirm_wrong@UNCONFIRMED=200" in results["lifecycle.confirm.wrong-code"].signature
    passed = next(r for f, r in results.items() if r.outcome == "passed" and not observed_only(f))
    assert passed.observed["run"]["transitions_judged"] == f"{len(TABLE)}/{len(TABLE)}"


def verdicts(results: Results) -> dict[str, tuple]:
    return {f: (r.outcome, tuple(r.signature or ()),
                tuple(sorted((r.observed.get("judged") or {}).items()))
                if r.outcome == "passed" else ()) for f, r in results.items()}


def test_same_seed_same_results_one_run_per_session(direct_session: CheckSession,
                                                    checks_by_id: dict,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    first, again, other = (fresh(direct_session, seed=s) for s in (7, 7, 8))
    a, b, c = (run_all(s, checks_by_id) for s in (first, again, other))
    assert verdicts(a) == verdicts(b)
    assert verdicts(a) != verdicts(c)  # another seed, other sequences (other judged counts)
    shared = machine_run(first.context())
    assert shared is machine_run(first.context()), "one run per session"
    monkeypatch.setattr(MachineRun, "execute", lambda self: None)  # only the cache is tested
    target_changed()
    assert machine_run(first.context()) is not shared, "a changed target gets a new run"
