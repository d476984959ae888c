"""The generated checks as data: which operations are fuzzed and which checks judge each case.

Each (operation, check) pair is one result with the stable id `generated.<Operation>.<check>`,
so reports, expectations and diffs key on it like on a hand-written check. `GENERATED_CHECKS`
names the Schemathesis check function behind each id (a built-in or one of ours in
conformance/generated/checks.py) and the fact that carries its AWS sources.

A pair exists only where its check can judge a case at all (`applies`): a pair that could
never judge one would fail "no case judged" on every target, AWS included. So far that
removes `secrets-not-echoed` from operations whose input has no secret member
(AdminConfirmSignUp, AdminGetUser, AdminDeleteUser, ListUsers, AdminDisableUser,
AdminEnableUser, AdminResetUserPassword, AdminUserGlobalSignOut, AdminUpdateUserAttributes).

Beside the pairs, each operation records observations (never pass or fail) of how the
target answers a negative case whose only violations are members AWS may ignore
(conformance/generated/lenient.py): `generated.<Operation>.unknown-member` and, where the
input has optional members, `generated.<Operation>.null-optional`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

CATEGORY = "generated"

# Operations fuzzed in positive and negative mode, in a stable order: the first 14 (sign-up,
# confirmation, sign-in, users, passwords), then the operations the sign-in, password and
# user flows of issue 13 use. Each state-changing one acts on users of its own
# (conformance/generated/inject.py), so they run in parallel without changing each other.
OPERATIONS: tuple[str, ...] = (
    "SignUp", "ConfirmSignUp", "AdminConfirmSignUp", "ResendConfirmationCode", "InitiateAuth",
    "AdminGetUser", "AdminCreateUser", "AdminDeleteUser", "ListUsers", "ForgotPassword",
    "ConfirmForgotPassword", "ChangePassword", "GetUser", "DeleteUser",
    "AdminInitiateAuth", "RespondToAuthChallenge", "AdminRespondToAuthChallenge",
    "AdminDisableUser", "AdminEnableUser", "AdminSetUserPassword", "AdminResetUserPassword",
    "GlobalSignOut", "AdminUserGlobalSignOut", "RevokeToken", "AdminUpdateUserAttributes",
    "UpdateUserAttributes",
)


def _always(operation: str) -> bool:
    return True


@dataclass(frozen=True)
class GeneratedCheck:
    name: str          # the id suffix
    function: str      # Schemathesis check function name (built-in or ours)
    fact: str          # fact id whose sources are the evidence
    summary: str
    applies: Callable[[str], bool] = _always  # operation -> can this check judge its cases?


@functools.lru_cache(maxsize=None)
def has_secret_input(operation: str) -> bool:
    """Can a request of this operation carry a secret (a member named in the fact's keys,
    at any depth, or a sensitive map such as AuthParameters whose keys name secrets)?"""
    from conformance.spec.facts import fact
    from conformance.spec.model import load_model

    model, keys = load_model(), set(fact("generated.secrets-not-echoed").data["keys"])

    def walk(name: str, seen: frozenset[str]) -> bool:
        shape = model.shape(name)
        if name in seen:
            return False
        seen = seen | {name}
        if shape["type"] == "map":
            return bool(shape.get("sensitive")) or walk(shape["value"]["shape"], seen)
        if shape["type"] == "list":
            return walk(shape["member"]["shape"], seen)
        return any(member in keys or walk(ref["shape"], seen)
                   for member, ref in shape.get("members", {}).items())

    shape = model.input_shape(operation)
    return shape is not None and walk(shape, frozenset())


GENERATED_CHECKS: tuple[GeneratedCheck, ...] = (
    GeneratedCheck("not-a-server-error", "not_a_server_error", "wire.status.client-errors",
                   "no generated request, valid or not, is answered 5xx (built-in)"),
    GeneratedCheck("content-type", "content_type_conformance", "wire.response-content-type",
                   "every response has the declared media type x-amz-json-1.1 (built-in)"),
    GeneratedCheck("negative-rejected", "cc_negative_rejected", "generated.negative-rejected",
                   "a model-violating request gets 400 InvalidParameter/SerializationException"),
    GeneratedCheck("error-wire-format", "cc_error_wire_format", "generated.error-wire-format",
                   "every error body has string __type and message"),
    GeneratedCheck("error-status", "cc_error_status", "wire.status.client-errors",
                   "an error's HTTP status is the one specs/status.toml gives its __type"),
    GeneratedCheck("error-type-declared", "cc_error_type_declared",
                   "generated.error-type-declared",
                   "an error's __type is declared by the operation (or a validation error)"),
    GeneratedCheck("output-shape", "cc_output_shape", "generated.output-shape",
                   "a 200 body is valid against the operation's output shape"),
    GeneratedCheck("secrets-not-echoed", "cc_secrets_not_echoed", "generated.secrets-not-echoed",
                   "no secret request value comes back in the response",
                   applies=has_secret_input),
)


def pair_id(operation: str, check: GeneratedCheck) -> str:
    return f"{CATEGORY}.{operation}.{check.name}"


def all_pairs() -> list[tuple[str, GeneratedCheck]]:
    """Every (operation, check) pair, in run order (all checks of one operation together)."""
    return [(op, chk) for op in OPERATIONS for chk in GENERATED_CHECKS if chk.applies(op)]


def all_ids() -> list[str]:
    return [pair_id(op, chk) for op, chk in all_pairs()]


# -- observations: what AWS's answer is not on record for (conformance/generated/lenient.py) --
UNKNOWN_MEMBER, NULL_OPTIONAL = "unknown-member", "null-optional"
OBSERVED_KINDS = (UNKNOWN_MEMBER, NULL_OPTIONAL)


def observation_id(operation: str, kind: str) -> str:
    return f"{CATEGORY}.{operation}.{kind}"


def all_observations() -> list[tuple[str, str]]:
    """Every (operation, kind) observation: unknown members for every operation, null
    optional members where the input has an optional member to set to null."""
    from conformance.generated.lenient import has_optional_member

    return [(op, kind) for op in OPERATIONS for kind in OBSERVED_KINDS
            if kind != NULL_OPTIONAL or has_optional_member(op)]
