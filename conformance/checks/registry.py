"""The check registry: `@check` and `@observation` turn small functions into data.

A Check carries its stable id (reports, expectations and diffs key on it), the operation it
exercises, its category, the facts it enforces (their sources become the check's evidence)
and the capabilities it needs from a target. Observations are registered the same way but
never pass or fail: they record what a target does where AWS's behaviour is unknown.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable

from conformance.spec.facts import fact

CATEGORIES = ("wire", "status-mapping", "shape", "validation", "state", "generated",
              "security", "client", "observation")


class Failure(AssertionError):
    """The target deviates from AWS: the check failed.

    `aspects` say HOW (conformance/signature.py): which aspect deviated, with its stable
    observed value (`{"message": "differs"}`, `{"UserStatus": "UNCONFIRMED"}`). `status` /
    `error_type` name the judged response when the check knows it; otherwise the results
    layer takes the check's last exchange.
    """

    def __init__(self, message: str, expected: Any = None, observed: Any = None,
                 aspects: dict[str, str] | None = None, status: int | None = None,
                 error_type: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.observed = observed
        self.aspects = dict(aspects) if aspects is not None else {"assertion": "failed"}
        self.status = status
        self.error_type = error_type


class Unsupported(Exception):
    """The target lacks what the check needs (e.g. no way to read a confirmation code)."""


class SetupError(Exception):
    """A precondition call failed, so the check could not test its behaviour (outcome error)."""


@dataclass(frozen=True)
class Check:
    id: str
    operation: str
    category: str
    func: Callable[..., Any] = field(compare=False, repr=False)
    facts: tuple[str, ...] = ()
    requires: frozenset[str] = frozenset()
    evidence_extra: tuple[str, ...] = ()
    description: str = ""

    @property
    def evidence(self) -> list[str]:
        urls: list[str] = []
        for fid in self.facts:
            urls += [u for u in fact(fid).sources if u not in urls]
        return urls + [u for u in self.evidence_extra if u not in urls]

    @property
    def is_observation(self) -> bool:
        return self.category == "observation"


_REGISTRY: dict[str, Check] = {}


def register(item: Check) -> Check:
    if item.id in _REGISTRY and _REGISTRY[item.id].func is not item.func:
        raise ValueError(f"check id {item.id!r} registered twice")
    if item.category not in CATEGORIES:
        raise ValueError(f"check {item.id}: category must be one of {CATEGORIES}")
    for fid in item.facts:
        fact(fid)  # fails loudly on a missing fact
    _REGISTRY[item.id] = item
    return item


def check(id: str, operation: str, category: str, facts: tuple[str, ...] | str = (),
          requires: tuple[str, ...] | frozenset[str] = (), evidence: tuple[str, ...] = ()
          ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a check function `f(ctx) -> None` that raises Failure on deviation."""
    fact_ids = (facts,) if isinstance(facts, str) else tuple(facts)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        register(Check(id=id, operation=operation, category=category, func=func,
                       facts=fact_ids, requires=frozenset(requires),
                       evidence_extra=tuple(evidence),
                       description=(func.__doc__ or "").strip()
                       or (fact(fact_ids[0]).summary if fact_ids else "")))
        return func

    return decorate


def observation(id: str, operation: str, facts: tuple[str, ...] | str = (),
                requires: tuple[str, ...] = ()
                ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `f(ctx) -> dict`: what the target did where AWS's behaviour is unknown."""
    return check(id=id, operation=operation, category="observation", facts=facts,
                 requires=requires)


_IMPORTED: list[bool] = []   # the package's modules were imported (once per process)


def all_checks() -> list[Check]:
    """Every registered check, after importing every module of conformance.checks (listing
    the package is done once: reports call this per item, 0.8 s of a ci run otherwise)."""
    if not _IMPORTED:
        import conformance.checks as pkg

        for module in pkgutil.iter_modules(pkg.__path__):
            if module.name not in ("registry", "context", "assertions"):
                importlib.import_module(f"conformance.checks.{module.name}")
        _IMPORTED.append(True)
    return sorted(_REGISTRY.values(), key=lambda c: c.id)
