"""Every generated check can fail: on the fault proxy it fails, on an AWS-like answer it passes.

`aws_like(op)` turns moto into the target AWS's facts describe, for one operation: a request
the model rejects gets 400 InvalidParameterException (SerializationException for a wrong
JSON type), every answer gets AWS's framing. With it alone, every check judges some cases
and passes them all; adding one `broken` fault on top must make exactly the targeted check
fail, with its failure kind as the pair's signature.

A pair counts what it JUDGED, not what was sent: a check that does not apply to a case
returns NOT_APPLICABLE, Schemathesis reports no verdict for it, and a pair that judged no
case fails "no case reached this check". Negative cases whose only violations are
undeclared or null optional members are not judged by negative-rejected; the answers to
them become observations. The operations of the sign-in, password and user flows get their
own tests (e): state-changing ones act on users of their own, request examples are valid and
get real identities, and every pair of each operation judges some case. Small example counts
keep the whole module around a minute.
"""

from __future__ import annotations

import copy
import time
from typing import Any, Callable, Iterator

import pytest

from conformance import wire
from conformance.generated import lenient
from conformance.generated.checks import (
    NO_CASE_JUDGED, error_type, is_negative, is_probe, negative_class, sent_body,
)
from conformance.generated.inject import (
    CHALLENGED, USERS, Identities, create_identities, inject, rules_for,
)
from conformance.generated.pairs import (
    GENERATED_CHECKS, NULL_OPTIONAL, OPERATIONS, UNKNOWN_MEMBER, GeneratedCheck,
    all_observations, all_pairs, observation_id, pair_id,
)
from conformance.generated.results import observation_for, result_for
from conformance.generated.runner import GeneratedRun, OperationRun
from conformance.results.expectations import Expectation, apply
from conformance.results.outcome import EXPECTED_FAILURE, FAILED, PASSED
from conformance.results.runner import CheckSession
from conformance.spec.facts import fact, load_status
from conformance.spec.generate import REQUEST_EXAMPLES
from conformance.spec.model import load_model
from conformance.wire import Caller
from conformance.spec.schema import validation_errors
from selftest import faultproxy as fp
from selftest.fixes import aws_framing

EXAMPLES = 5
SERIALIZATION, INVALID = fact("generated.negative-rejected").data["error_types"][::-1]
CHECKS = {c.function: c for c in GENERATED_CHECKS}


def _violation(operation: str, request: Any) -> str | None:
    """The error type AWS answers for a request the model rejects (None = valid)."""
    if not isinstance(request, dict):
        return SERIALIZATION
    problems = validation_errors(load_model().input_shape(operation) or "", request)
    if not problems:
        return None
    return SERIALIZATION if any("is not of type" in p for p in problems) else INVALID


def aws_like(operation: str) -> list[fp.Fault]:
    def reject(r: fp.Response, req: Any) -> None:
        kind = _violation(operation, req)
        if kind is not None:
            fp.error(kind, "1 validation error detected", 400)(r, req)
    return [fp.Fault(reject, operation=operation), aws_framing(operation)]


def lenient_aws(operation: str) -> list[fp.Fault]:
    """aws_like, but a body whose only violations are undeclared / null optional members is
    accepted: 200 `{}` (one of the ways AWS may behave; its answer is not on record)."""
    def reject(r: fp.Response, req: Any) -> None:
        if lenient.classify(operation, req) in (lenient.UNKNOWN_MEMBER, lenient.NULL_OPTIONAL,
                                                lenient.BOTH):
            fp.success({})(r, req)
            return
        kind = _violation(operation, req)
        if kind is not None:
            fp.error(kind, "1 validation error detected", 400)(r, req)
    return [fp.Fault(reject, operation=operation), aws_framing(operation)]


def _on_errors(mutation: fp.Mutation) -> fp.Mutation:
    return lambda r, req: mutation(r, req) if r.status >= 400 else None


def _on_success(mutation: fp.Mutation) -> fp.Mutation:
    return lambda r, req: mutation(r, req) if r.status == 200 else None


def _echo_token(r: fp.Response, req: Any) -> None:
    if isinstance(req, dict) and isinstance(req.get("AccessToken"), str):
        fp.member("message", "bad token " + req["AccessToken"])(r, req)


