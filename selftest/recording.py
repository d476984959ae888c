"""Every request a run sends, as the fault proxy received it, and what AWS asks of it.

Why: a suite that mis-sends requests (a wrong X-Amz-Target, a signature over other bytes, a
call to some other host) reports a false score. selftest/test_harness_honesty.py records a
whole run at the proxy (RecordingProxy: the fault proxy whose `on_request` hook is
`Recorder.observe`, plus the status each request was answered) and judges each request
here, independently of conformance/wire.py: the framing AWS's JSON 1.1 protocol asks for
(POST /, X-Amz-Target = prefix.Operation of the pinned model, Content-Type
application/x-amz-json-1.1, a JSON object of the operation's input members) and SigV4 as
the model says (re-computed with botocore's SigV4Auth from the credentials the run was
given: an operation the model marks signed must carry a valid signature, one marked
`authtype: none` none at all, as botocore sends it).

`violations()` returns what is wrong with one request, each under a RULE name; `judge()`
lets only an Exemption (the test's list, as data) explain one. Where a request came from: a
generated case (Schemathesis' X-Schemathesis-TestCaseId header), a hand-written check (the
Allure result whose start..stop window holds the moment the proxy received it; the check's
Allure request attachments confirm the content), or neither (the harness itself: start-up
probe, reset, cleanup). `controls()` finds the requests Schemathesis sends on its own, and
SITECUSTOMIZE is the audit hook that logs every connection a run's processes open.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conformance.spec.model import Model
from selftest import faultproxy as fp

CONTENT_TYPE = "application/x-amz-json-1.1"
SERVICE = "cognito-idp"
MAX_SKEW_S = 300.0        # AWS refuses a signature whose X-Amz-Date is further off than this
GENERATED_HEADER = "x-schemathesis-testcaseid"
# Headers a signature must cover when present: the ones that say what is asked and by whom.
MUST_SIGN = ("host", "x-amz-date", "x-amz-target", "content-type", "x-amz-security-token")

# Rule names, in the order they are judged.
METHOD, PATH, HOST, TARGET, CONTENT, JSON_BODY, MEMBERS, SIGNATURE, UNSIGNED = (
    "method", "path", "host", "target", "content-type", "json", "members", "signature",
    "unsigned")
RULES = (METHOD, PATH, HOST, TARGET, CONTENT, JSON_BODY, MEMBERS, SIGNATURE, UNSIGNED)


# -- what the proxy saw ------------------------------------------------------------------------
@dataclass(frozen=True)
class Recorded:
    seq: int
    at: float                                  # epoch seconds, when the proxy had read it
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]       # as received: names in their case, in order
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None

    @property
    def target(self) -> str | None:
        return self.header("X-Amz-Target")

    def operation(self, model: Model) -> str | None:
        """The operation X-Amz-Target names, if it is `<prefix>.<an operation of the model>`."""
        prefix, _, name = (self.target or "").partition(".")
        return name if prefix == model.target_prefix and name in model.operations else None

    @property
    def generated(self) -> bool:
        return self.header(GENERATED_HEADER) is not None

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return ...   # not JSON (None is JSON's null)

    def short(self) -> str:
        body = self.body[:120].decode("utf-8", "replace")
        return (f"#{self.seq} {self.method} {self.path} target={self.target} "
                f"content-type={self.header('Content-Type')} "
                f"auth={'yes' if self.header('Authorization') else 'no'} body={body!r}")


class Recorder:
    """Collects every request the proxy receives (thread-safe: the proxy is threaded) and,
    where the proxy forwarded it, the status it answered (`statuses`, by request seq)."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.statuses: dict[int, int] = {}
        self._lock = threading.Lock()
        self._current = threading.local()   # one connection per proxy thread: its request

    def observe(self, method: str, path: str, headers: Iterable[tuple[str, str]],
                body: bytes) -> None:
        with self._lock:
            seq = len(self.requests)
            self.requests.append(Recorded(seq, time.time(), method, path, tuple(headers),
                                          bytes(body)))
        self._current.seq = seq

    def answered(self, status: int) -> None:
        seq = getattr(self._current, "seq", None)
        if seq is not None:
            self.statuses[seq] = status


