"""Our Schemathesis checks: what AWS's JSON 1.1 protocol promises about every response.

Each is a registered Schemathesis check (`@schemathesis.check`), so it runs beside the
built-ins on every generated case and reports through the same machinery. The facts they
enforce come from specs/ (status table, behaviours/generated.toml, the model), never from
literals here.

A check raises AssertionError (failed), returns None (judged: passed) or returns
NOT_APPLICABLE (True) when the case is not one it judges. That is Schemathesis' own
"skipped" signal: `schemathesis.checks.run_checks` reports a verdict only for a check whose
return value is falsy (`if not skip_check: on_success(...)`), as its built-in wrappers
`requires_case_meta` / `skips_on_unexpected_http_status` do; a skipped check therefore sends
no CheckResult to the `after_validate` hook, and the runner counts as JUDGED exactly the
cases with a result (selftest/test_generated.py pins this, so an upgrade that changes it
fails loudly). What each check judges:
- cc_negative_rejected: negative, non-probe cases whose body as sent violates the model in
  a way AWS is on record rejecting (not: no violation left, or only undeclared members /
  null optional members, see conformance/generated/lenient.py);
- cc_error_wire_format: error answers (>= 400) to non-probe cases;
- cc_error_status: error answers whose __type has a wire status on record (specs/status.toml);
- cc_error_type_declared: error answers that carry a string __type;
- cc_output_shape: 200 answers to non-probe cases;
- cc_secrets_not_echoed: cases whose request carries a secret value.
The built-ins judge every case they do not skip themselves (content_type_conformance skips
the coverage phase's HTTP-layer probes).
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from schemathesis.checks import CheckContext
from schemathesis.core.transport import Response
from schemathesis.generation.case import Case
from schemathesis.generation.meta import CONTENT_TYPE_PROBES, coverage_scenario
from schemathesis.specs.openapi.checks import (
    is_unexpected_http_status_case, negative_data_rejection,
)

from conformance.generated import lenient
from conformance.spec.facts import fact, load_status
from conformance.spec.generate import declared_errors
from conformance.spec.model import load_model
from conformance.spec.schema import validation_errors

NOT_APPLICABLE = True  # Schemathesis: a truthy return means "skipped", no verdict recorded


def operation_of(case: Case) -> str:
    return case.operation.definition.raw["operationId"]


def is_negative(case: Case) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_negative


def is_probe(case: Case) -> bool:
    """Coverage-phase probes of the HTTP layer (other methods, content types): not AWS calls."""
    return is_unexpected_http_status_case(case) or coverage_scenario(case) in CONTENT_TYPE_PROBES


def body_of(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None


def sent_body(response: Response) -> bytes | None:
    """The request body exactly as it went on the wire (None: no body)."""
    body = response.request.body
    if isinstance(body, str):
        return body.encode()
    return body or None


def error_type(response: Response) -> str | None:
    body = body_of(response)
    value = body.get("__type") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def is_error(response: Response) -> bool:
    return response.status_code >= 400


def negative_class(case: Case, response: Response) -> str | None:
    """How a negative, non-probe case's body violates the model (lenient.classify); None for
    every other case."""
    if not is_negative(case) or is_probe(case):
        return None
    return lenient.classify_sent(operation_of(case), sent_body(response))


# -- negative cases are rejected as AWS does -------------------------------------------------
@schemathesis.check
def cc_negative_rejected(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Negative case -> 400 with a validation error type (status via the built-in's logic)."""
    if negative_class(case, response) != lenient.VIOLATES:
        return NOT_APPLICABLE  # not negative, a probe, or nothing AWS is on record rejecting
    negative_data_rejection(ctx, response, case)  # configured to expect 400 only
    wanted = fact("generated.negative-rejected").data["error_types"]
    if response.status_code == 400 and error_type(response) not in wanted:
        raise AssertionError(f"negative case answered 400 {error_type(response)!r}; "
                             f"want one of {wanted}")
    return None


