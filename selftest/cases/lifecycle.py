"""Fault cases for the confirmation-lifecycle checks (conformance/checks/lifecycle.py,
confirm.py, resend.py, auth.py) and the state machine's facts (`state.machine.*`).

moto accepts any code, never rejects a second confirmation and has no ResendConfirmationCode,
so several `fixed` lists need state: `AwsLifecycle` is a small stateful overlay, installed
as proxy faults, that tracks each username's status from the traffic and rewrites moto's
answers into AWS's (messages from the facts, never literals). It also lets the state
machine pass behind the proxy with the full model; a `broken` list is that overlay plus one
deliberate deviation, so each fault is shown to be caught on an otherwise AWS-like target.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from conformance.machines.lifecycle import target_changed
from conformance.machines.model import FACTS, observed_only
from conformance.spec.facts import fact
from conformance.targets.moto import FIXED_CODE
from selftest import faultproxy as fp
from selftest.cases.case import Case
from selftest.fixes import aws_error, fact_message

Request = dict[str, Any]


def aws(fact_id: str, **fill: str) -> fp.Mutation:
    """The mutation that turns any response into the fact's AWS error."""
    return aws_error(fact_id, **fill).mutate


def wrong_code(req: Request) -> bool:
    return req.get("ConfirmationCode") != FIXED_CODE


def no_secret_hash(req: Request) -> bool:
    return "SecretHash" not in req


def on_repeat(operation: str, mutation: fp.Mutation, key: str = "Username") -> fp.Fault:
    """Apply `mutation` from the second request for the same user on."""
    seen: set[Any] = set()

    def when(req: Request) -> bool:
        hit = req.get(key) in seen
        seen.add(req.get(key))
        return hit
    return fp.Fault(mutation, operation=operation, when=when)


def secret_error(operation: str, fact_id: str) -> fp.Fault:
    """The fact's NotAuthorizedException, naming the client of the request."""
    def mutate(r: fp.Response, req: Request) -> None:
        aws(fact_id, client_id=str(req.get("ClientId")))(r, req)
    return fp.Fault(mutate, operation=operation, when=no_secret_hash)


def get_user(func: Callable[[dict[str, Any]], None]) -> fp.Fault:
    """Edit a successful AdminGetUser body in place."""
    def mutate(body: Any, req: Request) -> Any:
        func(body)
        return body
    return fp.Fault(fp.edit(mutate), operation="AdminGetUser", when_type="")


def set_attribute(name: str, value: str) -> Callable[[dict[str, Any]], None]:
    def edit(body: dict[str, Any]) -> None:
        attrs = [a for a in body.get("UserAttributes", []) if a.get("Name") != name]
        body["UserAttributes"] = attrs + [{"Name": name, "Value": value}]
    return edit


def set_status(value: str) -> Callable[[dict[str, Any]], None]:
    return lambda body: body.__setitem__("UserStatus", value)


# -- a stateful AWS-like overlay over moto's lifecycle -------------------------------------------
@dataclass
class Tracked:
    status: str
    email: str | None
    verified: bool = False        # confirmed with the emailed code: email_verified "true"
    reachable: bool = False       # a verified email: ForgotPassword/AdminResetUserPassword work
    code: bool = False            # a forgot-password code is outstanding


BLOCKED = "overlay-blocked-user"  # a username moto never has: a blocked request changes nothing


def blocked(req: Request) -> Request:
    """The request sent to moto instead, for a user that does not exist there."""
    return {**req, "Username": BLOCKED}