@dataclass
class RecordingProxy(fp.FaultProxy):
    """The fault proxy, recording every request (FaultProxy.on_request) and its answer."""

    recorder: Recorder = field(default_factory=Recorder)

    def __post_init__(self) -> None:
        self.on_request = self.recorder.observe

    def forward(self, *args: Any, **kwargs: Any) -> fp.Response:
        resp = super().forward(*args, **kwargs)
        self.recorder.answered(resp.status)
        return resp


# -- what every request owes ---------------------------------------------------------------------
@dataclass(frozen=True)
class Wire:
    """Where the run was told to send and with what: the proxy's host, region, credentials."""

    host: str                  # "127.0.0.1:<port>"
    region: str
    access_key: str
    secret_key: str
    token: str | None = None


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


def violations(req: Recorded, wire: Wire, model: Model) -> list[Violation]:
    """Everything about one request that is not how AWS's JSON 1.1 protocol sends it."""
    found: list[Violation] = []

    def bad(rule: str, detail: str) -> None:
        found.append(Violation(rule, detail))

    if req.method != "POST":
        bad(METHOD, f"{req.method}, not POST")
    if req.path != "/":
        bad(PATH, f"{req.path}, not /")
    if req.header("Host") != wire.host:
        bad(HOST, f"Host {req.header('Host')!r}, not the endpoint {wire.host}")
    operation = req.operation(model)
    if operation is None:
        bad(TARGET, "no X-Amz-Target" if req.target is None
            else f"X-Amz-Target {req.target!r} names no operation of the model")
    if req.header("Content-Type") != CONTENT_TYPE:
        bad(CONTENT, f"Content-Type {req.header('Content-Type')!r}")
    body = req.json
    if body is ... or not isinstance(body, dict):
        bad(JSON_BODY, "body is not JSON" if body is ... else
            f"body is a JSON {type(body).__name__}, not an object")
    elif operation is not None:
        shape = model.input_shape(operation)
        declared = set(model.shape(shape).get("members", {})) if shape else set()
        alien = sorted(set(body) - declared)
        if alien:
            bad(MEMBERS, f"{alien} are not members of {operation}'s input")
    if operation is not None:
        authorization = req.header("Authorization")
        if model.is_unsigned(operation):
            if authorization is not None:
                bad(UNSIGNED, f"{operation} is `authtype: none` but the request is signed")
            elif req.header("X-Amz-Security-Token") is not None:
                bad(UNSIGNED, f"{operation} is `authtype: none` but the request carries the "
                    "session token")
        else:
            why = sigv4_problem(req, wire)
            if why:
                bad(SIGNATURE, why)
    return found


_AUTH = re.compile(r"^AWS4-HMAC-SHA256 Credential=(?P<credential>[^,]+), "
                   r"SignedHeaders=(?P<signed>[^,]+), Signature=(?P<signature>[0-9a-f]{64})$")


