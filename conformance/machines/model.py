"""The reference model of a user's lifecycle, as a transition table.

Each user is absent, UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD (admin-created, or a
temporary password set) or RESET_REQUIRED (AdminResetUserPassword). For every (action, state)
the table names the fact (specs/behaviours/*.toml) that says what AWS answers and the state
afterwards. The accepted answer comes from the fact: its `error`, or its `candidates` where
AWS's behaviour is disputed (then any candidate is accepted), or success when it names no
error. Keeping the model as data means a new fact changes the machine without touching its
code.

Beside its state the model knows each user's passwords (the current one and the old ones, as
versions of the run's few passwords), whether its email is verified, and whether a
forgot-password code is outstanding. A few actions only apply where those make the answer a
function of the state (APPLIES): signing in with an old password needs one; ConfirmForgotPassword
needs a code ForgotPassword sent (a code that may have been superseded or spent is never
judged); ForgotPassword and AdminResetUserPassword on an existing user need a verified email
(else AWS answers for the missing email, whatever the state); ChangePassword needs a CONFIRMED
user's tokens; answering NEW_PASSWORD_REQUIRED needs the challenge. A pair the table lacks is
never sent.

Each fact the table (or CONTENT) names becomes one check, `state.machine.<fact id>`
(conformance/checks/lifecycle.py), or an observation where the fact is only inferred (WEAK,
FLOOR below): FACTS lists them, `transitions` says which (action, state)
pairs judge each, `requires` which capabilities reaching them takes, and `routes` how a fresh
user is brought where a pair applies (the machine's coverage phase walks them for every pair
the random sequences missed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from conformance.spec.facts import fact

ABSENT, UNCONFIRMED, CONFIRMED = "absent", "UNCONFIRMED", "CONFIRMED"
FORCE_CHANGE, RESET_REQUIRED = "FORCE_CHANGE_PASSWORD", "RESET_REQUIRED"
STATES = (ABSENT, UNCONFIRMED, CONFIRMED, FORCE_CHANGE, RESET_REQUIRED)
ACTIONS = ("sign_up", "confirm_right", "confirm_wrong", "admin_confirm", "resend",
           "sign_in_right", "sign_in_wrong", "get_user", "delete",
           "sign_in_old", "admin_create", "answer_new_password", "forgot_password",
           "confirm_forgot_right", "confirm_forgot_wrong", "change_password",
           "admin_set_password_permanent", "admin_set_password_temporary",
           "admin_reset_password")
PASSWORDS = 3  # versions of the run's password a user cycles through (0: sign-up, create)


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
_DUPLICATE, _ADMIN_DUPLICATE = "signup.duplicate-username", "admin.create.duplicate"
_CHALLENGE = "admin.challenge.new-password-required"
_OLD_REFUSED = "password.old-password-refused"
_FORCE_WRONG = "lifecycle.auth.force-change.wrong-password"
# Disputed between the two captured answers: it is one of them.
_RESET_WRONG = Step("lifecycle.auth.reset-required.wrong-password", depends=(
    "password.admin-reset.sign-in", "lifecycle.auth.wrong-password"))
_FORCE_CONFIRM = Step("lifecycle.confirm.force-change", depends=(
    "lifecycle.confirm.admin.force-change", "lifecycle.confirm.wrong-code"))
_RESET_CONFIRM = Step("lifecycle.confirm.reset-required")
_EXISTING = (UNCONFIRMED, CONFIRMED, FORCE_CHANGE, RESET_REQUIRED)
_PERMANENT, _TEMPORARY = "password.admin-set.permanent", "password.admin-set.temporary"

TABLE: dict[tuple[str, str], Step] = {
    ("sign_up", ABSENT): Step("lifecycle.signup.unconfirmed", UNCONFIRMED),
    **{("sign_up", s): Step(_DUPLICATE) for s in _EXISTING},
    ("confirm_right", ABSENT): Step(_CONFIRM_UNKNOWN),
    ("confirm_right", UNCONFIRMED): Step("lifecycle.confirm.success", CONFIRMED),
    ("confirm_right", CONFIRMED): Step("lifecycle.confirm.already-confirmed"),
    ("confirm_right", FORCE_CHANGE): _FORCE_CONFIRM,
    ("confirm_right", RESET_REQUIRED): _RESET_CONFIRM,
    ("confirm_wrong", ABSENT): Step(_CONFIRM_UNKNOWN),
    ("confirm_wrong", UNCONFIRMED): Step("lifecycle.confirm.wrong-code"),
    # Unknown which error wins, but it is one of the two: rests on both facts.
    ("confirm_wrong", CONFIRMED): Step("lifecycle.confirm.precedence", depends=(
        "lifecycle.confirm.wrong-code", "lifecycle.confirm.already-confirmed")),
    ("confirm_wrong", FORCE_CHANGE): _FORCE_CONFIRM,
    ("confirm_wrong", RESET_REQUIRED): _RESET_CONFIRM,
    ("admin_confirm", ABSENT): Step(_UNKNOWN_USER),
    ("admin_confirm", UNCONFIRMED): Step("lifecycle.confirm.admin.success", CONFIRMED),
    ("admin_confirm", CONFIRMED): Step("lifecycle.confirm.admin.already-confirmed"),
    ("admin_confirm", FORCE_CHANGE): Step("lifecycle.confirm.admin.force-change"),
    ("admin_confirm", RESET_REQUIRED): _RESET_CONFIRM,
    ("resend", ABSENT): Step("lifecycle.resend.unknown-user.legacy"),
    ("resend", UNCONFIRMED): Step("lifecycle.resend.success"),
    ("resend", CONFIRMED): Step("lifecycle.resend.confirmed-user"),
    ("resend", FORCE_CHANGE): Step("lifecycle.resend.not-unconfirmed"),
    ("resend", RESET_REQUIRED): Step("lifecycle.resend.not-unconfirmed"),
    ("sign_in_right", ABSENT): Step(_AUTH_UNKNOWN),
    ("sign_in_right", UNCONFIRMED): Step("lifecycle.auth.unconfirmed"),
    ("sign_in_right", CONFIRMED): Step("lifecycle.auth.success"),
    ("sign_in_right", FORCE_CHANGE): Step(_CHALLENGE),
    ("sign_in_right", RESET_REQUIRED): Step("password.admin-reset.sign-in"),
    ("sign_in_wrong", ABSENT): Step(_AUTH_UNKNOWN),
    # Disputed between the two captured answers: it is one of them.
    ("sign_in_wrong", UNCONFIRMED): Step("lifecycle.auth.unconfirmed.wrong-password", depends=(
        "lifecycle.auth.unconfirmed", "lifecycle.auth.wrong-password")),
    ("sign_in_wrong", CONFIRMED): Step("lifecycle.auth.wrong-password"),
    ("sign_in_wrong", FORCE_CHANGE): Step(_FORCE_WRONG),
    ("sign_in_wrong", RESET_REQUIRED): _RESET_WRONG,
    ("sign_in_old", CONFIRMED): Step(_OLD_REFUSED),
    ("sign_in_old", FORCE_CHANGE): Step(_FORCE_WRONG),
    ("sign_in_old", RESET_REQUIRED): _RESET_WRONG,
    **{("get_user", s): Step(_UNKNOWN_USER if s == ABSENT else "lifecycle.state.after-signup")
       for s in STATES},
    ("delete", ABSENT): Step(_UNKNOWN_USER),
    **{("delete", s): Step("lifecycle.signup.after-delete", ABSENT) for s in _EXISTING},
    ("admin_create", ABSENT): Step("admin.create.force-change-password", FORCE_CHANGE),
    **{("admin_create", s): Step(_ADMIN_DUPLICATE) for s in _EXISTING},
    ("answer_new_password", FORCE_CHANGE): Step("admin.challenge.answered", CONFIRMED),
    ("forgot_password", ABSENT): Step("existence.forgot.legacy"),
    ("forgot_password", UNCONFIRMED): Step("lifecycle.forgot.unverified"),
    ("forgot_password", CONFIRMED): Step("shape.forgot.email-destination"),
    ("forgot_password", FORCE_CHANGE): Step("lifecycle.forgot.force-change"),
    ("forgot_password", RESET_REQUIRED): Step("lifecycle.forgot.reset-required"),
    ("confirm_forgot_right", CONFIRMED): Step("password.forgot.confirm.success", CONFIRMED),
    ("confirm_forgot_right", RESET_REQUIRED): Step("lifecycle.forgot.confirm.reset-required",
                                                   CONFIRMED),
    ("confirm_forgot_wrong", CONFIRMED): Step("password.forgot.confirm.wrong-code"),
    ("confirm_forgot_wrong", RESET_REQUIRED): Step("password.forgot.confirm.wrong-code"),
    ("change_password", CONFIRMED): Step("password.change.success", CONFIRMED),
    ("admin_set_password_permanent", ABSENT): Step(_UNKNOWN_USER),
    ("admin_set_password_permanent", UNCONFIRMED): Step("lifecycle.admin-set.unconfirmed",
                                                        CONFIRMED),
    **{("admin_set_password_permanent", s): Step(_PERMANENT, CONFIRMED)
       for s in (CONFIRMED, FORCE_CHANGE, RESET_REQUIRED)},
    ("admin_set_password_temporary", ABSENT): Step(_UNKNOWN_USER),
    ("admin_set_password_temporary", UNCONFIRMED): Step("lifecycle.admin-set.unconfirmed",
                                                        FORCE_CHANGE),
    **{("admin_set_password_temporary", s): Step(_TEMPORARY, FORCE_CHANGE)
       for s in (CONFIRMED, FORCE_CHANGE, RESET_REQUIRED)},
    ("admin_reset_password", ABSENT): Step(_UNKNOWN_USER),
    ("admin_reset_password", UNCONFIRMED): Step("lifecycle.admin-reset.unconfirmed"),
    ("admin_reset_password", CONFIRMED): Step("password.admin-reset.status", RESET_REQUIRED),
    ("admin_reset_password", FORCE_CHANGE): Step("lifecycle.admin-reset.force-change"),
    ("admin_reset_password", RESET_REQUIRED): Step("lifecycle.admin-reset.reset-required"),
}
# Actions whose success sets a new password (the next version), and the one that sends a
# forgot-password code.
SETS_PASSWORD = frozenset({"answer_new_password", "confirm_forgot_right", "change_password",
                           "admin_set_password_permanent", "admin_set_password_temporary"})
SENDS_CODE = "forgot_password"
# Actions whose request carries a new password: a 200 means the target took it (a wrong code
# included), and the model follows the target.
CARRIES_PASSWORD = SETS_PASSWORD | {"confirm_forgot_wrong"}
# A success of these creates the user with the run's first password.
CREATES = frozenset({"sign_up", "admin_create"})


@dataclass
class User:
    """What the model knows about one username."""

    name: str
    state: str = ABSENT
    sub: str | None = None
    verified_by_code: bool = False  # confirmed with an emailed code: email_verified is true
    old_subs: tuple[str, ...] = ()
    password: int = 0               # the current password's version
    old: tuple[int, ...] = ()       # versions that were this user's password before
    email_verified: bool = False    # ForgotPassword and AdminResetUserPassword can reach it
    code: bool = False              # a forgot-password code ForgotPassword sent is outstanding
    via: str | None = None          # the fact of the step that brought it into its state

    def apply(self, step: Step, action: str) -> None:
        if step.after is None:
            return
        if step.after == ABSENT:
            self.old_subs += (self.sub,) if self.sub else ()
            self.sub, self.verified_by_code = None, False
            self.password, self.old, self.email_verified, self.code = 0, (), False, False
        # email_verified is judged right after the code confirmed it, until the next change
        self.verified_by_code = action == "confirm_right"
        if action in CREATES:
            self.email_verified = action == "admin_create"  # created with a verified email
        elif action == "confirm_right":
            self.email_verified = True
        if step.after != self.state:
            self.code = False  # a code sent in another state is not relied on
        self.state, self.via = step.after, step.fact

    def new_password(self) -> int:
        return (self.password + 1) % PASSWORDS

    def set_password(self, version: int) -> None:
        """The target accepted `version` as the password (whatever the model expected)."""
        self.old = tuple(v for v in self.old if v not in (version, self.password)) + (
            self.password,)
        self.password, self.code, self.verified_by_code = version, False, False

    @property
    def old_password(self) -> int | None:
        return self.old[-1] if self.old else None


def applies(action: str, user: User) -> bool:
    """Is the action sent for this user at all (module docstring)?"""
    if (action, user.state) not in TABLE:
        return False
    if action == "sign_in_old":
        return user.old_password is not None
    if action in ("confirm_forgot_right", "confirm_forgot_wrong"):
        return user.code
    if action in ("forgot_password", "admin_reset_password"):
        return user.state in (ABSENT, UNCONFIRMED) or user.email_verified
    return True


def expected(action: str, user: User) -> Step:
    return TABLE[(action, user.state)]


# -- the facts the machine judges, and what judging each takes -------------------------------
ADMIN = "admin"  # AdminGetUser is the machine's view of state: every fact needs it
ORACLE = "code-oracle"
NEEDS: dict[str, str] = {"confirm_right": ORACLE, "confirm_wrong": ORACLE,
                         "confirm_forgot_right": ORACLE, "confirm_forgot_wrong": ORACLE}


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
# transition left behind (a sign-up after a delete must get a new sub; after a password
# change the new password signs in and the old one is refused).
TAIL: dict[str, tuple[str, ...]] = {
    "delete": ("sign_up",),
    **{action: ("sign_in_right", "sign_in_old") for action in SETS_PASSWORD},
    "confirm_forgot_wrong": ("sign_in_right",),
}
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
    if content:
        return reachable(content.after[0], capabilities)
    return bool(routes(pair, capabilities))


def requires(fact_id: str) -> frozenset[str]:
    """Capabilities the fact's check needs: admin, plus what EVERY one of its transitions
    needs (a fact with one transition reachable without the oracle is judged without it)."""
    content = CONTENT.get(fact_id)
    pairs = (content.after,) if content else transitions(fact_id)
    needs = set()
    for pair in pairs:
        if not routes(pair, frozenset({ADMIN})):
            needs.add(ORACLE)  # the action or every way to it needs the oracle
        else:
            needs.add(None)
    return frozenset({ADMIN} | ({ORACLE} if needs == {ORACLE} else set()))


def _situation(user: User) -> tuple[object, ...]:
    return (user.state, user.email_verified, bool(user.old), user.code)


def advance(user: User, action: str) -> User | None:
    """The user after a success of `action` (None where it applies not or cannot succeed)."""
    if not applies(action, user):
        return None
    step = expected(action, user)
    if step.errors:
        return None
    after = replace(user)
    after.apply(step, action)
    if action in SETS_PASSWORD:
        after.set_password(after.new_password())
    if action == SENDS_CODE and after.state != ABSENT:
        after.code = True
    return after


_ROUTES: dict[tuple[tuple[str, str], frozenset[str]], tuple[tuple[str, ...], ...]] = {}
MAX_ROUTES = 4


def routes(pair: tuple[str, str], capabilities: frozenset[str]) -> tuple[tuple[str, ...], ...]:
    """Ways to bring a fresh user where the pair's action applies in the pair's state, by
    successes alone: the shortest, then the shortest without each action it takes (so a
    target that diverges on one step is still brought there another way), at most
    MAX_ROUTES."""
    cache_key = (pair, capabilities)
    if cache_key not in _ROUTES:
        found: list[tuple[str, ...]] = []
        first = _shortest(pair, capabilities, frozenset())
        if first is not None:
            found.append(first)
            for banned in first:
                other = _shortest(pair, capabilities, frozenset({banned}))
                if other is not None and other not in found and len(found) < MAX_ROUTES:
                    found.append(other)
        _ROUTES[cache_key] = tuple(found)
    return _ROUTES[cache_key]


def _shortest(pair: tuple[str, str], capabilities: frozenset[str],
              banned: frozenset[str]) -> tuple[str, ...] | None:
    action, state = pair
    if not reachable(action, capabilities):
        return None
    frontier: list[tuple[User, tuple[str, ...]]] = [(User(""), ())]
    seen = {_situation(User(""))}
    while frontier:
        nxt: list[tuple[User, tuple[str, ...]]] = []
        for user, path in frontier:
            if user.state == state and applies(action, user):
                return path
            for move in ACTIONS:
                if move in banned or not reachable(move, capabilities):
                    continue
                after = advance(user, move)
                if after is None or after.state == ABSENT or _situation(after) in seen:
                    continue
                seen.add(_situation(after))
                nxt.append((after, path + (move,)))
        frontier = nxt
    return None
