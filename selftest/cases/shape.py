"""Fault cases for the shape checks: bend one member of a successful answer.

Fixes make moto's answer AWS-like from the request the check sent (the masked email it
signed up with), using the facts in specs/behaviours/shape.toml, not literals.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.shape import mask_email
from conformance.spec.facts import fact
from selftest import faultproxy as fp
from selftest.cases.case import Case

SIGNUP_OK = dict(operation="SignUp", when_type="")
GET_USER_OK = dict(operation="AdminGetUser", when_type="")


def aws_code_delivery() -> fp.Fault:
    """CodeDeliveryDetails as AWS answers for the email the request carried."""
    data = fact("shape.signup.code-delivery.email").data

    def mutate(r: fp.Response, req: dict[str, Any]) -> None:
        email = next(a["Value"] for a in req.get("UserAttributes", []) if a["Name"] == "email")
        fp.member("CodeDeliveryDetails", {"Destination": mask_email(email),
                                          "DeliveryMedium": data["delivery_medium"],
                                          "AttributeName": data["attribute_name"]})(r, req)
    return fp.Fault(mutate, **SIGNUP_OK)


def drop_absent_keys(body: Any, req: dict[str, Any]) -> Any:
    for key in fact("state.admingetuser.mfa-empty").data["absent_keys"]:
        body.pop(key, None)
    return body


def unmasked(body: Any, req: dict[str, Any]) -> Any:
    email = next(a["Value"] for a in req.get("UserAttributes", []) if a["Name"] == "email")
    body["CodeDeliveryDetails"]["Destination"] = email
    return body


CASES: dict[str, Case] = {
    "signup.response.shape": Case(
        broken=[fp.Fault(fp.member("UserConfirmed", "false"), **SIGNUP_OK)]),
    "signup.usersub.uuid": Case(
        broken=[fp.Fault(fp.member("UserSub", "user-0001"), **SIGNUP_OK)]),
    "signup.success.shape": Case(
        broken=[fp.Fault(fp.member("CodeDeliveryDetails", {"DeliveryMedium": "EMAIL"}),
                         **SIGNUP_OK)]),
    "signup.success.verified-email-missing.shape": Case(
        broken=[fp.Fault(fp.error("InvalidParameterException",
                                  "User has no attribute matching desired auto verified "
                                  "attributes"), operation="SignUp")]),
    "signup.success.verified-email.shape": Case(
        broken=[aws_code_delivery(), fp.Fault(fp.member("UserConfirmed", True), **SIGNUP_OK)],
        fixed=[aws_code_delivery()]),
    "signup.destination-mask.email": Case(
        broken=[aws_code_delivery(), fp.Fault(fp.edit(unmasked), **SIGNUP_OK)],
        fixed=[aws_code_delivery()]),
    "admingetuser.response.shape": Case(
        broken=[fp.Fault(fp.member("UserCreateDate", "2026-11-25T16:00:00Z"), **GET_USER_OK)]),
    "admingetuser.mfa-empty.shape": Case(
        broken=[fp.Fault(fp.member("PreferredMfaSetting", ""), **GET_USER_OK)],
        fixed=[fp.Fault(fp.edit(drop_absent_keys), **GET_USER_OK)]),
    "adminconfirmsignup.response.shape": Case(
        broken=[fp.Fault(fp.member("UserStatus", "CONFIRMED"), operation="AdminConfirmSignUp",
                         when_type="")]),
}


# -- ForgotPassword: moto answers a fake SMS destination for a user without a phone -----------
def forgot_password_aws_like() -> list[fp.Fault]:
    """Remember each AdminCreateUser's email, then answer ForgotPassword as AWS does for it."""
    emails: dict[str, str] = {}
    data = fact("shape.forgot.email-destination").data

    def remember_email(r: fp.Response, req: dict[str, Any]) -> None:
        attrs = {a.get("Name"): a.get("Value") for a in req.get("UserAttributes", [])}
        emails[req.get("Username", "")] = attrs.get("email", "")

    def delivery(body: Any, req: dict[str, Any]) -> Any:
        email = emails.get(req.get("Username", ""), "")
        return {"CodeDeliveryDetails": {"Destination": mask_email(email),
                                        "DeliveryMedium": data["delivery_medium"],
                                        "AttributeName": data["attribute_name"]}}
    return [fp.Fault(remember_email, operation="AdminCreateUser", when_type=""),
            fp.Fault(fp.edit(delivery), operation="ForgotPassword", when_type="")]


def forgot_unmasked(body: Any, req: dict[str, Any]) -> Any:
    details = body["CodeDeliveryDetails"]
    details["Destination"] = details["Destination"].replace("***", "xyz")
    return body


CASES["forgotpassword.destination-mask.email"] = Case(
    broken=[fp.Fault(fp.edit(forgot_unmasked), operation="ForgotPassword", when_type="")],
    fixed=forgot_password_aws_like())
