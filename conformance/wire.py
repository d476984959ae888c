"""The AWS JSON 1.1 caller: sends raw requests to a target and returns Exchanges.

Why not boto3 for checks: a conformance check must see the wire (status, headers, raw body)
and must be able to send what an SDK would refuse (wrong types, missing members, malformed
JSON). This caller does no client-side validation at all; it frames the request the way AWS
does (POST /, X-Amz-Target, application/x-amz-json-1.1) and signs it with botocore's SigV4
signer for the operations the model does not mark `authtype: none`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conformance.exchange import Exchange, harvest
from conformance.spec.model import Model, load_model

CONTENT_TYPE = "application/x-amz-json-1.1"


class TargetUnreachable(Exception):
    """The target did not answer at the HTTP level (refused, timed out, reset)."""


@dataclass(frozen=True)
class AwsCredentials:
    access_key: str
    secret_key: str
    token: str | None = None


class Caller:
    def __init__(self, endpoint: str, region: str, credentials: AwsCredentials,
                 timeout_s: float = 15.0, model: Model | None = None) -> None:
        self.endpoint = endpoint.rstrip("/") + "/"
        self.region = region
        self.credentials = credentials
        self.timeout_s = timeout_s
        self.model = model or load_model()
        self.session = requests.Session()

    def call(self, operation: str, body: Any = None, *, raw: bytes | None = None,
             headers: dict[str, str] | None = None, sign: bool | None = None,
             target: str | None = "default") -> Exchange:
        """Send one request. `raw` replaces the JSON body; `target=None` omits X-Amz-Target."""
        if body is not None:
            harvest(body)
        data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
        target_header = (f"{self.model.target_prefix}.{operation}" if target == "default"
                         else target)
        hdrs = {"Content-Type": CONTENT_TYPE}
        if target_header is not None:
            hdrs["X-Amz-Target"] = target_header
        hdrs.update(headers or {})
        signed = (not self.model.is_unsigned(operation)) if sign is None and \
            operation in self.model.operations else bool(sign)
        if signed:
            hdrs = self._sign(hdrs, data)
        return self._send(operation, target_header, hdrs, data, signed)

    def _sign(self, headers: dict[str, str], data: bytes) -> dict[str, str]:
        creds = Credentials(self.credentials.access_key, self.credentials.secret_key,
                            self.credentials.token)
        request = AWSRequest(method="POST", url=self.endpoint, data=data, headers=headers)
        SigV4Auth(creds, "cognito-idp", self.region).add_auth(request)
        return dict(request.headers.items())

    def _send(self, operation: str, target_header: str | None, headers: dict[str, str],
              data: bytes, signed: bool) -> Exchange:
        start = time.perf_counter()
        try:
            resp = self.session.post(self.endpoint, data=data, headers=headers,
                                     timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise TargetUnreachable(f"{self.endpoint}: {type(exc).__name__}: {exc}") from exc
        exchange = Exchange(
            operation=operation, url=self.endpoint, target_header=target_header,
            request_headers=dict(headers), request_body=data, signed=signed,
            status=resp.status_code, headers={k.lower(): v for k, v in resp.headers.items()},
            body=resp.content, elapsed_s=time.perf_counter() - start, region=self.region)
        if exchange.json is not None:
            harvest(exchange.json)
        return exchange
