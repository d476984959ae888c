"""Targets as plugins: one module per target, each exposing `TARGET` (a Target class).

A module in this package is a target named after it (`cognito_local.py` -> `cognito-local`);
an installed distribution can add more through the `cognito_conformance.targets` entry-point
group. Checks never import a target: they see only its capabilities and code oracle.
"""

from conformance.targets.base import (  # noqa: F401
    CAPABILITIES, Target, TargetStartError, available_targets, load_target,
)
