"""A Hypothesis state machine for a user's lifecycle, judged strictly against model.py.

One run per session: random sequences of SignUp, ConfirmSignUp (right or wrong code),
AdminConfirmSignUp, ResendConfirmationCode, InitiateAuth (the current, a wrong or an old
password), AdminDeleteUser, AdminCreateUser (a temporary password, MessageAction SUPPRESS),
the NEW_PASSWORD_REQUIRED challenge answered (InitiateAuth then RespondToAuthChallenge),
ForgotPassword, ConfirmForgotPassword (right or wrong code), ChangePassword (with the tokens
of a sign-in), AdminSetUserPassword (permanent or temporary) and AdminResetUserPassword over a
few fresh usernames. EVERY answer is judged by status and `__type` against the fact the model
names (messages are left to the single checks); a 5xx, or an error the operation does not
declare, is always a divergence. After every step that may change state, AdminGetUser's view
(UserStatus, sub, email_verified) is judged too. The model follows each user's password: a
password is set when the target accepted it (200), whatever the model expected, so "the
current password signs in, an old one is refused" is judged on what the target did.

A divergence never stops the run: it is recorded under its fact (the first per judged step
`action@state`), the user is re-read from AdminGetUser so the model follows the target, and
the run goes on. A re-read that answers neither 200 nor the fact's "user does not exist"
error stops the run: the model can no longer follow the target, which is an `error` of every
fact not yet diverged (never a silent "absent"). After the random sequences a coverage phase
brings fresh users into each state for every transition the sequences missed, so each fact
is judged on all of its transitions; a fact still not judged is never passed.

A verdict rests only on facts seen on AWS or documented: where the model's answer is only
inferred or unknown (model.observed_only), the step is judged by the floor every answer owes
(model.FLOOR: 200, or a declared error with its wire status; never a 5xx) and its exact
answer is recorded by an observation. The model follows the target either way.

Each fact is its own check (or observation), `state.machine.<fact id>` (registered in
conformance/checks/lifecycle.py), answered from the session's one run (`machine_run`). A
failing fact reports its first divergence in table order with a runnable reproduction: the
diverging user's state-changing and diverging calls, replayed once on fresh users to confirm
the divergence (else the calls recorded in the run). Its signature lists every judged step of
the fact that diverged with what the target answered, plus the reported response's status and
type, so a fact that starts diverging elsewhere or differently is a changed failure.

Hypothesis only generates here (no shrinking: nothing fails inside it, and a shrink replays
sequences over HTTP); the budget is RunConfig.profile_settings, the sequences RunConfig.seed
(same seed, same sequences, same results on a deterministic target). The machine never reads
the target's expectations: what a target is known to get wrong is decided in the results
layer, fact by fact.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine, initialize, precondition, rule, run_state_machine_as_test,
)

from conformance.checks.context import CapabilityMissing, Ctx, OracleGaveNoCode
from conformance.checks.lifecycle import ANY_CODE, NewUser, attributes, wrong_code
from conformance.checks.passwords import forgot_code
from conformance.checks.registry import Failure, SetupError, Unsupported
from conformance.config import RunConfig
from conformance.exchange import Exchange
from conformance.machines.model import (
    ABSENT, ACTIONS, CARRIES_PASSWORD, CONFIRMED, FLOOR, FORCE_CHANGE, PASSWORDS,
    RESET_REQUIRED, SENDS_CODE, STATES, TABLE, TAIL, UNCONFIRMED, Step, User, applies,
    expected, judgeable, key, observed_only, reachable, routes, transitions,
)
from conformance.machines.reproduce import (
    ACCESS_TOKEN_SYMBOL, SESSION_SYMBOL, WRONG_PASSWORD_SYMBOL, Entry, password_symbol, snippet,
)
from conformance.provision import AppClient
from conformance.signature import stable
from conformance.spec.facts import fact, load_status
from conformance.spec.model import load_model

USERS = 2
INDEX = st.integers(min_value=0, max_value=USERS - 1)
_KEEP_EXCHANGES = 60
_SHARED_KEY = "machines.lifecycle.run"
_UNKNOWN_USER = "lifecycle.confirm.admin.unknown-user"
Move = tuple[str, int]  # (action, user index): one step of a sequence, replayable


# -- a session's one run, shared by the fact checks --------------------------------------------
_BEHAVIOUR: list[object] = [None]  # names how the target behaves now (None: as started)
_KEEP_RUNS = 4


def target_changed(behaviour: object = None) -> None:
    """The target behind the sessions now behaves differently, so runs made before do not
    answer for it. `behaviour` names the new behaviour, and a run made under the same name is
    answered again; None names a new one. Only the self-tests call it: they install faults
    in front of moto under one session (selftest/cases/lifecycle.py, MachineFaults)."""
    _BEHAVIOUR[0] = behaviour if behaviour is not None else object()


def machine_run(ctx: Ctx) -> "MachineRun":
    """The session's run (made on first use, by whichever fact check comes first)."""
    config = ctx.config if isinstance(ctx.config, RunConfig) else RunConfig()
    run_key = (_BEHAVIOUR[0], config.seed, config.profile, ctx.caller.endpoint,
               tuple(sorted(ctx.capabilities)))
    runs: dict[tuple[Any, ...], MachineRun] = ctx.shared.setdefault(_SHARED_KEY, {})
    if run_key not in runs:
        while len(runs) >= _KEEP_RUNS:
            runs.pop(next(iter(runs)))
        runs[run_key] = MachineRun(ctx, config, run_key)
        runs[run_key].execute()
    return runs[run_key]


