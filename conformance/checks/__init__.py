"""Checks: one small registered function per AWS behaviour.

Each module in this package registers checks with `@check(...)` (see registry.py). A check
receives a `Ctx` (context.py), performs calls and compares what it saw with facts from
specs/; it raises `Failure` when the target deviates. Importing `all_checks()` imports every
module here, so a new module is picked up without registration elsewhere.
"""

from conformance.checks.registry import (  # noqa: F401
    Check, Failure, SetupError, Unsupported, all_checks, check, observation,
)
