"""boto3 as a judge: `client.sign_up(**params)` the way applications call it.

Parameter validation stays ON (apps never turn it off: a request boto3 refuses never reaches
the target, and that is what the app sees). Retries are off (total_max_attempts=1) so a 5xx
or a throttling answer is surfaced as it came, not retried into something else. The botocore
session reads no user config (`~/.aws/config`, AWS_PROFILE): endpoint, region and
credentials are the constructor's, as the suite's Caller gets them.

Modeled: boto3 raised a subclass of ClientError found in `client.exceptions` for the code it
parsed (`client.exceptions.UsernameExistsException`), not a bare ClientError.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from conformance.clients.base import (STAGE_OK, STAGE_OTHER, STAGE_PARSE, STAGE_SERVICE,
                                      STAGE_TRANSPORT, STAGE_VALIDATION, Surfaced, clean_text,
                                      plain)
from conformance.exchange import harvest
from conformance.wire import AwsCredentials


class Boto3Adapter:
    name = "boto3"

    def __init__(self, endpoint: str, region: str, credentials: AwsCredentials,
                 timeout_s: float = 15.0) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.credentials = credentials
        self.timeout_s = timeout_s
        self._client: Any = None
        self._lock = threading.Lock()

    def available(self) -> str | None:
        try:
            import boto3  # noqa: F401
            import botocore  # noqa: F401
        except ImportError as exc:  # pragma: no cover - boto3 is a dependency of the suite
            return f"boto3 is not installed: {exc}"
        return None

    def version(self) -> str | None:
        if self.available() is not None:
            return None
        import boto3
        import botocore
        return f"boto3 {boto3.__version__} (botocore {botocore.__version__})"

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
            return self._client

    def _make_client(self) -> Any:
        import boto3
        import botocore.session
        from botocore.config import Config

        # No profile (AWS_PROFILE is not read) and no config files: the default profile of
        # an empty config is empty, so nothing of the user's reaches the client.
        core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
        core.set_config_variable("config_file", os.devnull)
        core.set_config_variable("credentials_file", os.devnull)
        session = boto3.session.Session(
            botocore_session=core, region_name=self.region,
            aws_access_key_id=self.credentials.access_key,
            aws_secret_access_key=self.credentials.secret_key,
            aws_session_token=self.credentials.token)
        config = Config(retries={"total_max_attempts": 1, "mode": "standard"},
                        connect_timeout=self.timeout_s, read_timeout=self.timeout_s,
                        parameter_validation=True)
        return session.client("cognito-idp", endpoint_url=self.endpoint, config=config)

    def call(self, operation: str, params: dict[str, Any]) -> Surfaced:
        from botocore import xform_name
        from botocore.exceptions import (ClientError, ConnectionClosedError,
                                         ConnectTimeoutError, EndpointConnectionError,
                                         ParamValidationError, ReadTimeoutError)
        from botocore.parsers import ResponseParserError

        harvest(params)
        client = self.client
        method = getattr(client, xform_name(operation))
        start = time.perf_counter()
        try:
            response = method(**params)
        except ClientError as exc:
            elapsed = time.perf_counter() - start
            error = exc.response.get("Error", {}) or {}
            code = error.get("Code")
            meta = exc.response.get("ResponseMetadata", {}) or {}
            cls = client.exceptions.from_code(code) if code else ClientError
            modeled = cls is not ClientError and isinstance(exc, cls)
            message = error.get("Message")
            return Surfaced(
                self.name, operation, ok=False, stage=STAGE_SERVICE,
                error_code=str(code) if code is not None else None, modeled=modeled,
                http_status=meta.get("HTTPStatusCode"),
                message=clean_text(message, 10_000) if message is not None else None,
                raw_error=clean_text(f"{type(exc).__module__}.{type(exc).__name__}: {exc}"),
                elapsed_s=elapsed,
                detail={"exception": f"{type(exc).__module__}.{type(exc).__name__}",
                        "message_type": type(message).__name__})
        except Exception as exc:  # noqa: BLE001 - whatever boto3 raised is the verdict
            elapsed = time.perf_counter() - start
            if isinstance(exc, ParamValidationError):
                stage = STAGE_VALIDATION
            elif isinstance(exc, ResponseParserError):
                stage = STAGE_PARSE
            elif isinstance(exc, (EndpointConnectionError, ConnectTimeoutError,
                                  ReadTimeoutError, ConnectionClosedError)):
                stage = STAGE_TRANSPORT
            else:
                stage = STAGE_OTHER
            return Surfaced(
                self.name, operation, ok=False, stage=stage,
                error_code=type(exc).__name__, modeled=False,
                http_status=_status_of(exc), message=clean_text(exc, 10_000),
                raw_error=clean_text(f"{type(exc).__module__}.{type(exc).__name__}: {exc}"),
                elapsed_s=elapsed,
                detail={"exception": f"{type(exc).__module__}.{type(exc).__name__}"})
        elapsed = time.perf_counter() - start
        meta = response.pop("ResponseMetadata", {}) or {}
        return Surfaced(self.name, operation, ok=True, stage=STAGE_OK,
                        http_status=meta.get("HTTPStatusCode"), output=plain(response),
                        elapsed_s=elapsed)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def _status_of(exc: BaseException) -> int | None:
    """The HTTP status behind a non-ClientError botocore exception, where it carries one."""
    for attr in ("http_status_code", "status_code"):
        value = getattr(exc, attr, None)
        if isinstance(value, int):
            return value
    kwargs = getattr(exc, "kwargs", None)
    if isinstance(kwargs, dict) and isinstance(kwargs.get("http_status_code"), int):
        return kwargs["http_status_code"]
    return None
