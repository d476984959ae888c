"""Comparisons of an Exchange with AWS facts; each raises Failure with expected/observed.

These are the only places where a check's verdict is computed, so every check words its
failures the same way and carries the same evidence.
"""

from __future__ import annotations

import re
from typing import Any

from conformance.checks.registry import Failure
from conformance.exchange import Exchange
from conformance.spec.facts import Fact, fact, load_status
from conformance.signature import ABSENT, DIFFERS, stable
from conformance.spec.schema import validation_errors, violation_kinds
from conformance.spec.model import load_model

MAX_OBSERVED_ASPECTS = 3  # a bigger observed dict is evidence, not a signature
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def expected_error(f: Fact, **fill: str) -> dict[str, Any]:
    out: dict[str, Any] = {"status": load_status().status_for(f.error or ""), "type": f.error}
    if f.expected_message(**fill) is not None:
        out["message"] = f.expected_message(**fill)
    return out


def expect_error(ex: Exchange, fact_id: str, *, message: bool = True, **fill: str) -> None:
    """The response is the error the fact names: wire status, `__type` and (optionally) message."""
    f = fact(fact_id)
    want = expected_error(f, **fill)
    got = ex.summary()
    problems, aspects = [], {}
    if ex.status != want["status"]:
        problems.append(f"status {ex.status} (want {want['status']})")
    if ex.error_type != f.error:
        problems.append(f"__type {ex.error_type!r} (want {f.error!r})")
    if message and not f.message_ok(ex.message, **fill):
        problems.append(f"message {got['message']!r} (want {want.get('message')!r})")
        aspects["message"] = DIFFERS if ex.message is not None else ABSENT
    if problems:
        raise Failure(f"{ex.operation}: " + "; ".join(problems), expected=want, observed=got,
                      **judged(ex, aspects))


def judged(ex: Exchange, aspects: dict[str, str]) -> dict[str, Any]:
    """Failure keyword arguments naming the judged response (its status and __type)."""
    return {"aspects": aspects, "status": ex.status, "error_type": ex.error_type}


def expect_ok(ex: Exchange, shape: bool = True) -> dict[str, Any]:
    """HTTP 200 with a JSON object body that (optionally) validates against the output shape."""
    if ex.status != 200 or not isinstance(ex.json, dict):
        raise Failure(f"{ex.operation}: expected 200 with a JSON object, got {ex.status}",
                      expected={"status": 200}, observed=ex.summary(),
                      **judged(ex, {"response": "not a 200 JSON object"}))
    if shape:
        expect_shape(ex)
    return ex.json


def expect_shape(ex: Exchange) -> None:
    name = load_model().output_shape(ex.operation)
    errors = validation_errors(name, ex.json) if name else []
    if errors:
        raise Failure(f"{ex.operation} response does not match {name}: {errors[0]}"
                      + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""),
                      expected={"shape": name}, observed={"violations": errors[:10]},
                      **judged(ex, {"shape": stable(violation_kinds(name, ex.json))}))


def expect_equal(what: str, observed: Any, expected: Any) -> None:
    """`observed == expected`; the signature records `what=<observed, made stable>`."""
    if observed != expected:
        raise Failure(f"{what}: got {observed!r}, want {expected!r}",
                      expected={what: expected}, observed={what: observed},
                      aspects={what: stable(observed)})


def expect_true(condition: bool, message: str, expected: Any = None, observed: Any = None,
                aspect: str | None = None, value: Any = None) -> None:
    """`condition` holds. The signature records `aspect=<value>` when given, else the
    members of a small `observed` dict (made stable)."""
    if not condition:
        raise Failure(message, expected=expected, observed=observed,
                      aspects=_aspects(aspect, value, observed))


def _aspects(aspect: str | None, value: Any, observed: Any) -> dict[str, str]:
    if aspect is not None:
        return {aspect: stable(value)}
    if isinstance(observed, dict) and 0 < len(observed) <= MAX_OBSERVED_ASPECTS:
        return {str(k): stable(v) for k, v in observed.items()}
    return {"assertion": "failed"}


# -- validation messages (EVIDENCE.md section 2: count prefix + SET of entries) ---------------
Entry = tuple[str, ...]  # the acceptable renderings of one expected violation


def validation_prefix(n: int) -> str:
    """`1 validation error detected: ` / `N validation errors detected: ` (facts, not literals)."""
    if n == 1:
        return fact("validation.format.single").data["prefix_one"]
    return fact("validation.format.multiple").data["prefix_many"].format(n=n)


def split_validation(message: object) -> tuple[int, list[str]] | None:
    """(N, entries) of a validation message, or None when it lacks the count prefix."""
    if not isinstance(message, str):
        return None
    match = re.match(r"(\d+) validation errors? detected: ", message)
    if not match or not message.startswith(validation_prefix(int(match.group(1)))):
        return None
    rest = message[match.end():]
    return int(match.group(1)), rest.split(fact("validation.format.multiple").data["separator"])


def unmatched_entries(observed: list[str], expected: list[Entry]) -> tuple[list[str], list[Entry]]:
    """Pair observed entries with expected ones (order ignored); return what is left of each."""
    left = list(expected)
    extra = []
    for entry in observed:
        hit = next((want for want in left if entry in want), None)
        if hit is None:
            extra.append(entry)
        else:
            left.remove(hit)
    return extra, left


def expect_validation(ex: Exchange, expected: list[Entry]) -> None:
    """InvalidParameterException whose message holds the right count and exactly these entries."""
    expect_error(ex, "validation.exception-type")
    want = {"count": len(expected), "entries": [e[0] for e in expected]}
    parsed = split_validation(ex.message)
    if parsed is None:
        raise Failure(f"{ex.operation}: message lacks the 'N validation error(s) detected: ' "
                      f"prefix: {ex.summary()['message']!r}", expected=want,
                      observed=ex.summary(),
                      **judged(ex, {"validation-message": "no count prefix"}))
    count, entries = parsed
    extra, missing = unmatched_entries(entries, expected)
    if count != len(expected) or count != len(entries) or extra or missing:
        raise Failure(f"{ex.operation}: validation message has count {count} and "
                      f"{len(entries)} entries (want {len(expected)}); unexpected "
                      f"{extra!r}; missing {[m[0] for m in missing]!r}", expected=want,
                      observed=ex.summary(), **judged(ex, {"validation-message": (
                          f"count {count}, {len(entries)} entries, {len(extra)} unexpected, "
                          f"{len(missing)} missing")}))
