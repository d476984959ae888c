"""ListUsers (issue 13 part 6): filters on standard attributes, limits, paging, AttributesToGet.

Every check lists pool "users" and judges only the users it knows: a set of four users
(two CONFIRMED, two UNCONFIRMED) made once per session and pool (`listed`, kept in
Ctx.shared) whose usernames, emails and given names share random prefixes no other user
has. Other users of the pool may appear in an unfiltered listing; a verdict never rests on
them, so it does not depend on which other checks ran. Facts: specs/behaviours/listusers.toml.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from conformance.checks.assertions import expect_equal, expect_error, expect_ok, expect_true
from conformance.checks.context import Ctx
from conformance.checks.registry import check, observation
from conformance.exchange import Exchange
from conformance.spec.facts import fact

ADMIN = ("admin",)
POOL = "users"
MAX_PAGES = 40  # a walk longer than this is a paging loop (the pool holds far fewer users)
_SHARED_KEY = "listusers.set"


@dataclass(frozen=True)
class Member:
    username: str
    email: str
    given_name: str
    sub: str
    confirmed: bool


@dataclass(frozen=True)
class Listed:
    """The session's ListUsers users: prefixes no other user of the pool shares."""

    prefix: str          # of every username
    email_prefix: str    # of every email
    users: tuple[Member, ...]

    @property
    def names(self) -> set[str]:
        return {m.username for m in self.users}


def listed(ctx: Ctx) -> Listed:
    """The shared set, made on first use (SignUp x4, AdminConfirmSignUp x2)."""
    pool_id = ctx.pool(POOL)
    key = (_SHARED_KEY, pool_id)
    if key not in ctx.shared:
        ctx.shared[key] = _make(ctx, pool_id)
    return ctx.shared[key]


def _make(ctx: Ctx, pool_id: str) -> Listed:
    client, tag = ctx.client(POOL), secrets.token_hex(4)
    prefix, members = ctx.username(f"lu{tag}"), []
    for i in range(4):
        username, email, given = f"{prefix}-{i}", f"lu{tag}x{i}@example.com", f"G{tag}{i}"
        _, _, ex = ctx.sign_up(client, username, attributes={"email": email, "given_name": given})
        if i < 2:
            ctx.require_ok(ctx.call("AdminConfirmSignUp", {"UserPoolId": pool_id,
                                                           "Username": username}),
                           "AdminConfirmSignUp")
        members.append(Member(username, email, given, str(ex.json.get("UserSub")), i < 2))
    return Listed(prefix, f"lu{tag}x", tuple(members))


def list_users(ctx: Ctx, **params: Any) -> Exchange:
    return ctx.call("ListUsers", {"UserPoolId": ctx.pool(POOL), **params})


