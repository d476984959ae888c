"""AWS behaviour facts (specs/behaviours/*.toml) and the wire status table (specs/status.toml).

A check never pastes an AWS string or status into its code: it names a fact id, and this
module hands back the fact with its sources. Every fact must cite at least one source and a
confidence from ../shared/EVIDENCE.md; loading fails loudly otherwise, so a fact cannot
slip in unsourced.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from conformance.paths import specs_dir

CONFIDENCES = ("recorded", "documented", "reported", "inferred", "unknown")
MATCHES = ("exact", "prefix", "contains", "regex", "any")
_KNOWN_KEYS = {"summary", "operation", "error", "message", "match", "confidence", "sources"}


@dataclass(frozen=True)
class Fact:
    id: str
    summary: str
    confidence: str
    sources: tuple[str, ...]
    operation: str | None = None
    error: str | None = None
    message: str | None = None
    match: str = "exact"
    data: dict[str, Any] = field(default_factory=dict)

    def message_ok(self, observed: object, **fill: str) -> bool:
        """Does an observed message satisfy this fact (placeholders `{name}` filled in)?"""
        if self.message is None or self.match == "any":
            return True
        if not isinstance(observed, str):
            return False
        wanted = self.message.format(**fill) if fill else self.message
        return _MATCHERS[self.match](wanted, observed)

    def expected_message(self, **fill: str) -> str | None:
        if self.message is None or self.match == "any":
            return None
        wanted = self.message.format(**fill) if fill else self.message
        return wanted if self.match == "exact" else f"{self.match}: {wanted}"


_MATCHERS = {
    "exact": lambda want, got: got == want,
    "prefix": lambda want, got: got.startswith(want),
    "contains": lambda want, got: want in got,
    "regex": lambda want, got: re.fullmatch(want, got, re.DOTALL) is not None,
}


class UnknownErrorType(LookupError):
    """An error type specs/status.toml does not list: the suite knows nothing of its status."""


class UnjudgedStatus(LookupError):
    """An error type listed without a wire status: no capture says what AWS sends for it."""


@dataclass(frozen=True)
class StatusTable:
    """The wire status per error type, only as far as evidence goes.

    `errors` holds the types whose wire status a check may enforce (model shapes and the
    protocol's own errors); `unjudged` the model shapes listed without one (Smithy tags them
    401/403 and no AWS capture shows their status). Asking for any other type raises: a
    silent default would turn a typo or an emulator's invented type into a 400 verdict.
    """

    errors: dict[str, int]
    smithy: dict[str, int]
    client_default: int
    server_default: int
    unjudged: frozenset[str] = frozenset()

    def judges(self, error: str | None) -> bool:
        """Is there evidence for the wire status of this error type?"""
        return error in self.errors

    def status_for(self, error: str) -> int:
        if error in self.errors:
            return self.errors[error]
        if error in self.unjudged:
            raise UnjudgedStatus(f"{error}: specs/status.toml gives no wire status (no AWS "
                                 "capture), so no check may judge it")
        raise UnknownErrorType(f"{error!r} is not an error type specs/status.toml knows")


def _fact(fid: str, raw: dict[str, Any]) -> Fact:
    if raw.get("confidence") not in CONFIDENCES:
        raise ValueError(f"fact {fid}: confidence must be one of {CONFIDENCES}")
    if not raw.get("sources"):
        raise ValueError(f"fact {fid}: at least one source is required")
    if raw.get("match", "exact") not in MATCHES:
        raise ValueError(f"fact {fid}: match must be one of {MATCHES}")
    data = {k: v for k, v in raw.items() if k not in _KNOWN_KEYS}
    return Fact(
        id=fid, summary=raw.get("summary", ""), confidence=raw["confidence"],
        sources=tuple(raw["sources"]), operation=raw.get("operation"), error=raw.get("error"),
        message=raw.get("message"), match=raw.get("match", "exact"), data=data,
    )


@functools.lru_cache(maxsize=1)
def load_facts() -> dict[str, Fact]:
    facts: dict[str, Fact] = {}
    for path in sorted((specs_dir() / "behaviours").glob("*.toml")):
        for fid, raw in tomllib.loads(path.read_text()).items():
            if fid in facts:
                raise ValueError(f"fact {fid} defined twice (second in {path.name})")
            facts[fid] = _fact(fid, raw)
    return facts


def fact(fid: str) -> Fact:
    try:
        return load_facts()[fid]
    except KeyError:
        raise KeyError(f"no fact {fid!r} in specs/behaviours/") from None


@functools.lru_cache(maxsize=1)
def load_status() -> StatusTable:
    raw = tomllib.loads((specs_dir() / "status.toml").read_text())
    rows = {**raw["errors"], **raw.get("protocol", {})}
    for name, row in rows.items():
        if row.get("confidence") not in CONFIDENCES:
            raise ValueError(f"status.toml {name}: confidence must be one of {CONFIDENCES}")
    return StatusTable(
        errors={k: v["wire"] for k, v in rows.items() if "wire" in v},
        smithy={k: v["smithy"] for k, v in rows.items() if "smithy" in v},
        client_default=raw["defaults"]["client"], server_default=raw["defaults"]["server"],
        unjudged=frozenset(k for k, v in rows.items() if "wire" not in v),
    )
