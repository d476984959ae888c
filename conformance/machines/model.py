"""The reference model of the confirmation lifecycle, as a transition table.

Each user is absent, UNCONFIRMED or CONFIRMED. For every (action, state) the table names the
fact (specs/behaviours/*.toml) that says what AWS answers and the state afterwards. The
accepted answer comes from the fact: its `error`, or its `candidates` where AWS's behaviour is
disputed (then any candidate is accepted), or success when it names no error. Keeping the
model as data means a new fact changes the machine without touching its code.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.spec.facts import fact

ABSENT, UNCONFIRMED, CONFIRMED = "absent", "UNCONFIRMED", "CONFIRMED"
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
    ("sign_in_wrong", UNCONFIRMED): Step("lifecycle.auth.unconfirmed.wrong-password"),
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
