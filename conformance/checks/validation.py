"""Validation checks: a request breaking a model constraint gets AWS's constraint message.

Why the expected message is computed, not typed: AWS builds it from the model (member name
in lowerCamelCase, the length bound or pattern, the value unless the member is sensitive),
so each check names only the member and the bad value it sends; `violations` asks the pinned
model which constraints that value breaks and renders one entry per broken constraint with
the templates in specs/behaviours/validation.toml. The comparison (assertions.
expect_validation) checks the count prefix and the SET of entries, never their order.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any, Callable

from conformance.checks.assertions import Entry, expect_error, expect_true, expect_validation
from conformance.checks.context import Ctx
from conformance.checks.registry import check, observation
from conformance.exchange import remember
from conformance.spec.facts import fact
from conformance.spec.model import load_model
from conformance.spec.schema import full_match

Body = Callable[[Ctx], dict[str, Any]]


# -- the model's view of one member ----------------------------------------------------------
def member_info(operation: str, member: str) -> tuple[dict[str, Any], bool]:
    """(target shape, sensitive?) of a member of an operation's input."""
    model = load_model()
    structure = model.shape(model.input_shape(operation) or "")
    ref = structure["members"][member]
    target = model.shape(ref["shape"])
    return target, bool(ref.get("sensitive") or target.get("sensitive"))


def wire_member_name(member: str) -> str:
    """The member path AWS prints: lowerCamelCase of the model member name."""
    return member[:1].lower() + member[1:]


def broken_constraints(shape: dict[str, Any], value: str) -> list[tuple[str, str]]:
    """[(constraint kind, bound)] the value breaks, in the model's terms."""
    out = []
    if "min" in shape and len(value) < shape["min"]:
        out.append(("min_length", str(shape["min"])))
    if "max" in shape and len(value) > shape["max"]:
        out.append(("max_length", str(shape["max"])))
    if "pattern" in shape and not full_match(shape["pattern"], value):
        out.append(("pattern", shape["pattern"]))
    return out


def renderings(member: str, value: str, constraint: str, sensitive: bool) -> Entry:
    """The acceptable texts of one entry; both forms where the value echo is disputed."""
    name = wire_member_name(member)
    shown = fact("validation.format.single").data["entry"].format(
        value=value, member=name, constraint=constraint)
    hidden = fact("validation.format.sensitive").data["entry_sensitive"].format(
        member=name, constraint=constraint)
    if member in fact("validation.sensitive.clientId-disagreement").data["members"]:
        return (hidden, shown)
    return (hidden,) if sensitive else (shown,)


def violations(operation: str, values: dict[str, str]) -> list[Entry]:
    """Every entry AWS lists for these member values (one per broken constraint)."""
    wording = fact("validation.constraints").data
    out: list[Entry] = []
    for member, value in values.items():
        shape, sensitive = member_info(operation, member)
        for kind, bound in broken_constraints(shape, value):
            out.append(renderings(member, value, wording[kind].format(bound=bound), sensitive))
    if not out:
        raise ValueError(f"{operation} {sorted(values)}: the values break no model constraint")
    return out


# -- bad values derived from the model -------------------------------------------------------
def too_long(operation: str, member: str, unit: str = "a") -> str:
    """`unit` repeated to one character over the member's maximum length."""
    size = member_info(operation, member)[0]["max"] + 1
    return (unit * size)[:size]


def long_username() -> str:
    """An over-long Username unique to this call: a target that wrongly accepts it must not
    answer the next check's probe with UsernameExistsException instead (order-dependent)."""
    return too_long("SignUp", "Username", f"u{secrets.token_hex(8)}")


# -- base bodies: valid requests the checks break one member of ------------------------------
# They use the "scratch" pool: a target that wrongly accepts a bad value creates a junk user
# there, not in the pools other checks list and validate.
SCRATCH = "scratch"


def signup_body(ctx: Ctx) -> dict[str, Any]:
    return ctx.signup_body(ctx.client(SCRATCH), ctx.username(), ctx.password())


def admin_get_user_body(ctx: Ctx) -> dict[str, Any]:
    return {"UserPoolId": ctx.pool(SCRATCH), "Username": ctx.username()}


def confirm_body(ctx: Ctx) -> dict[str, Any]:
    return {"ClientId": ctx.client(SCRATCH).client_id, "Username": ctx.username(),
            "ConfirmationCode": "123456"}


def describe_client_body(ctx: Ctx) -> dict[str, Any]:
    return {"UserPoolId": ctx.pool(SCRATCH), "ClientId": ctx.client(SCRATCH).client_id}