def sigv4_problem(req: Recorded, wire: Wire, now: float | None = None) -> str | None:
    """None if the request carries a valid SigV4 signature by the run's credentials for
    cognito-idp in the run's region over exactly these bytes; else why not."""
    authorization = req.header("Authorization")
    if authorization is None:
        return "no Authorization (the model marks the operation signed)"
    parts = _AUTH.match(authorization)
    if parts is None:
        return f"Authorization is not AWS4-HMAC-SHA256: {authorization[:60]!r}"
    amz_date = req.header("X-Amz-Date") or ""
    try:
        stamp = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return f"X-Amz-Date {amz_date!r} is not a SigV4 timestamp"
    received = req.at if now is None else now
    if abs(stamp.timestamp() - received) > MAX_SKEW_S:
        return f"X-Amz-Date {amz_date} is more than {MAX_SKEW_S:g} s off"
    scope = f"{wire.access_key}/{amz_date[:8]}/{wire.region}/{SERVICE}/aws4_request"
    if parts["credential"] != scope:
        return f"credential scope {parts['credential']!r}, want {scope!r}"
    if req.header("X-Amz-Security-Token") != wire.token:
        return "X-Amz-Security-Token is not the run's session token"
    signed = parts["signed"].split(";")
    unsigned = [h for h in MUST_SIGN if req.header(h) is not None and h not in signed]
    if unsigned:
        return f"SignedHeaders {parts['signed']} leave out {unsigned}"
    missing = [h for h in signed if req.header(h) is None]
    if missing:
        return f"SignedHeaders names {missing}, which the request does not carry"
    # Re-sign: only the headers the signature claims to cover, the bytes the proxy received.
    aws = AWSRequest(method=req.method, url=f"http://{req.header('Host')}{req.path}",
                     data=req.body, headers={h: req.header(h) for h in signed})
    aws.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(wire.access_key, wire.secret_key, wire.token), SERVICE,
                       wire.region)
    canonical = signer.canonical_request(aws)
    want = signer.signature(signer.string_to_sign(aws, canonical), aws)
    if signer.signed_headers(signer.headers_to_sign(aws)) != parts["signed"]:
        return f"SignedHeaders {parts['signed']} are not in canonical form"
    if parts["signature"] != want:
        return "signature does not match the request (re-computed with the run's credentials)"
    return None


# -- where a request came from ---------------------------------------------------------------------
HARNESS = "harness"        # outside every check: probe, reset, provisioning, cleanup
ANY = "*"                  # an exemption's source: any check or the harness, not generated


def source_matches(pattern: str, source: str) -> bool:
    """`check.id`, `prefix.*` (every check under it), ANY (anything but generated cases)."""
    if pattern == ANY:
        return source != "generated"
    if pattern.endswith(".*"):
        return source.startswith(pattern[:-1])
    return pattern == source


@dataclass
class CheckWindow:
    """One Allure result: the check id, when it ran, the requests it attached (masked)."""

    check_id: str
    start: float               # epoch seconds
    stop: float
    requests: list[dict[str, Any]] = field(default_factory=list)
    hidden: int = 0            # exchanges the report did not show ("... N more")


def allure_windows(results_dir: Path) -> list[CheckWindow]:
    """The checks of a run, by time, from its allure-results folder."""
    windows = []
    for path in results_dir.glob("*-result.json"):
        doc = json.loads(path.read_text())
        labels = {label["name"]: label["value"] for label in doc.get("labels", [])}
        window = CheckWindow(labels.get("check_id", doc.get("name", "?")),
                             doc["start"] / 1000, doc["stop"] / 1000)
        for step in doc.get("steps", []):
            more = re.match(r"\.\.\. (\d+) more exchanges", step.get("name", ""))
            if more:
                window.hidden += int(more.group(1))
            for attachment in step.get("attachments", []):
                if attachment.get("name") == "request":
                    window.requests.append(
                        json.loads((results_dir / attachment["source"]).read_text()))
        windows.append(window)
    return sorted(windows, key=lambda w: w.start)


SLACK_S = 0.002            # Allure's times are whole milliseconds


def source_of(req: Recorded, windows: list[CheckWindow]) -> str:
    """`generated`, the id of the check running when the request arrived, or HARNESS."""
    if req.generated:
        return "generated"
    for window in windows:
        if window.start - SLACK_S <= req.at <= window.stop + SLACK_S:
            return window.check_id
    return HARNESS