def judge_fact(ctx: Ctx, fact_id: str) -> dict[str, Any]:
    """The verdict of `state.machine.<fact_id>`: Failure on its divergence (or when the run
    never judged it), the stopping exception when the run stopped before it diverged, else a
    summary of what was judged."""
    run = machine_run(ctx)
    tally = run.tallies.get(fact_id) or Tally()
    if observed_only(fact_id):
        return run.observation(fact_id, tally)
    if tally.divergences:
        raise run.failure(ctx, fact_id, tally)
    if run.stopped is not None:
        raise run.stop_reason(fact_id)
    missing = run.missing(fact_id)
    # A pair whose state no user of the run ever reached (the target never let one get
    # there: that step's own fact fails) does not fail this fact, once it was judged elsewhere.
    unreached = [m for m in missing if m.partition("@")[2] not in run.reached]
    if missing != unreached or not tally.judged:
        raise Failure(f"{fact_id} not exercised ({run.calls} calls in {run.examples} random "
                      f"sequences and the coverage phase): no judged {', '.join(missing)}",
                      expected={"judged": missing}, observed={"judged": dict(tally.judged)},
                      aspects={m: "not exercised" for m in missing})
    ctx.exchanges.extend(tally.first.values())
    return {"judged": dict(sorted(tally.judged.items())), "run": run.summary(),
            **({"state_never_reached": unreached} if unreached else {})}


# -- what a run records ------------------------------------------------------------------------
@dataclass(frozen=True)
class Divergence:
    """The target answered otherwise than the model, at one judged step."""

    fact: str
    key: str                       # the judged step, `action@state`
    user: str
    want: Any
    got: Any
    value: str                     # the observed answer, stable (the signature's value)
    exchange: Exchange | None
    moves: tuple[Move, ...]        # the sequence's moves up to and including this one
    trail: tuple[tuple[bool, bool], ...]  # per move: (changed the model or diverged, the
    # user was absent after it): what a reproduction keeps, and where it may start
    journal: tuple[Entry, ...]     # the sequence's calls up to and including the judged one
    exchanges: tuple[Exchange, ...]

    @property
    def index(self) -> int:
        return self.moves[-1][1]

    def same(self, other: "Divergence") -> bool:
        return (self.fact, self.key, self.value) == (other.fact, other.key, other.value)


@dataclass
class Tally:
    """One fact's record: judged steps, the first exchange and first divergence per step."""

    judged: Counter[str] = field(default_factory=Counter)
    first: dict[str, Exchange] = field(default_factory=dict)
    divergences: dict[str, Divergence] = field(default_factory=dict)


@dataclass(frozen=True)
class Reproduction:
    journal: tuple[Entry, ...]
    exchanges: tuple[Exchange, ...]
    how: str


class Sink(Protocol):
    """Where a walker reports: the run itself, or a replay that only collects divergences."""

    stopped: BaseException | None

    def judged(self, fact_id: str, step_key: str, ex: Exchange | None) -> None: ...

    def diverged(self, divergence: Divergence) -> None: ...

    def stop(self, exc: BaseException) -> None: ...


def _order(step_key: str) -> tuple[int, int]:
    action, _, state = step_key.partition("@")
    return (ACTIONS.index(action) if action in ACTIONS else len(ACTIONS),
            STATES.index(state) if state in STATES else len(STATES))


