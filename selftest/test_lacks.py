"""Target.lacks: a set-up step needing what the target declares it lacks is `unsupported`,
but only when the target answers exactly as declared; any other set-up failure stays an
`error` (a lack must not hide a new problem), and a lack the target no longer has is moot.

Uses moto's declared lack of RevokeToken (500, no __type) and the check
`signin.refresh.after-revoke.status`, whose set-up revokes a refresh token.
"""

from __future__ import annotations

import json

from conformance.targets.base import Lack, lack_of, lacks_json
from conformance.targets.moto import MotoTarget
from selftest import faultproxy as fp
from selftest.conftest import RunCheck

CHECK = "signin.refresh.after-revoke.status"


def _answer(status: int, body: dict) -> fp.Mutation:
    def mutate(response: fp.Response, request: dict) -> None:
        response.status = status
        response.set_json(body)
        response.set_header("Content-Type", "application/x-amz-json-1.1")
    return mutate


def test_lack_is_matched_on_the_declared_answer_only() -> None:
    class T:
        lacks = {"Op": Lack("no Op", 500, None), "Op:thing": Lack("no thing", 200, None)}
    assert lack_of(T(), "Op", 500, None) is not None
    assert lack_of(T(), "Op", 500, "InternalErrorException") is None
    assert lack_of(T(), "Op", 400, None) is None
    assert lack_of(T(), "Other", 500, None) is None
    assert lack_of(T(), "Op:thing", 200, None) is not None
    assert lack_of(object(), "Op", 500, None) is None
    assert json.dumps(lacks_json(T()))  # results.json-ready


def test_declared_lack_answered_as_declared_is_unsupported(run_check: RunCheck) -> None:
    assert "RevokeToken" in MotoTarget.lacks
    result = run_check(CHECK)
    assert result.outcome == "unsupported", (result.outcome, result.message)
    assert "moto lacks RevokeToken" in result.message


def test_declared_lack_answered_otherwise_stays_an_error(run_check: RunCheck) -> None:
    fault = fp.Fault(_answer(400, {"__type": "InvalidParameterException", "message": "x"}),
                     operation="RevokeToken")
    result = run_check(CHECK, [fault])
    assert fault.fired
    assert result.outcome == "error" and "set-up failed" in result.message, result.message


def test_a_lack_the_target_no_longer_has_costs_nothing(run_check: RunCheck) -> None:
    """RevokeToken answered 200 (as if implemented): the set-up passes, the check judges."""
    fault = fp.Fault(_answer(200, {}), operation="RevokeToken")
    result = run_check(CHECK, [fault])
    assert fault.fired
    assert result.outcome in ("passed", "failed"), (result.outcome, result.message)
