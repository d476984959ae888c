"""The AWS JSON 1.1 caller: sends raw requests to a target and returns Exchanges.

Why not boto3 for checks: a conformance check must see the wire (status, headers, raw body)
and must be able to send what an SDK would refuse (wrong types, missing members, malformed
JSON). This caller does no client-side validation at all; it frames the request the way AWS
does (POST /, X-Amz-Target, application/x-amz-json-1.1) and signs it with botocore's SigV4
signer for the operations the model does not mark `authtype: none`.

Why a circuit breaker: a target that dies or freezes mid-run must end the run in seconds,
not cost every remaining check a refused connection or a full `--timeout` (a paused target
once took one failure per ~17 s, for minutes). Each process keeps one Breaker per endpoint:
after `BREAKER_THRESHOLD` consecutive calls that got no HTTP answer (refused, reset, timed
out) it opens and every later call raises TargetStoppedAnswering at once, without touching
the network. While failures are piling up (one or more since the last answer) a call waits
at most SUSPECT_TIMEOUT_S, so a frozen target opens the breaker within
`--timeout` + 2 x 3 s. Any HTTP answer, even a 500, closes the count again: a broken but
answering target is judged by the checks, not cut off here. A `deadline` (epoch seconds,
`--deadline`) is honoured per call too: no call starts after it, none waits past it.
"""

from __future__ import annotations

import json
import os
import threading
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


BREAKER_THRESHOLD = 3        # consecutive calls without an HTTP answer that open the breaker
SUSPECT_TIMEOUT_S = 3.0      # a call's longest wait once the previous one got no answer
STOPPED = "target stopped answering"


class TargetUnreachable(Exception):
    """The target did not answer at the HTTP level (refused, timed out, reset)."""


class TargetStoppedAnswering(TargetUnreachable):
    """The endpoint's breaker is open: no call is sent any more."""


class DeadlinePassed(Exception):
    """The run's --deadline passed: no call is sent any more."""


class Breaker:
    """Consecutive no-answer failures of one endpoint, in this process (thread-safe)."""

    def __init__(self, endpoint: str, threshold: int = BREAKER_THRESHOLD) -> None:
        self.endpoint = endpoint
        self.threshold = threshold
        self.failures = 0            # consecutive calls without an HTTP answer
        self.reason: str | None = None  # set once open: the last failure, short
        self.opened_at: float | None = None
        self._lock = threading.Lock()

    @property
    def open(self) -> bool:
        return self.reason is not None

    def timeout(self, timeout_s: float) -> float:
        return min(timeout_s, SUSPECT_TIMEOUT_S) if self.failures else timeout_s

    def check(self) -> None:
        if self.reason is not None:
            raise TargetStoppedAnswering(f"{STOPPED} ({self.reason})")

    def success(self) -> None:
        with self._lock:
            if self.reason is None:
                self.failures = 0

    def failure(self, why: str) -> None:
        with self._lock:
            self.failures += 1
            if self.failures >= self.threshold and self.reason is None:
                self.reason = f"{self.failures} calls in a row without an answer: {why}"
                self.opened_at = time.time()

    def trip(self, reason: str) -> None:
        """Open now: another process's breaker for this endpoint opened (a generated worker);
        its reason, without our own prefix twice."""
        with self._lock:
            if self.reason is None:
                self.reason = reason.removeprefix(f"{STOPPED} (").removesuffix(")") \
                    if reason.startswith(f"{STOPPED} (") else reason
                self.opened_at = time.time()

    def alive(self, timeout_s: float = SUSPECT_TIMEOUT_S) -> bool:
        """One unsigned request: does the endpoint answer HTTP at all? (Counts like a call.)"""
        if self.open:
            return False
        try:
            requests.post(self.endpoint, data=b"{}", timeout=min(timeout_s, SUSPECT_TIMEOUT_S),
                          headers={"Content-Type": CONTENT_TYPE,
                                   "X-Amz-Target": "AWSCognitoIdentityProviderService."
                                                   "ListUserPools"})
        except requests.RequestException as exc:
            self.failure(short_reason(exc))
            return False
        self.success()
        return True


_BREAKERS: dict[str, Breaker] = {}
_BREAKERS_LOCK = threading.Lock()


def breaker(endpoint: str) -> Breaker:
    """This process's breaker for `endpoint` (one per endpoint, shared by every Caller)."""
    key = endpoint.rstrip("/") + "/"
    with _BREAKERS_LOCK:
        if key not in _BREAKERS:
            _BREAKERS[key] = Breaker(key, _threshold())
        return _BREAKERS[key]


def _threshold() -> int:
    try:
        return max(1, int(os.environ.get("CC_BREAKER_THRESHOLD", BREAKER_THRESHOLD)))
    except ValueError:
        return BREAKER_THRESHOLD