def _same(attached: Any, sent: Any) -> bool:
    """Equal, where the report masked a value (`***`) anything matches."""
    if isinstance(attached, str) and "***" in attached:
        return True
    if isinstance(attached, dict) and isinstance(sent, dict):
        return attached.keys() == sent.keys() and all(_same(v, sent[k])
                                                      for k, v in attached.items())
    if isinstance(attached, list) and isinstance(sent, list):
        return len(attached) == len(sent) and all(map(_same, attached, sent))
    return attached == sent


def attached(req: Recorded, window: CheckWindow) -> bool:
    """Did this check's report attach this very request (path, header names and values,
    body; masked values match anything)? Headers requests adds itself (Host, User-Agent,
    Accept...) are not in the report, so those of the report must be a subset."""
    for shown in window.requests:
        if not str(shown.get("url", "")).endswith(req.path):
            continue
        headers = shown.get("headers", {})
        if not all(_same(v, req.header(k)) for k, v in headers.items()):
            continue
        names = {k.lower() for k in headers}
        if any(k.lower() not in names for k in ("X-Amz-Target", "Content-Type",
                                                 "Authorization") if req.header(k)):
            continue
        body = req.json
        sent = body if body is not ... else req.body.decode("utf-8", "replace")
        if _same(shown.get("body"), sent):
            return True
    return False


# -- deliberate malformations ------------------------------------------------------------------------
@dataclass(frozen=True)
class Judge:
    model: Model
    wire: Wire

    def violations(self, req: Recorded) -> list[Violation]:
        return violations(req, self.wire, self.model)


@dataclass(frozen=True)
class Exemption:
    """Requests a run sends malformed on purpose: who sends them, what is wrong, why.

    A request is exempted when it comes from `source` (source_matches), `matches` says it
    is this very malformation and its violations are exactly `rules` (one more, or one
    less, is not what the exemption describes). `count`: how many such requests a ci run
    sends: a number, None (at least one), or a function of the run's results.json for what
    only some runs send (then 0 means it must not be used); with `per_operation`, that many
    for every generated operation."""

    name: str
    source: str
    rules: frozenset[str]
    what: str
    reason: str
    matches: Callable[[Recorded, Judge], bool]
    count: int | Callable[[dict[str, Any]], int] | None = None
    per_operation: bool = False


@dataclass
class Verdict:
    judged: int = 0
    flagged: list[tuple[Recorded, str, list[Violation]]] = field(default_factory=list)
    used: dict[str, list[Recorded]] = field(default_factory=dict)
    unexplained: list[tuple[Recorded, str, list[Violation]]] = field(default_factory=list)
    sources: dict[int, str] = field(default_factory=dict)    # seq -> source

    def exemption_problems(self, exemptions: Iterable[Exemption], model: Model,
                           operations: Iterable[str],
                           doc: dict[str, Any] | None = None) -> list[str]:
        """An exemption no request used, or used more or less often than it says."""
        problems = []
        operations = sorted(set(operations))
        for exemption in exemptions:
            uses = self.used.get(exemption.name, [])
            count = exemption.count(doc or {}) if callable(exemption.count) else exemption.count
            if not uses and count != 0:
                problems.append(f"{exemption.name}: unused (no request of the run is "
                                f"'{exemption.what}'): remove it")
            elif count is not None and exemption.per_operation:
                by_op = {op: sum(1 for r in uses if r.operation(model) == op)
                         for op in operations}
                off = {op: n for op, n in by_op.items() if n != count}
                if off:
                    problems.append(f"{exemption.name}: {count} per operation expected, "
                                    f"got {off}")
            elif count is not None and len(uses) != count:
                problems.append(f"{exemption.name}: {count} expected, got {len(uses)}")
        return problems


