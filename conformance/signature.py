"""Failure signatures: a small, stable description of HOW a check failed.

Why: an expectations entry says "this target fails this check". Without saying how, a
listed check hides every later change of the same check: moto's duplicate SignUp is listed
for its message text, and would stay `expected-failure` if it started answering 200 or 500.
So every failing check yields a signature, the expectations file records it, and the
results layer calls a listed check that fails with a different signature `failed`
("changed failure: was ..., now ...").

A signature is a sorted list of `aspect=value` strings:
- the judged response's `status=` and `type=` (its `__type`, or `none`) are always in it,
  so a deviation listed for its message can never hide a status or type change;
- then each aspect that deviated, with its observed value where that value is stable
  (`x-amzn-ErrorType=absent`, `UserStatus=UNCONFIRMED`, `message=differs`). Values that
  carry run-specific text (usernames, ids, request ids, emails) are normalised by `stable()`
  or reduced to `differs`, so the same target gives the same signature on every run.

Generated (operation, check) pairs get a coarse signature instead: the set of failure KINDS
(`5xx text/html`, `2xx accepted`, `400 non-validation __type` ...). Case counts vary with the
profile and seed, kinds much less: a listed pair fails only when a kind not recorded appears
(`kinds_ok`), so a new kind of failure is red and a count change is not.

The state machine's facts (`state.machine.*`) are random draws too: the seed decides which
sequences run, so which steps of a fact a run reaches, and which of them diverges first,
vary (and a target whose answer depends on history, such as cognito-local's one stored code
per user, answers one step in two ways). Their signatures are compared as sets the same way
(`drawn`): a step answered in a way not recorded is red; a step this run did not reach is
not a change. An entry records the union of what its runs saw (`baseline` merges it).
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping

STATUS, TYPE = "status", "type"
NONE = "none"
ABSENT = "absent"
DIFFERS = "differs"
MAX_VALUE = 80

_RUN_SPECIFIC = (
    (re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
     "<uuid>"),
    (re.compile(r"[^\s*@]+(\*{2,})@[^\s*@]+(\*{2,})"), r"x\1@x\2"),  # a masked address
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    (re.compile(r"ccf[\w-]*"), "<name>"),                      # the suite's run-prefixed names
    (re.compile(r"\b(?:[a-z]{2}(?:-[a-z]+)+-\d|local)_[0-9a-zA-Z]+\b"), "<pool-id>"),
    (re.compile(r"\b(?=[A-Za-z0-9+/=]*\d)(?=[A-Za-z0-9+/=]*[A-Za-z])[A-Za-z0-9+/=]{16,}\b"),
     "<token>"),
)


def stable(value: Any) -> str:
    """The observed value as signature text: run-specific parts replaced, length capped."""
    if value is None:
        return ABSENT
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    for pattern, placeholder in _RUN_SPECIFIC:
        text = pattern.sub(placeholder, text)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 3] + "..."


def exchange_aspects(status: int | None, error_type: str | None) -> dict[str, str]:
    """`status=` and `type=` of the judged response (None status: no response at all)."""
    return {STATUS: str(status) if status is not None else NONE, TYPE: error_type or NONE}


def build(aspects: Mapping[str, str], status: int | None = None,
          error_type: str | None = None, *, with_exchange: bool = True) -> list[str]:
    """Signature from a failure's aspects, completed with the judged response's status/type."""
    merged = dict(exchange_aspects(status, error_type)) if with_exchange else {}
    merged.update(aspects)
    head = [f"{k}={merged.pop(k)}" for k in (STATUS, TYPE) if k in merged]
    return head + sorted(f"{k}={v}" for k, v in merged.items())


def kinds(values: Iterable[str]) -> list[str]:
    """A generated pair's signature: its failure kinds, sorted and unique."""
    return sorted(set(values))


def same(expected: list[str], observed: list[str]) -> bool:
    """Hand-written checks: the signature must be the same, aspect for aspect."""
    return sorted(expected) == sorted(observed)


MACHINE_PREFIX = "state.machine."


def drawn(check_id: str, category: str | None) -> bool:
    """Is this check's signature a set of kinds (generated pairs, state-machine facts)?"""
    return category == "generated" or check_id.startswith(MACHINE_PREFIX)


def kinds_ok(expected: list[str], observed: list[str]) -> bool:
    """Generated pairs: every observed kind was recorded (fewer kinds is not a change)."""
    return set(observed) <= set(expected)


def render(signature: list[str] | None) -> str:
    return ", ".join(signature) if signature else "(none)"
