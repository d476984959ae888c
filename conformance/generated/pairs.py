"""The generated checks as data: which operations are fuzzed and which checks judge each case.

Each (operation, check) pair is one result with the stable id `generated.<Operation>.<check>`,
so reports, expectations and diffs key on it like on a hand-written check. `GENERATED_CHECKS`
names the Schemathesis check function behind each id (a built-in or one of ours in
conformance/generated/checks.py) and the fact that carries its AWS sources.
"""

from __future__ import annotations

from dataclasses import dataclass

CATEGORY = "generated"

# Operations fuzzed in positive and negative mode (the brief's 14, in a stable order).
OPERATIONS: tuple[str, ...] = (
    "SignUp", "ConfirmSignUp", "AdminConfirmSignUp", "ResendConfirmationCode", "InitiateAuth",
    "AdminGetUser", "AdminCreateUser", "AdminDeleteUser", "ListUsers", "ForgotPassword",
    "ConfirmForgotPassword", "ChangePassword", "GetUser", "DeleteUser",
)


@dataclass(frozen=True)
class GeneratedCheck:
    name: str          # the id suffix
    function: str      # Schemathesis check function name (built-in or ours)
    fact: str          # fact id whose sources are the evidence
    summary: str


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
                   "no secret request value comes back in the response"),
)


def pair_id(operation: str, check: GeneratedCheck) -> str:
    return f"{CATEGORY}.{operation}.{check.name}"


def all_pairs() -> list[tuple[str, GeneratedCheck]]:
    """Every (operation, check) pair, in run order (all checks of one operation together)."""
    return [(op, chk) for op in OPERATIONS for chk in GENERATED_CHECKS]


def all_ids() -> list[str]:
    return [pair_id(op, chk) for op, chk in all_pairs()]
