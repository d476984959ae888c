"""Client checks (issue 14, category `client`): the same scenarios through real clients.

A wire check says a target's answer deviates from AWS's; a client check says whether that
matters to an application: the scenario's judged call goes through boto3, the AWS CLI or the
JavaScript SDK v3 (conformance/clients/) and the check compares what the CLIENT surfaced
with what it surfaces for AWS's documented answer (the scenario's fact):
  - an error fact: a service error whose code is the fact's error, mapped to the client's
    MODELED exception class (so `except UsernameExistsException` / `instanceof
    UsernameExistsException` still catches it), with AWS's HTTP status for it
    (specs/status.toml);
  - a success fact: a parsed answer whose output members have the right types (SignUp:
    UserSub a string, UserConfirmed a boolean, CodeDeliveryDetails an object: the main pool
    auto-verifies email).
The message is NOT judged here: its text is the wire and status-mapping checks' business,
and a client passes it through as it came (a list `message` included, see
selftest/test_clients.py).

Scenarios are data (SCENARIOS): a name, the operation, a builder doing the set-up over the
raw wire (ctx.sign_up, the code oracle ...) and returning the judged call's parameters, and
the fact ids, the SAME facts the wire, status-mapping and state checks of that behaviour
enforce. One check per (client, scenario): `client.<client>.<scenario>`. Which clients run
is `--clients` (config.py; default boto3); a check of a client that is not installed is
`unsupported`, never a pass; an adapter that broke (its Node process died) is `error`.

Severity (`client_links`): a non-client check whose own (first) fact a client scenario of
the same operation judges is about the same behaviour, so results.json links them and the reports say, for a
failing wire or status check, whether every client copes or which one breaks and how. A
scenario's `links` adds the wire facts whose checks judge the very same answer (the wire
checks' request is the unknown-client SignUp).

Failure signatures: `status=` and `type=` are what the client saw (its HTTP status and the
error code it named), then `client-error=<code> modeled|generic` and, where the call did
not end as a service error, `stage=<stage>` (validation, parse, transport, other).
"""

from __future__ import annotations

import atexit
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from conformance.checks.context import Ctx
from conformance.checks.lifecycle import (
    ADMIN, ORACLE, right_code, signed_up, user_key, wrong_code,
)
from conformance.checks.registry import Check, Failure, Unsupported, check
from conformance.checks.signup import body_with_email
from conformance.clients import (CLIENT_NAMES, ClientAdapter, ClientUnavailable, Surfaced,
                                 make_adapter)
from conformance.clients.base import STAGE_OK, STAGE_SERVICE
from conformance.signature import stable
from conformance.spec.facts import fact, load_status

CATEGORY = "client"
PREFIX = "client."
ADAPTERS_KEY = "client-adapters"   # ctx.shared: (client, endpoint) -> adapter
# The wire facts judged on the unknown-client SignUp answer (checks/wire.py `_error`).
WIRE_ERROR_FACTS = ("wire.error-body-keys", "wire.x-amzn-ErrorType",
                    "wire.x-amzn-ErrorMessage", "wire.response-content-type",
                    "wire.x-amzn-RequestId", "wire.status.client-errors")
GOOD = ("passed", "unexpected-pass")
BAD = ("failed", "expected-failure")


@dataclass(frozen=True)
class Scenario:
    name: str
    operation: str
    facts: tuple[str, ...]               # the first one names AWS's answer (error or success)
    build: Callable[[Ctx], dict[str, Any]]   # set-up over the raw wire -> the judged params
    summary: str
    requires: tuple[str, ...] = ()
    output: tuple[tuple[str, type], ...] = ()   # success: members and their types
    links: tuple[str, ...] = ()          # further facts whose checks judge the same answer

    @property
    def error(self) -> str | None:
        return fact(self.facts[0]).error


# -- scenario builders (set-up over the raw wire; the judged call's params) ----------------------
def _signup_success(ctx: Ctx) -> dict[str, Any]:
    return body_with_email(ctx, ctx.client(), ctx.username(), ctx.password())


def _duplicate(ctx: Ctx) -> dict[str, Any]:
    username, _, _ = ctx.sign_up()
    return body_with_email(ctx, ctx.client(), username, ctx.password())


def _password(rule: str) -> Callable[[Ctx], dict[str, Any]]:
    def build(ctx: Ctx) -> dict[str, Any]:
        return body_with_email(ctx, ctx.client(), ctx.username(),
                               fact(f"signup.password.{rule}").data["password"])
    return build