@dataclass
class MachineRun:
    """One run against the target: tallies by fact, and what it took."""

    ctx: Ctx
    config: RunConfig
    key: tuple[Any, ...]
    tallies: dict[str, Tally] = field(default_factory=dict)
    stopped: BaseException | None = None
    stopped_at: int = 0
    examples: int = 0
    calls: int = 0
    skipped: int = 0
    seconds: float = 0.0
    pool_id: str = ""
    client: AppClient | None = None
    password: str = ""
    passwords: tuple[str, ...] = ()
    reproductions: dict[str, Reproduction] = field(default_factory=dict)
    reached: set[str] = field(default_factory=lambda: {ABSENT})  # states a user was in

    # -- the run -----------------------------------------------------------------------------
    def execute(self) -> None:
        started = time.perf_counter()
        try:
            self.pool_id, self.client = self.ctx.pool(), self.ctx.client()
            # A few passwords per run (a user's versions): every secret the suite sends is
            # remembered for masking, and the masking cost grows with their number.
            self.passwords = tuple(self.ctx.password() for _ in range(PASSWORDS))
            self.password = self.passwords[0]
            run_state_machine_as_test(seed(self.config.seed)(lambda: LifecycleMachine(self)),
                                      settings=machine_settings(self.config))
            self.cover()
        except Exception as exc:  # noqa: BLE001 - set-up or harness trouble: every fact says so
            self.stop(exc)
        self.seconds = time.perf_counter() - started

    def cover(self) -> None:
        """Judge every reachable transition the random sequences missed, on fresh users."""
        for (action, state), step in TABLE.items():
            if self.stopped is not None:
                return
            if not reachable(action, self.ctx.capabilities) or \
                    self.tally(step.fact).judged[key(action, state)]:
                continue
            for route in routes((action, state), self.ctx.capabilities):
                walker = Walker(self, self, tag="c")
                for move in route:
                    walker.do(move, 0)
                user = walker.users[0]
                if user.state == state and applies(action, user):
                    for move in (action, *TAIL.get(action, ())):
                        walker.do(move, 0)
                walker.teardown()
                if self.tally(step.fact).judged[key(action, state)]:
                    break

    # -- the Sink ----------------------------------------------------------------------------
    def tally(self, fact_id: str) -> Tally:
        return self.tallies.setdefault(fact_id, Tally())

    def judged(self, fact_id: str, step_key: str, ex: Exchange | None) -> None:
        tally = self.tally(fact_id)
        tally.judged[step_key] += 1
        if ex is not None:
            tally.first.setdefault(step_key, ex)

    def diverged(self, divergence: Divergence) -> None:
        self.tally(divergence.fact).divergences.setdefault(divergence.key, divergence)

    def stop(self, exc: BaseException) -> None:
        if self.stopped is None:
            self.stopped, self.stopped_at = exc, self.calls

    # -- verdicts ----------------------------------------------------------------------------
    def missing(self, fact_id: str) -> list[str]:
        tally = self.tally(fact_id)
        return [key(*pair) for pair in transitions(fact_id) if
                judgeable(fact_id, pair, self.ctx.capabilities) and not tally.judged[key(*pair)]]

    def failure(self, ctx: Ctx, fact_id: str, tally: Tally) -> Failure:
        divergences = sorted(tally.divergences.values(), key=lambda d: _order(d.key))
        first = divergences[0]
        repro = self.reproduce(first)
        ctx.exchanges.extend(repro.exchanges)
        aspects = {d.key: d.value for d in divergences}
        aspects.update({m: "not exercised" for m in self.missing(fact_id)})
        others = "".join(f"\nalso diverged at {d.key}: expected {_text(d.want)}, target "
                         f"answered {_text(d.got)}" for d in divergences[1:])
        stopped = (f"\n(the run stopped early: {self.stopped})" if self.stopped is not None
                   else "")
        return Failure(
            f"{first.key} for {first.user} (call {len(first.journal)} of its sequence; fact "
            f"{fact_id}): expected {_text(first.want)}, "
            f"target answered {_text(first.got)}{others}{stopped}\nReproduction ({repro.how}), "
            f"runnable:\n{snippet(list(repro.journal), ctx.caller.endpoint, ctx.caller.region)}",
            expected={"fact": fact_id, "step": first.key, **_dict(first.want)},
            observed={**_dict(first.got), "divergences": aspects,
                      **({"response": first.exchange.summary()} if first.exchange else {})},
            aspects=aspects, status=first.exchange.status if first.exchange else None,
            error_type=first.exchange.error_type if first.exchange else None)

    def observation(self, fact_id: str, tally: Tally) -> dict[str, Any]:
        """What the target answered where the model's answer is only inferred: whether it
        agrees, and the first other answer per step (stable across runs: matrix and diff
        compare it)."""
        if self.stopped is not None:
            raise self.stop_reason(fact_id)
        if not tally.judged:
            raise SetupError(f"{fact_id} not exercised ({self.calls} calls in "
                             f"{self.examples} random sequences and the coverage phase)")
        missing = self.missing(fact_id)
        return {"agrees": not tally.divergences,
                "differs": {k: d.value for k, d in sorted(tally.divergences.items(),
                                                          key=lambda kv: _order(kv[0]))},
                **({"not_exercised": missing} if missing else {})}

    def stop_reason(self, fact_id: str) -> BaseException:
        if isinstance(self.stopped, SetupError):
            return SetupError(f"set-up failed: the state machine stopped after {self.stopped_at} "
                              f"calls, before {fact_id} was judged to the end: {self.stopped}")
        return self.stopped  # type: ignore[return-value]

    def reproduce(self, divergence: Divergence) -> Reproduction:
        """The diverging user's state-changing and diverging moves, replayed on fresh users;
        else that user's moves; else the calls recorded in the run."""
        if divergence.fact in self.reproductions:
            return self.reproductions[divergence.fact]
        mine = [(m, kept, absent) for m, (kept, absent) in zip(divergence.moves,
                                                               divergence.trail)
                if m[1] == divergence.index]
        start = 1 + max((n for n, (_, _, absent) in enumerate(mine[:-1]) if absent),
                        default=-1)
        tried: set[tuple[Move, ...]] = set()
        found = None
        for moves in (tuple(m for m, kept, _ in mine[start:] if kept),
                      tuple(m for m, kept, _ in mine if kept), tuple(m for m, _, _ in mine)):
            if moves in tried or self.stopped is not None:
                continue
            tried.add(moves)
            replayed = self.replay(moves, divergence)
            if replayed is not None:
                found = Reproduction(replayed.journal, replayed.exchanges,
                                     f"{_calls(len(replayed.journal))}, replayed on fresh "
                                     "users: the same divergence")
                break
        self.reproductions[divergence.fact] = found or Reproduction(
            divergence.journal, divergence.exchanges,
            f"{_calls(len(divergence.journal))} as recorded in the run; a shorter replay did "
            "not show the same divergence")
        return self.reproductions[divergence.fact]

    def replay(self, moves: tuple[Move, ...], divergence: Divergence) -> Divergence | None:
        sink = Replay()
        walker = Walker(self, sink, tag="r")
        try:
            for action, index in moves:
                walker.do(action, index)
        except Exception:  # noqa: BLE001 - a replay that breaks reproduces nothing
            return None
        finally:
            walker.teardown()
        return next((d for d in sink.found if d.same(divergence) and
                     len(d.moves) == len(moves)), None)

    def summary(self) -> dict[str, Any]:
        total = [key(a, s) for (a, s), step in TABLE.items()
                 if routes((a, s), self.ctx.capabilities)]
        judged = [k for (a, s), step in TABLE.items() for k in [key(a, s)]
                  if k in total and self.tally(step.fact).judged[k]]
        return {"seed": self.config.seed, "profile": self.config.profile,
                "examples": self.examples, "calls": self.calls, "skipped": self.skipped,
                "duration_s": round(self.seconds, 2),
                "transitions_judged": f"{len(judged)}/{len(total)}",
                "facts_diverged": sorted(f for f, t in self.tallies.items() if t.divergences)}


