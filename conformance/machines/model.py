"""The reference model of the confirmation lifecycle, as a transition table.

Each user is absent, UNCONFIRMED or CONFIRMED. For every (action, state) the table names the
fact (specs/behaviours/*.toml) that says what AWS answers and the state afterwards. The
accepted answer comes from the fact: its `error`, or its `candidates` where AWS's behaviour is
disputed (then any candidate is accepted), or success when it names no error. Keeping the
model as data means a new fact changes the machine without touching its code.

Each fact the table (or CONTENT) names becomes one check, `state.machine.<fact id>`
(conformance/checks/lifecycle.py), or an observation where the fact is only inferred (WEAK,
FLOOR below): FACTS lists them, `transitions` says which (action, state)
pairs judge each, `requires` which capabilities reaching them takes, and `routes` how a fresh
user is brought into a state (the machine's coverage phase walks them for every pair the
random sequences missed).
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.spec.facts import fact

ABSENT, UNCONFIRMED, CONFIRMED = "absent", "UNCONFIRMED", "CONFIRMED"
STATES = (ABSENT, UNCONFIRMED, CONFIRMED)
ACTIONS = ("sign_up", "confirm_right", "confirm_wrong", "admin_confirm", "resend",
           "sign_in_right", "sign_in_wrong", "get_user", "delete")


@dataclass(frozen=True)
class Step:
    fact: str                 # the fact that decides the expected answer
    after: str | None = None  # state after a success (None: unchanged)
    depends: tuple[str, ...] = ()  # facts this answer also rests on (e.g. a disputed mix)

    @property
    def facts(self) -> tuple[str, ...]:
        return (self.fact, *self.depends)

    @property
    def errors(self) -> tuple[str, ...]:
        """Accepted error types; empty means the step must succeed."""
        f = fact(self.fact)
        if f.error:
            return (f.error,)
        return tuple(f.data.get("candidates", ()))


_UNKNOWN_USER = "lifecycle.confirm.admin.unknown-user"
_CONFIRM_UNKNOWN = "lifecycle.confirm.unknown-user.legacy"
_AUTH_UNKNOWN = "lifecycle.auth.unknown-user.legacy"

TABLE: dict[tuple[str, str], Step] = {
    ("sign_up", ABSENT): Step("lifecycle.signup.unconfirmed", UNCONFIRMED),
    ("sign_up", UNCONFIRMED): Step("signup.duplicate-username"),
    ("sign_up", CONFIRMED): Step("signup.duplicate-username"),
    ("confirm_right", ABSENT): Step(_CONFIRM_UNKNOWN),
    ("confirm_right", UNCONFIRMED): Step("lifecycle.confirm.success", CONFIRMED),
    ("confirm_right", CONFIRMED): Step("lifecycle.confirm.already-confirmed"),
    ("confirm_wrong", ABSENT): Step(_CONFIRM_UNKNOWN),
    ("confirm_wrong", UNCONFIRMED): Step("lifecycle.confirm.wrong-code"),
    # Unknown which error wins, but it is one of the two: rests on both facts.
    ("confirm_wrong", CONFIRMED): Step("lifecycle.confirm.precedence", depends=(
        "lifecycle.confirm.wrong-code", "lifecycle.confirm.already-confirmed")),
    ("admin_confirm", ABSENT): Step(_UNKNOWN_USER),
    ("admin_confirm", UNCONFIRMED): Step("lifecycle.confirm.admin.success", CONFIRMED),
    ("admin_confirm", CONFIRMED): Step("lifecycle.confirm.admin.already-confirmed"),
    ("resend", ABSENT): Step("lifecycle.resend.unknown-user.legacy"),
    ("resend", UNCONFIRMED): Step("lifecycle.resend.success"),
    ("resend", CONFIRMED): Step("lifecycle.resend.confirmed-user"),
    ("sign_in_right", ABSENT): Step(_AUTH_UNKNOWN),
    ("sign_in_right", UNCONFIRMED): Step("lifecycle.auth.unconfirmed"),
    ("sign_in_right", CONFIRMED): Step("lifecycle.auth.success"),
    ("sign_in_wrong", ABSENT): Step(_AUTH_UNKNOWN),
    # Disputed between the two captured answers: it is one of them.
    ("sign_in_wrong", UNCONFIRMED): Step("lifecycle.auth.unconfirmed.wrong-password", depends=(
        "lifecycle.auth.unconfirmed", "lifecycle.auth.wrong-password")),
    ("sign_in_wrong", CONFIRMED): Step("lifecycle.auth.wrong-password"),
    ("get_user", ABSENT): Step(_UNKNOWN_USER),
    ("get_user", UNCONFIRMED): Step("lifecycle.state.after-signup"),
    ("get_user", CONFIRMED): Step("lifecycle.state.after-signup"),
    ("delete", ABSENT): Step(_UNKNOWN_USER),
    ("delete", UNCONFIRMED): Step("lifecycle.signup.after-delete", ABSENT),
    ("delete", CONFIRMED): Step("lifecycle.signup.after-delete", ABSENT),
}


@dataclass
class User:
    """What the model knows about one username."""

    name: str
    state: str = ABSENT
    sub: str | None = None
    verified_by_code: bool = False  # confirmed with an emailed code: email_verified is true
    old_subs: tuple[str, ...] = ()

    def apply(self, step: Step, action: str) -> None:
        if step.after is None:
            return
        if step.after == ABSENT:
            self.old_subs += (self.sub,) if self.sub else ()
            self.sub, self.verified_by_code = None, False
        if step.after == CONFIRMED:
            self.verified_by_code = action == "confirm_right"
        self.state = step.after


def expected(action: str, user: User) -> Step:
    return TABLE[(action, user.state)]


# -- the facts the machine judges, and what judging each takes -------------------------------
ADMIN = "admin"  # AdminGetUser is the machine's view of state: every fact needs it
NEEDS: dict[str, str] = {"confirm_right": "code-oracle", "confirm_wrong": "code-oracle"}


@dataclass(frozen=True)
class Content:
    """A fact judged on what a success leaves behind, not on an answer of TABLE: judged at
    `at` (the AdminGetUser read) after a success of `after`."""

    at: tuple[str, str]
    after: tuple[str, str]


CONTENT: dict[str, Content] = {
    "lifecycle.confirm.email-verified": Content(at=("get_user", CONFIRMED),
                                                after=("confirm_right", UNCONFIRMED)),
}
# Actions the coverage phase sends right after covering a transition, to judge what the
# transition left behind (a sign-up after a delete must get a new sub).
TAIL: dict[str, tuple[str, ...]] = {"delete": ("sign_up",)}
# A verdict must rest on something seen on AWS or documented: where a fact and the facts it
# rests on are only inferred or unknown, the machine records what the target answered (an
# observation) and judges only the floor every answer owes, FLOOR: 200, or an error the
# operation declares with its captured wire status (never a 5xx, never an undeclared type).
WEAK = ("inferred", "unknown")
FLOOR = "lifecycle.declared-answer"
FACTS: tuple[str, ...] = tuple(dict.fromkeys(
    [s.fact for s in TABLE.values()] + list(CONTENT) + [FLOOR]))


def key(action: str, state: str) -> str:
    """How a judged step is named in tallies and signatures: `sign_up@UNCONFIRMED`."""
    return f"{action}@{state}"


def transitions(fact_id: str) -> tuple[tuple[str, str], ...]:
    """The (action, state) pairs at which the fact is judged: those whose answers it decides,
    or for a CONTENT fact the read where it is judged. A fact passes only when each of them
    was judged at least once."""
    if fact_id in CONTENT:
        return (CONTENT[fact_id].at,)
    if fact_id == FLOOR:
        return tuple(pair for pair, step in TABLE.items() if observed_only(step.fact))
    return tuple(pair for pair, step in TABLE.items() if step.fact == fact_id)


def observed_only(fact_id: str) -> bool:
    """Does no fact the verdict would rest on carry one (all inferred or unknown)?"""
    return all(fact(f).confidence in WEAK for f in (fact_id, *depends(fact_id)))


def depends(fact_id: str) -> tuple[str, ...]:
    """Facts an answer of this fact also rests on (the evidence of its check)."""
    return tuple(dict.fromkeys(d for step in TABLE.values() if step.fact == fact_id
                               for d in step.depends))


def reachable(action: str, capabilities: frozenset[str]) -> bool:
    return NEEDS.get(action, ADMIN) in capabilities


def judgeable(fact_id: str, pair: tuple[str, str], capabilities: frozenset[str]) -> bool:
    """Can the machine judge the fact at `pair` with these capabilities?"""
    content = CONTENT.get(fact_id)
    return reachable((content.after if content else pair)[0], capabilities)


def requires(fact_id: str) -> frozenset[str]:
    """Capabilities the fact's check needs: admin, plus what EVERY one of its transitions
    needs (a fact with one transition reachable without the oracle is judged without it)."""
    content = CONTENT.get(fact_id)
    pairs = (content.after,) if content else transitions(fact_id)
    needs = {NEEDS.get(action) for action, _ in pairs}
    return frozenset({ADMIN} | (needs if len(needs) == 1 and None not in needs else set()))


def routes(state: str, capabilities: frozenset[str]) -> list[tuple[str, ...]]:
    """Every way (shortest first) to bring a fresh user into `state` by successes alone."""
    found: list[tuple[str, ...]] = []

    def walk(at: str, path: tuple[str, ...]) -> None:
        if at == state:
            found.append(path)
            return
        for action in ACTIONS:
            step = TABLE.get((action, at))
            if (step and step.after and step.after != ABSENT and reachable(action, capabilities)
                    and len(path) < len(STATES)):
                walk(step.after, path + (action,))

    walk(ABSENT, ())
    return sorted(found, key=len)
