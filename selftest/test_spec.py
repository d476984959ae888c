"""The pinned spec is intact and the checks only lean on facts that exist and are sourced.

Why: every verdict rests on specs/ (the model, the status table, the facts). A model bumped
without its sha256, an error shape without a wire status, a fact without sources or a check
naming a missing fact would silently change what the suite asserts; these tests make each
of those a loud failure. The validation renderings are tied to real AWS messages here, so
the fixes built from them in selftest/cases/validation.py are not circular.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib

import pytest

from conformance.checks import all_checks
from conformance.checks.assertions import expect_validation, split_validation, validation_prefix
from conformance.checks.registry import Failure
from conformance.checks.shape import mask_email
from conformance.checks.validation import CASES, too_long, violations
from conformance.exchange import Exchange
from conformance.paths import specs_dir
from conformance.spec.facts import CONFIDENCES, fact, load_facts, load_status
from conformance.spec.model import MODEL_FILE, load_model
from conformance.spec.schema import full_match, translate_pattern


def _patterns() -> list[str]:
    shapes = load_model().raw["shapes"].values()
    return sorted({s["pattern"] for s in shapes if "pattern" in s})


def test_model_sha256_matches_sources() -> None:
    pinned = tomllib.loads((specs_dir() / "SOURCES.toml").read_text())[MODEL_FILE]["sha256"]
    data = (specs_dir() / MODEL_FILE).read_bytes()
    assert hashlib.sha256(data).hexdigest() == pinned == load_model().sha256


def test_status_table_covers_every_error_shape_with_wire_400_or_500() -> None:
    model, table = load_model(), load_status()
    missing = [e for e in model.error_shapes() if e not in table.errors]
    assert not missing, f"error shapes without a wire status in specs/status.toml: {missing}"
    wrong = {e: s for e, s in table.errors.items() if e in model.error_shapes()
             and s != (table.server_default if model.is_fault(e) else table.client_default)}
    assert not wrong, f"wire status must be 400 (client) / 500 (fault): {wrong}"


def test_every_fact_has_sources_and_confidence() -> None:
    for fid, f in load_facts().items():
        assert f.sources and all(isinstance(s, str) and s.strip() for s in f.sources), fid
        assert f.confidence in CONFIDENCES, fid


def test_every_check_names_existing_facts() -> None:
    facts = load_facts()
    for item in all_checks():
        assert item.facts or item.category in ("generated", "observation"), \
            f"check {item.id} enforces no fact"
        assert all(fid in facts for fid in item.facts), item.id


def test_regex_and_prefix_facts_accept_their_example() -> None:
    for fid, f in load_facts().items():
        if f.match in ("regex", "prefix") and "example" in f.data and "{" not in f.message:
            assert f.message_ok(f.data["example"]), fid


@pytest.mark.parametrize("pattern", _patterns())
def test_every_model_pattern_translates_and_compiles(pattern: str) -> None:
    compiled = re.compile(translate_pattern(pattern))
    assert compiled.pattern.startswith("^") and compiled.pattern.endswith("$")
    assert "\\p{" not in compiled.pattern


# -- the validation renderings reproduce real AWS messages ----------------------------------
AWS_CAPTURES = (  # (fact holding the captured message, operation, member values sent)
    ("validation.username", "SignUp", {"Username": too_long("SignUp", "Username")}),
    ("validation.password", "SignUp", {"Password": too_long("SignUp", "Password")}),
    ("validation.format.sensitive", "SignUp", {"Password": too_long("SignUp", "Password")}),
    ("validation.format.multiple", "DescribeUserPoolClient", {"ClientId": ""}),
)


@pytest.mark.parametrize("fact_id,operation,values", AWS_CAPTURES)
def test_rendered_entries_reproduce_the_aws_capture(fact_id: str, operation: str,
                                                    values: dict[str, str]) -> None:
    count, entries = split_validation(fact(fact_id).data["example"]) or (0, [])
    expected = violations(operation, values)
    assert count == len(expected) == len(entries)
    assert all(any(e in want for want in expected) for e in entries), (entries, expected)


def test_validation_prefix_matches_the_captures() -> None:
    assert fact("validation.format.single").data["example"].startswith(validation_prefix(1))
    assert fact("validation.format.multiple").data["example"].startswith(validation_prefix(2))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_validation_case_breaks_a_constraint(case: object) -> None:
    assert violations(case.operation, case.bad())  # type: ignore[attr-defined]


def test_bad_values_are_bad_per_model() -> None:
    pool_id = load_model().shape("UserPoolIdType")["pattern"]
    assert not full_match(pool_id, fact("validation.userPoolId").data["bad_value"])
    flows = load_model().shape("AuthFlowType")["enum"]
    assert fact("validation.enum").data["bad_value"] not in flows


def test_destination_mask_reproduces_the_recorded_examples() -> None:
    for address, masked in fact("shape.destination-mask.email").data["examples"]:
        assert mask_email(address) == masked


# -- the comparator: count + SET of entries, never their order ------------------------------
def _reply(message: str) -> Exchange:
    body = json.dumps({"__type": fact("validation.exception-type").error, "message": message})
    return Exchange(operation="DescribeUserPoolClient", url="http://127.0.0.1/",
                    target_header=None, request_headers={}, request_body=b"{}", signed=False,
                    status=400, headers={}, body=body.encode(), elapsed_s=0.0)


def test_validation_comparator_ignores_order_but_not_count_or_entries() -> None:
    expected = violations("DescribeUserPoolClient", {"ClientId": ""})
    example = fact("validation.format.multiple").data["example"]
    count, entries = split_validation(example) or (0, [])
    separator = fact("validation.format.multiple").data["separator"]
    expect_validation(_reply(example), expected)
    expect_validation(_reply(validation_prefix(count) + separator.join(entries[::-1])), expected)
    for wrong in (validation_prefix(count + 1) + separator.join(entries),
                  validation_prefix(1) + entries[0],
                  validation_prefix(count) + separator.join([entries[0], entries[0]])):
        with pytest.raises(Failure):
            expect_validation(_reply(wrong), expected)