def _accept_invalid(operation: str) -> fp.Mutation:
    return lambda r, req: fp.success({})(r, req) if _violation(operation, req) else None


# check function -> (operation, fault added on top of aws_like, the failure kind it causes)
BROKEN: dict[str, tuple[str, Callable[[str], fp.Mutation], str]] = {
    "not_a_server_error": ("AdminGetUser", lambda op: fp.status(500),
                           "5xx application/x-amz-json-1.1"),
    "content_type_conformance": ("AdminGetUser",
                                 lambda op: fp.header("Content-Type", "text/plain"),
                                 "text/plain"),
    "cc_negative_rejected": ("AdminGetUser", _accept_invalid, "2xx accepted"),
    "cc_error_wire_format": ("AdminGetUser",
                             lambda op: _on_errors(fp.member("message", drop=True)),
                             "no string message"),
    "cc_error_status": ("AdminGetUser", lambda op: _on_errors(fp.status(403)),
                        "client error answered 4xx"),
    "cc_error_type_declared": ("AdminGetUser", lambda op: _on_errors(
        fp.member("__type", "TotallyUndeclaredException")), "__type not in the model"),
    "cc_output_shape": ("AdminGetUser", lambda op: _on_success(fp.member("Bogus", 1)),
                        "200 body violates the output shape"),
    "cc_secrets_not_echoed": ("GetUser", lambda op: _echo_token, "secret echoed"),
}


def check_of(function: str) -> GeneratedCheck:
    return CHECKS[function]


@pytest.fixture(scope="module")
def identities(proxied_session: CheckSession, fault_proxy: fp.FaultProxy) -> Identities:
    fault_proxy.faults = []
    return create_identities(proxied_session.caller, proxied_session.provisioner)


@pytest.fixture
def run_generated(proxied_session: CheckSession, fault_proxy: fp.FaultProxy,
                  identities: Identities) -> Iterator[Callable[..., OperationRun]]:
    def run(operation: str, faults: list[fp.Fault]) -> OperationRun:
        fault_proxy.faults = faults
        generated = GeneratedRun(proxied_session.caller, identities, seed=0,
                                 max_examples=EXAMPLES, operations=(operation,))
        try:
            return generated.operation(operation)
        finally:
            generated.close()
    yield run
    fault_proxy.faults = []


@pytest.fixture(scope="module")
def aws_like_runs(proxied_session: CheckSession, fault_proxy: fp.FaultProxy,
                  identities: Identities) -> Iterator[dict[str, OperationRun]]:
    """One AWS-like run per operation in BROKEN, shared by the tests that only read it."""
    runs: dict[str, OperationRun] = {}
    for operation in sorted({op for op, _, _ in BROKEN.values()}):
        fault_proxy.faults = aws_like(operation)
        generated = GeneratedRun(proxied_session.caller, identities, seed=0,
                                 max_examples=EXAMPLES, operations=(operation,))
        runs[operation] = generated.operation(operation)
        generated.close()
    fault_proxy.faults = []
    yield runs


def test_every_generated_check_has_a_broken_case() -> None:
    assert set(BROKEN) == set(CHECKS)
    assert all(CHECKS[f].applies(op) for f, (op, _, _) in BROKEN.items())


# -- every check passes on an AWS-like answer, judging some cases ----------------------------
@pytest.mark.parametrize("function", sorted(BROKEN))
def test_check_passes_on_aws_like_answers(function: str,
                                          aws_like_runs: dict[str, OperationRun]) -> None:
    operation = BROKEN[function][0]
    run = aws_like_runs[operation]
    assert run.error is None, run.error
    assert run.negative > 0 and run.positive > 0, (run.positive, run.negative)
    tally = run.tallies[function]
    assert tally.judged > 0, (function, "judged no case", run.statuses)
    assert tally.failures == 0, tally.first_message
    result = result_for(run, check_of(function))
    assert result.outcome == PASSED, result.message
    assert result.cases == tally.judged
    assert result.observed["judged"] == tally.judged and result.observed["sent"] == run.sent