def edge_space_entries(operation: str, values: dict[str, str]) -> list[Entry]:
    """A Password with a leading/trailing space: one pattern entry, printed with any of the
    patterns AWS is known to have printed (the model's `[\\S]+` is stale for inner spaces;
    validation.password)."""
    (member, _), = values.items()
    wording = fact("validation.constraints").data["pattern"]
    renderings_ = [renderings(member, values[member], wording.format(bound=p), True)[0]
                   for p in fact("validation.password").data["printed_patterns"]]
    return [tuple(dict.fromkeys(renderings_))]


@dataclass(frozen=True)
class Case:
    """One constraint check: the operation, its valid base body and the members to break.
    `expected` renders the entries AWS lists (default: one per model constraint broken)."""
    id: str
    operation: str
    fact: str
    base: Body
    bad: Callable[[], dict[str, str]]
    requires: tuple[str, ...] = ()
    doc: str = ""
    expected: Callable[[str, dict[str, str]], list[Entry]] = violations


CASES: tuple[Case, ...] = (
    Case("validation.username.max-length", "SignUp", "validation.username", signup_body,
         lambda: {"Username": long_username()},
         doc="A Username longer than the model's maximum: one entry, value not echoed."),
    Case("validation.username.pattern", "SignUp", "validation.username", signup_body,
         lambda: {"Username": "ccf user"},
         doc="A Username with whitespace breaks the model pattern: one entry, value not echoed."),
    Case("validation.password.max-length", "SignUp", "validation.password", signup_body,
         lambda: {"Password": too_long("SignUp", "Password", "Cc1!")},
         doc="A Password longer than the model's maximum: one entry, value not echoed."),
    Case("validation.password.pattern", "SignUp", "validation.password", signup_body,
         lambda: {"Password": fact("validation.password").data["edge_space_password"]},
         expected=edge_space_entries,
         doc="A Password ending in a space is rejected under every known rule (an inner "
             "space is accepted by current AWS): one entry, value not echoed."),
    Case("validation.clientId.pattern", "SignUp", "validation.clientId", signup_body,
         lambda: {"ClientId": "ccf-no-such-client"},
         doc="A ClientId outside the model pattern (a hyphen): the pattern entry."),
    Case("validation.clientId.max-length", "SignUp", "validation.clientId", signup_body,
         lambda: {"ClientId": too_long("SignUp", "ClientId")},
         doc="A ClientId longer than the model's maximum: the length entry."),
    Case("validation.userPoolId.pattern", "AdminGetUser", "validation.userPoolId",
         admin_get_user_body,
         lambda: {"UserPoolId": fact("validation.userPoolId").data["bad_value"]},
         requires=("admin",),
         doc="A UserPoolId outside the model pattern: the value is echoed, the pattern printed."),
    Case("validation.userPoolId.max-length", "AdminGetUser", "validation.userPoolId",
         admin_get_user_body,
         lambda: {"UserPoolId": "us-east-1_" + too_long("AdminGetUser", "UserPoolId")},
         requires=("admin",), doc="A UserPoolId longer than the model's maximum."),
    Case("validation.confirmationCode.pattern", "ConfirmSignUp", "validation.confirmationCode",
         confirm_body,
         lambda: {"ConfirmationCode": fact("validation.confirmationCode").data["bad_value"]},
         doc="A ConfirmationCode with whitespace: not sensitive, so the value is echoed."),
    Case("validation.format.multiple.same-member", "DescribeUserPoolClient",
         "validation.format.multiple", describe_client_body, lambda: {"ClientId": ""},
         requires=("admin",),
         doc="An empty ClientId breaks two constraints: `2 validation errors`, two entries."),
    Case("validation.format.multiple.members", "SignUp", "validation.format.multiple",
         signup_body, lambda: {"Username": long_username(),
                               "Password": too_long("SignUp", "Password")},
         doc="Two members too long: `2 validation errors`, one entry per member, any order."),
)


def _register(case: Case) -> None:
    facts = (case.fact, "validation.exception-type", "validation.format.single",
             "validation.format.multiple", "validation.format.sensitive",
             "validation.constraints")

    def constraint_check(ctx: Ctx) -> None:
        bad = case.bad()
        remember(bad.get("Password"))
        body = {**case.base(ctx), **bad}
        expect_validation(ctx.call(case.operation, body), case.expected(case.operation, bad))

    constraint_check.__doc__ = case.doc  # before registering: the registry reads it
    check(case.id, case.operation, "validation", facts=tuple(dict.fromkeys(facts)),
          requires=case.requires)(constraint_check)


