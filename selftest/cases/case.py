"""A fault case: what must make a check FAIL, and what must make it PASS."""

from __future__ import annotations

from dataclasses import dataclass, field

from selftest import faultproxy as fp


@dataclass(frozen=True)
class Case:
    broken: list[fp.Fault]                                      # must make the check fail
    fixed: list[fp.Fault] = field(default_factory=list)         # makes moto AWS-like: pass