# -- and fails on a faulty one, with its failure kind as the signature -----------------------
@pytest.mark.parametrize("function", sorted(BROKEN))
def test_check_fails_on_faulty_target(function: str, run_generated: Any) -> None:
    operation, breaker, kind = BROKEN[function]
    faults = aws_like(operation) + [fp.Fault(breaker(operation), operation=operation)]
    run = run_generated(operation, faults)
    assert run.error is None, run.error
    tally = run.tallies[function]
    assert tally.judged > 0 and tally.failures > 0, (function, tally.judged)
    assert tally.first_exchange is not None
    result = result_for(run, check_of(function))
    assert result.outcome == FAILED
    assert result.signature == [kind], result.signature            # (d) kinds -> signature
    assert result.observed["failure_kinds"] == [kind]
    assert result.message.startswith(f"{tally.failures} of {tally.judged} generated cases")
    listed = {result.id: Expectation(result.id, "r", "e", (kind,))}
    assert apply(result_for(run, check_of(function)), listed).outcome == EXPECTED_FAILURE
    other = {result.id: Expectation(result.id, "r", "e", ("some other kind",))}
    changed = apply(result_for(run, check_of(function)), other)
    assert changed.outcome == FAILED and f"new failure kind(s) {kind}" in changed.message


# -- (a) a pair that judged no case fails, whatever else passed ------------------------------
def test_pair_that_judged_no_case_fails(run_generated: Any) -> None:
    operation = "AdminGetUser"
    never_ok = fp.Fault(lambda r, req: fp.error("UserNotFoundException", "User does not exist.",
                                                400)(r, req) if r.status == 200 else None,
                        operation=operation)
    run = run_generated(operation, aws_like(operation) + [never_ok])
    assert run.error is None and run.sent > 0 and 200 not in run.statuses, run.statuses
    check = check_of("cc_output_shape")
    assert run.tallies[check.function].judged == 0
    result = result_for(run, check)
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(run.statuses.items()))
    assert result.outcome == FAILED
    assert result.message == (f"no case reached this check ({run.sent} sent, "
                              f"statuses {{{statuses}}})")
    assert result.signature == [NO_CASE_JUDGED]
    assert result.cases == 0 and result.observed["judged"] == 0
    assert result.observed["sent"] == run.sent
    # the same entry listed with that kind is an expected failure, and passing later is not
    listed = {result.id: Expectation(result.id, "r", "e", (NO_CASE_JUDGED,))}
    assert apply(result_for(run, check), listed).outcome == EXPECTED_FAILURE
    # the checks that did apply still pass: only the empty pair fails
    assert result_for(run, check_of("not_a_server_error")).outcome == PASSED


# -- (b) negative cases with only unknown / null optional members are not judged -------------
def test_classify_lenient_bodies() -> None:
    op = "ListUsers"  # UserPoolId required; Limit, Filter, AttributesToGet ... optional
    pool = "us-east-1_abc"
    assert lenient.classify(op, {"UserPoolId": pool}) == lenient.VALID
    assert lenient.classify(op, {"UserPoolId": pool, "Bogus": 1}) == lenient.UNKNOWN_MEMBER
    assert lenient.classify(op, {"UserPoolId": pool, "Limit": None}) == lenient.NULL_OPTIONAL
    assert lenient.classify(op, {"UserPoolId": pool, "Limit": None, "X": 1}) == lenient.BOTH
    assert lenient.classify(op, {"UserPoolId": None}) == lenient.VIOLATES  # required null
    assert lenient.classify(op, {"UserPoolId": pool, "Limit": 999}) == lenient.VIOLATES
    assert lenient.classify(op, {"UserPoolId": pool, "Limit": "1", "X": 1}) == lenient.VIOLATES
    assert lenient.classify(op, {"X": 1}) == lenient.VIOLATES                # missing required
    assert lenient.classify(op, [1]) == lenient.VIOLATES
    assert lenient.classify_sent(op, None) == lenient.VIOLATES              # no body at all
    assert lenient.classify_sent(op, b"{not json") == lenient.VIOLATES
    # nested: an undeclared member / a null optional member inside a structure member
    rc = {"ClientId": "c", "Username": "u"}
    assert lenient.classify("ResendConfirmationCode",
                            {**rc, "AnalyticsMetadata": {"Zz": 1}}) == lenient.UNKNOWN_MEMBER
    assert lenient.classify("ResendConfirmationCode",
                            {**rc, "AnalyticsMetadata": {"AnalyticsEndpointId": None}}
                            ) == lenient.NULL_OPTIONAL