@dataclass
class Replay:
    """The Sink of a replay: collects divergences, counts nothing, stops on the spot."""

    found: list[Divergence] = field(default_factory=list)
    stopped: BaseException | None = None

    def judged(self, fact_id: str, step_key: str, ex: Exchange | None) -> None:
        return None

    def diverged(self, divergence: Divergence) -> None:
        self.found.append(divergence)

    def stop(self, exc: BaseException) -> None:
        raise exc


def _calls(n: int) -> str:
    return f"{n} call" if n == 1 else f"{n} calls"


def _text(value: Any) -> str:
    if isinstance(value, dict) and len(value) == 1:
        (what, got), = value.items()
        return str(got) if what == "answer" else f"{what} {got!r}"
    return repr(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"value": value}


# -- judging one user's steps ------------------------------------------------------------------
def describe_expected(step: Step) -> str:
    if not step.errors:
        return "200"
    return f"{load_status().status_for(step.errors[0])} {' or '.join(step.errors)}"


def describe(ex: Exchange) -> str:
    if ex.error_type:
        return f"{ex.status} {ex.error_type}"
    return str(ex.status) if isinstance(ex.json, dict) else f"{ex.status} (not a JSON object)"


def answer_value(ex: Exchange) -> str:
    """The observed answer as signature text; an error the operation does not declare is
    marked, since no fact can ever make it right."""
    text = describe(ex)
    if ex.error_type and ex.error_type not in load_model().errors(ex.operation):
        text += " (undeclared)"
    return stable(text)


def declared_answer(ex: Exchange) -> bool:
    """The floor every answer owes (FLOOR): 200 with a JSON object, or an error the operation
    declares with its captured wire status (any 4xx where no capture gives one)."""
    if ex.status == 200:
        return isinstance(ex.json, dict)
    if ex.error_type not in load_model().errors(ex.operation) or ex.status >= 500:
        return False
    table = load_status()
    if table.judges(ex.error_type):
        return ex.status == table.status_for(ex.error_type)  # type: ignore[arg-type]
    return 400 <= ex.status < 500


def answered_as(ex: Exchange, step: Step) -> bool:
    """The step's answer: 200 with a JSON object, or one of its errors with that error's
    status. A 5xx or an undeclared error never is (no fact names one)."""
    if not step.errors:
        return ex.status == 200 and isinstance(ex.json, dict)
    return ex.error_type in step.errors and ex.status == load_status().status_for(ex.error_type)