def short_reason(exc: BaseException) -> str:
    """`connection refused`, `timed out` ... instead of urllib3's paragraph."""
    text = str(exc)
    for marker, said in (("Connection refused", "connection refused"),
                         ("timed out", "timed out"), ("Read timed out", "timed out"),
                         ("Connection reset", "connection reset"),
                         ("RemoteDisconnected", "connection closed without an answer"),
                         ("Connection aborted", "connection closed without an answer"),
                         ("Name or service not known", "name or service not known")):
        if marker in text:
            return said
    return f"{type(exc).__name__}: {text[:120]}"


@dataclass(frozen=True)
class AwsCredentials:
    access_key: str
    secret_key: str
    token: str | None = None


def session_for(endpoint: str) -> requests.Session:
    """A requests session that reads its proxy and CA-bundle settings from the environment
    once, as requests would, instead of on every one of a run's thousands of calls (a few
    percent of a call's CPU: environment scans and a stat of the CA bundle; 0.55 s of a
    ci run's hand-written checks, and a few percent of each generated case)."""
    session = requests.Session()
    settings = session.merge_environment_settings(endpoint, {}, None, None, None)
    session.trust_env = False
    session.proxies.update(settings.get("proxies") or {})
    if endpoint.startswith("https:") and settings.get("verify") is not None:
        session.verify = settings["verify"]
    if settings.get("cert"):
        session.cert = settings["cert"]
    return session


class Caller:
    def __init__(self, endpoint: str, region: str, credentials: AwsCredentials,
                 timeout_s: float = 15.0, model: Model | None = None,
                 deadline: float | None = None, deadline_s: float | None = None) -> None:
        self.endpoint = endpoint.rstrip("/") + "/"
        self.breaker = breaker(self.endpoint)
        self.deadline = deadline          # epoch seconds (RunConfig.deadline_at)
        self.deadline_s = deadline_s      # what the user asked for, for the message
        self.region = region
        self.credentials = credentials
        self.timeout_s = timeout_s
        self.model = model or load_model()
        self.session = session_for(self.endpoint)
        self.last: Exchange | None = None  # the latest answer (the probe names it)

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

    def get(self, path: str, operation: str) -> Exchange:
        """A plain HTTP GET of `<endpoint>/<path>` (a pool's JWKS), recorded as an Exchange
        named `operation`, with the same breaker and deadline as the AWS calls."""
        url = self.endpoint + path.lstrip("/")
        timeout = self._timeout()
        start = time.perf_counter()
        try:
            resp = self.session.get(url, timeout=timeout)
        except requests.RequestException as exc:
            self.breaker.failure(short_reason(exc))
            raise TargetUnreachable(f"{url}: {short_reason(exc)}") from exc
        self.breaker.success()
        return Exchange(
            operation=operation, url=url, target_header=None, request_headers={},
            request_body=b"", signed=False, status=resp.status_code,
            headers={k.lower(): v for k, v in resp.headers.items()}, body=resp.content,
            elapsed_s=time.perf_counter() - start, region=self.region, method="GET")

    def _timeout(self) -> float:
        """This call's timeout: the breaker's (TargetUnreachable once it is open), cut to
        what is left of the run's deadline (DeadlinePassed when nothing is)."""
        self.breaker.check()
        timeout = self.breaker.timeout(self.timeout_s)
        if self.deadline is not None:
            left = self.deadline - time.time()
            if left <= 0:
                raise DeadlinePassed(deadline_message(self.deadline_s))
            timeout = min(timeout, left)
        return timeout

    def _sign(self, headers: dict[str, str], data: bytes) -> dict[str, str]:
        creds = Credentials(self.credentials.access_key, self.credentials.secret_key,
                            self.credentials.token)
        request = AWSRequest(method="POST", url=self.endpoint, data=data, headers=headers)
        SigV4Auth(creds, "cognito-idp", self.region).add_auth(request)
        return dict(request.headers.items())

    def _send(self, operation: str, target_header: str | None, headers: dict[str, str],
              data: bytes, signed: bool) -> Exchange:
        timeout = self._timeout()
        start = time.perf_counter()
        try:
            resp = self.session.post(self.endpoint, data=data, headers=headers,
                                     timeout=timeout)
        except requests.RequestException as exc:
            if self.deadline is not None and time.time() >= self.deadline:
                raise DeadlinePassed(deadline_message(self.deadline_s)) from exc
            self.breaker.failure(short_reason(exc))
            raise TargetUnreachable(f"{self.endpoint}: {short_reason(exc)}") from exc
        self.breaker.success()
        exchange = Exchange(
            operation=operation, url=self.endpoint, target_header=target_header,
            request_headers=dict(headers), request_body=data, signed=signed,
            status=resp.status_code, headers={k.lower(): v for k, v in resp.headers.items()},
            body=resp.content, elapsed_s=time.perf_counter() - start, region=self.region)
        if exchange.json is not None:
            harvest(exchange.json)
        self.last = exchange
        return exchange


def deadline_message(deadline_s: float | None) -> str:
    return f"run deadline of {deadline_s:g} s passed" if deadline_s else "run deadline passed"