def walk(ctx: Ctx, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a listing (PaginationToken until none), each judged a 200 of the shape."""
    pages: list[list[dict[str, Any]]] = []
    token = None
    for _ in range(MAX_PAGES):
        body = expect_ok(list_users(ctx, **params, **({"PaginationToken": token} if token else {})))
        pages.append([u for u in body.get("Users") or [] if isinstance(u, dict)])
        token = body.get("PaginationToken")
        if not token:
            return pages
    expect_true(False, f"ListUsers still returned a PaginationToken after {MAX_PAGES} pages",
                {"pages": f"<= {MAX_PAGES}"}, {"pages": f"> {MAX_PAGES}"}, aspect="pages",
                value="endless")
    return pages


def names(pages: list[list[dict[str, Any]]]) -> list[str]:
    return [str(u.get("Username")) for page in pages for u in page]


def ours(found: list[str], group: Listed) -> list[str]:
    return sorted(n for n in found if n in group.names)


def expect_found(what: str, found: list[str], group: Listed, want: list[Member]) -> None:
    """Of the set, exactly `want` were listed (others of the pool are not judged)."""
    expect_equal(f"{what}: users of the set listed", ours(found, group),
                 sorted(m.username for m in want))


def quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- filters on standard attributes ----------------------------------------------------------
@check("listusers.filter.username-equals", "ListUsers", "state", facts="listusers.filter.equals",
       requires=ADMIN)
def filter_username_equals(ctx: Ctx) -> None:
    """`username = "<name>"` lists exactly that user."""
    group = listed(ctx)
    one = group.users[2]
    found = names(walk(ctx, Filter=f"username = {quoted(one.username)}"))
    expect_equal("users listed", found, [one.username])


@check("listusers.filter.username-prefix", "ListUsers", "state", facts="listusers.filter.prefix",
       requires=ADMIN)
def filter_username_prefix(ctx: Ctx) -> None:
    """`username ^= "<prefix>"` lists every user of the set and nobody else."""
    group = listed(ctx)
    found = names(walk(ctx, Filter=f"username ^= {quoted(group.prefix)}"))
    expect_equal("users listed", sorted(found), sorted(group.names))


@check("listusers.filter.email-equals", "ListUsers", "state", facts="listusers.filter.equals",
       requires=ADMIN)
def filter_email_equals(ctx: Ctx) -> None:
    """`email = "<email>"` lists exactly the user with that email."""
    one = listed(ctx).users[1]
    found = names(walk(ctx, Filter=f"email = {quoted(one.email)}"))
    expect_equal("users listed", found, [one.username])


@check("listusers.filter.email-prefix", "ListUsers", "state", facts="listusers.filter.prefix",
       requires=ADMIN)
def filter_email_prefix(ctx: Ctx) -> None:
    """`email ^= "<prefix>"` lists every user of the set (their emails share it)."""
    group = listed(ctx)
    found = names(walk(ctx, Filter=f"email ^= {quoted(group.email_prefix)}"))
    expect_equal("users listed", sorted(found), sorted(group.names))


@check("listusers.filter.sub-equals", "ListUsers", "state", facts="listusers.filter.equals",
       requires=ADMIN)
def filter_sub_equals(ctx: Ctx) -> None:
    """`sub = "<UserSub>"` lists exactly the user SignUp gave that sub."""
    one = listed(ctx).users[3]
    found = names(walk(ctx, Filter=f"sub = {quoted(one.sub)}"))
    expect_equal("users listed", found, [one.username])


@check("listusers.filter.given-name-equals", "ListUsers", "state",
       facts="listusers.filter.equals", requires=ADMIN)
def filter_given_name(ctx: Ctx) -> None:
    """`given_name = "<value>"` lists exactly the user with that given name."""
    one = listed(ctx).users[0]
    found = names(walk(ctx, Filter=f"given_name = {quoted(one.given_name)}"))
    expect_equal("users listed", found, [one.username])


@check("listusers.filter.user-status", "ListUsers", "state",
       facts="listusers.filter.user-status", requires=ADMIN)
def filter_user_status(ctx: Ctx) -> None:
    """`cognito:user_status = "CONFIRMED"` lists the set's CONFIRMED users, not the others."""
    group = listed(ctx)
    found = names(walk(ctx, Filter='cognito:user_status = "CONFIRMED"'))
    expect_found("CONFIRMED", found, group, [m for m in group.users if m.confirmed])


@check("listusers.filter.user-status.case-insensitive", "ListUsers", "state",
       facts="listusers.filter.user-status", requires=ADMIN)
def filter_user_status_case(ctx: Ctx) -> None:
    """`cognito:user_status = "unconfirmed"` (lower case) lists the set's UNCONFIRMED users."""
    group = listed(ctx)
    upper = names(walk(ctx, Filter='cognito:user_status = "UNCONFIRMED"'))
    expect_found("UNCONFIRMED", upper, group, [m for m in group.users if not m.confirmed])
    lower = names(walk(ctx, Filter='cognito:user_status = "unconfirmed"'))
    expect_found("unconfirmed (lower case)", lower, group,
                 [m for m in group.users if not m.confirmed])


@observation("listusers.observe.filter.status", "ListUsers", facts="listusers.filter.status",
             requires=ADMIN)
def observe_filter_status(ctx: Ctx) -> dict[str, Any]:
    """Which of the set `status = "Enabled"` / `"Disabled"` lists (all four are enabled)."""
    group = listed(ctx)
    out: dict[str, Any] = {}
    for value in fact("listusers.filter.status").data["values"]:
        ex = list_users(ctx, Filter=f"status = {quoted(value)}")
        users = ex.json.get("Users") if ex.status == 200 and isinstance(ex.json, dict) else None
        out[value] = (len(ours([str(u.get("Username")) for u in users], group))
                      if isinstance(users, list) else ex.summary())
    return {"of_4_enabled_users_listed": out}


@check("listusers.filter.invalid.status", "ListUsers", "validation",
       facts="listusers.filter.parse-error", requires=ADMIN)
def filter_invalid(ctx: Ctx) -> None:
    """A filter that does not parse ('foo'): InvalidParameterException, AWS's parse message."""
    expect_error(list_users(ctx, Filter="foo"), "listusers.filter.parse-error")


@check("listusers.filter.unquoted.status", "ListUsers", "validation",
       facts="listusers.filter.parse-error", requires=ADMIN)
def filter_unquoted(ctx: Ctx) -> None:
    """`username = <name>` without the quotes does not parse either."""
    one = listed(ctx).users[0]
    expect_error(list_users(ctx, Filter=f"username = {one.username}"),
                 "listusers.filter.parse-error")


@check("listusers.filter.custom-attribute.not-applied", "ListUsers", "state",
       facts="listusers.filter.custom-not-searchable", requires=ADMIN)
def filter_custom(ctx: Ctx) -> None:
    """A filter on a custom attribute never lists the set (an error, or no user of it)."""
    group = listed(ctx)
    ex = list_users(ctx, Filter='custom:tier = "gold"')
    if ex.status != 200:  # rejected: as a bad parameter (the one such error ListUsers declares)
        expect_error(ex, "listusers.filter.custom-not-searchable")
        return
    users = ex.json.get("Users") if isinstance(ex.json, dict) else []
    found = ours([str(u.get("Username")) for u in users or [] if isinstance(u, dict)], group)
    expect_true(not found, f"a custom-attribute filter listed {len(found)} users of the set "
                "(the filter was ignored)", {"users of the set listed": 0},
                {"users of the set listed": len(found)}, aspect="filter", value="ignored")


# -- limit, paging, filter before limit ------------------------------------------------------
@check("listusers.limit.respected", "ListUsers", "state", facts="listusers.limit",
       requires=ADMIN)
def limit_respected(ctx: Ctx) -> None:
    """Limit=2 over the set's four users: at most 2 users, with a PaginationToken."""
    group = listed(ctx)
    body = expect_ok(list_users(ctx, Filter=f"username ^= {quoted(group.prefix)}", Limit=2))
    expect_true(len(body.get("Users") or []) <= 2,
                f"Limit=2 answered {len(body.get('Users') or [])} users",
                {"users": "<= 2"}, {"users": len(body.get("Users") or [])}, aspect="limit",
                value="ignored")
    expect_true(bool(body.get("PaginationToken")), "more users match but no PaginationToken",
                {"PaginationToken": "<token>"}, {"PaginationToken": None},
                aspect="PaginationToken", value="absent")


@check("listusers.pagination.filtered", "ListUsers", "state",
       facts=("listusers.pagination", "listusers.limit"), requires=ADMIN)
def pagination_filtered(ctx: Ctx) -> None:
    """Limit=1 pages of `username ^= prefix`: every user of the set exactly once, pages <= 1."""
    group = listed(ctx)
    pages = walk(ctx, Filter=f"username ^= {quoted(group.prefix)}", Limit=1)
    expect_true(all(len(p) <= 1 for p in pages), "a Limit=1 page held more than one user",
                {"users per page": "<= 1"}, {"users per page": max(map(len, pages))},
                aspect="limit", value="ignored")
    expect_equal("users walked", sorted(names(pages)), sorted(group.names))


@check("listusers.pagination.whole-pool", "ListUsers", "state",
       facts=("listusers.pagination", "listusers.limit"), requires=ADMIN)
def pagination_whole_pool(ctx: Ctx) -> None:
    """Limit=3 pages without a filter: no user twice, every user of the set listed."""
    group = listed(ctx)
    found = names(walk(ctx, Limit=3))
    twice = sorted({n for n in found if found.count(n) > 1})
    expect_equal("users listed twice", twice, [])
    expect_found("whole pool", found, group, list(group.users))


@check("listusers.filter.before-limit", "ListUsers", "state",
       facts="listusers.filter-before-limit", requires=ADMIN)
def filter_before_limit(ctx: Ctx) -> None:
    """Limit=1 with a filter matching the set's last user: only it is listed, and found."""
    one = listed(ctx).users[-1]
    found = names(walk(ctx, Filter=f"username = {quoted(one.username)}", Limit=1))
    expect_equal("users listed", found, [one.username])


# -- AttributesToGet, unknown pool -----------------------------------------------------------
@check("listusers.attributes-to-get.only", "ListUsers", "shape",
       facts="listusers.attributes-to-get", requires=ADMIN)
def attributes_to_get(ctx: Ctx) -> None:
    """AttributesToGet=["email"]: the user's Attributes are its email (and at most `sub`)."""
    one = listed(ctx).users[0]
    pages = walk(ctx, Filter=f"username = {quoted(one.username)}", AttributesToGet=["email"])
    users = [u for p in pages for u in p]
    expect_equal("users listed", [u.get("Username") for u in users], [one.username])
    got = {a.get("Name"): a.get("Value") for a in users[0].get("Attributes") or []}
    extra = sorted(set(got) - {"email", *fact("listusers.attributes-to-get").data[
        "always_allowed"]})
    expect_equal("attributes not asked for", extra, [])
    expect_equal("email", got.get("email"), one.email)


@check("listusers.unknown-pool.status", "ListUsers", "status-mapping",
       facts="listusers.unknown-pool", requires=ADMIN)
def unknown_pool(ctx: Ctx) -> None:
    """ListUsers on a pool that does not exist is ResourceNotFoundException."""
    pool_id = f"{ctx.caller.region}_ccfNoPool0"
    ex = ctx.call("ListUsers", {"UserPoolId": pool_id})
    expect_error(ex, "listusers.unknown-pool", pool_id=pool_id)
