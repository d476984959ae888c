"""JSON Schemas from botocore shapes, with AWS JSON 1.1 wire types.

Why a translation step: botocore patterns use `\\p{L}`-style classes that Python's `re`
lacks, and they are unanchored while AWS matches the whole value. We translate the classes
used by the cognito-idp model into equivalent Python classes (measured variants in
../shared/notes/schemathesis-recipe.md, "translate" mode) and anchor every pattern.
The patterns are Java regular expressions, whose `\\w`, `\\d` and `\\s` are ASCII-only
(`[a-zA-Z_0-9]`, `[0-9]`, `[ \\t\\n\\x0B\\f\\r]`) while Python's match any Unicode
letter, digit or space: they are spelled out as ASCII classes, so `[\\w+]+` rejects `é` and
`[\\S]+` accepts a no-break space, as AWS does (and the result reads the same in ECMA regex).

Wire types (AWS JSON 1.1): timestamps are epoch-seconds numbers, blobs are base64 strings,
longs/integers are JSON integers. Structures list their required members and, by default,
forbid members the model does not declare (AWS's own responses match its model).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from conformance.spec.model import Model, load_model

# Ordered: more specific class bodies first. Each maps a botocore class body to a Python one.
_CLASS_TRANSLATIONS: tuple[tuple[str, str], ...] = (
    (r"[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r ]", r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"),
    (r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s*]", r"[^\x00-\x08\x0e-\x1f\x7f-\x9f]"),
    (r"[\p{L}\p{M}\p{S}\p{N}\p{P}\s]", r"[^\x00-\x08\x0e-\x1f\x7f-\x9f]"),
    (r"[\p{L}\p{M}\p{S}\p{N}\p{P}\p{Z}]", r"[^\x00-\x1f\x7f-\x9f]"),
    (r"[\p{L}\p{M}\p{S}\p{N}\p{P}]", r"[^\s\x00-\x1f\x7f-\x9f]"),
    (r"[^_\p{Z}]", r"[^_\s]"),
)
_GENERIC = ((r"\p{L}", "a-zA-Z\u00c0-\u024f"), (r"\p{N}", "0-9"), (r"\p{Z}", " "),
            (r"\p{M}", "\u0300-\u036f"), (r"\p{P}", "!-/:-@\\[-`{-~"), (r"\p{S}", "$+<=>^`|~"))


# Java's predefined classes without UNICODE_CHARACTER_CLASS: ASCII only (class bodies).
_JAVA_ASCII = {"w": "a-zA-Z0-9_", "d": "0-9", "s": r" \t\n\x0b\f\r"}


def _ascii_escape(letter: str, in_class: bool) -> str:
    """A Java `\\w \\d \\s` (or negation) as an explicit ASCII class or class body."""
    body = _JAVA_ASCII[letter.lower()]
    if letter.islower():
        return body if in_class else f"[{body}]"
    if in_class:  # `[\\Sx]`: a negated class inside a class has no portable spelling
        raise ValueError(f"\\{letter} inside a larger character class is not supported")
    return f"[^{body}]"


def _class_end(pattern: str, start: int) -> int:
    """Index of the `]` closing the character class opened at `start`."""
    i = start + 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    if i >= len(pattern):
        raise ValueError(f"unterminated character class in {pattern!r}")
    return i


def _ascii_class(text: str) -> str:
    """One `[...]` class with its Java predefined classes made ASCII. Classes holding
    `\\p{..}` are left whole for _CLASS_TRANSLATIONS, which already accounts for them."""
    if "\\p{" in text:
        return text
    body = text[1:-1]
    if body in (r"\S", r"\W", r"\D"):  # `[\\S]+`: the class is the negation itself
        return _ascii_escape(body[1], in_class=False)
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            pair = body[i:i + 2]
            if pair[1] not in "wdsWDS":
                out.append(pair)
            else:  # a `-` right after a predefined class is a literal in Java, not a range
                out.append(_ascii_escape(pair[1], True))
                if body[i + 2:i + 3] == "-" and i + 3 < len(body):
                    out.append("\\-")
                    i += 1
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "[" + "".join(out) + "]"


def java_ascii_classes(pattern: str) -> str:
    """Replace Java's ASCII-only `\\w \\d \\s \\W \\D \\S` by explicit ASCII classes."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(_ascii_escape(nxt, False) if nxt in "wdsWDS" else ch + nxt)
            i += 2
        elif ch == "[":
            end = _class_end(pattern, i)
            out.append(_ascii_class(pattern[i:end + 1]))
            i = end + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def translate_pattern(pattern: str, anchor: bool = True) -> str:
    """Turn a botocore pattern into a Python/ECMA-compatible, anchored regular expression."""
    out = java_ascii_classes(pattern)
    out = out.replace("(?s).*", "[\\s\\S]*")  # inline flags are not portable to ECMA
    for src, dst in _CLASS_TRANSLATIONS:
        out = out.replace(src, dst)
    for src, dst in _GENERIC:
        out = out.replace(src, dst)
    if anchor and not (out.startswith("^") and out.endswith("$")):
        out = f"^(?:{out})$"
    return out


