"""The pinned botocore model of cognito-idp, read once and looked up as data.

Checks, the schema builder and the OpenAPI generator all ask this module about operations,
shapes, errors and which members are secret; nothing else parses service-2.json.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Iterator

from conformance.paths import specs_dir

MODEL_FILE = "cognito-idp/service-2.json"


@dataclass(frozen=True)
class Model:
    raw: dict[str, Any]
    sha256: str

    @property
    def metadata(self) -> dict[str, Any]:
        return self.raw["metadata"]

    @property
    def target_prefix(self) -> str:
        return self.metadata["targetPrefix"]

    @property
    def api_version(self) -> str:
        return self.metadata["apiVersion"]

    @property
    def operations(self) -> dict[str, dict[str, Any]]:
        return self.raw["operations"]

    def shape(self, name: str) -> dict[str, Any]:
        return self.raw["shapes"][name]

    def input_shape(self, operation: str) -> str | None:
        return self.operations[operation].get("input", {}).get("shape")

    def output_shape(self, operation: str) -> str | None:
        return self.operations[operation].get("output", {}).get("shape")

    def errors(self, operation: str) -> tuple[str, ...]:
        return tuple(e["shape"] for e in self.operations[operation].get("errors", []))

    def error_shapes(self) -> tuple[str, ...]:
        return tuple(sorted(n for n, s in self.raw["shapes"].items() if s.get("exception")))

    def is_fault(self, error: str) -> bool:
        return bool(self.shape(error).get("fault"))

    def is_unsigned(self, operation: str) -> bool:
        """True for operations AWS serves without SigV4 (`authtype: none`)."""
        op = self.operations[operation]
        return op.get("authtype") == "none" or "smithy.api#noAuth" in op.get("auth", [])

    def member_shape(self, structure: str, member: str) -> dict[str, Any]:
        return self.shape(self.shape(structure)["members"][member]["shape"])

    def sensitive_members(self) -> frozenset[str]:
        """Names of every structure member whose target shape (or itself) is sensitive."""
        return frozenset(_iter_sensitive(self.raw["shapes"]))


def _iter_sensitive(shapes: dict[str, Any]) -> Iterator[str]:
    for shape in shapes.values():
        for name, member in shape.get("members", {}).items():
            target = shapes.get(member.get("shape", ""), {})
            if member.get("sensitive") or target.get("sensitive"):
                yield name


@functools.lru_cache(maxsize=1)
def load_model() -> Model:
    data = (specs_dir() / MODEL_FILE).read_bytes()
    return Model(raw=json.loads(data), sha256=hashlib.sha256(data).hexdigest())