def _invalid_email(ctx: Ctx) -> dict[str, Any]:
    return ctx.signup_body(ctx.client(), ctx.username(), ctx.password(),
                           {"email": "not-an-email"})


def _unknown_client(ctx: Ctx) -> dict[str, Any]:
    return {"ClientId": "ccf" + ctx.username("c").replace("-", "")[-20:],
            "Username": ctx.username(), "Password": ctx.password()}


def _secret_missing(ctx: Ctx) -> dict[str, Any]:
    body = body_with_email(ctx, ctx.client("main", "secret"), ctx.username(), ctx.password())
    del body["SecretHash"]
    return body


def _confirm(right: bool) -> Callable[[Ctx], dict[str, Any]]:
    def build(ctx: Ctx) -> dict[str, Any]:
        user = signed_up(ctx)
        code = right_code(ctx, user.username)
        return {"ClientId": user.client.client_id, "Username": user.username,
                "ConfirmationCode": code if right else wrong_code(code)}
    return build


def _admin_confirm(ctx: Ctx) -> dict[str, Any]:
    return user_key(ctx, signed_up(ctx).username)


def _auth_unconfirmed(ctx: Ctx) -> dict[str, Any]:
    user = signed_up(ctx)
    return {"ClientId": user.client.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": user.username, "PASSWORD": user.password}}


SIGNUP_OUTPUT = (("UserSub", str), ("UserConfirmed", bool), ("CodeDeliveryDetails", dict))
PASSWORD_RULES = ("too-short", "no-upper", "no-lower", "no-number", "no-symbol")

SCENARIOS: tuple[Scenario, ...] = (
    Scenario("signup-success", "SignUp",
             ("signup.success.verified-email", "lifecycle.signup.unconfirmed"),
             _signup_success, "SignUp succeeds: UserSub, UserConfirmed and "
             "CodeDeliveryDetails parsed with their types", output=SIGNUP_OUTPUT),
    Scenario("signup-duplicate-username", "SignUp", ("signup.duplicate-username",),
             _duplicate, "a duplicate username surfaces as the modeled "
             "UsernameExistsException"),
    *(Scenario(f"signup-password-{rule}", "SignUp", (f"signup.password.{rule}",),
               _password(rule), f"a password breaking the {rule} rule surfaces as the "
               "modeled InvalidPasswordException") for rule in PASSWORD_RULES),
    Scenario("signup-invalid-parameter", "SignUp", ("signup.invalid-email",), _invalid_email,
             "an invalid email attribute surfaces as the modeled InvalidParameterException"),
    Scenario("signup-unknown-client", "SignUp", ("signup.unknown-client",), _unknown_client,
             "an unknown ClientId surfaces as the modeled ResourceNotFoundException",
             links=WIRE_ERROR_FACTS),
    Scenario("signup-secret-hash-missing", "SignUp", ("signup.secret.missing",),
             _secret_missing, "a secret client without SecretHash surfaces as the modeled "
             "NotAuthorizedException"),
    Scenario("confirm-right-code", "ConfirmSignUp", ("lifecycle.confirm.success",),
             _confirm(True), "ConfirmSignUp with the right code succeeds",
             requires=ORACLE),
    Scenario("confirm-wrong-code", "ConfirmSignUp", ("lifecycle.confirm.wrong-code",),
             _confirm(False), "a wrong confirmation code surfaces as the modeled "
             "CodeMismatchException", requires=ORACLE),
    Scenario("admin-confirm", "AdminConfirmSignUp", ("lifecycle.confirm.admin.success",),
             _admin_confirm, "AdminConfirmSignUp of an UNCONFIRMED user succeeds",
             requires=ADMIN),
    Scenario("auth-unconfirmed", "InitiateAuth", ("lifecycle.auth.unconfirmed",),
             _auth_unconfirmed, "signing in an UNCONFIRMED user surfaces as the modeled "
             "UserNotConfirmedException"),
)


# -- adapters: one per (client, endpoint) and session, closed at its end -------------------------
def adapter_for(ctx: Ctx, client: str) -> ClientAdapter:
    """The session's adapter for `client` at the endpoint the checks talk to (created on
    first use with the session's region, credentials and timeout)."""
    adapters = ctx.shared.setdefault(ADAPTERS_KEY, {})
    key = (client, ctx.caller.endpoint.rstrip("/"))
    if key not in adapters:
        adapter = make_adapter(client, key[1], ctx.caller.region, ctx.caller.credentials,
                               timeout_s=ctx.caller.timeout_s)
        atexit.register(adapter.close)   # a bare session without teardown: still closed
        adapters[key] = adapter
    return adapters[key]


def install_adapter(shared: dict[str, Any], endpoint: str, adapter: ClientAdapter) -> None:
    """Use `adapter` for its client at `endpoint` in this session (self-tests: a client made
    unavailable, or one pointed elsewhere)."""
    shared.setdefault(ADAPTERS_KEY, {})[(adapter.name, endpoint.rstrip("/"))] = adapter


def close_adapters(shared: dict[str, Any]) -> None:
    """Close every adapter the session made (the JS adapter's Node process ends)."""
    for adapter in shared.pop(ADAPTERS_KEY, {}).values():
        try:
            adapter.close()
        except Exception:  # noqa: BLE001 - one adapter's close must not skip the others
            pass


# -- the verdict -------------------------------------------------------------------------------
def expected_surface(scenario: Scenario) -> dict[str, Any]:
    """What the client surfaces for AWS's documented answer."""
    error = scenario.error
    if error is None:
        return {"ok": True, "stage": STAGE_OK, "http_status": 200,
                "output": {name: kind.__name__ for name, kind in scenario.output}}
    return {"ok": False, "stage": STAGE_SERVICE, "error_code": error, "modeled": True,
            "http_status": load_status().status_for(error)}


def surfaced_text(got: Mapping[str, Any]) -> str:
    """`UsernameExistsException modeled 400`, `400 generic 400`, `parse SyntaxError 400`,
    `ok 200`: a client's answer in a few words (from a Surfaced summary)."""
    status = got.get("http_status")
    tail = f" {status}" if status is not None else ""
    if got.get("ok"):
        return f"ok{tail}"
    kind = "modeled" if got.get("modeled") else "generic"
    head = "" if got.get("stage") == STAGE_SERVICE else f"{got.get('stage')} "
    return f"{head}{got.get('error_code')} {kind}{tail}"


def judge(client: str, scenario: Scenario, got: Surfaced) -> dict[str, Any]:
    """Failure unless the client surfaced what it surfaces for AWS's answer; else the
    observed summary."""
    want = expected_surface(scenario)
    observed = {**got.summary(), "surfaced": surfaced_text(got.summary())}
    if not got.ok:
        observed.pop("message", None)   # not judged here (wire/status checks judge it)
        observed["message_type"] = type(got.message).__name__
    if scenario.error is None:
        if not got.ok:
            _fail(client, scenario, got, want, observed,
                  f"expected success, the client surfaced {surfaced_text(got.summary())}")
        output = got.output or {}
        kinds = {name: type(output.get(name)).__name__ if name in output else "absent"
                 for name, _ in scenario.output}
        observed["output"] = kinds
        wrong = {name: kinds[name] for name, kind in scenario.output
                 if not isinstance(output.get(name), kind)}
        if wrong:
            raise Failure(f"{client}: {scenario.operation} output members "
                          f"{', '.join(f'{k} is {v}' for k, v in wrong.items())}",
                          expected=want, observed=observed,
                          aspects={f"output.{k}": v for k, v in wrong.items()},
                          status=got.http_status, error_type=None)
        return observed
    problems = []
    if got.ok:
        problems.append("the call succeeded")
    else:
        if got.stage != STAGE_SERVICE:
            problems.append(f"ended at stage {got.stage}")
        if got.error_code != want["error_code"]:
            problems.append(f"error code {got.error_code!r} (want {want['error_code']!r})")
        if not got.modeled:
            problems.append("not the modeled exception class")
        if got.http_status != want["http_status"]:
            problems.append(f"HTTP status {got.http_status} (want {want['http_status']})")
    if problems:
        _fail(client, scenario, got, want, observed, "; ".join(problems))
    return observed


def _fail(client: str, scenario: Scenario, got: Surfaced, want: dict[str, Any],
          observed: dict[str, Any], why: str) -> None:
    if not got.ok:   # evidence of how the client broke (scrubbed, short)
        observed.update(raw_error=got.raw_error, detail=got.detail)
    if got.ok:
        aspects = {"client-error": "none (succeeded)"}
    else:
        aspects = {"client-error": f"{stable(got.error_code)} "
                                   f"{'modeled' if got.modeled else 'generic'}"}
        if got.stage != STAGE_SERVICE:
            aspects["stage"] = got.stage
    raise Failure(f"{client}: {scenario.operation} {why}; AWS's answer surfaces as "
                  f"{surfaced_text(want)}", expected=want, observed=observed,
                  aspects=aspects, status=got.http_status,
                  error_type=None if got.ok else stable(got.error_code))


def run_scenario(ctx: Ctx, client: str, scenario: Scenario) -> dict[str, Any]:
    adapter = adapter_for(ctx, client)
    reason = adapter.available()
    if reason is not None:
        raise Unsupported(f"the {client} client is not available: {reason}")
    params = scenario.build(ctx)
    try:
        got = adapter.call(scenario.operation, params)
    except ClientUnavailable as exc:
        raise Unsupported(f"the {client} client is not available: {exc}") from None
    observed = judge(client, scenario, got)
    return {**observed, "client_version": adapter.version()}


def _register(client: str, scenario: Scenario) -> None:
    def run(ctx: Ctx) -> dict[str, Any]:
        return run_scenario(ctx, client, scenario)

    run.__doc__ = f"{client}: {scenario.summary}."
    run.__name__ = run.__qualname__ = f"client_{client}_{scenario.name.replace('-', '_')}"
    check(f"{PREFIX}{client}.{scenario.name}", scenario.operation, CATEGORY,
          facts=scenario.facts, requires=scenario.requires)(run)


for _client in CLIENT_NAMES:
    for _scenario in SCENARIOS:
        _register(_client, _scenario)


# -- selection and severity links -----------------------------------------------------------------
def client_of(check_id: str) -> str | None:
    """`client.js.signup-success` -> `js`; None for any other id."""
    if not check_id.startswith(PREFIX):
        return None
    return check_id[len(PREFIX):].split(".", 1)[0]


def selected(check_id: str, clients: Iterable[str]) -> bool:
    """Is this check part of a run of `clients` (every non-client check is)?"""
    client = client_of(check_id)
    return client is None or client in set(clients)


def scenario_of(check_id: str) -> Scenario | None:
    if client_of(check_id) is None:
        return None
    name = check_id[len(PREFIX):].split(".", 1)[1]
    return next((s for s in SCENARIOS if s.name == name), None)


def linked_ids(item: Check, checks: Iterable[Check]) -> list[str]:
    """The client checks judging the behaviour of non-client check `item`: same operation, and
    the item's own fact (its first; later ones are context, e.g. a state-machine check's
    neighbouring transitions) is one the client scenario judges or `links`."""
    if item.category in (CATEGORY, "observation") or not item.facts:
        return []
    out = []
    for other in checks:
        scenario = scenario_of(other.id)
        if other.category != CATEGORY or scenario is None:
            continue
        if other.operation == item.operation and \
                item.facts[0] in scenario.facts + scenario.links:
            out.append(other.id)
    return out


def client_links(results: Iterable[Any]) -> dict[str, list[dict[str, Any]]]:
    """results.json's `client_links`: for each non-client check of the run with client checks
    of the same behaviour in the run, those client checks: id, client, outcome, what the
    client surfaced (and, when it failed, what it surfaces for AWS's answer)."""
    from conformance.checks.registry import all_checks

    results = list(results)
    by_id = {r.id: r for r in results}
    registry = {c.id: c for c in all_checks()}
    ran_clients = [registry[r.id] for r in results
                   if r.category == CATEGORY and r.id in registry]
    links: dict[str, list[dict[str, Any]]] = {}
    for result in results:
        item = registry.get(result.id)
        if item is None:
            continue
        linked = linked_ids(item, ran_clients)
        if linked:
            links[result.id] = [_link(by_id[cid]) for cid in linked]
    return links


def _link(result: Any) -> dict[str, Any]:
    observed = result.observed if isinstance(result.observed, dict) else {}
    expected = result.expected if isinstance(result.expected, dict) else {}
    entry = {"id": result.id, "client": client_of(result.id), "outcome": result.outcome}
    if observed.get("surfaced"):
        entry["surfaced"] = observed["surfaced"]
    if result.outcome in BAD and expected:
        entry["aws_surfaces"] = surfaced_text(expected)
    return entry