def full_match(pattern: str, value: str) -> bool:
    """Does `value` match the botocore `pattern` as AWS applies it (whole value)?"""
    return re.search(translate_pattern(pattern), value) is not None


class SchemaBuilder:
    """Builds JSON Schemas for shapes; shared definitions live in `$defs` keyed by shape."""

    def __init__(self, model: Model, strict_objects: bool = True) -> None:
        self.model = model
        self.strict_objects = strict_objects
        self.defs: dict[str, Any] = {}

    def ref(self, shape_name: str) -> dict[str, Any]:
        if shape_name not in self.defs:
            self.defs[shape_name] = {}  # placeholder breaks recursion
            self.defs[shape_name] = self._build(self.model.shape(shape_name))
        return {"$ref": f"#/$defs/{shape_name}"}

    def document(self, shape_name: str) -> dict[str, Any]:
        root = self.ref(shape_name)
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root,
                "$defs": self.defs}

    def _build(self, shape: dict[str, Any]) -> dict[str, Any]:
        return _BUILDERS[shape["type"]](self, shape)

    def _structure(self, shape: dict[str, Any]) -> dict[str, Any]:
        props = {name: self.ref(m["shape"]) for name, m in shape.get("members", {}).items()}
        out: dict[str, Any] = {"type": "object", "properties": props}
        if shape.get("required"):
            out["required"] = list(shape["required"])
        if self.strict_objects:
            out["additionalProperties"] = False
        if shape.get("union"):
            out["maxProperties"] = 1
        return out

    def _list(self, shape: dict[str, Any]) -> dict[str, Any]:
        return _bounded({"type": "array", "items": self.ref(shape["member"]["shape"])},
                        shape, "minItems", "maxItems")

    def _map(self, shape: dict[str, Any]) -> dict[str, Any]:
        out = {"type": "object", "additionalProperties": self.ref(shape["value"]["shape"]),
               "propertyNames": self._string(self.model.shape(shape["key"]["shape"]))}
        return _bounded(out, shape, "minProperties", "maxProperties")

    def _string(self, shape: dict[str, Any]) -> dict[str, Any]:
        if "enum" in shape:
            return {"type": "string", "enum": list(shape["enum"])}
        out = _bounded({"type": "string"}, shape, "minLength", "maxLength")
        if "pattern" in shape:
            out["pattern"] = translate_pattern(shape["pattern"])
        return out

    def _number(self, shape: dict[str, Any]) -> dict[str, Any]:
        kind = "integer" if shape["type"] in ("integer", "long") else "number"
        return _bounded({"type": kind}, shape, "minimum", "maximum")


def _bounded(out: dict[str, Any], shape: dict[str, Any], lo: str, hi: str) -> dict[str, Any]:
    if "min" in shape:
        out[lo] = shape["min"]
    if "max" in shape:
        out[hi] = shape["max"]
    return out


_BUILDERS = {
    "structure": SchemaBuilder._structure,
    "list": SchemaBuilder._list,
    "map": SchemaBuilder._map,
    "string": SchemaBuilder._string,
    "integer": SchemaBuilder._number,
    "long": SchemaBuilder._number,
    "double": SchemaBuilder._number,
    "float": SchemaBuilder._number,
    "boolean": lambda self, shape: {"type": "boolean"},
    "timestamp": lambda self, shape: {"type": "number"},
    "blob": lambda self, shape: {"type": "string"},
}


@functools.lru_cache(maxsize=None)
def shape_schema(shape_name: str, strict_objects: bool = True) -> dict[str, Any]:
    """The JSON Schema (2020-12) of one model shape, cached."""
    return SchemaBuilder(load_model(), strict_objects).document(shape_name)


def validation_errors(shape_name: str, instance: object) -> list[str]:
    """Every way `instance` violates the shape, as `path: message` lines (empty = valid)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(shape_schema(shape_name))
    return sorted(f"/{'/'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in validator.iter_errors(instance))


# Validators whose message names a member (not a value), so it is stable across runs.
_NAMING_VALIDATORS = ("required", "additionalProperties")


def violation_kinds(shape_name: str, instance: object) -> list[str]:
    """How `instance` violates the shape, without values: `/path validator` per violation.

    The stable twin of validation_errors() for failure signatures: values (tokens, subs,
    dates) change every run, the path and the kind of violation do not."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(shape_schema(shape_name))
    return sorted({f"/{'/'.join(map(str, e.absolute_path))} {e.validator}"
                   + (f" {e.message}" if e.validator in _NAMING_VALIDATORS else "")
                   for e in validator.iter_errors(instance)})