@dataclass
class AwsLifecycle:
    """Tracks each username's status as AWS would from the traffic and answers as AWS: moto
    accepts any code, confirms users in any state, signs RESET_REQUIRED users in, answers
    ForgotPassword for anyone and has no ResendConfirmationCode. Where moto would APPLY what
    AWS refuses (a confirmation of an admin-created user, a forgot-password code that is wrong),
    the request reaches moto for a user it does not have (`before`), so moto's passwords and
    statuses never drift from AWS's; the answer is then AWS's (messages from the facts)."""

    users: dict[str, Tracked] = field(default_factory=dict)

    def faults(self) -> list[fp.Fault]:
        table = {"SignUp": self.sign_up, "ConfirmSignUp": self.confirm,
                 "AdminConfirmSignUp": self.admin_confirm, "ResendConfirmationCode": self.resend,
                 "InitiateAuth": self.sign_in, "AdminGetUser": self.get_user,
                 "AdminDeleteUser": self.delete, "AdminCreateUser": self.admin_create,
                 "RespondToAuthChallenge": self.answered, "ForgotPassword": self.forgot,
                 "ConfirmForgotPassword": self.confirm_forgot,
                 "AdminSetUserPassword": self.admin_set,
                 "AdminResetUserPassword": self.admin_reset}
        blocks = {"ConfirmSignUp": self.confirm_blocked,
                  "AdminConfirmSignUp": self.confirm_blocked,
                  "ConfirmForgotPassword": self.confirm_forgot_blocked}
        return [*(fp.Fault(lambda r, req: None, operation=op, before=check)
                  for op, check in blocks.items()),
                *(fp.Fault(mutate, operation=op) for op, mutate in table.items())]

    def user(self, req: Request) -> Tracked | None:
        return self.users.get(req.get("Username", ""))

    # -- requests moto must not apply ----------------------------------------------------------
    def confirm_blocked(self, req: Request) -> Request | None:
        user = self.user(req)
        return blocked(req) if user and user.status in ("FORCE_CHANGE_PASSWORD",
                                                        "RESET_REQUIRED") else None

    def confirm_forgot_blocked(self, req: Request) -> Request | None:
        user = self.user(req)
        return blocked(req) if user and (not user.code or wrong_code(req)) else None

    # -- answers -------------------------------------------------------------------------------
    def sign_up(self, r: fp.Response, req: Request) -> None:
        if r.status == 200:
            email = {a.get("Name"): a.get("Value") for a in req.get("UserAttributes", [])}
            self.users[req["Username"]] = Tracked("UNCONFIRMED", email.get("email"))

    def admin_create(self, r: fp.Response, req: Request) -> None:
        if r.status == 200 and req.get("MessageAction") != "RESEND":
            attrs = {a.get("Name"): a.get("Value") for a in req.get("UserAttributes", [])}
            self.users[req["Username"]] = Tracked(
                "FORCE_CHANGE_PASSWORD", attrs.get("email"),
                reachable=attrs.get("email_verified") == "true")

    def not_confirmable(self, user: Tracked, r: fp.Response, req: Request) -> bool:
        """AWS's answer for a user whose status is past confirmation (True when answered)."""
        if user.status == "FORCE_CHANGE_PASSWORD":
            aws("lifecycle.confirm.admin.force-change")(r, req)
        elif user.status == "RESET_REQUIRED":  # unknown on AWS: answered as the model guesses
            fp.success({})(r, req)
        else:
            return False
        return True

    def confirm(self, r: fp.Response, req: Request) -> None:
        user = self.user(req)
        if user is None:
            if (r.json or {}).get("__type") == "UserNotFoundException":
                aws("lifecycle.confirm.unknown-user.legacy")(r, req)
        elif user.status == "CONFIRMED":
            aws("lifecycle.confirm.already-confirmed")(r, req)
        elif self.not_confirmable(user, r, req):
            return
        elif wrong_code(req):
            aws("lifecycle.confirm.wrong-code")(r, req)
        elif r.status == 200:
            user.status, user.verified, user.reachable = "CONFIRMED", True, True

    def admin_confirm(self, r: fp.Response, req: Request) -> None:
        user = self.user(req)
        if user is not None and user.status == "CONFIRMED":
            aws("lifecycle.confirm.admin.already-confirmed")(r, req)
        elif user is not None and self.not_confirmable(user, r, req):
            return
        elif user is not None and r.status == 200:
            user.status = "CONFIRMED"

    def resend(self, r: fp.Response, req: Request) -> None:
        user = self.user(req)
        if user is None:
            aws("lifecycle.resend.unknown-user.legacy")(r, req)
        elif user.status == "CONFIRMED":
            aws("lifecycle.resend.confirmed-user")(r, req)
        else:  # UNCONFIRMED; other states unknown on AWS: answered as the model guesses
            fp.success({"CodeDeliveryDetails": delivery(user.email or "")})(r, req)

    def sign_in(self, r: fp.Response, req: Request) -> None:
        user = self.users.get((req.get("AuthParameters") or {}).get("USERNAME", ""))
        if user is not None and user.status == "UNCONFIRMED" and r.status == 200:
            aws("lifecycle.auth.unconfirmed")(r, req)
        elif user is not None and user.status == "RESET_REQUIRED" and r.status == 200:
            aws("password.admin-reset.sign-in")(r, req)

    def answered(self, r: fp.Response, req: Request) -> None:
        user = self.users.get((req.get("ChallengeResponses") or {}).get("USERNAME", ""))
        if user is not None and r.status == 200:
            user.status, user.code = "CONFIRMED", False

    def forgot(self, r: fp.Response, req: Request) -> None:
        user = self.user(req)
        if user is None:
            aws("existence.forgot.legacy")(r, req)
        elif user.status == "FORCE_CHANGE_PASSWORD" and user.reachable:
            aws("lifecycle.forgot.force-change")(r, req)
        elif not user.reachable:
            aws("lifecycle.forgot.unverified")(r, req)
        elif r.status == 200:  # moto answers a made-up SMS destination
            data = fact("shape.forgot.email-destination").data
            local, _, domain = (user.email or "").partition("@")
            fp.success({"CodeDeliveryDetails": {
                "Destination": f"{local[:1]}***@{domain[:1]}***",
                "DeliveryMedium": data["delivery_medium"],
                "AttributeName": data["attribute_name"]}})(r, req)
            user.code = True

    def confirm_forgot(self, r: fp.Response, req: Request) -> None:
        user = self.user(req)
        if user is None:
            return
        if not user.code:
            aws("password.forgot.confirm.no-code-requested")(r, req)
        elif wrong_code(req):
            aws("password.forgot.confirm.wrong-code")(r, req)
        elif r.status == 200:
            user.status, user.code = "CONFIRMED", False

    def admin_set(self, r: fp.Response, req: Request) -> None:
        user = self.user(req)
        if user is not None and r.status == 200:
            user.status = "CONFIRMED" if req.get("Permanent") else "FORCE_CHANGE_PASSWORD"
            user.code = False

    def admin_reset(self, r: fp.Response, req: Request) -> None:
        user = self.user(req)
        if user is None or user.status == "FORCE_CHANGE_PASSWORD":
            return  # moto answers as AWS
        if user.status == "CONFIRMED" and user.reachable:
            fp.success({})(r, req)  # moto sees no verified email after ConfirmSignUp
            user.status, user.code = "RESET_REQUIRED", False
        elif user.status in ("UNCONFIRMED", "RESET_REQUIRED"):
            fp.success({})(r, req)  # unknown on AWS: answered as the model guesses

    def get_user(self, r: fp.Response, req: Request) -> None:
        user = self.user(req)
        if user is None or r.status != 200:
            return
        body = r.json
        set_status(user.status)(body)
        if user.verified:
            set_attribute("email_verified", "true")(body)
        r.set_json(body)

    def delete(self, r: fp.Response, req: Request) -> None:
        if r.status == 200:
            self.users.pop(req.get("Username", ""), None)


