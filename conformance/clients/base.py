"""The client adapter protocol and what a client surfaced (see the package docstring)."""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from conformance.exchange import harvest, mask, scrub

CLIENT_NAMES = ("boto3", "cli", "js")
RAW_ERROR_CHARS = 600   # evidence, not a log: the first lines of what the client printed

# Where a call ended, as the client saw it.
STAGE_OK = "ok"                        # a success answer, parsed
STAGE_SERVICE = "service-error"        # an error answer the client parsed into an error code
STAGE_VALIDATION = "validation"        # refused by the client before anything was sent
STAGE_PARSE = "parse"                  # an answer came back the client could not read
STAGE_TRANSPORT = "transport"          # no HTTP answer (refused, reset, timed out)
STAGE_OTHER = "other"                  # anything else the client raised
STAGES = (STAGE_OK, STAGE_SERVICE, STAGE_VALIDATION, STAGE_PARSE, STAGE_TRANSPORT,
          STAGE_OTHER)


class ClientUnavailable(RuntimeError):
    """The client is not installed or not usable here (a check using it is `unsupported`)."""


class AdapterError(RuntimeError):
    """The adapter itself broke mid-call (its Node process died): a harness `error`, not a
    verdict on the target. The next call starts afresh."""


@dataclass(frozen=True)
class Surfaced:
    """What one client call surfaced to the code that made it.

    error_code: the modeled exception name or error code the client named (boto3's
        `Error.Code`, the CLI's `An error occurred (X)`, the JS SDK's `error.name`), or for
        an error that is not a service error the client's own error class name
        (`ParamValidationError`, `ResponseParserError`, `SyntaxError` ...); None on success.
    modeled: the client mapped the error to one of the service's modeled exceptions (a
        subclass boto3 raises from client.exceptions, an exported exception class of the JS
        SDK, an `errorfactory` class in the CLI's traceback) rather than a generic one.
    http_status: the status the client saw (None when nothing was sent or no answer came).
    output: the parsed response (ResponseMetadata / $metadata removed; dates as ISO text,
        blobs as base64) on success, else None. Raw values: `summary()` masks them.
    raw_error: a short, scrubbed excerpt of what the client raised or printed.
    detail: client-specific facts (the CLI's exit code, the JS error's $fault, the class).
    """

    client: str
    operation: str
    ok: bool
    stage: str
    error_code: str | None = None
    modeled: bool = False
    http_status: int | None = None
    message: str | None = None
    output: dict[str, Any] | None = None
    raw_error: str | None = None
    elapsed_s: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"unknown stage {self.stage!r}")
        if self.output is not None:
            harvest(self.output)   # tokens and sessions in the output are remembered

    def summary(self) -> dict[str, Any]:
        """The client's verdict in a few fields, masked: a check's `observed`."""
        out: dict[str, Any] = {"client": self.client, "ok": self.ok, "stage": self.stage,
                               "http_status": self.http_status}
        if not self.ok:
            out.update(error_code=self.error_code, modeled=self.modeled,
                       message=self.message)
        return mask(out)

    def evidence(self) -> dict[str, Any]:
        """Everything surfaced, masked (reports and attachments)."""
        return mask({**self.summary(), "operation": self.operation, "output": self.output,
                     "raw_error": self.raw_error, "detail": self.detail,
                     "elapsed_s": round(self.elapsed_s, 4)})


@runtime_checkable
class ClientAdapter(Protocol):
    name: str

    def available(self) -> str | None:
        """None when usable, else why not (e.g. "awscli not installed: no `aws` in ...")."""

    def version(self) -> str | None:
        """The installed client's version text, None when unavailable."""

    def call(self, operation: str, params: dict[str, Any]) -> Surfaced:
        """One call. Raises ClientUnavailable only when the client cannot run at all, and
        AdapterError when the adapter broke (never for anything the client surfaced)."""

    def close(self) -> None:
        """Release what the adapter holds (idempotent)."""


def parse_clients(spec: str | None) -> tuple[str, ...]:
    """`--clients boto3,cli,js` / `all` / `none` / "" -> the client names, in CLIENT_NAMES
    order. An unknown name is a ValueError naming the choices."""
    if spec is None:
        return ()
    names = [n.strip().lower() for n in spec.split(",") if n.strip()]
    if names in ([], ["none"]):
        return ()
    if names == ["all"]:
        return CLIENT_NAMES
    unknown = sorted(set(names) - set(CLIENT_NAMES))
    if unknown:
        raise ValueError(f"unknown client(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(CLIENT_NAMES)}, all or none")
    return tuple(n for n in CLIENT_NAMES if n in names)


def clean_text(text: object, limit: int = RAW_ERROR_CHARS) -> str | None:
    """Scrubbed (secrets masked), stripped, at most `limit` characters; None if empty."""
    if text is None:
        return None
    value = scrub(str(text)).strip()
    if len(value) > limit:
        value = value[:limit] + " ..."
    return value or None


def plain(value: Any) -> Any:
    """A client's parsed output as plain JSON values (datetimes ISO, bytes base64)."""
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if hasattr(value, "read"):   # a streaming body (none in cognito-idp; never hang on one)
        return "<stream>"
    return str(value)