def _classify_four_ways(operation: str, body: Any) -> str:
    """classify() as first written: strict, unknown, null, both, in that order."""
    strict, unknown, null, both = lenient._validators(operation)
    for validator, kind in ((strict, lenient.VALID), (unknown, lenient.UNKNOWN_MEMBER),
                            (null, lenient.NULL_OPTIONAL), (both, lenient.BOTH)):
        if validator.is_valid(body):
            return kind
    return lenient.VIOLATES


@pytest.mark.parametrize("operation", ["ListUsers", "AdminInitiateAuth", "SignUp"])
def test_classify_shortcuts_give_the_four_way_answer(operation: str) -> None:
    """The cheaper order (most lenient first, null relaxations only when a null is there)
    classifies every mutation of a valid body as the four validations in order do."""
    import random

    valid = {"ListUsers": {"UserPoolId": "us-east-1_abc", "Limit": 5,
                           "AttributesToGet": ["email"]},
             "AdminInitiateAuth": {"UserPoolId": "us-east-1_abc", "ClientId": "c",
                                   "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                                   "AuthParameters": {"USERNAME": "u"},
                                   "ContextData": {"IpAddress": "1.2.3.4", "ServerName": "s",
                                                   "ServerPath": "/", "HttpHeaders": []}},
             "SignUp": {"ClientId": "c", "Username": "u", "Password": "p4ssW0rd!",
                        "UserAttributes": [{"Name": "email", "Value": "a@b.c"}]}}[operation]
    rng = random.Random(5)
    kinds = set()
    for _ in range(300):
        body = copy.deepcopy(valid)
        for _ in range(rng.randint(0, 3)):
            node = body
            while isinstance(node, dict) and node and rng.random() < 0.4:
                child = node[rng.choice(sorted(node))]
                if not isinstance(child, dict):
                    break
                node = child
            if isinstance(node, dict) and node:
                key = rng.choice(sorted(node))
                node[rng.choice([key, "Bogus"])] = rng.choice([None, 7, "x", [], {}])
        kinds.add(lenient.classify(operation, body))
        assert lenient.classify(operation, body) == _classify_four_ways(operation, body), body
    assert {lenient.VALID, lenient.VIOLATES} <= kinds