def delivery(email: str) -> dict[str, str]:
    data = fact("lifecycle.resend.success").data
    local, _, domain = email.partition("@")
    return {"Destination": data["destination"].format(local=local[:1], domain=domain[:1]),
            "DeliveryMedium": data["delivery_medium"], "AttributeName": data["attribute_name"]}


def aws_like() -> list[fp.Fault]:
    return AwsLifecycle().faults()


def aws_like_but(*faults: fp.Fault) -> list[fp.Fault]:
    """The AWS-like overlay with deliberate deviations applied after it."""
    return aws_like() + list(faults)


# -- the state machine's facts: one shared run per session, so one fault list per phase -------
class MachineFaults(list):  # type: ignore[type-arg]
    """Faults for the `state.machine.*` checks, named for the machine's run cache.

    Those checks share one machine run per session (conformance/machines/lifecycle.py), while
    the self-tests install other faults in front of moto under one session. Installing a
    MachineFaults list (the proxy copies it, `list(faults)`, or the meta-test joins it,
    `[*fixed, *broken]`: iteration either way) tells the machine the target now behaves as
    under this list, the last one iterated (`target_changed(id(list))`): a check is never
    judged from a run made under other faults, and the checks installing the same list
    share one run (two per worker: fixed, fixed + broken)."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        target_changed(id(self))
        return super().__iter__()


def errors_answer(status: int, operation: str) -> fp.Fault:
    """Every error of the operation keeps its __type but gets another HTTP status."""
    def mutate(r: fp.Response, req: Request) -> None:
        if isinstance(r.json, dict) and r.json.get("__type"):
            r.status = status
    return fp.Fault(mutate, operation=operation)


FAKE_SUB = "00000000-0000-4000-8000-000000000000"


def break_every_fact() -> list[fp.Fault]:
    """On top of the AWS-like overlay: every fact of the machine's model broken on every step
    it judges, yet AdminGetUser still re-reads every user, so the run goes on and each fact
    fails by a divergence of its own (not by "not exercised")."""
    def tokens_type(b: Any, req: Request) -> Any:
        result = b.get("AuthenticationResult")
        return {**b, "AuthenticationResult": {**result, "TokenType": "Basic"}} if result else {
            **b, "AuthenticationResult": {"AccessToken": "a", "TokenType": "Bearer"}}

    def delivered_by_sms(b: Any, req: Request) -> Any:
        return {"CodeDeliveryDetails": {**b["CodeDeliveryDetails"], "DeliveryMedium": "SMS"}}

    def created_confirmed(b: Any, req: Request) -> Any:
        return {**b, "User": {**b["User"], "UserStatus": "CONFIRMED"}}

    successes = {"AdminConfirmSignUp": fp.status(201), "AdminDeleteUser": fp.status(201),
                 "ConfirmSignUp": fp.body({"UserConfirmed": True}),
                 "ResendConfirmationCode": fp.edit(delivered_by_sms),
                 # tokens: TokenType Basic; a challenge: tokens issued before it is answered
                 "InitiateAuth": fp.edit(tokens_type),
                 "RespondToAuthChallenge": fp.edit(tokens_type),
                 "SignUp": fp.member("UserConfirmed", True),
                 "AdminCreateUser": fp.edit(created_confirmed),
                 "ForgotPassword": fp.edit(delivered_by_sms),
                 "ConfirmForgotPassword": fp.body({"Confirmed": True}),
                 "ChangePassword": fp.body({"Changed": True}),
                 "AdminSetUserPassword": fp.status(201),
                 "AdminResetUserPassword": fp.status(201)}
    return [
        *(fp.Fault(mutate, operation=op, when_type="") for op, mutate in successes.items()),
        *(errors_answer(403, op) for op in ("ConfirmSignUp", "AdminConfirmSignUp",
                                            "ResendConfirmationCode", "InitiateAuth",
                                            "AdminDeleteUser", "AdminCreateUser",
                                            "ForgotPassword", "ConfirmForgotPassword",
                                            "AdminResetUserPassword")),
        fp.Fault(fp.status(500), operation="SignUp", when_type="UsernameExistsException"),
        get_user(set_attribute("sub", FAKE_SUB)),
        get_user(set_attribute("email_verified", "false"))]


MACHINE_FIXED = MachineFaults(aws_like())
MACHINE_BROKEN = MachineFaults(break_every_fact())  # installed as [*MACHINE_FIXED, *this]
STUCK_UNCONFIRMED = get_user(set_status("UNCONFIRMED"))
# Rejects a wrong code (AWS-like) but leaves moto's state change: the user is CONFIRMED anyway.
WRONG_CODE_REJECTED = fp.Fault(aws("lifecycle.confirm.wrong-code"), operation="ConfirmSignUp",
                               when=wrong_code)
HIDDEN_AUTH = fp.Fault(aws("lifecycle.auth.unknown-user.enabled"), operation="InitiateAuth",
                       when_type="UserNotFoundException")
CONFIRM_OK = dict(operation="ConfirmSignUp", when_type="")
RESEND = "ResendConfirmationCode"

# The inferred after-SignUp facts are observations (conformance/checks/lifecycle.py): these
# faults make the target disagree with the inferred value; selftest/test_observations.py
# shows the record follows (agrees -> false) and never fails.
INFERRED_DISAGREE: dict[str, list[fp.Fault]] = {
    "state.signup.unconfirmed": [get_user(set_status("CONFIRMED"))],
    "state.signup.enabled": [get_user(lambda b: b.__setitem__("Enabled", False))],
    "state.signup.sub-matches": [
        fp.Fault(fp.member("UserSub", str(uuid.uuid4())), operation="SignUp", when_type="")],
    "state.signup.attributes-as-sent": [
        get_user(set_attribute("email", "someone.else@example.com"))],
    "state.signup.after-delete.new-sub": [
        on_repeat("SignUp", fp.error("UsernameExistsException",
                                     fact_message("signup.duplicate-username")))],
}

CASES: dict[str, Case] = {
    # -- SignUp leaves an UNCONFIRMED user -----------------------------------------------------
    "state.signup.user-confirmed-false": Case(
        broken=[fp.Fault(fp.member("UserConfirmed", True), operation="SignUp", when_type="")]),
    # -- ConfirmSignUp -------------------------------------------------------------------------
    "state.confirm.success.response": Case(
        broken=[fp.Fault(fp.body({"UserConfirmed": True}), **CONFIRM_OK)]),
    "state.confirm.success.confirmed": Case(broken=[STUCK_UNCONFIRMED]),
    "state.confirm.success.email-verified": Case(
        broken=aws_like_but(get_user(set_attribute("email_verified", "false"))),
        fixed=aws_like()),
    "state.confirm.wrong-code.status": Case(
        broken=[WRONG_CODE_REJECTED, fp.Fault(fp.member("__type", "ExpiredCodeException"),
                                              operation="ConfirmSignUp",
                                              when_type="CodeMismatchException")],
        fixed=[WRONG_CODE_REJECTED]),
    "state.confirm.wrong-code.unchanged": Case(
        broken=[fp.Fault(fp.member("UserStatus", "CONFIRMED"), operation="AdminGetUser",
                         when_type="")],
        fixed=aws_like()),
    "state.confirm.already-confirmed.status": Case(
        broken=[on_repeat("ConfirmSignUp", aws("lifecycle.confirm.wrong-code"))],
        fixed=[on_repeat("ConfirmSignUp", aws("lifecycle.confirm.already-confirmed"))]),
    "state.confirm.unknown-user.enabled.hidden": Case(
        broken=[fp.Fault(fp.error("UserNotFoundException",
                                  fact_message("lifecycle.confirm.admin.unknown-user")),
                         operation="ConfirmSignUp")],
        fixed=[fp.Fault(aws("lifecycle.confirm.wrong-code"), operation="ConfirmSignUp",
                        when_type="UserNotFoundException")]),
    "state.confirm.secret-hash.missing.status": Case(
        broken=[fp.Fault(aws("lifecycle.confirm.wrong-code"), operation="ConfirmSignUp",
                         when=no_secret_hash)],
        fixed=[secret_error("ConfirmSignUp", "lifecycle.confirm.secret")]),
    # -- AdminConfirmSignUp --------------------------------------------------------------------
    "state.admin-confirm.confirms": Case(broken=[STUCK_UNCONFIRMED]),
    "state.admin-confirm.already-confirmed.status": Case(
        broken=[on_repeat("AdminConfirmSignUp", aws("lifecycle.resend.confirmed-user"))],
        fixed=[on_repeat("AdminConfirmSignUp", aws("lifecycle.confirm.admin.already-confirmed"))]),
    "state.admin-confirm.unknown-pool.status": Case(
        broken=[fp.Fault(fp.status(404), operation="AdminConfirmSignUp",
                         when_type="ResourceNotFoundException")]),
    # -- ResendConfirmationCode ----------------------------------------------------------------
    "state.resend.unconfirmed.delivery": Case(
        broken=aws_like_but(fp.Fault(fp.edit(lambda b, req: {"CodeDeliveryDetails": {
            **b["CodeDeliveryDetails"], "DeliveryMedium": "SMS"}}), operation=RESEND)),
        fixed=aws_like()),
    "state.resend.unconfirmed.destination-masked": Case(
        broken=aws_like_but(fp.Fault(fp.edit(lambda b, req: {"CodeDeliveryDetails": {
            **b["CodeDeliveryDetails"], "Destination": "someone@example.com"}}),
            operation=RESEND)),
        fixed=aws_like()),
    "state.resend.confirmed.legacy.status": Case(
        broken=aws_like_but(fp.Fault(fp.success({"CodeDeliveryDetails": delivery("a@b.c")}),
                                     operation=RESEND)),
        fixed=aws_like()),
    "state.resend.unknown-user.legacy.status": Case(
        broken=aws_like_but(fp.Fault(aws("lifecycle.resend.confirmed-user"), operation=RESEND)),
        fixed=aws_like()),
    "state.resend.secret-hash.missing.status": Case(
        broken=[fp.Fault(fp.success({"CodeDeliveryDetails": delivery("a@b.c")}),
                         operation=RESEND)],
        fixed=[secret_error(RESEND, "lifecycle.resend.secret")]),
    # -- InitiateAuth --------------------------------------------------------------------------
    "state.auth.unconfirmed.status": Case(
        broken=[fp.Fault(fp.member("__type", "NotAuthorizedException"), operation="InitiateAuth",
                         when_type="UserNotConfirmedException")]),
    "state.auth.confirmed.shape": Case(
        broken=[fp.Fault(fp.edit(lambda b, req: {"AuthenticationResult": {
            **b["AuthenticationResult"], "ExpiresIn": "3600"}}), operation="InitiateAuth",
            when_type="")]),
    "state.auth.confirmed.tokens": Case(
        broken=[fp.Fault(fp.edit(lambda b, req: {"AuthenticationResult": {
            k: v for k, v in b["AuthenticationResult"].items() if k != "RefreshToken"}}),
            operation="InitiateAuth", when_type="")]),
    "state.auth.wrong-password.status": Case(
        broken=[fp.Fault(fp.member("__type", "UserNotFoundException"), operation="InitiateAuth",
                         when_type="NotAuthorizedException")]),
    "state.auth.deleted.legacy.status": Case(
        broken=[fp.Fault(aws("lifecycle.auth.unknown-user.enabled"), operation="InitiateAuth",
                         when_type="UserNotFoundException")]),
    "state.auth.deleted.enabled.status": Case(
        broken=[HIDDEN_AUTH, fp.Fault(fp.status(403), operation="InitiateAuth",
                                      when_type="NotAuthorizedException")],
        fixed=[HIDDEN_AUTH]),
    # -- the state machine: one check per fact; the broken run fails each by a divergence of
    # its own, and each check's replay of it fires the faults (test_state_machine.py breaks
    # one fact at a time). Facts only inferred are observations (no case).
    **{f"state.machine.{fact_id}": Case(broken=MACHINE_BROKEN, fixed=MACHINE_FIXED)
       for fact_id in FACTS if not observed_only(fact_id)},
}
