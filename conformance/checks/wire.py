"""Wire checks: how errors and responses are framed (AWS JSON 1.1 as cognito-idp speaks it).

Most use one cheap, always-erroring request (SignUp to a client id that does not exist) and
one cheap success (ListUserPools), so they test framing, not business logic.
"""

from __future__ import annotations

import re

from conformance.checks.assertions import expect_error, expect_equal, expect_true
from conformance.checks.context import Ctx
from conformance.checks.registry import Failure, check
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


@check("wire.empty-success.admin-confirm", "AdminConfirmSignUp", "wire",
       facts="wire.empty-success", requires=("admin",))
def empty_success(ctx: Ctx) -> None:
    """AdminConfirmSignUp (empty output shape) answers 200 with body `{}`."""
    username, _, _ = ctx.sign_up()
    ex = ctx.call("AdminConfirmSignUp", {"UserPoolId": ctx.pool(), "Username": username})
    expect_equal("AdminConfirmSignUp response", (ex.status, ex.json), (200, {}))


@check("wire.serialization.type-mismatch", "SignUp", "wire",
       facts="wire.serialization.type-mismatch")
def type_mismatch(ctx: Ctx) -> None:
    """An object where a string is expected (Username) is a 400 SerializationException."""
    ex = ctx.call("SignUp", {"ClientId": ctx.client().client_id, "Username": {"a": 1},
                             "Password": ctx.password()})
    expect_error(ex, "wire.serialization.type-mismatch")