def test_no_body_over_the_size_cap_is_generated() -> None:
    from conformance.generated.runner import MAX_BODY_CHARS, within_size

    assert within_size({"a": "x" * 100, "b": [{"c": "y" * 100}]}, limit=203)  # keys count
    assert not within_size({"a": "x" * 100, "b": [{"c": "y" * 100}]}, limit=202)
    assert MAX_BODY_CHARS >= 8 * 131072   # several members at the model's longest + 1 fit


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every case the runner records, with what Schemathesis reported a verdict for."""
    seen: list[dict[str, Any]] = []
    original = GeneratedRun.record

    def record(self: GeneratedRun, case: Any, response: Any, results: Any) -> None:
        seen.append({"probe": is_probe(case), "negative": is_negative(case),
                     "status": response.status_code, "type": error_type(response),
                     "class": negative_class(case, response),
                     "body": sent_body(response), "verdicts": {r.name for r in results}})
        original(self, case, response, results)

    monkeypatch.setattr(GeneratedRun, "record", record)
    return seen


def test_lenient_negative_cases_are_observed_not_judged(run_generated: Any,
                                                        spy: list[dict[str, Any]]) -> None:
    operation = "ListUsers"
    run = run_generated(operation, lenient_aws(operation))
    assert run.error is None, run.error
    by_class = {k: [c for c in spy if c["class"] == k] for k in
                (lenient.UNKNOWN_MEMBER, lenient.NULL_OPTIONAL, lenient.VIOLATES)}
    assert all(by_class.values()), {k: len(v) for k, v in by_class.items()}
    for case in by_class[lenient.UNKNOWN_MEMBER] + by_class[lenient.NULL_OPTIONAL]:
        assert "cc_negative_rejected" not in case["verdicts"], case
    for case in by_class[lenient.VIOLATES]:
        assert "cc_negative_rejected" in case["verdicts"], case
    # the target accepted them (200), yet negative-rejected passes: they were not judged
    assert all(c["status"] == 200 for c in by_class[lenient.UNKNOWN_MEMBER]
               + by_class[lenient.NULL_OPTIONAL])
    tally = run.tallies["cc_negative_rejected"]
    assert tally.failures == 0, tally.first_message
    assert tally.judged == len(by_class[lenient.VIOLATES])
    # ... and their answers are the operation's observations, counted by status/__type
    for kind in (UNKNOWN_MEMBER, NULL_OPTIONAL):
        cases = by_class[kind]
        observation = observation_for(run, kind)
        assert observation.id == observation_id(operation, kind)
        assert observation.category == "observation" and observation.outcome == PASSED
        assert observation.observed == {"cases": len(cases), "answers": {"200": len(cases)}}
        assert observation.reproduce and observation.signature is None


def test_strict_target_rejecting_lenient_bodies_is_still_recorded(
        run_generated: Any) -> None:
    """aws_like rejects undeclared members with InvalidParameterException: the observation
    says so, and negative-rejected still passes (it judged only the other cases)."""
    run = run_generated("ListUsers", aws_like("ListUsers"))
    observed = observation_for(run, UNKNOWN_MEMBER).observed
    assert observed["cases"] > 0
    assert set(observed["answers"]) == {f"400 {INVALID}"}, observed
    assert run.tallies["cc_negative_rejected"].failures == 0


def test_observations_are_data() -> None:
    ids = [observation_id(op, kind) for op, kind in all_observations()]
    assert len(ids) == len(set(ids)) and not set(ids) & {pair_id(o, c) for o, c in all_pairs()}
    assert observation_id("ListUsers", NULL_OPTIONAL) in ids
    assert observation_id("GetUser", NULL_OPTIONAL) not in ids  # AccessToken only: required
    assert observation_id("GetUser", UNKNOWN_MEMBER) in ids


# -- (c) judged and sent are counted right ---------------------------------------------------
def _judges(function: str, case: dict[str, Any], secret: bool) -> bool:
    """What each check judges (checks.py's module docstring), from the raw case facts."""
    error = case["status"] >= 400
    return {
        "not_a_server_error": True,
        "content_type_conformance": not case["probe"],
        "cc_negative_rejected": case["class"] == lenient.VIOLATES,
        "cc_error_wire_format": error and not case["probe"],
        "cc_error_status": error and _status_on_record(case["type"]) and not case["probe"],
        "cc_error_type_declared": error and case["type"] is not None and not case["probe"],
        "cc_output_shape": case["status"] == 200 and not case["probe"],
        "cc_secrets_not_echoed": secret,
    }[function]


def _status_on_record(error: str | None) -> bool:
    """Does specs/status.toml give this __type a wire status (else error-status skips it)?"""
    return load_status().judges(error)


def _carries_secret(body: bytes | None, identities: Identities) -> bool:
    return body is not None and any(v.encode() in body for k, v in identities.values.items()
                                    if k.startswith("token."))


def test_judged_and_sent_counts(run_generated: Any, spy: list[dict[str, Any]],
                                identities: Identities) -> None:
    operation = "GetUser"  # only AccessToken: the injected token is the one secret
    run = run_generated(operation, aws_like(operation))
    assert run.error is None, run.error
    assert run.sent == len(spy) == sum(run.statuses.values())
    assert run.positive + run.negative + run.probes == run.sent
    for function, tally in run.tallies.items():
        want = sum(_judges(function, c, _carries_secret(c["body"], identities)) for c in spy)
        got = sum(function in c["verdicts"] for c in spy)
        assert tally.judged == got == want, (function, tally.judged, got, want)
        assert 0 < tally.judged <= run.sent, function
    # built-ins and ours skip differently, so judged really differs from sent
    assert run.tallies["cc_output_shape"].judged < run.sent


# RespondToAuthChallenge: its injected Session is single-use, so the second run meets
# different answers; its cases (and their digest) must not change with them.
@pytest.mark.parametrize("operation", ["GetUser", "RespondToAuthChallenge"])
def test_same_seed_same_cases(operation: str, proxied_session: CheckSession,
                              fault_proxy: fp.FaultProxy, identities: Identities) -> None:
    fault_proxy.faults = []

    def digest(seed: int) -> str:
        run = GeneratedRun(proxied_session.caller, identities, seed=seed,
                           max_examples=EXAMPLES, operations=(operation,))
        try:
            return run.operation(operation).digest
        finally:
            run.close()

    first = digest(3)
    assert first and digest(3) == first
    assert digest(4) != first


# -- (e) the operations of the sign-in, password and user flows (issue 13) -------------------
NEW_OPERATIONS = OPERATIONS[OPERATIONS.index("AdminInitiateAuth"):]
# users several operations may share: none of these operations changes them (ChangePassword
# sets the same password again, the others read or sign in with the right password)
SHARED_READ_ONLY = {"confirmed": {"InitiateAuth", "AdminGetUser", "ChangePassword", "GetUser"}}
_NOT_USERS = {"client_id", "pool_id", "pool_id.listing", "password.new"}


def _users_of(operation: str) -> set[str]:
    """The users an operation's cases act on: identity keys of the members its input has."""
    members = set(load_model().shape(load_model().input_shape(operation) or "")["members"])
    return {key.split(".", 1)[1] for member, key in rules_for(operation).items()
            if member in members and key not in _NOT_USERS}


def test_state_changing_operations_act_on_users_of_their_own() -> None:
    """Operations run in parallel: a user one operation's cases may change (disable, reset,
    sign out, revoke, update ...) is used by no other operation, so no verdict depends on
    which ran first; only SHARED_READ_ONLY users are shared, by operations that leave them."""
    users: dict[str, set[str]] = {}
    for op in OPERATIONS:
        for user in _users_of(op):
            users.setdefault(user, set()).add(op)
    for user, ops in users.items():
        allowed = SHARED_READ_ONLY.get(user)
        assert (ops <= allowed) if allowed else len(ops) == 1, (user, sorted(ops))
    for op in NEW_OPERATIONS:  # every new operation acts on a real user (or session)
        assert _users_of(op), op
    assert set(USERS) >= {u for u in users if u not in CHALLENGED}


def _fake_identities() -> Identities:
    ids = Identities(passwords={u: f"Pw-{u}-1#" for u in USERS})
    ids.values.update({f"{kind}.{u}": f"real-{kind}-{u}" for u in [*USERS, *CHALLENGED]
                       for kind in ("user", "token", "refresh", "session")})
    ids.values.update(client_id="realclient", pool_id="us-east-1_real",
                      **{"pool_id.listing": "us-east-1_listing", "password.confirmed": "Pw-1#"})
    return ids


@pytest.mark.parametrize("operation", sorted(REQUEST_EXAMPLES))
def test_request_examples_are_valid_and_get_real_identities(operation: str) -> None:
    """Each request example is valid (the examples phase sends it as a positive case) and
    every member the injector owns is replaced: what goes out names the run's pool, client,
    user, token and Session, with a policy-valid password."""
    example = copy.deepcopy(REQUEST_EXAMPLES[operation])
    assert validation_errors(load_model().input_shape(operation) or "", example) == []
    ids = _fake_identities()
    inject(operation, example, ids)
    for member, key in rules_for(operation).items():
        if member not in REQUEST_EXAMPLES[operation]:
            continue
        sent = example[member]
        assert sent != REQUEST_EXAMPLES[operation][member], (member, sent)
        if isinstance(sent, dict):  # AuthParameters / ChallengeResponses: the real user
            assert sent["USERNAME"] == ids.values[f"user.{key.split('.', 1)[1]}"]
    assert validation_errors(load_model().input_shape(operation) or "", example) == []


def test_unavailable_identity_keeps_the_generated_value() -> None:
    ids = _fake_identities()
    ids.unavailable.update({"session.respond": "no challenge", "challenge.respond": "idem"})
    body = {"ClientId": "c", "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": "s" * 20,
            "ChallengeResponses": {"USERNAME": "u"}}
    inject("RespondToAuthChallenge", body, ids)
    assert body["Session"] == "s" * 20 and body["ChallengeResponses"] == {"USERNAME": "u"}
    assert body["ClientId"] == "realclient"


def test_setup_provides_every_identity_on_moto(identities: Identities) -> None:
    """moto issues every identity the new operations need: the NEW_PASSWORD_REQUIRED
    Sessions of two admin-created users, a refresh token, access tokens of their own."""
    assert identities.unavailable == {}
    for key in ("session.respond", "session.admin-respond", "refresh.revoke", "token.signout",
                "token.update"):
        assert isinstance(identities.values.get(key), str) and identities.values[key], key


def _revoke_like_aws(r: fp.Response, req: Any) -> None:
    """moto has no RevokeToken (500 for every call): AWS answers a valid request 200 {}."""
    if r.status >= 500 and _violation("RevokeToken", req) is None:
        fp.success({})(r, req)


@pytest.fixture(scope="module")
def fresh_identities(proxied_session: CheckSession,
                     fault_proxy: fp.FaultProxy) -> Identities:
    """Identities no other test has used (the challenge Sessions are single-use)."""
    fault_proxy.faults = []
    return create_identities(proxied_session.caller, proxied_session.provisioner, "gen2")


@pytest.mark.parametrize("operation", NEW_OPERATIONS)
def test_every_pair_of_a_new_operation_judges_cases(
        operation: str, proxied_session: CheckSession, fault_proxy: fp.FaultProxy,
        fresh_identities: Identities) -> None:
    """On an AWS-like target every pair of the operation judges some case: in particular
    output-shape sees a 200 (the injected identities make valid requests succeed), so no
    pair is 'no case judged' by construction. The challenge answers run on plain moto: the
    proxy rewrites answers only after moto has seen the request, and moto completes the
    single-use challenge on an invalid case AWS would have rejected unseen, so behind
    aws_like no valid case would find the Session open (AWS: the first valid one does)."""
    extra = [fp.Fault(_revoke_like_aws, operation=operation)] if operation == "RevokeToken" \
        else []
    aws = [] if operation in ("RespondToAuthChallenge", "AdminRespondToAuthChallenge") \
        else aws_like(operation)
    fault_proxy.faults = extra + aws
    generated = GeneratedRun(proxied_session.caller, fresh_identities, seed=0,
                             max_examples=EXAMPLES, operations=(operation,))
    try:
        run = generated.operation(operation)
    finally:
        generated.close()
        fault_proxy.faults = []
    assert run.error is None, run.error
    judged = {c.name: run.tallies[c.function].judged for c in GENERATED_CHECKS
              if c.applies(operation)}
    assert all(judged.values()), (judged, run.statuses)
    assert run.statuses.get(200), run.statuses


def test_target_gone_among_explicit_examples_is_the_targets_doing(
        proxied_session: CheckSession, identities: Identities,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A target that stops answering while the coverage phase's explicit examples run: the
    first timeouts (breaker not yet open) are ordinary failures to Hypothesis, which runs
    every explicit example and raises all distinct failures as one BaseExceptionGroup, the
    breaker's _TargetGone among them. That group once escaped the run (the pairs became
    'the test item crashed' errors, not the target's, in a clean-clone CI); now the operation
    ends as `stopped`, and its pairs are `error` + `unreachable` (exit 3)."""
    monkeypatch.setattr(wire, "_BREAKERS", {})   # this endpoint's breaker opens: not shared
    upstream = proxied_session.caller.endpoint
    proxy = fp.FaultProxy(upstream)
    endpoint = proxy.start()
    slow = fp.Fault(lambda r, req: time.sleep(1.0), operation="InitiateAuth")
    proxy.faults = [slow]
    caller = proxied_session.caller
    generated = GeneratedRun(Caller(endpoint, caller.region, caller.credentials, timeout_s=0.3),
                             identities, seed=0, max_examples=EXAMPLES,
                             operations=("InitiateAuth",))
    try:
        run = generated.operation("InitiateAuth")
    finally:
        generated.close()
        proxy.stop()
    assert slow.fired, run.error
    assert run.stopped and run.error and run.error.startswith(wire.STOPPED), run.error
    result = result_for(run, CHECKS["not_a_server_error"])
    assert (result.outcome, result.unreachable) == ("error", True), result
    assert result.message.startswith(wire.STOPPED), result.message
    assert observation_for(run, "unknown-member").unreachable


def test_a_workers_open_breaker_opens_the_main_processs() -> None:
    """GeneratedRun.operation trips this process's breaker with a worker's stopped run's
    error: same reason, one prefix (the rest of the run stops as after its own failures)."""
    gate = wire.Breaker("http://127.0.0.1:9/")
    gate.trip(f"{wire.STOPPED} (3 calls in a row without an answer: timed out)")
    with pytest.raises(wire.TargetStoppedAnswering) as stopped:
        gate.check()
    assert str(stopped.value) == f"{wire.STOPPED} (3 calls in a row without an answer: timed out)"