class Walker:
    """Sends one sequence's moves for USERS fresh usernames and judges every answer."""

    def __init__(self, run: MachineRun, sink: Sink, tag: str = "m") -> None:
        self.run, self.sink = run, sink
        self.users = [User(run.ctx.username(f"{tag}{i}")) for i in range(USERS)]
        self.moves: list[Move] = []
        self.trail: list[tuple[bool, bool]] = []
        self.journal: list[Entry] = []
        self.exchanges: list[Exchange] = []
        self.diverged_now = False

    # -- moves -------------------------------------------------------------------------------
    def do(self, action: str, i: int) -> None:
        if self.sink.stopped is not None:
            return
        user = self.users[i]
        if not applies(action, user):
            return
        before = (user.state, user.sub, user.password, user.code)
        self.moves.append((action, i))
        self.trail.append((False, False))
        self.diverged_now = False
        try:
            self.step(action, user)
        except Exception as exc:  # noqa: BLE001 - the model cannot follow: the run stops
            self.sink.stop(exc)
        if self.sink is self.run:
            self.run.reached.add(user.state)
        self.trail[-1] = (self.diverged_now or
                          (user.state, user.sub, user.password, user.code) != before,
                          user.state == ABSENT)

    def step(self, action: str, user: User) -> None:
        if action == "get_user":
            return self.verify(user)
        step = expected(action, user)
        ex = _SEND[action](self, user, step)
        if ex is None:
            return
        ok = self.judge(action, user, step, ex)
        version = user.new_password()
        if action in CARRIES_PASSWORD and 200 <= ex.status < 300:
            user.set_password(version)  # the target took it, whatever the model expected
        if not ok:
            return self.resync(user)
        # What a success carries is judged where a fact says (an observed step: its answer).
        after = None if step.errors or observed_only(step.fact) else _AFTER.get(action)
        if after is not None:
            after(self, user, ex, step, key(action, user.state))
        user.apply(step, action)
        if action == SENDS_CODE and not step.errors and user.state != ABSENT:
            user.code = True
        if action in _CHANGES_STATE:
            self.verify(user)

    def teardown(self) -> None:
        if self.sink.stopped is not None:
            return
        try:
            for user in self.users:
                if user.state != ABSENT:
                    self.run.ctx.caller.call("AdminDeleteUser", self.user_key(user))
        except Exception as exc:  # noqa: BLE001 - unreachable target: the run stops (a replay
            with contextlib.suppress(Exception):  # just ends)
                self.sink.stop(exc)

    # -- judging -----------------------------------------------------------------------------
    def judge(self, action: str, user: User, step: Step, ex: Exchange) -> bool:
        """Is the answer the model's? (A fact only inferred is observed, and the answer
        judged by the FLOOR instead.)"""
        ok, step_key = answered_as(ex, step), key(action, user.state)
        self.note(ok, step.fact, step_key, user, ex, {"answer": describe_expected(step)},
                  {"answer": describe(ex)}, answer_value(ex))
        if observed_only(step.fact):
            self.note(declared_answer(ex), FLOOR, step_key, user, ex,
                      {"answer": f"200 or an error {ex.operation} declares, with its wire "
                                 "status"}, {"answer": describe(ex)}, answer_value(ex))
        return ok

    def check(self, ok: bool, fact_id: str, step_key: str, user: User, ex: Exchange | None,
              what: str, want: Any, got: Any) -> bool:
        """A judged member of a success (UserConfirmed, UserStatus, sub, ...)."""
        self.note(ok, fact_id, step_key, user, ex, {what: want}, {what: got},
                  f"{what}={stable(got)}")
        return ok

    def note(self, ok: bool, fact_id: str, step_key: str, user: User, ex: Exchange | None,
             want: Any, got: Any, value: str) -> None:
        self.sink.judged(fact_id, step_key, ex)
        if ok:
            return
        self.diverged_now = True
        self.sink.diverged(Divergence(
            fact_id, step_key, user.name, want, got, value, ex, tuple(self.moves),
            tuple(self.trail[:-1]) + ((True, False),), tuple(self.journal),
            tuple(self.exchanges[-_KEEP_EXCHANGES:])))

    def verify(self, user: User) -> None:
        """AdminGetUser must agree with the model: the answer, then UserStatus, sub and
        email_verified; where it does not, the model adopts the target's view."""
        step = expected("get_user", user)
        ex = self.admin("AdminGetUser", user, step)
        if not self.judge("get_user", user, step, ex):
            return self.resync(user)
        if user.state == ABSENT:
            return None
        step_key, attrs = key("get_user", user.state), attributes(ex.json)
        status, sub = ex.json.get("UserStatus"), attrs.get("sub")
        ok = self.check(status == user.state, _status_fact(user), step_key, user, ex,
                        "UserStatus", user.state, status)
        ok &= self.check(sub == user.sub, step.fact, step_key, user, ex, "sub", user.sub, sub)
        self.check_verified(user, ex, step_key, attrs.get("email_verified"))
        if not ok:
            self.adopt(user, ex.json)
        return None

    def check_verified(self, user: User, ex: Exchange, step_key: str, value: Any) -> None:
        if user.verified_by_code:
            want = fact("lifecycle.confirm.email-verified").data["value"]
            self.check(value == want, "lifecycle.confirm.email-verified", step_key, user, ex,
                       "email_verified", want, value)
        elif user.state == UNCONFIRMED:
            allowed = fact("lifecycle.state.after-signup").data["unverified_values"]
            self.check(value is None or value in allowed, "lifecycle.state.after-signup",
                       step_key, user, ex, "email_verified", f"absent or {allowed}", value)

    # -- following the target after a divergence ---------------------------------------------
    def resync(self, user: User) -> None:
        """Re-read the user (not judged): 200 -> adopt its state; the fact's "user does not
        exist" error -> absent; anything else -> SetupError (the run cannot follow)."""
        ex = self.call("AdminGetUser", self.user_key(user), self.user_key(user),
                       "re-read after a divergence", judged=False)
        if ex.status == 200 and isinstance(ex.json, dict):
            return self.adopt(user, ex.json)
        if answered_as(ex, Step(_UNKNOWN_USER)):
            return self.become_absent(user)
        raise SetupError(f"re-reading {user.name} after a divergence, AdminGetUser answered "
                         f"{describe(ex)} (a re-read must answer 200, or "
                         f"{describe_expected(Step(_UNKNOWN_USER))} for a user that does not "
                         "exist): the model cannot follow the target")

    def adopt(self, user: User, body: dict[str, Any]) -> None:
        status = body.get("UserStatus")
        if status not in (UNCONFIRMED, CONFIRMED, FORCE_CHANGE, RESET_REQUIRED):
            return self.forget(user, status)
        if status != user.state:
            user.state, user.verified_by_code, user.via, user.code = status, False, None, False
        user.sub = attributes(body).get("sub")
        return None

    def forget(self, user: User, status: Any) -> None:
        """A UserStatus the model has no state for: delete the user and go on without it."""
        ex = self.call("AdminDeleteUser", self.user_key(user), self.user_key(user),
                       f"UserStatus {status!r} is outside the model: deleted", judged=False)
        if ex.status != 200:
            raise SetupError(f"cannot follow {user.name} (UserStatus {status!r}) nor delete it: "
                             f"AdminDeleteUser answered {describe(ex)}")
        self.become_absent(user)

    @staticmethod
    def become_absent(user: User) -> None:
        if user.state != ABSENT:
            user.apply(Step(_UNKNOWN_USER, ABSENT), "delete")

    # -- calls -------------------------------------------------------------------------------
    def call(self, operation: str, body: dict[str, Any], symbolic: dict[str, Any],
             expected_answer: str, judged: bool = True) -> Exchange:
        ex = self.run.ctx.caller.call(operation, body)
        self.run.calls += 1
        self.exchanges.append(ex)
        self.journal.append(Entry(operation, symbolic, expected_answer, describe(ex), judged))
        return ex

    def user_key(self, user: User) -> dict[str, str]:
        return {"UserPoolId": self.run.pool_id, "Username": user.name}

    def admin(self, operation: str, user: User, step: Step) -> Exchange:
        body = self.user_key(user)
        return self.call(operation, body, dict(body), describe_expected(step))

    def sign_up(self, user: User, step: Step) -> Exchange:
        body = {"ClientId": self.client_id, "Username": user.name,
                "Password": self.run.password,
                "UserAttributes": [{"Name": "email", "Value": self.run.ctx.email()}]}
        return self.call("SignUp", body, {**body, "Password": password_symbol(0)},
                         describe_expected(step))

    def confirm(self, user: User, step: Step, right: bool) -> Exchange | None:
        code = self.code(user, step, right)
        if code is None:
            return None
        body = {"ClientId": self.client_id, "Username": user.name,
                "ConfirmationCode": code if right else wrong_code(code)}
        return self.call("ConfirmSignUp", body, dict(body), describe_expected(step))

    def code(self, user: User, step: Step, right: bool) -> str | None:
        """The code the target sent (a well-formed one for a user that does not exist)."""
        if user.state == ABSENT:
            return ANY_CODE
        try:
            return self.run.ctx.code(self.run.pool_id, user.name)
        except CapabilityMissing:
            raise
        except OracleGaveNoCode:
            if user.state in (FORCE_CHANGE, RESET_REQUIRED):  # never sent a sign-up code
                return ANY_CODE
            if user.state == CONFIRMED:  # a used code may be gone: nothing to judge
                self.run.skipped += 1
                return None
            action = "confirm_right" if right else "confirm_wrong"
            self.note(False, step.fact, key(action, user.state), user, None,
                      {"code-oracle": "the code sent to the user"}, {"code-oracle": None},
                      "code-oracle=no code")
            return None
        except Unsupported:
            self.run.skipped += 1
            return None

    def resend(self, user: User, step: Step) -> Exchange:
        body = {"ClientId": self.client_id, "Username": user.name}
        return self.call("ResendConfirmationCode", body, dict(body), describe_expected(step))

    def sign_in(self, user: User, step: Step, version: int | None) -> Exchange:
        """InitiateAuth with password `version` (None: a password the user never had)."""
        password = (self.run.passwords[version] if version is not None
                    else self.run.password + "x")
        params = {"USERNAME": user.name, "PASSWORD": password}
        body = {"ClientId": self.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": params}
        symbol = password_symbol(version) if version is not None else WRONG_PASSWORD_SYMBOL
        symbolic = {**body, "AuthParameters": {**params, "PASSWORD": symbol}}
        return self.call("InitiateAuth", body, symbolic, describe_expected(step))

    def first(self, action: str, user: User, step: Step, check: Callable[[Exchange], bool],
              what: str) -> Exchange | None:
        """The sign-in a compound action starts with, judged as `step` at the action's key
        (and `what` it must carry); None, after following the target, where it diverged."""
        ex = self.sign_in(user, step, user.password)
        if not self.judge(action, user, step, ex):
            self.resync(user)
            return None
        if not self.check(check(ex), step.fact, key(action, user.state), user, ex, what,
                          "present", _keys(ex)):
            self.resync(user)
            return None
        return ex

    def admin_create(self, user: User, step: Step) -> Exchange:
        body = {"UserPoolId": self.run.pool_id, "Username": user.name,
                "TemporaryPassword": self.run.passwords[0], "MessageAction": "SUPPRESS",
                "UserAttributes": [{"Name": "email", "Value": self.run.ctx.email()},
                                   {"Name": "email_verified", "Value": "true"}]}
        return self.call("AdminCreateUser", body,
                         {**body, "TemporaryPassword": password_symbol(0)},
                         describe_expected(step))

    def answer_new_password(self, user: User, step: Step) -> Exchange | None:
        challenge = self.first("answer_new_password", user, Step(_CHALLENGE), _challenged,
                               "ChallengeName NEW_PASSWORD_REQUIRED and a Session")
        if challenge is None:
            return None
        version = user.new_password()
        responses = {"USERNAME": user.name, "NEW_PASSWORD": self.run.passwords[version]}
        body = {"ClientId": self.client_id, "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": challenge.json["Session"], "ChallengeResponses": responses}
        symbolic = {**body, "Session": SESSION_SYMBOL,
                    "ChallengeResponses": {**responses, "NEW_PASSWORD": password_symbol(version)}}
        return self.call("RespondToAuthChallenge", body, symbolic, describe_expected(step))

    def forgot(self, user: User, step: Step) -> Exchange:
        body = {"ClientId": self.client_id, "Username": user.name}
        return self.call("ForgotPassword", body, dict(body), describe_expected(step))

    def confirm_forgot(self, user: User, step: Step, right: bool) -> Exchange | None:
        assert self.run.client is not None
        try:
            code = forgot_code(self.run.ctx, NewUser(user.name, "", "", self.run.client, {}))
        except CapabilityMissing:
            raise
        except OracleGaveNoCode:
            action = "confirm_forgot_right" if right else "confirm_forgot_wrong"
            self.note(False, step.fact, key(action, user.state), user, None,
                      {"code-oracle": "the code ForgotPassword sent"}, {"code-oracle": None},
                      "code-oracle=no code")
            return None
        except Unsupported:
            self.run.skipped += 1
            return None
        version = user.new_password()
        body = {"ClientId": self.client_id, "Username": user.name,
                "ConfirmationCode": code if right else wrong_code(code),
                "Password": self.run.passwords[version]}
        return self.call("ConfirmForgotPassword", body,
                         {**body, "Password": password_symbol(version)}, describe_expected(step))

    def change_password(self, user: User, step: Step) -> Exchange | None:
        signed_in = self.first("change_password", user, Step("lifecycle.auth.success"),
                               _has_token, "AuthenticationResult.AccessToken")
        if signed_in is None:
            return None
        version = user.new_password()
        body = {"AccessToken": signed_in.json["AuthenticationResult"]["AccessToken"],
                "PreviousPassword": self.run.passwords[user.password],
                "ProposedPassword": self.run.passwords[version]}
        symbolic = {"AccessToken": ACCESS_TOKEN_SYMBOL,
                    "PreviousPassword": password_symbol(user.password),
                    "ProposedPassword": password_symbol(version)}
        return self.call("ChangePassword", body, symbolic, describe_expected(step))

    def admin_set(self, user: User, step: Step, permanent: bool) -> Exchange:
        version = user.new_password()
        body = {**self.user_key(user), "Password": self.run.passwords[version],
                "Permanent": permanent}
        return self.call("AdminSetUserPassword", body,
                         {**body, "Password": password_symbol(version)},
                         describe_expected(step))

    @property
    def client_id(self) -> str:
        assert self.run.client is not None
        return self.run.client.client_id

    # -- what a success must carry -----------------------------------------------------------
    def after_sign_up(self, user: User, ex: Exchange, step: Step, step_key: str) -> None:
        sub = ex.json.get("UserSub")
        want = fact("lifecycle.signup.unconfirmed").data["user_confirmed"]
        got = ex.json.get("UserConfirmed")
        self.check(got == want, step.fact, step_key, user, ex, "UserConfirmed", want, got)
        if user.old_subs:
            self.check(sub not in user.old_subs, "lifecycle.signup.after-delete", step_key, user,
                       ex, "UserSub", "a new sub", sub)
        user.sub = sub

    def after_confirm(self, user: User, ex: Exchange, step: Step, step_key: str) -> None:
        """The body the fact names (a fact naming none judges the answer alone)."""
        want = fact(step.fact).data.get("body")
        if want is None:
            return
        self.check(ex.json == want, step.fact, step_key, user, ex, "body", want, ex.json)

    def after_resend(self, user: User, ex: Exchange, step: Step, step_key: str) -> None:
        details = ex.json.get("CodeDeliveryDetails") or {}
        want = fact(step.fact).data["delivery_medium"]
        got = details.get("DeliveryMedium") if isinstance(details, dict) else None
        self.check(got == want, step.fact, step_key, user, ex, "DeliveryMedium", want, got)

    def after_sign_in(self, user: User, ex: Exchange, step: Step, step_key: str) -> None:
        if step.fact == _CHALLENGE:
            data = fact(_CHALLENGE).data
            body = ex.json
            session = body.get("Session")
            got = [body.get("ChallengeName"), isinstance(session, str) and
                   len(session) >= data["session_min_length"], "AuthenticationResult" in body]
            want = [data["challenge_name"], True, False]
            self.check(got == want, step.fact, step_key, user, ex,
                       "ChallengeName, Session, tokens", want, got)
            return
        result = ex.json.get("AuthenticationResult") or {}
        want = (fact(step.fact).data["token_type"], True)
        got = (result.get("TokenType"), "RefreshToken" in result) if isinstance(
            result, dict) else (None, False)
        self.check(got == want, step.fact, step_key, user, ex, "TokenType, RefreshToken",
                   list(want), list(got))


    def after_admin_create(self, user: User, ex: Exchange, step: Step, step_key: str) -> None:
        created = ex.json.get("User") if isinstance(ex.json.get("User"), dict) else {}
        want = fact(step.fact).data["user_status"]
        self.check(created.get("UserStatus") == want, step.fact, step_key, user, ex,
                   "User.UserStatus", want, created.get("UserStatus"))
        user.sub = {a.get("Name"): a.get("Value") for a in created.get("Attributes") or []
                    if isinstance(a, dict)}.get("sub")

    def after_tokens(self, user: User, ex: Exchange, step: Step, step_key: str) -> None:
        result = ex.json.get("AuthenticationResult")
        result = result if isinstance(result, dict) else {}
        data = fact(step.fact).data
        got = ([k for k in data["required"] if k not in result], result.get("TokenType"))
        want = ([], data["token_type"])
        self.check(got == want, step.fact, step_key, user, ex, "missing tokens, TokenType",
                   list(want), list(got))

    def after_forgot(self, user: User, ex: Exchange, step: Step, step_key: str) -> None:
        details = ex.json.get("CodeDeliveryDetails")
        details = details if isinstance(details, dict) else {}
        data = fact(step.fact).data
        want = [data["delivery_medium"], data["attribute_name"]]
        got = [details.get("DeliveryMedium"), details.get("AttributeName")]
        self.check(got == want, step.fact, step_key, user, ex,
                   "DeliveryMedium, AttributeName", want, got)



_CHALLENGE = "admin.challenge.new-password-required"


def _challenged(ex: Exchange) -> bool:
    return ex.json.get("ChallengeName") == fact(_CHALLENGE).data["challenge_name"] and \
        isinstance(ex.json.get("Session"), str)


def _has_token(ex: Exchange) -> bool:
    result = ex.json.get("AuthenticationResult")
    return isinstance(result, dict) and isinstance(result.get("AccessToken"), str)


def _keys(ex: Exchange) -> Any:
    return sorted(ex.json) if isinstance(ex.json, dict) else None


_SEND: dict[str, Callable[[Walker, User, Step], Exchange | None]] = {
    "sign_up": Walker.sign_up,
    "confirm_right": lambda w, u, s: w.confirm(u, s, right=True),
    "confirm_wrong": lambda w, u, s: w.confirm(u, s, right=False),
    "admin_confirm": lambda w, u, s: w.admin("AdminConfirmSignUp", u, s),
    "resend": Walker.resend,
    "sign_in_right": lambda w, u, s: w.sign_in(u, s, u.password),
    "sign_in_wrong": lambda w, u, s: w.sign_in(u, s, None),
    "sign_in_old": lambda w, u, s: w.sign_in(u, s, u.old_password),
    "delete": lambda w, u, s: w.admin("AdminDeleteUser", u, s),
    "admin_create": Walker.admin_create,
    "answer_new_password": Walker.answer_new_password,
    "forgot_password": Walker.forgot,
    "confirm_forgot_right": lambda w, u, s: w.confirm_forgot(u, s, right=True),
    "confirm_forgot_wrong": lambda w, u, s: w.confirm_forgot(u, s, right=False),
    "change_password": Walker.change_password,
    "admin_set_password_permanent": lambda w, u, s: w.admin_set(u, s, permanent=True),
    "admin_set_password_temporary": lambda w, u, s: w.admin_set(u, s, permanent=False),
    "admin_reset_password": lambda w, u, s: w.admin("AdminResetUserPassword", u, s),
}
# What a success of these actions must carry (only when the model expects a success).
_AFTER: dict[str, Callable[[Walker, User, Exchange, Step, str], None]] = {
    "sign_up": Walker.after_sign_up, "confirm_right": Walker.after_confirm,
    "resend": Walker.after_resend, "sign_in_right": Walker.after_sign_in,
    "admin_create": Walker.after_admin_create, "answer_new_password": Walker.after_tokens,
    "forgot_password": Walker.after_forgot, "confirm_forgot_right": Walker.after_confirm,
    "change_password": Walker.after_confirm,
}
# Steps after which the user's state is read back (a wrong code must change nothing, too).
_CHANGES_STATE = frozenset({"sign_up", "confirm_right", "confirm_wrong", "admin_confirm",
                            "delete", "admin_create", "answer_new_password",
                            "confirm_forgot_right", "admin_set_password_permanent",
                            "admin_set_password_temporary", "admin_reset_password"})
# The fact a UserStatus is judged under when the model followed the target into the state.
_STATE_FACT = {CONFIRMED: "lifecycle.confirm.admin.success",
               FORCE_CHANGE: "admin.create.force-change-password",
               RESET_REQUIRED: "password.admin-reset.status"}


def _status_fact(user: User) -> str:
    """The fact that put the user in its state (the UserStatus AdminGetUser must show)."""
    if user.state == UNCONFIRMED:
        return "lifecycle.state.after-signup"
    if user.via is not None:
        return user.via
    return _STATE_FACT.get(user.state, "lifecycle.state.after-signup")


# -- the Hypothesis machine: random sequences of moves ---------------------------------------
class LifecycleMachine(RuleBasedStateMachine):
    """Random lifecycle sequences over USERS usernames; every step judged by a Walker."""

    def __init__(self, run: MachineRun) -> None:
        super().__init__()
        self.run = run
        run.examples += 1
        self.walker = Walker(run, run)

    @initialize()
    def sign_up_first(self) -> None:
        """Start with the first user signed up, so sequences reach past `absent` sooner."""
        self.walker.do("sign_up", 0)

    @rule(i=INDEX)
    def sign_up(self, i: int) -> None:
        self.walker.do("sign_up", i)

    @precondition(lambda self: reachable("confirm_right", self.run.ctx.capabilities))
    @rule(i=INDEX)
    def confirm_right(self, i: int) -> None:
        self.walker.do("confirm_right", i)

    @precondition(lambda self: reachable("confirm_wrong", self.run.ctx.capabilities))
    @rule(i=INDEX)
    def confirm_wrong(self, i: int) -> None:
        self.walker.do("confirm_wrong", i)

    @rule(i=INDEX)
    def admin_confirm(self, i: int) -> None:
        self.walker.do("admin_confirm", i)

    @rule(i=INDEX)
    def resend(self, i: int) -> None:
        self.walker.do("resend", i)

    @rule(i=INDEX, which=st.sampled_from(("sign_in_right", "sign_in_wrong", "sign_in_old")))
    def sign_in(self, i: int, which: str) -> None:
        self.walker.do(which, i)

    @rule(i=INDEX)
    def delete(self, i: int) -> None:
        self.walker.do("delete", i)

    @rule(i=INDEX)
    def admin_create(self, i: int) -> None:
        self.walker.do("admin_create", i)

    @rule(i=INDEX)
    def answer_new_password(self, i: int) -> None:
        self.walker.do("answer_new_password", i)

    @rule(i=INDEX)
    def forgot_password(self, i: int) -> None:
        self.walker.do("forgot_password", i)

    @precondition(lambda self: reachable("confirm_forgot_right", self.run.ctx.capabilities))
    @rule(i=INDEX, right=st.booleans())
    def confirm_forgot(self, i: int, right: bool) -> None:
        self.walker.do("confirm_forgot_right" if right else "confirm_forgot_wrong", i)

    @rule(i=INDEX)
    def change_password(self, i: int) -> None:
        self.walker.do("change_password", i)

    @rule(i=INDEX, permanent=st.booleans())
    def admin_set_password(self, i: int, permanent: bool) -> None:
        self.walker.do("admin_set_password_permanent" if permanent
                       else "admin_set_password_temporary", i)

    @rule(i=INDEX)
    def admin_reset_password(self, i: int) -> None:
        self.walker.do("admin_reset_password", i)

    def teardown(self) -> None:
        self.walker.teardown()


def machine_settings(config: RunConfig) -> settings:
    profile = config.profile_settings
    return settings(max_examples=profile.state_machine_examples,
                    stateful_step_count=profile.state_machine_steps, deadline=None,
                    database=None, print_blob=False, verbosity=Verbosity.quiet,
                    phases=(Phase.generate,), suppress_health_check=list(HealthCheck))