def judge(requests: Iterable[Recorded], judge_: Judge, windows: list[CheckWindow],
          exemptions: Iterable[Exemption]) -> Verdict:
    """Every request judged; each one flagged must be explained by exactly one exemption."""
    exemptions = list(exemptions)
    verdict = Verdict(used={e.name: [] for e in exemptions})
    for req in requests:
        verdict.judged += 1
        source = verdict.sources[req.seq] = source_of(req, windows)
        found = judge_.violations(req)
        if not found:
            continue
        verdict.flagged.append((req, source, found))
        rules = frozenset(v.rule for v in found)
        fits = [e for e in exemptions if source_matches(e.source, source)
                and e.rules == rules and e.matches(req, judge_)]
        if len(fits) == 1:
            verdict.used[fits[0].name].append(req)
        else:   # none, or ambiguous: the list must say which deliberate request this is
            verdict.unexplained.append((req, source, found))
    return verdict


# -- generated runs: Schemathesis' control requests ---------------------------------------------------
PROBE_TYPES = ("text/plain", "multipart/form-data")


def is_probe(req: Recorded) -> bool:
    return req.generated and req.header("Content-Type") in PROBE_TYPES


def controls(requests: Iterable[Recorded], model: Model,
             statuses: dict[int, int]) -> list[Recorded]:
    """Requests Schemathesis sends on its own after a content-type probe answered 5xx.

    schemathesis/checks.py `_check_content_type_probe` (inside its not_a_server_error check)
    re-sends the probe with the operation's own media type to tell whether the header caused
    the 5xx. It is not a generated case, so the suite neither counts nor judges it: on the
    wire it is the next request of the same operation after a probe answered 5xx, same
    body, Content-Type JSON 1.1."""
    found = []
    last_probe: dict[str, Recorded] = {}
    for req in requests:
        if not req.generated:
            continue
        operation = req.operation(model) or "?"
        probe = last_probe.pop(operation, None)
        if is_probe(req) and statuses.get(req.seq, 0) >= 500:
            last_probe[operation] = req
        elif (probe is not None and req.header("Content-Type") == CONTENT_TYPE
              and req.body == probe.body):
            found.append(req)
    return found


# -- connections the run's processes open -----------------------------------------------------------
AUDIT_LOG_VAR = "SELFTEST_CONNECT_LOG"
# Put in a folder on the run's PYTHONPATH: every Python process of the run (the CLI, the
# generated workers it spawns) logs each socket it connects and each name it looks up, by
# Python's audit hooks (PEP 578), before anything goes on the network.
SITECUSTOMIZE = '''\
"""Written by selftest/test_harness_honesty.py: where this process connects (PEP 578)."""
import json
import os
import sys

_LOG = os.environ.get("%(var)s")


def _write(event, value):
    with open(_LOG, "a") as out:
        out.write(json.dumps({"pid": os.getpid(), "ppid": os.getppid(), "event": event,
                              "value": value}) + "\\n")


def _hook(event, args):
    if event == "socket.connect" and isinstance(args[1], tuple):
        _write("connect", [str(args[1][0]), int(args[1][1])])
    elif event == "socket.getaddrinfo":
        _write("getaddrinfo", [str(args[0]), str(args[1])])
    elif event == "socket.sendto" and isinstance(args[1], tuple):
        _write("sendto", [str(args[1][0]), int(args[1][1])])


if _LOG:
    _write("start", list(getattr(sys, "argv", []))[:3])
    sys.addaudithook(_hook)
''' % {"var": AUDIT_LOG_VAR}


def audit_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    return folder


def read_audit(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def elsewhere(events: Iterable[dict[str, Any]], host: str, port: int) -> list[str]:
    """Every connection, datagram or name lookup of the run that is not the endpoint's."""
    problems = []
    for e in events:
        if e["event"] in ("connect", "sendto") and e["value"] != [host, port]:
            problems.append(f"pid {e['pid']} {e['event']} {e['value'][0]}:{e['value'][1]}")
        elif e["event"] == "getaddrinfo" and e["value"][0] != host:
            problems.append(f"pid {e['pid']} looked up {e['value'][0]!r}")
    return problems
