"""Fault cases for the ListUsers checks (conformance/checks/listusers.py).

Broken faults rewrite ListUsers answers only (never the SignUp/AdminConfirmSignUp that make
the shared set), so the set made under any case is the same. moto needs two fixes: its
parse-error message lacks AWS's period, and its `cognito:user_status` filter is
case-sensitive (the fix answers the lower-case filter as the upper-case one it just saw).
"""

from __future__ import annotations

from typing import Any, Callable

from selftest import faultproxy as fp
from selftest.cases.case import Case
from selftest.fixes import rewrite_message

Request = dict[str, Any]
OP = "ListUsers"


def on_filter(test: Callable[[str], bool]) -> Callable[[Request], bool]:
    return lambda req: isinstance(req.get("Filter"), str) and test(req["Filter"])


def starts(prefix: str) -> Callable[[Request], bool]:
    return on_filter(lambda f: f.startswith(prefix))


def users(func: Callable[[list[Any], Request], list[Any]],
          when: Callable[[Request], bool] | None = None) -> fp.Fault:
    """Edit the Users of a successful ListUsers answer."""
    def edit(body: Any, req: Request) -> Any:
        body["Users"] = func(list(body.get("Users") or []), req)
        return body
    return fp.Fault(fp.edit(edit), operation=OP, when_type="", when=when)


def none(found: list[Any], req: Request) -> list[Any]:
    return []


def twice(found: list[Any], req: Request) -> list[Any]:
    return found + found[:1]


def add_attribute(found: list[Any], req: Request) -> list[Any]:
    for user in found:
        user["Attributes"] = list(user.get("Attributes") or []) + [
            {"Name": "given_name", "Value": "not asked for"}]
    return found


NO_TOKEN = fp.Fault(fp.member("PaginationToken", drop=True), operation=OP, when_type="",
                    when=lambda req: "Limit" in req)


class StatusCaseFix:
    """Answers `cognito:user_status = "<lower>"` with the last answer to its upper-case form
    (moto matches the status case-sensitively; AWS does not)."""

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}

    def __call__(self, r: fp.Response, req: Request) -> None:
        text = req.get("Filter")
        if not isinstance(text, str) or not text.startswith("cognito:user_status"):
            return
        if text == text.upper().replace("COGNITO:USER_STATUS", "cognito:user_status"):
            self.seen[text.upper()] = r.json
        elif text.upper() in self.seen:
            r.set_json(self.seen[text.upper()])

    def faults(self) -> list[fp.Fault]:
        return [fp.Fault(self, operation=OP, when_type="")]


PARSE_FIX = rewrite_message("listusers.filter.parse-error")
LOWER_STATUS = on_filter(lambda f: f.startswith("cognito:user_status") and f != f.upper()
                         .replace("COGNITO:USER_STATUS", "cognito:user_status"))

CASES: dict[str, Case] = {
    "listusers.filter.username-equals": Case(broken=[users(twice, starts("username ="))]),
    "listusers.filter.username-prefix": Case(broken=[users(none, starts("username ^="))]),
    "listusers.filter.email-equals": Case(broken=[users(none, starts("email ="))]),
    "listusers.filter.email-prefix": Case(broken=[users(twice, starts("email ^="))]),
    "listusers.filter.sub-equals": Case(broken=[users(none, starts("sub ="))]),
    "listusers.filter.given-name-equals": Case(broken=[users(none, starts("given_name ="))]),
    "listusers.filter.user-status": Case(broken=[users(none, starts("cognito:user_status"))]),
    "listusers.filter.user-status.case-insensitive": Case(
        broken=[users(none, LOWER_STATUS)], fixed=StatusCaseFix().faults()),
    "listusers.filter.invalid.status": Case(
        broken=[fp.Fault(fp.member("__type", "ValidationException"), operation=OP,
                         when_type="InvalidParameterException")], fixed=[PARSE_FIX]),
    "listusers.filter.unquoted.status": Case(
        broken=[fp.Fault(fp.member("message", "Invalid filter"), operation=OP,
                         when_type="InvalidParameterException")], fixed=[PARSE_FIX]),
    "listusers.filter.custom-attribute.not-applied": Case(
        broken=[fp.Fault(fp.status(500), operation=OP, when_type="InvalidParameterException")]),
    "listusers.limit.respected": Case(broken=[NO_TOKEN]),
    "listusers.pagination.filtered": Case(broken=[NO_TOKEN]),
    "listusers.pagination.whole-pool": Case(broken=[users(twice, lambda req: "Limit" in req)]),
    "listusers.filter.before-limit": Case(broken=[users(none, lambda req: "Limit" in req)]),
    "listusers.attributes-to-get.only": Case(
        broken=[users(add_attribute, lambda req: "AttributesToGet" in req)]),
    "listusers.unknown-pool.status": Case(
        broken=[fp.Fault(fp.status(404), operation=OP, when_type="ResourceNotFoundException")]),
}