# -- error framing ---------------------------------------------------------------------------
@schemathesis.check
def cc_error_wire_format(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Error bodies are JSON objects with string `__type` and `message`."""
    if not is_error(response) or is_probe(case):
        return NOT_APPLICABLE
    f = fact("generated.error-wire-format")
    body = body_of(response)
    if not isinstance(body, dict):
        raise AssertionError(f"error body is not a JSON object: {response.content[:80]!r}")
    keys = f.data["alternative_message_keys"].get(error_type(response) or "", ["message"])
    if not isinstance(body.get("__type"), str):
        raise AssertionError(f"error body has no string __type (keys {sorted(body)})")
    if not any(isinstance(body.get(k), str) for k in keys):
        raise AssertionError(f"error body has no string {'/'.join(keys)} (keys {sorted(body)})")
    return None


@schemathesis.check
def cc_error_status(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """An error's HTTP status is the wire status of its __type (specs/status.toml)."""
    kind = error_type(response)
    table = load_status()
    if not is_error(response) or not table.judges(kind) or is_probe(case):
        return NOT_APPLICABLE  # no __type, or one whose wire status has no evidence
    want = table.status_for(kind or "")
    if response.status_code != want:
        raise AssertionError(f"{kind} answered HTTP {response.status_code}; want {want}")
    return None


@schemathesis.check
def cc_error_type_declared(ctx: CheckContext, response: Response,
                           case: Case) -> bool | None:
    """The __type is one the operation declares (plus the protocol's validation errors)."""
    kind = error_type(response)
    if not is_error(response) or kind is None or is_probe(case):
        return NOT_APPLICABLE
    allowed = set(declared_errors(load_model(), operation_of(case)))
    allowed |= set(fact("generated.negative-rejected").data["error_types"])
    if kind not in allowed:
        raise AssertionError(f"__type {kind!r} is not an error {operation_of(case)} declares")
    return None


# -- success bodies --------------------------------------------------------------------------
@schemathesis.check
def cc_output_shape(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A 200 body is valid against the output shape of the operation."""
    if response.status_code != 200 or is_probe(case):
        return NOT_APPLICABLE
    shape = load_model().output_shape(operation_of(case))
    body = body_of(response)
    problems = validation_errors(shape, body) if shape else (
        [] if body == {} else [f"/: want an empty object, got {str(body)[:80]}"])
    if problems:
        raise AssertionError(f"200 body violates {shape}: "
                             + "; ".join(p[:160] for p in problems[:3]))
    return None


# -- secrets ---------------------------------------------------------------------------------
@schemathesis.check
def cc_secrets_not_echoed(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """No secret value of the request appears anywhere in the response (body or headers)."""
    f = fact("generated.secrets-not-echoed")
    sent = _request_json(response)
    keys = set(f.data["keys"])
    # a value the request also sends under a non-secret member (generated cases reuse
    # strings: Username == TemporaryPassword) may be echoed as that member: not a leak
    public = {v for k, v in _keyed_values(sent, None) if k not in keys}
    secrets = {v for v in _values_under(sent, keys)
               if len(v) >= f.data["min_length"] and v not in public}
    if not secrets:
        return NOT_APPLICABLE
    text = response.content.decode("utf-8", "replace") + json.dumps(dict(response.headers))
    leaked = sorted(k for k, v in _keyed_values(sent, set(f.data["keys"])) if v in secrets
                    and v in text)
    if leaked:
        raise AssertionError(f"response echoes the value of secret member(s) {leaked}")
    return None


def _request_json(response: Response) -> Any:
    body = sent_body(response)
    try:
        return json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError, TypeError):
        return None


def _keyed_values(value: Any, keys: set[str] | None) -> list[tuple[str, str]]:
    """(member, string value) at any depth, for members named in `keys` (None: all)."""
    out: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if (keys is None or k in keys) and isinstance(v, str):
                out.append((k, v))
            out.extend(_keyed_values(v, keys))
    elif isinstance(value, list):
        for v in value:
            out.extend(_keyed_values(v, keys))
    return out


def _values_under(value: Any, keys: set[str]) -> set[str]:
    return {v for _, v in _keyed_values(value, keys)}


# -- failure kinds: the coarse signature of a generated pair (conformance/signature.py) ----
def media_type(response: Response) -> str:
    value = response.headers.get("Content-Type") or response.headers.get("content-type")
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).split(";")[0].strip().lower() if value else "no content-type"


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def _kind_server_error(response: Response) -> list[str]:
    return [f"{status_class(response.status_code)} {media_type(response)}"]


def _kind_content_type(response: Response) -> list[str]:
    return [media_type(response)]


def _kind_negative(response: Response) -> list[str]:
    code = response.status_code
    if code < 300:
        return ["2xx accepted"]
    if code != 400:
        return [f"{status_class(code)} not 400"]
    wanted = fact("generated.negative-rejected").data["error_types"]
    return ["400 non-validation __type" if error_type(response) not in wanted
            else "400 validation __type"]


def _kind_wire_format(response: Response) -> list[str]:
    body = body_of(response)
    if not isinstance(body, dict):
        return [f"{status_class(response.status_code)} body not a JSON object"]
    return ["no string __type" if not isinstance(body.get("__type"), str)
            else "no string message"]


def _kind_status(response: Response) -> list[str]:
    fault = (error_type(response) or "") in load_model().error_shapes() and \
        load_model().is_fault(error_type(response) or "")
    return [f"{'server fault' if fault else 'client error'} answered "
            f"{status_class(response.status_code)}"]


def _kind_declared(response: Response) -> list[str]:
    known = error_type(response) in load_model().error_shapes()
    return ["undeclared model error" if known else "__type not in the model"]


def _kind_output(response: Response) -> list[str]:
    body = body_of(response)
    if not isinstance(body, dict):
        return ["200 body not a JSON object"]
    return ["200 body violates the output shape"]


FAILURE_KINDS = {
    "not_a_server_error": _kind_server_error, "content_type_conformance": _kind_content_type,
    "cc_negative_rejected": _kind_negative, "cc_error_wire_format": _kind_wire_format,
    "cc_error_status": _kind_status, "cc_error_type_declared": _kind_declared,
    "cc_output_shape": _kind_output, "cc_secrets_not_echoed": lambda r: ["secret echoed"],
}


# The kind of a pair that judged no case at all (every case sent was one its check skips):
# a pair that judged nothing has shown nothing, so it is failed, never passed.
NO_CASE_JUDGED = "no case judged"


def failure_kinds(check_function: str, response: Response) -> list[str]:
    """How one failing case failed, coarsely: stable across seeds and profiles, so that
    only a NEW kind changes a pair's signature, not how many cases showed it."""
    return FAILURE_KINDS[check_function](response)


CUSTOM_CHECKS = (cc_negative_rejected, cc_error_wire_format, cc_error_status,
                 cc_error_type_declared, cc_output_shape, cc_secrets_not_echoed)
