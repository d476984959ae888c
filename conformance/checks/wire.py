"""Wire checks: how errors and responses are framed (AWS JSON 1.1 as cognito-idp speaks it).

Most use one cheap, always-erroring request (SignUp to a client id that does not exist) and
one cheap success (ListUserPools), so they test framing, not business logic. Requests that
are not calls of the protocol at all (no X-Amz-Target, a body that is not JSON) must be
refused as client errors; what AWS answers exactly is unknown, so only the 4xx is asserted.
"""

from __future__ import annotations

import re
from typing import Any

from conformance.checks.assertions import expect_error, expect_equal, expect_true, judged
from conformance.checks.context import Ctx
from conformance.checks.registry import Failure, check, observation
from conformance.exchange import Exchange
from conformance.signature import stable
from conformance.spec.facts import fact


def _error(ctx: Ctx) -> Exchange:
    """A modeled client error every target can produce: SignUp with an unknown client id."""
    return ctx.call("SignUp", {"ClientId": "ccfunknownclient0000000000", "Username":
                               ctx.username(), "Password": ctx.password()})


def _success(ctx: Ctx) -> Exchange:
    ex = ctx.call("ListUserPools", {"MaxResults": 1})
    ctx.require_ok(ex, "ListUserPools")
    return ex


@check("wire.error-body.keys", "SignUp", "wire", facts="wire.error-body-keys")
def error_body_keys(ctx: Ctx) -> None:
    """An error body holds exactly `__type` and `message` (plus allowed optional members)."""
    ex = _error(ctx)
    f = fact("wire.error-body-keys")
    body = ex.json if isinstance(ex.json, dict) else {}
    allowed = set(f.data["required_keys"]) | set(f.data["optional_keys"].get(ex.error_type, []))
    expect_true(isinstance(ex.json, dict) and set(f.data["required_keys"]) <= set(body)
                <= allowed, f"error body keys {sorted(body)} (want {f.data['required_keys']})",
                expected={"keys": f.data["required_keys"]}, observed={"keys": sorted(body)})


@check("wire.error-body.type-bare", "SignUp", "wire", facts="wire.error-body-keys")
def error_type_bare(ctx: Ctx) -> None:
    """`__type` is the bare shape name (no `namespace#` prefix)."""
    ex = _error(ctx)
    expect_equal("__type", ex.json.get("__type") if isinstance(ex.json, dict) else None,
                 "ResourceNotFoundException")


@check("wire.error-body.message-string", "SignUp", "wire", facts="wire.error-body-keys")
def error_message_string(ctx: Ctx) -> None:
    """`message` is a string (lowercase key)."""
    ex = _error(ctx)
    value = ex.json.get("message") if isinstance(ex.json, dict) else None
    expect_true(isinstance(value, str) and value != "", f"message is {value!r}",
                expected={"message": "<non-empty string>"}, observed={"message": value})


@check("wire.error-header.errortype", "SignUp", "wire", facts="wire.x-amzn-ErrorType")
def error_type_header(ctx: Ctx) -> None:
    """x-amzn-ErrorType is `<ShapeName>:`."""
    ex = _error(ctx)
    f = fact("wire.x-amzn-ErrorType")
    expect_equal("x-amzn-ErrorType", ex.headers.get(f.data["header"]),
                 f.data["format"].format(type="ResourceNotFoundException"))


@check("wire.error-header.errormessage", "SignUp", "wire", facts="wire.x-amzn-ErrorMessage")
def error_message_header(ctx: Ctx) -> None:
    """x-amzn-ErrorMessage repeats the body's message."""
    ex = _error(ctx)
    expect_equal("x-amzn-ErrorMessage", ex.headers.get(fact("wire.x-amzn-ErrorMessage")
                                                       .data["header"]), ex.message)


def _content_type(ex: Exchange) -> None:
    expect_equal("Content-Type", ex.headers.get("content-type"),
                 fact("wire.response-content-type").data["content_type"])


@check("wire.content-type.error", "SignUp", "wire", facts="wire.response-content-type")
def content_type_error(ctx: Ctx) -> None:
    """Error responses are application/x-amz-json-1.1."""
    _content_type(_error(ctx))


