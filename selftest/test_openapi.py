"""The committed OpenAPI document and status table are what the generator makes from the model.

Why: Schemathesis reads specs/openapi/cognito-idp.json, so a model bump or a schema.py change
that is not regenerated would silently fuzz the old API. Fix a failure here with
`cognito-conformance spec openapi` (or `spec status`) and commit the result.
"""

from __future__ import annotations

import json

from conformance.spec.generate import (
    build_openapi, declared_errors, openapi_path, render_openapi, status_drift,
)
from conformance.spec.model import load_model


def test_committed_openapi_matches_generator() -> None:
    assert openapi_path().read_text() == render_openapi(), \
        "specs/openapi/cognito-idp.json drifted: run `cognito-conformance spec openapi`"


def test_every_operation_has_a_path_with_target_and_errors() -> None:
    model, doc = load_model(), build_openapi()
    assert {p.lstrip("/") for p in doc["paths"]} == set(model.operations)
    for op in model.operations:
        post = doc["paths"][f"/{op}"]["post"]
        assert post["operationId"] == op
        assert post["x-amz-target"] == f"{model.target_prefix}.{op}"
        refs = json.dumps({k: v for k, v in post["responses"].items() if k != "200"})
        assert all(f"Error.{e}" in refs for e in declared_errors(model, op))


def test_patterns_are_anchored_and_translated() -> None:
    schemas = build_openapi()["components"]["schemas"]
    patterns = [s["pattern"] for s in schemas.values() if isinstance(s, dict) and "pattern" in s]
    assert patterns and all(p.startswith("^") and p.endswith("$") for p in patterns)
    assert not any(r"\p{" in p for p in patterns)


def test_status_table_lists_every_error_shape() -> None:
    missing, stale = status_drift()
    assert not missing and not stale, f"run `cognito-conformance spec status`: {missing} {stale}"
