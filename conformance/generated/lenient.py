"""Which model violations a negative case's body carries, as AWS would see it on the wire.

Why: `generated.<Op>.negative-rejected` says "a request that violates the model is answered
400 InvalidParameterException/SerializationException". Two kinds of violation are not on
record for AWS (specs/behaviours/generated.toml, facts `generated.unknown-member` and
`generated.null-optional`): a member the model does not declare, and `null` for an optional
member. AWS's JSON 1.1 front end may well ignore both. A negative case whose ONLY violations
are of those kinds is therefore not judged by that check; how the target answered it is
recorded as an observation instead (`generated.<Op>.unknown-member` / `.null-optional`).

How: the body AS SENT (after injection and serialization, so whatever Schemathesis' metadata
says about the mutation, this is what the target saw) is validated against the operation's
input shape (conformance/spec/schema.py) and against relaxed copies of it: one allowing
undeclared members, one allowing `null` for optional members, one allowing both. The
smallest relaxation under which the body is valid names its class. Metadata alone would
not do: the injector overwrites members after generation, and fuzzing-phase negative cases
describe their mutation only loosely.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

from conformance.generated.pairs import NULL_OPTIONAL, OBSERVED_KINDS, UNKNOWN_MEMBER
from conformance.spec.model import load_model
from conformance.spec.schema import shape_schema

VIOLATES = "violates"            # violates the model in a way AWS is on record rejecting
VALID = "valid"                  # no violation at all (e.g. the injector overwrote it)
BOTH = f"{UNKNOWN_MEMBER}+{NULL_OPTIONAL}"  # both at once: not judged, not observed
LENIENT = OBSERVED_KINDS         # the kinds recorded as observations

NOT_JSON = object()  # a body that is not JSON at all (or absent)


def _relaxed(document: dict[str, Any], unknown: bool, null: bool) -> dict[str, Any]:
    """A copy of a shape's JSON Schema with undeclared members and/or null optionals allowed.

    Structures are the `$defs` entries with `properties`; maps keep their value schema in
    `additionalProperties` (a dict), so only a literal `False` is a structure's closure."""
    doc = copy.deepcopy(document)
    for definition in doc.get("$defs", {}).values():
        if "properties" not in definition:
            continue
        if unknown and definition.get("additionalProperties") is False:
            del definition["additionalProperties"]
            definition.pop("maxProperties", None)  # a union's one-member rule counts extras
        if null:
            required = set(definition.get("required", ()))
            definition["properties"] = {
                name: schema if name in required else {"anyOf": [schema, {"type": "null"}]}
                for name, schema in definition["properties"].items()}
    return doc


@functools.lru_cache(maxsize=None)
def _validators(operation: str) -> tuple[Any, Any, Any, Any] | None:
    import jsonschema

    shape = load_model().input_shape(operation)
    if shape is None:
        return None
    strict = shape_schema(shape)
    return tuple(jsonschema.Draft202012Validator(_relaxed(strict, unknown, null))
                 for unknown, null in ((False, False), (True, False), (False, True),
                                       (True, True)))  # type: ignore[return-value]


def classify(operation: str, body: Any) -> str:
    """VIOLATES, VALID, UNKNOWN_MEMBER, NULL_OPTIONAL or BOTH for one request body (parsed
    JSON, or NOT_JSON). Anything but a JSON object violates (SerializationException)."""
    if body is NOT_JSON or not isinstance(body, dict):
        return VIOLATES
    validators = _validators(operation)
    if validators is None:
        return VALID if body == {} else UNKNOWN_MEMBER
    strict, unknown, null, both = validators
    # strict accepts a subset of what unknown and null accept, and both accepts their union's
    # superset: asking the most lenient first settles the common case (a body that violates
    # the model) in one validation instead of four, and without a null anywhere the null
    # relaxations change nothing (jsonschema is most of a negative case's CPU otherwise).
    if not _has_null(body):
        if not unknown.is_valid(body):
            return VIOLATES
        return VALID if strict.is_valid(body) else UNKNOWN_MEMBER
    if not both.is_valid(body):
        return VIOLATES
    if strict.is_valid(body):
        return VALID
    if unknown.is_valid(body):
        return UNKNOWN_MEMBER
    if null.is_valid(body):
        return NULL_OPTIONAL
    return BOTH


def _has_null(value: Any) -> bool:
    """Is there a JSON null anywhere in `value`?"""
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return False


@functools.lru_cache(maxsize=512)
def classify_sent(operation: str, raw: bytes | None) -> str:
    """classify() for the raw request body as sent (cached: the check and the tally both ask)."""
    try:
        body = json.loads(raw) if raw else NOT_JSON
    except (ValueError, UnicodeDecodeError):
        body = NOT_JSON
    return classify(operation, body)


def has_optional_member(operation: str) -> bool:
    """Can a body of this operation carry an optional member at all (at any depth)?"""
    shape = load_model().input_shape(operation)
    if shape is None:
        return False
    return any(set(d.get("properties", {})) - set(d.get("required", ()))
               for d in shape_schema(shape).get("$defs", {}).values())
