"""Faults that turn moto's answer into AWS's, built from the facts in specs/ (not literals).

`aws_error(fact_id)` rewrites a response into exactly the error the fact describes, with
AWS's framing (status from the status table, x-amz-json-1.1, x-amzn-ErrorType...), using
the fact's message or, for facts matched by regex/prefix, its recorded `example`.
"""

from __future__ import annotations

import uuid
from typing import Any

from conformance.spec.facts import fact, load_status
from selftest import faultproxy as fp

AWS_CT = "application/x-amz-json-1.1"


def fact_message(fact_id: str, **fill: str) -> str:
    f = fact(fact_id)
    text = f.data.get("example") if f.match != "exact" else f.message
    if text is None:
        text = "An error occurred."
    return text.format(**fill) if fill else text


def aws_error(fact_id: str, operation: str | None = None, *, when_type: str | None = None,
              when: Any = None, times: int | None = None, **fill: str) -> fp.Fault:
    f = fact(fact_id)
    status = load_status().status_for(f.error or "")
    return fp.Fault(fp.error(f.error or "", fact_message(fact_id, **fill), status),
                    operation=operation or f.operation, when_type=when_type, when=when,
                    times=times)


def aws_framing(operation: str | None = None) -> fp.Fault:
    """Make any response look like AWS's framing: content type, request id, error headers."""
    def mutate(r: fp.Response, req: dict[str, Any]) -> None:
        r.set_header("Content-Type", AWS_CT)
        r.set_header("x-amzn-RequestId", str(uuid.uuid4()))
        body = r.json
        if r.status >= 400 and isinstance(body, dict) and "__type" in body:
            r.set_header("x-amzn-ErrorType", f"{body['__type']}:")
            r.set_header("x-amzn-ErrorMessage", str(body.get("message", "")))
    return fp.Fault(mutate, operation=operation)


def rewrite_message(fact_id: str, operation: str | None = None, **fill: str) -> fp.Fault:
    """Keep moto's error type but give it AWS's message for the fact."""
    f = fact(fact_id)
    return fp.Fault(fp.member("message", fact_message(fact_id, **fill)),
                    operation=operation or f.operation, when_type=f.error)
