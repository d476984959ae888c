"""For every registered check: a fault that must make it FAIL, and (where moto is not already
AWS-like) a fix that must make it PASS. The meta-test fails when a check has no entry.

Each module here defines `CASES: dict[str, Case]`, one module per check module; they are
merged below (a duplicate id is an error). Keep entries small and specific: the broken
fault flips exactly the behaviour the check enforces, on the call the check judges.
"""

from __future__ import annotations

import importlib
import pkgutil

from selftest.cases.case import Case


def _collect() -> dict[str, Case]:
    merged: dict[str, Case] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name == "case":
            continue
        cases = importlib.import_module(f"{__name__}.{module.name}").CASES
        dup = set(cases) & set(merged)
        if dup:
            raise ValueError(f"fault cases defined twice: {sorted(dup)}")
        merged.update(cases)
    return merged


CASES = _collect()