@check("wire.content-type.success", "ListUserPools", "wire", facts="wire.response-content-type")
def content_type_success(ctx: Ctx) -> None:
    """Successful responses are application/x-amz-json-1.1."""
    _content_type(_success(ctx))


def _request_id(ex: Exchange) -> None:
    f = fact("wire.x-amzn-RequestId")
    value = ex.headers.get(f.data["header"])
    if not isinstance(value, str) or not re.match(f.data["pattern"], value):
        raise Failure(f"x-amzn-RequestId is {value!r}, want a lowercase UUID",
                      expected={"x-amzn-RequestId": "<uuid>"}, observed={"x-amzn-RequestId": value},
                      aspects={"x-amzn-RequestId": stable(value)})


@check("wire.request-id.error", "SignUp", "wire", facts="wire.x-amzn-RequestId")
def request_id_error(ctx: Ctx) -> None:
    """Error responses carry x-amzn-RequestId (a UUID)."""
    _request_id(_error(ctx))


@check("wire.request-id.success", "ListUserPools", "wire", facts="wire.x-amzn-RequestId")
def request_id_success(ctx: Ctx) -> None:
    """Successful responses carry x-amzn-RequestId (a UUID)."""
    _request_id(_success(ctx))


@check("wire.client-error.status-400", "SignUp", "wire", facts="wire.status.client-errors")
def client_error_400(ctx: Ctx) -> None:
    """ResourceNotFoundException (Smithy says 404) is HTTP 400 on the wire."""
    expect_equal("HTTP status", _error(ctx).status, 400)


@observation("wire.observe.empty-success.admin-confirm", "AdminConfirmSignUp",
             facts="wire.empty-success", requires=("admin",))
def empty_success(ctx: Ctx) -> dict[str, Any]:
    """AdminConfirmSignUp (empty output shape): is the 200 body exactly `{}`? (inferred)"""
    username, _, _ = ctx.sign_up()
    ex = ctx.call("AdminConfirmSignUp", {"UserPoolId": ctx.pool(), "Username": username})
    return {**ex.summary(), "body is {}": ex.status == 200 and ex.json == {}}


@check("wire.serialization.type-mismatch", "SignUp", "wire",
       facts="wire.serialization.type-mismatch")
def type_mismatch(ctx: Ctx) -> None:
    """An object where a string is expected (Username) is a 400 SerializationException."""
    body = ctx.signup_body(ctx.client(), ctx.username(), ctx.password(), {"email": ctx.email()})
    ex = ctx.call("SignUp", {**body, "Username": {"a": 1}})
    expect_error(ex, "wire.serialization.type-mismatch")


# -- requests that are not calls of the protocol ------------------------------------------------
def expect_client_error(ex: Exchange, what: str) -> None:
    """A 4xx answer with a body: refused as the client's mistake, nothing more asserted."""
    if 400 <= ex.status < 500 and ex.body.strip():
        return
    answer = f"{ex.status // 100}xx" + (" without a body" if ex.status // 100 == 4 else "")
    raise Failure(f"{what}: answered HTTP {ex.status} with {len(ex.body)} body bytes; want a "
                  "4xx error with a body", expected={"status": "4xx", "body": "<non-empty>"},
                  observed={**ex.summary(), "content-type": ex.headers.get("content-type")},
                  **judged(ex, {"answer": answer}))


@check("wire.missing-target.rejected", "ListUserPools", "wire",
       facts=("wire.protocol", "wire.missing-target"))
def missing_target(ctx: Ctx) -> None:
    """A signed request without X-Amz-Target is refused with a 4xx error (exact answer unknown)."""
    ex = ctx.call("ListUserPools", {"MaxResults": 1}, target=None)
    expect_client_error(ex, "a request without X-Amz-Target")


@check("wire.malformed-json.rejected", "ListUserPools", "wire",
       facts=("wire.protocol", "wire.serialization.type-mismatch",
              "wire.serialization.malformed-json"))
def malformed_json(ctx: Ctx) -> None:
    """A body that is not JSON is refused with a 4xx error (exact answer unknown)."""
    raw = fact("wire.serialization.malformed-json").data["body"].encode()
    ex = ctx.call("ListUserPools", raw=raw)
    expect_client_error(ex, "a body that is not valid JSON")
