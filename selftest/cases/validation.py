"""Fault cases for the validation checks.

The fix renders AWS's message from the request the check really sent, with the same model
lookups the checks use (selftest/test_spec.py ties those renderings to real AWS messages,
so the fix is not circular); each broken fault bends one rule of the format: value echoed
for a sensitive member, PascalCase member, wrong count, wrong separator, wrong type...
"""

from __future__ import annotations

from typing import Any, Callable

from conformance.checks.assertions import validation_prefix
from conformance.checks.validation import CASES as CHECK_CASES, renderings, violations
from conformance.spec.facts import fact
from selftest import faultproxy as fp
from selftest.cases.case import Case

Render = Callable[[str, dict[str, str]], str]
IPE = "InvalidParameterException"


def aws_message(operation: str, values: dict[str, str]) -> str:
    entries = [e[0] for e in violations(operation, values)]
    return validation_prefix(len(entries)) + "; ".join(entries)


def validation_fault(operation: str, members: tuple[str, ...], render: Render = aws_message,
                     type_: str = IPE) -> fp.Fault:
    """Answer the check's call with a validation error rendered from the request it sent."""
    def mutate(r: fp.Response, req: dict[str, Any]) -> None:
        values = {m: str(req.get(m, "")) for m in members}
        fp.error(type_, render(operation, values))(r, req)
    return fp.Fault(mutate, operation=operation)


# -- ways to get the format wrong ------------------------------------------------------------
def echo_value(operation: str, values: dict[str, str]) -> str:
    """Every entry in the value-shown form (wrong for sensitive members)."""
    member, value = next(iter(values.items()))
    entries = [renderings(member, value, e[0].split("constraint: ", 1)[1], False)[0]
               for e in violations(operation, values)]
    return validation_prefix(len(entries)) + "; ".join(entries)


def hide_value(operation: str, values: dict[str, str]) -> str:
    """Every entry in the value-omitted form (wrong for members that are not sensitive)."""
    return aws_message(operation, values).replace(f"Value '{next(iter(values.values()))}' at",
                                                  "Value at")


def pascal_member(operation: str, values: dict[str, str]) -> str:
    name = next(iter(values))
    return aws_message(operation, values).replace(f"'{name[:1].lower()}{name[1:]}'", f"'{name}'")


def wrong_count(operation: str, values: dict[str, str]) -> str:
    text = aws_message(operation, values)
    n = len(violations(operation, values))
    return validation_prefix(n + 1) + text[len(validation_prefix(n)):]


def comma_joined(operation: str, values: dict[str, str]) -> str:
    return aws_message(operation, values).replace("; ", ", ")


def one_entry_only(operation: str, values: dict[str, str]) -> str:
    return validation_prefix(1) + violations(operation, values)[0][0]


def historical_minimum(operation: str, values: dict[str, str]) -> str:
    """The pre-2024 password entry (min 6) instead of the model's constraint."""
    constraint = fact("validation.constraints").data["min_length"].format(bound=6)
    entry = fact("validation.format.sensitive").data["entry_sensitive"]
    return validation_prefix(1) + entry.format(member="password", constraint=constraint)


BROKEN: dict[str, tuple[Render, str]] = {
    "validation.username.max-length": (echo_value, IPE),
    "validation.username.pattern": (pascal_member, IPE),
    "validation.password.max-length": (echo_value, IPE),
    "validation.password.pattern": (historical_minimum, IPE),
    "validation.clientId.pattern": (aws_message, "ValidationException"),
    "validation.clientId.max-length": (wrong_count, IPE),
    "validation.userPoolId.pattern": (hide_value, IPE),
    "validation.userPoolId.max-length": (pascal_member, IPE),
    "validation.confirmationCode.pattern": (hide_value, IPE),
    "validation.format.multiple.same-member": (one_entry_only, IPE),
    "validation.format.multiple.members": (comma_joined, IPE),
}


def _case(check_id: str, operation: str, members: tuple[str, ...]) -> Case:
    render, type_ = BROKEN[check_id]
    return Case(broken=[validation_fault(operation, members, render, type_)],
                fixed=[validation_fault(operation, members)])


def _members(case: Any) -> tuple[str, ...]:
    return tuple(case.bad())


POOL_ID_PATTERN = dict(operation="AdminGetUser", members=("UserPoolId",))
LIMIT_FIX = ("1 validation error detected: Value '61' at 'limit' failed to satisfy "
             "constraint: Member must have value less than or equal to 60")  # test data
NULL_FIX = ("1 validation error detected: Value null at 'username' failed to satisfy "
            "constraint: Member must not be null")  # shape of the reported 'sub' message

CASES: dict[str, Case] = {
    **{c.id: _case(c.id, c.operation, _members(c)) for c in CHECK_CASES},
    "validation.format.member-name": Case(
        broken=[validation_fault(render=pascal_member, **POOL_ID_PATTERN)],
        fixed=[validation_fault(**POOL_ID_PATTERN)]),
    "validation.listusers.limit.max": Case(
        broken=[fp.Fault(fp.error(IPE, LIMIT_FIX.replace("'limit'", "'Limit'")),
                         operation="ListUsers")],
        fixed=[fp.Fault(fp.error(IPE, LIMIT_FIX), operation="ListUsers")]),
    "validation.enum.auth-flow": Case(
        broken=[fp.Fault(fp.member("__type", "ValidationException"), operation="InitiateAuth",
                         when_type=IPE)]),
    "validation.required.username": Case(
        broken=[fp.Fault(fp.error(IPE, NULL_FIX.replace("must not be null", "is required")),
                         operation="AdminGetUser")],
        fixed=[fp.Fault(fp.error(IPE, NULL_FIX), operation="AdminGetUser")]),
}
