"""The committed OpenAPI document and status table are what the generator makes from the model.

Why: Schemathesis reads specs/openapi/cognito-idp.json, so a model bump or a schema.py change
that is not regenerated would silently fuzz the old API. Fix a failure here with
`cognito-conformance spec openapi` (or `spec status`) and commit the result.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.paths import specs_dir
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


def test_status_regeneration_keeps_the_file(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    """`spec status` appends missing shapes only: header comment and rows stay as they are."""
    from conformance.spec import generate

    last = "\n[errors.WebAuthnRelyingPartyMismatchException]"
    original = (specs_dir() / "status.toml").read_text()
    kept = original.split(last)[0]
    monkeypatch.setattr(generate, "specs_dir", lambda: tmp_path)
    (tmp_path / "status.toml").write_text(original.replace(last, "\n[errors.Dropped]"))
    with pytest.raises(ValueError, match="Dropped"):
        generate.write("status")
    (tmp_path / "status.toml").write_text(kept + "\n")
    generate.write("status")
    regenerated = (tmp_path / "status.toml").read_text()
    assert regenerated.startswith(kept)
    assert f"{last.strip()}\nwire = 400" in regenerated