for _case in CASES:
    _register(_case)


@check("validation.format.member-name", "AdminGetUser", "validation",
       facts=("validation.format.member-name", "validation.exception-type"),
       requires=("admin",))
def member_name(ctx: Ctx) -> None:
    """The message names the member in lowerCamelCase (`userPoolId`), not the wire key."""
    bad = fact("validation.userPoolId").data["bad_value"]
    ex = ctx.call("AdminGetUser", {"UserPoolId": bad, "Username": ctx.username()})
    expect_error(ex, "validation.exception-type")
    camel, wire = f"'{wire_member_name('UserPoolId')}'", "'UserPoolId'"
    text = str(ex.message)
    expect_true(camel in text and wire not in text, f"message names {text!r}",
                expected={"member": camel}, observed=ex.summary(), aspect="member named as",
                value="wire name" if wire in text else "neither")


@check("validation.listusers.limit.max", "ListUsers", "validation",
       facts=("validation.listusers.limit", "validation.exception-type"), requires=("admin",))
def listusers_limit(ctx: Ctx) -> None:
    """ListUsers with Limit above the model's maximum is a validation error naming `limit`."""
    shape, _ = member_info("ListUsers", "Limit")
    limit = shape["max"] + 1
    ex = ctx.call("ListUsers", {"UserPoolId": ctx.pool(SCRATCH), "Limit": limit})
    expect_error(ex, "validation.listusers.limit", value=str(limit))


def _bad_auth_flow(ctx: Ctx) -> tuple[str, Any]:
    flow = fact("validation.enum").data["bad_value"]
    return flow, ctx.call("InitiateAuth", {"ClientId": ctx.client(SCRATCH).client_id,
                                           "AuthFlow": flow,
                                           "AuthParameters": {"USERNAME": ctx.username()}})


@check("validation.enum.auth-flow", "InitiateAuth", "validation",
       facts="validation.exception-type")
def enum_auth_flow(ctx: Ctx) -> None:
    """An AuthFlow outside the model enum is 400 InvalidParameterException (the enum
    wording has no AWS capture: validation.observe.enum-message records it)."""
    _, ex = _bad_auth_flow(ctx)
    expect_error(ex, "validation.exception-type")


@check("validation.required.username", "AdminGetUser", "validation",
       facts="validation.required", requires=("admin",))
def required_username(ctx: Ctx) -> None:
    """AdminGetUser without its required Username: `Member must not be null` (lenient)."""
    ex = ctx.call("AdminGetUser", {"UserPoolId": ctx.pool(SCRATCH)})
    expect_error(ex, "validation.required")


# -- observations: where AWS's answer is unknown or disputed ---------------------------------
@observation("validation.observe.clientId-echo", "DescribeUserPoolClient",
             facts="validation.sensitive.clientId-disagreement", requires=("admin",))
def observe_client_id_echo(ctx: Ctx) -> dict[str, Any]:
    """Empty ClientId: does the validation message echo the (sensitive) value `''`?"""
    ex = ctx.call("DescribeUserPoolClient", {**describe_client_body(ctx), "ClientId": ""})
    return {**ex.summary(), "value echoed": "Value '' at" in str(ex.message)}


@observation("validation.observe.enum-message", "InitiateAuth", facts="validation.enum")
def observe_enum_message(ctx: Ctx) -> dict[str, Any]:
    """An AuthFlow outside the enum: which message, and is it the conventional enum wording?"""
    flow, ex = _bad_auth_flow(ctx)
    return {**ex.summary(),
            "enum wording": fact("validation.enum").message_ok(ex.message, value=flow)}


@observation("validation.observe.signup-without-password", "SignUp",
             facts="validation.password.optional")
def observe_no_password(ctx: Ctx) -> dict[str, Any]:
    """SignUp without Password on a pool that is not passwordless: which answer?"""
    return ctx.call("SignUp", ctx.signup_body(ctx.client(SCRATCH), ctx.username(),
                                              None)).summary()


@observation("validation.observe.short-password", "SignUp",
             facts="validation.password.model-vs-policy")
def observe_short_password(ctx: Ctx) -> dict[str, Any]:
    """A 4-character password: model validation error or password-policy error first?"""
    password = fact("validation.password.model-vs-policy").data["password"]
    return ctx.call("SignUp", ctx.signup_body(ctx.client(SCRATCH), ctx.username(),
                                              password)).summary()
