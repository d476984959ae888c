"""A Hypothesis state machine for the confirmation lifecycle, judged against model.py.

Each example takes a few fresh usernames and runs a random sequence of SignUp, ConfirmSignUp
(right or wrong code), AdminConfirmSignUp, ResendConfirmationCode, InitiateAuth (right or
wrong password) and AdminDeleteUser. Every answer is judged by status and `__type` against
the fact the model names (messages are left to the single checks); after every step that
may change state, AdminGetUser's view (UserStatus, sub, email_verified) is compared with
the model's. A divergence is shrunk by Hypothesis (within a time budget) and raised as a
Failure whose message holds the shrunk sequence as a runnable snippet.

What the machine judges on a given target (the honest-verdict rule):
- capabilities: the code steps need `code-oracle` (the right code); without it they are
  never drawn. The machine itself needs `admin` (AdminGetUser is its view of state).
- known deviations: a behaviour whose own check is listed in the target's expectations
  (e.g. moto accepts any code: `state.confirm.wrong-code.status`) is already reported there
  as an expected failure. The machine still sends that step: if the answer is AWS's it is
  judged as usual; if not, it is tolerated (counted in `known_deviations_seen`, not failed
  twice) and the model re-reads the user's state from AdminGetUser so model and target stay
  in step. Every other behaviour is judged, so a new regression still fails the machine on
  moto, and a target without known deviations gets the whole model. Budget:
  RunConfig.profile_settings; sequences: RunConfig.seed (same seed, same sequences).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test,
)

from conformance.checks.context import Ctx
from conformance.checks.lifecycle import ANY_CODE, attributes, wrong_code
from conformance.checks.registry import Failure, SetupError, Unsupported, all_checks
from conformance.config import RunConfig
from conformance.exchange import Exchange
from conformance.machines.model import ABSENT, CONFIRMED, UNCONFIRMED, Step, User, expected
from conformance.machines.reproduce import (
    PASSWORD_SYMBOL, WRONG_PASSWORD_SYMBOL, Entry, snippet,
)
from conformance.provision import AppClient
from conformance.spec.facts import fact, load_status

MACHINE_ID = "state.machine.lifecycle"
# Seconds of shrinking per profile once a divergence is found. Every shrink attempt replays a
# sequence over HTTP, and Hypothesis would otherwise shrink for up to 5 minutes; past the
# budget, attempts become no-ops and the smallest failing sequence found so far is reported.
SHRINK_BUDGET_S = {"dev": 5.0, "ci": 10.0, "nightly": 60.0}
USERS = 2
INDEX = st.integers(min_value=0, max_value=USERS - 1)
_KEEP_EXCHANGES = 60


def excluded_facts(known_deviations: frozenset[str]) -> frozenset[str]:
    """Facts enforced by checks the target is known to fail (the machine's own id aside)."""
    return frozenset(f for c in all_checks() if c.id in known_deviations and c.id != MACHINE_ID
                     for f in c.facts)


@dataclass
class Run:
    """Everything one machine run shares across examples: target access, scope, tallies."""

    ctx: Ctx
    pool_id: str
    client: AppClient
    excluded: frozenset[str]
    # One password per run: every secret the suite sends is remembered for masking, and the
    # masking cost grows with their number, so the machine does not mint one per sign-up.
    password: str = ""
    shrink_budget_s: float = 10.0
    failed_at: float | None = None
    journal: list[Entry] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    judged: Counter[str] = field(default_factory=Counter)
    tolerated: Counter[str] = field(default_factory=Counter)
    examples: int = 0
    steps: int = 0

    def begin(self) -> None:
        self.journal, self.examples = [], self.examples + 1

    def idle(self) -> bool:
        """Shrinking is over budget: run nothing, except Hypothesis's final replay."""
        if self.failed_at is None:
            return False
        return time.perf_counter() - self.failed_at > self.shrink_budget_s and not _final()

    def has(self, capability: str) -> bool:
        return capability in self.ctx.capabilities

    def judges(self, *fact_ids: str) -> bool:
        return not self.excluded.intersection(fact_ids)

    def call(self, operation: str, body: dict[str, Any], symbolic: dict[str, Any],
             step: Step, note: str | None = None) -> Exchange:
        ex = self.ctx.caller.call(operation, body)
        self.exchanges = (self.exchanges + [ex])[-_KEEP_EXCHANGES:]
        self.journal.append(Entry(operation, symbolic, note or describe_expected(step),
                                  describe(ex)))
        self.steps += 1
        return ex


def _final() -> bool:
    """Is this Hypothesis's final replay of the failing example (which must really run)?"""
    try:
        from hypothesis.control import current_build_context

        return bool(getattr(current_build_context(), "is_final", True))
    except Exception:  # noqa: BLE001 - outside a Hypothesis run: behave as final
        return True


def describe_expected(step: Step) -> str:
    if not step.errors:
        return "200"
    return f"{load_status().status_for(step.errors[0])} {' or '.join(step.errors)}"


def describe(ex: Exchange) -> str:
    return f"{ex.status} {ex.error_type}" if ex.error_type else str(ex.status)


def answered_as(ex: Exchange, step: Step) -> bool:
    if not step.errors:
        return ex.status == 200 and isinstance(ex.json, dict)
    return ex.error_type in step.errors and ex.status == load_status().status_for(ex.error_type)


class LifecycleMachine(RuleBasedStateMachine):
    """Random lifecycle sequences over USERS usernames, judged step by step."""

    def __init__(self, run: Run) -> None:
        super().__init__()
        self.run = run
        run.begin()
        self.idle = run.idle()
        self.users = [User(run.ctx.username(f"m{i}")) for i in range(USERS)]

    # -- rules ---------------------------------------------------------------------------
    @initialize()
    def sign_up_first(self) -> None:
        """Start with the first user signed up, so sequences reach past `absent` sooner."""
        self.sign_up(0)

    @rule(i=INDEX)
    def sign_up(self, i: int) -> None:
        self.act("sign_up", i, self._sign_up, self._after_sign_up)

    @precondition(lambda self: self.run.has("code-oracle"))
    @rule(i=INDEX)
    def confirm_right(self, i: int) -> None:
        self.act("confirm_right", i, lambda u: self._confirm(u, right=True))

    @precondition(lambda self: self.run.has("code-oracle"))
    @rule(i=INDEX)
    def confirm_wrong(self, i: int) -> None:
        self.act("confirm_wrong", i, lambda u: self._confirm(u, right=False))

    @rule(i=INDEX)
    def admin_confirm(self, i: int) -> None:
        self.act("admin_confirm", i, lambda u: self._admin("AdminConfirmSignUp", u))

    @rule(i=INDEX)
    def resend(self, i: int) -> None:
        self.act("resend", i, self._resend, self._after_resend)

    @rule(i=INDEX, right=st.booleans())
    def sign_in(self, i: int, right: bool) -> None:
        action = "sign_in_right" if right else "sign_in_wrong"
        self.act(action, i, lambda u: self._sign_in(u, right), self._after_sign_in)

    @rule(i=INDEX)
    def delete(self, i: int) -> None:
        self.act("delete", i, lambda u: self._admin("AdminDeleteUser", u))

    def teardown(self) -> None:
        for user in [] if self.idle else self.users:
            if user.state != ABSENT:
                self.run.ctx.caller.call("AdminDeleteUser", self._key(user))

    # -- judging -------------------------------------------------------------------------
    def act(self, action: str, i: int, send: Callable[[User], Exchange | None],
            after: Callable[[User, Exchange, Step], None] | None = None) -> None:
        user = self.users[i]
        step = expected(action, user)
        if self.idle:
            return
        ex = send(user)
        if ex is None:
            return
        if not answered_as(ex, step):
            if not self.run.judges(*step.facts):
                self.run.tolerated[step.fact] += 1
                return self.resync(user)
            self.fail(action, user, step, ex, describe_expected(step), describe(ex))
        self.run.judged[step.fact] += 1
        if after is not None and ex.status == 200:
            after(user, ex, step)
        user.apply(step, action)
        if action in _CHANGES_STATE:
            self.verify(user)

    def resync(self, user: User) -> None:
        """After a tolerated known deviation, adopt the target's view of the user."""
        ex = self.run.call("AdminGetUser", self._key(user), self._key(user),
                           Step("lifecycle.state.userstatus.enum"), note="re-read, not judged")
        status = ex.json.get("UserStatus") if ex.status == 200 else ABSENT
        if status not in (ABSENT, UNCONFIRMED, CONFIRMED):
            raise SetupError(f"cannot follow {user.name}: AdminGetUser answered {describe(ex)} "
                             f"status {status!r}")
        user.state, user.verified_by_code = status, False
        user.sub = attributes(ex.json).get("sub") if status != ABSENT else None

    def verify(self, user: User) -> None:
        """After every step that may change state, AdminGetUser must agree with the model."""
        self.act("get_user", self.users.index(user), lambda u: self._admin("AdminGetUser", u),
                 self._after_get)

    def fail(self, action: str, user: User, step: Step, ex: Exchange, want: Any,
             got: Any) -> None:
        self.run.failed_at = self.run.failed_at or time.perf_counter()
        raise Failure(f"step {len(self.run.journal)} ({action} for {user.name}, model state "
                      f"{user.state}): expected {want}, target answered {got} "
                      f"(fact {step.fact})", expected={"answer": want, "fact": step.fact},
                      observed={"answer": got, "response": ex.summary()},
                      aspects={"fact": step.fact}, status=ex.status, error_type=ex.error_type)

    def check(self, ok: bool, fact_id: str, what: str, want: Any, got: Any, user: User,
              ex: Exchange, action: str) -> None:
        if self.run.judges(fact_id) and not ok:
            self.fail(action, user, Step(fact_id), ex, {what: want}, {what: got})

    # -- calls ---------------------------------------------------------------------------
    def _key(self, user: User) -> dict[str, str]:
        return {"UserPoolId": self.run.pool_id, "Username": user.name}

    def _admin(self, operation: str, user: User) -> Exchange:
        body = self._key(user)
        return self.run.call(operation, body, dict(body), expected(_ACTION[operation], user))

    def _sign_up(self, user: User) -> Exchange:
        email = self.run.ctx.email()
        body = {"ClientId": self.run.client.client_id, "Username": user.name,
                "Password": self.run.password,
                "UserAttributes": [{"Name": "email", "Value": email}]}
        return self.run.call("SignUp", body, {**body, "Password": PASSWORD_SYMBOL},
                             expected("sign_up", user))

    def _confirm(self, user: User, right: bool) -> Exchange | None:
        try:
            code = (self.run.ctx.code(self.run.pool_id, user.name)
                    if user.state != ABSENT else ANY_CODE)
        except Unsupported:
            return None  # the oracle has no code for this user: the step cannot be judged
        body = {"ClientId": self.run.client.client_id, "Username": user.name,
                "ConfirmationCode": code if right else wrong_code(code)}
        action = "confirm_right" if right else "confirm_wrong"
        return self.run.call("ConfirmSignUp", body, dict(body), expected(action, user))

    def _resend(self, user: User) -> Exchange:
        body = {"ClientId": self.run.client.client_id, "Username": user.name}
        return self.run.call("ResendConfirmationCode", body, dict(body),
                             expected("resend", user))

    def _sign_in(self, user: User, right: bool) -> Exchange:
        password = self.run.password
        params = {"USERNAME": user.name, "PASSWORD": password if right else password + "x"}
        body = {"ClientId": self.run.client.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": params}
        symbol = PASSWORD_SYMBOL if right else WRONG_PASSWORD_SYMBOL
        symbolic = {**body, "AuthParameters": {**params, "PASSWORD": symbol}}
        action = "sign_in_right" if right else "sign_in_wrong"
        return self.run.call("InitiateAuth", body, symbolic, expected(action, user))

    # -- what a success must carry ---------------------------------------------------------
    def _after_sign_up(self, user: User, ex: Exchange, step: Step) -> None:
        sub = ex.json.get("UserSub")
        want = fact("lifecycle.signup.unconfirmed").data["user_confirmed"]
        got = ex.json.get("UserConfirmed")
        self.check(got == want, step.fact, "UserConfirmed", want, got, user, ex, "sign_up")
        self.check(sub not in user.old_subs, "lifecycle.signup.after-delete", "UserSub",
                   "a new sub", sub, user, ex, "sign_up")
        user.sub = sub

    def _after_resend(self, user: User, ex: Exchange, step: Step) -> None:
        details = ex.json.get("CodeDeliveryDetails") or {}
        want = fact(step.fact).data["delivery_medium"]
        got = details.get("DeliveryMedium") if isinstance(details, dict) else None
        self.check(got == want, step.fact, "DeliveryMedium", want, got, user, ex, "resend")

    def _after_sign_in(self, user: User, ex: Exchange, step: Step) -> None:
        result = ex.json.get("AuthenticationResult") or {}
        data = fact(step.fact).data
        got = (result.get("TokenType"), "RefreshToken" in result)
        self.check(got == (data["token_type"], True), step.fact, "TokenType, RefreshToken",
                   (data["token_type"], True), got, user, ex, "sign_in")

    def _after_get(self, user: User, ex: Exchange, step: Step) -> None:
        got = ex.json.get("UserStatus")
        self.check(got == user.state, _status_fact(user), "UserStatus", user.state, got, user,
                   ex, "get_user")
        attrs = attributes(ex.json)
        self.check(attrs.get("sub") == user.sub, step.fact, "sub", user.sub, attrs.get("sub"),
                   user, ex, "get_user")
        self._check_verified(user, ex, attrs.get("email_verified"))

    def _check_verified(self, user: User, ex: Exchange, value: Any) -> None:
        if user.verified_by_code:
            want = fact("lifecycle.confirm.email-verified").data["value"]
            self.check(value == want, "lifecycle.confirm.email-verified", "email_verified",
                       want, value, user, ex, "get_user")
        elif user.state == UNCONFIRMED:
            allowed = fact("lifecycle.state.after-signup").data["unverified_values"]
            self.check(value is None or value in allowed, "lifecycle.state.after-signup",
                       "email_verified", f"absent or {allowed}", value, user, ex, "get_user")


# Steps after which the user's state is read back (a wrong code must change nothing, too).
_CHANGES_STATE = frozenset({"sign_up", "confirm_right", "confirm_wrong", "admin_confirm",
                            "delete"})
_ACTION = {"AdminConfirmSignUp": "admin_confirm", "AdminGetUser": "get_user",
           "AdminDeleteUser": "delete"}


def _status_fact(user: User) -> str:
    if user.state != CONFIRMED:
        return "lifecycle.state.after-signup"
    if user.verified_by_code:
        return "lifecycle.confirm.success"
    return "lifecycle.confirm.admin.success"


# -- running it from a check -------------------------------------------------------------
def machine_settings(config: RunConfig) -> settings:
    profile = config.profile_settings
    return settings(max_examples=profile.state_machine_examples,
                    stateful_step_count=profile.state_machine_steps, deadline=None,
                    database=None, print_blob=False, report_multiple_bugs=False,
                    verbosity=Verbosity.quiet, phases=(Phase.generate, Phase.shrink),
                    suppress_health_check=list(HealthCheck))


def run_machine(ctx: Ctx) -> dict[str, Any]:
    """Run the machine; Failure (with a reproduction snippet) on the first divergence."""
    config = ctx.config if isinstance(ctx.config, RunConfig) else RunConfig()
    run = Run(ctx, ctx.pool(), ctx.client(), excluded_facts(ctx.known_deviations),
              password=ctx.password(), shrink_budget_s=SHRINK_BUDGET_S.get(config.profile, 10.0))

    def factory() -> LifecycleMachine:
        return LifecycleMachine(run)

    started = time.perf_counter()
    try:
        run_state_machine_as_test(seed(config.seed)(factory), settings=machine_settings(config))
    except Failure as failure:
        raise Failure(f"{failure.message}\nShrunk sequence ({len(run.journal)} calls), "
                      f"runnable:\n{snippet(run.journal, ctx.caller.endpoint, ctx.caller.region)}",
                      failure.expected, failure.observed, failure.aspects, failure.status,
                      failure.error_type) from None
    finally:
        ctx.exchanges.extend(run.exchanges)
    return summary(run, config, time.perf_counter() - started)


def summary(run: Run, config: RunConfig, seconds: float) -> dict[str, Any]:
    return {"seed": config.seed, "profile": config.profile, "examples": run.examples,
            "calls": run.steps, "duration_s": round(seconds, 2),
            "judged": dict(sorted(run.judged.items())),
            "tolerated_known_deviation": sorted(run.excluded & _model_facts()),
            "known_deviations_seen": dict(sorted(run.tolerated.items()))}


def _model_facts() -> frozenset[str]:
    from conformance.machines.model import TABLE

    return frozenset(step.fact for step in TABLE.values()) | {
        "lifecycle.confirm.email-verified", "lifecycle.signup.unconfirmed"}
