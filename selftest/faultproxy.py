"""A fault-injecting HTTP proxy: stands in front of moto and rewrites chosen responses.

Why: a check must be able to fail. A self-test puts this proxy between the suite and a real
moto server, flips one behaviour (status, `__type`, a header, a member, a type) and asserts
the matching check fails; with a "fix" fault it makes moto's answer AWS-like and asserts the
check passes. Faults are data: which operation, which responses (by error type or a
predicate on the request body), and a mutation of the response.
"""

from __future__ import annotations

import http.server
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import requests

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
JWKS_SUFFIX = "/.well-known/jwks.json"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def set_json(self, value: Any) -> None:
        self.body = json.dumps(value).encode()

    def set_header(self, name: str, value: str | None) -> None:
        for key in [k for k in self.headers if k.lower() == name.lower()]:
            del self.headers[key]
        if value is not None:
            self.headers[name] = value


Mutation = Callable[[Response, dict[str, Any]], None]
# Sees every request the proxy receives, whatever its method, before it is forwarded:
# (method, path, headers as received, body). selftest/recording.py records a run with it.
Observer = Callable[[str, str, list[tuple[str, str]], bytes], None]


@dataclass
class Fault:
    mutate: Mutation
    operation: str | None = None            # X-Amz-Target operation, None = every one
    when_type: str | None = None            # only responses whose __type is this ("" = success)
    when: Callable[[dict[str, Any]], bool] | None = None   # predicate on the request body
    times: int | None = None                # apply at most this many times
    fired: int = 0                          # how often it rewrote a response (self-tests
    # assert it did: a fault that never fires proves nothing)
    before: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None  # a request
    # rewrite: called before forwarding (operation and `when` permitting), its non-None
    # result is sent upstream instead; such a fault rewrites no response, and the response
    # faults still see the request as the client sent it. A stateful overlay uses it to keep
    # moto from applying what AWS refuses.

    def applies(self, operation: str, request: dict[str, Any], response: Response) -> bool:
        if self.operation and operation != self.operation:
            return False
        if self.when_type is not None:
            body = response.json
            rtype = body.get("__type", "") if isinstance(body, dict) else ""
            if rtype != self.when_type:
                return False
        if self.when is not None and not self.when(request):
            return False
        return self.times is None or self.times > 0


# -- mutations -----------------------------------------------------------------------------
def status(code: int) -> Mutation:
    return lambda r, req: setattr(r, "status", code)


def header(name: str, value: str | None) -> Mutation:
    return lambda r, req: r.set_header(name, value)


def member(key: str, value: Any = ..., *, drop: bool = False) -> Mutation:
    """Set (or drop) a top-level member of the JSON body."""
    def mutate(r: Response, req: dict[str, Any]) -> None:
        body = r.json if isinstance(r.json, dict) else {}
        if drop:
            body.pop(key, None)
        else:
            body[key] = value
        r.set_json(body)
    return mutate


def body(value: Any) -> Mutation:
    return lambda r, req: r.set_json(value)


def raw_body(data: bytes) -> Mutation:
    return lambda r, req: setattr(r, "body", data)


def error(type_: str, message: str, code: int = 400) -> Mutation:
    """Replace the response with an AWS-framed error (headers included)."""
    def mutate(r: Response, req: dict[str, Any]) -> None:
        r.status = code
        r.set_json({"__type": type_, "message": message})
        r.set_header("Content-Type", "application/x-amz-json-1.1")
        r.set_header("x-amzn-ErrorType", f"{type_}:")
        r.set_header("x-amzn-ErrorMessage", message)
    return mutate


def success(value: Any) -> Mutation:
    def mutate(r: Response, req: dict[str, Any]) -> None:
        r.status = 200
        r.set_json(value)
        r.set_header("x-amzn-ErrorType", None)
    return mutate


def edit(func: Callable[[Any, dict[str, Any]], Any]) -> Mutation:
    """Arbitrary edit of the parsed body: `func(body, request) -> new body`."""
    return lambda r, req: r.set_json(func(r.json, req))


def chain(*mutations: Mutation) -> Mutation:
    def mutate(r: Response, req: dict[str, Any]) -> None:
        for m in mutations:
            m(r, req)
    return mutate


# -- the proxy -----------------------------------------------------------------------------
@dataclass
class FaultProxy:
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    hits: int = 0
    on_request: Observer | None = None

    def start(self) -> str:
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # ~50 ms per call otherwise (delayed ACKs)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                if proxy.on_request is not None:
                    proxy.on_request(self.command, self.path, list(self.headers.items()), data)
                self._answer(proxy.forward(self.path, dict(self.headers.items()), data))

            def refuse(self) -> None:
                """Any other method: observed, then answered as http.server always did."""
                if proxy.on_request is not None:
                    length = int(self.headers.get("Content-Length") or 0)
                    data = self.rfile.read(length) if length else b""
                    proxy.on_request(self.command, self.path, list(self.headers.items()), data)
                self.send_error(501, f"Unsupported method ({self.command!r})")

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                """A pool's JWKS (the token checks verify against it) is forwarded, faults
                matching it by operation "GET"; any other GET is refused as before."""
                if not self.path.endswith(JWKS_SUFFIX):
                    return self.refuse()
                if proxy.on_request is not None:
                    proxy.on_request(self.command, self.path, list(self.headers.items()), b"")
                self._answer(proxy.forward(self.path, dict(self.headers.items()), b"",
                                           method="GET"))

            def _answer(self, resp: Response) -> None:
                self.send_response(resp.status)
                for key, value in resp.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                           "date", "server"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                self.wfile.write(resp.body)

            do_HEAD = do_PUT = do_DELETE = refuse  # noqa: N815
            do_PATCH = do_OPTIONS = do_CONNECT = refuse  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def forward(self, path: str, headers: dict[str, str], data: bytes,
                method: str = "POST") -> Response:
        operation = ("GET" if method == "GET"
                     else next((v for k, v in headers.items() if k.lower() == "x-amz-target"),
                               "").removeprefix(TARGET_PREFIX))
        try:
            request = json.loads(data or b"{}")
        except ValueError:
            request = {}
        request = request if isinstance(request, dict) else {}
        sent = data
        for fault in list(self.faults):
            if fault.before is not None and (not fault.operation or
                                             fault.operation == operation) and \
                    (fault.when is None or fault.when(request)):
                rewritten = fault.before(request)
                if rewritten is not None:
                    sent = json.dumps(rewritten).encode()
                    fault.fired += 1
        upstream = requests.request(method, self.upstream.rstrip("/") + path, data=sent,
                                    headers={k: v for k, v in headers.items()
                                             if k.lower() not in ("host", "content-length")},
                                    timeout=30)
        resp = Response(upstream.status_code, dict(upstream.headers.items()), upstream.content)
        for fault in list(self.faults):
            if fault.before is None and fault.applies(operation, request, resp):
                fault.mutate(resp, request)
                fault.fired += 1
                self.hits += 1
                if fault.times is not None:
                    fault.times -= 1
        return resp
