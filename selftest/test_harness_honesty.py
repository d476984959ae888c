"""Harness honesty (issue 12 part 4): the suite sends what it says it sends, where it says.

A suite that mis-sends requests reports a false score: a wrong X-Amz-Target judges moto on
another operation, a signature over other bytes tests the target's SigV4 instead of the
behaviour, a call to another host judges someone else. So one full run (every hand-written
check, the state machine, every generated case; the dev profile: the ci profile's code paths
with fewer examples per operation, so `make test` stays within its budget) goes through the fault proxy,
which records each request as it arrives (FaultProxy.on_request, selftest/recording.py), and
every request is judged on its own, not by trusting conformance/wire.py:

* POST to `/` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`, an
  operation of the pinned botocore model, and the intended one: a JSON object body whose
  members all belong to that operation's input shape;
* `Content-Type: application/x-amz-json-1.1`;
* an operation the model marks signed carries a valid SigV4 `Authorization`: re-computed
  with botocore's SigV4Auth over the bytes the proxy received, with the run-unique
  credentials this test hands the run, for cognito-idp in the run's region, covering Host,
  X-Amz-Date, X-Amz-Target, Content-Type and the session token, dated within AWS's 5
  minutes. An operation marked `authtype: none` (SignUp, ConfirmSignUp, InitiateAuth ...)
  must carry NO Authorization and no session token: that is how botocore and every AWS SDK
  send them (AWS serves them to anonymous callers; what it does with a signed one is not on
  record), and a target judged on requests no client sends is judged falsely (moto, for
  one, reads the region from the signature, so signed calls could hide what unsigned ones
  do). Sending them unsigned also never hands a session token to an unauthenticated API;
* nothing reaches another host: every request's Host is the proxy's, and every Python
  process of the run (the CLI and its spawned generated workers) runs with an audit hook
  (sitecustomize on PYTHONPATH, PEP 578) that logs each socket it connects and each name it
  looks up: all of them must be the proxy's 127.0.0.1:<port>;
* the counts agree: per generated operation, the requests recorded are the cases the suite
  reports sending (results.json `operation_cases.total`) plus Schemathesis' own control
  requests, the statuses the target answered them are its `statuses` histogram, and the
  content-type probes are the `probes` it reports. The control requests are a finding of
  this test: after a content-type probe answered 5xx, Schemathesis' not_a_server_error
  re-sends it with the JSON media type (recording.controls); the suite neither counts nor
  judges those (they are not cases), so they are accounted for here, by name.

Requests the suite malforms on purpose are listed below (EXEMPTIONS) as data: who sends
them, what is wrong, why, how many. A flagged request no exemption explains fails the test,
and so does an exemption no request uses (or one used more or less often than it says), so
the list can neither hide a new mis-sent request nor silently grow. A check's deliberate
request is also found in that check's own Allure report (its request attachments), so the
attribution (by the check's start..stop window) is confirmed by the check's evidence; and
a unit test sends each harness-made one through the real code (Caller, Breaker, MotoTarget)
to prove the exemption describes what the code sends.

The one request without X-Amz-Target outside every check (what a previous attempt could not
explain): `POST /moto-api/reset`, moto's own state reset, sent by the start-up probe
(conformance/targets/probe.py) because the moto target is attached with --endpoint. Not a
harness bug (a reused moto server must start the run empty; it goes to the run's own
endpoint), so it is exempted with that reason. Inside checks: wire.missing-target.rejected's
signed ListUserPools without the header (on purpose), and the token checks' GETs of the
pool's JWKS (not an API call). One more, only in runs where a result is an `error`: the
liveness probe, an unsigned ListUserPools by design (wire.py Breaker.alive()).

The unit tests at the end prove the judge can fail: a wrong or unknown target, members of
another operation, a bad signature (other bytes, other secret, key, region, stale date, an
unsigned target header, no token), a signed `authtype: none` call, another host, a non-POST
method, an unused, misplaced or over-used exemption, a connection or a name lookup elsewhere
in a process under the audit hook.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conformance.config import RunConfig
from conformance.spec.facts import fact
from conformance.spec.model import load_model
from conformance.targets.base import free_port
from conformance.targets.moto import MotoTarget
from conformance.targets.process import ManagedProcess
from conformance.tokens_verify import jwks_path
from conformance.wire import AwsCredentials, Breaker, Caller
from selftest import faultproxy as fp
from selftest import recording as rc
from selftest.recording import (
    ANY, CONTENT, CONTENT_TYPE, HARNESS, HOST, JSON_BODY, MEMBERS, METHOD, PATH, SIGNATURE,
    TARGET, UNSIGNED, CheckWindow, Exemption, Judge, Recorded, Wire,
)

REGION = "us-east-1"
PROFILE = "dev"  # every check and generated operation, fewer examples each (see above)
MODEL = load_model()
PREFIX = MODEL.target_prefix
# <pool id>/.well-known/jwks.json, the path fact tokens.jwks records (a pool id: region_id)
JWKS_PATH = re.compile("^/" + re.escape(fact("tokens.jwks").data["path"].lstrip("/")).replace(
    re.escape("{pool_id}"), r"[\w-]+_[0-9A-Za-z]+") + "$")


def _alien(req: Recorded) -> set[str]:
    body = req.json
    operation = req.operation(MODEL)
    if not isinstance(body, dict) or operation is None:
        return set()
    return set(body) - set(MODEL.shape(MODEL.input_shape(operation)).get("members", {}))


# -- the deliberate malformations of a ci run ---------------------------------------------------------
EXEMPTIONS: tuple[Exemption, ...] = (
    Exemption(
        "moto-reset", HARNESS, frozenset({PATH, TARGET, CONTENT, JSON_BODY}),
        "POST /moto-api/reset with an empty body: moto's own admin API, not a Cognito call",
        "conformance/targets/probe.py confirm_capabilities() calls MotoTarget.reset() once "
        "when the moto target is attached with --endpoint, so a reused moto server starts the "
        "run empty. Sent to the run's endpoint (never another host), before any check runs. "
        "The one request without X-Amz-Target outside every check.",
        lambda req, j: (req.method == "POST" and req.path == "/moto-api/reset"
                        and req.body == b"" and req.target is None),
        count=1),
    Exemption(
        "liveness-probe", ANY, frozenset({SIGNATURE}),
        "ListUserPools with the body {} and no signature",
        "conformance/wire.py Breaker.alive(), called by results/runner.py settle() once for "
        "each result that is an `error` not yet traced to a silent target: 'does the "
        "endpoint answer HTTP at all?'. Unsigned on purpose (any HTTP answer counts, AWS's "
        "400 MissingAuthenticationToken included), so it needs no credentials. Sent only in "
        "runs with such an error, hence its count comes from results.json.",
        lambda req, j: (req.operation(MODEL) == "ListUserPools" and req.body == b"{}"
                        and req.header("Authorization") is None
                        and req.header("X-Amz-Date") is None),
        count=lambda doc: _settled_errors(doc)),
    Exemption(
        "jwks", "tokens.*", frozenset({METHOD, PATH, TARGET, CONTENT, JSON_BODY}),
        "GET <pool id>/.well-known/jwks.json, unsigned, no body: not a Cognito API call",
        "The token checks verify ID and access tokens against the pool's published keys "
        "(fact tokens.jwks: AWS serves them by GET at that path of the cognito-idp host, to "
        "anyone, unsigned); conformance/checks/tokens.py jwks() -> Caller.get on the run's "
        "endpoint.",
        lambda req, j: (req.method == "GET" and JWKS_PATH.match(req.path) is not None
                        and req.body == b"" and req.header("Authorization") is None),
        count=None),
    Exemption(
        "missing-target", "wire.missing-target.rejected", frozenset({TARGET}),
        "ListUserPools' signed request {\"MaxResults\": 1} without X-Amz-Target",
        "The check proves a request without X-Amz-Target is refused with a 4xx error "
        "(Caller.call(target=None)); everything else about it stays valid, signature "
        "included, so the missing header is the only fault.",
        lambda req, j: (req.target is None and req.path == "/" and req.json == {"MaxResults": 1}
                        and rc.sigv4_problem(req, j.wire) is None),
        count=1),
    Exemption(
        "malformed-json", "wire.malformed-json.rejected", frozenset({JSON_BODY}),
        "ListUserPools with the body of fact wire.serialization.malformed-json (not JSON)",
        "The check proves a body that is not JSON is refused with a 4xx error; target, "
        "Content-Type and signature stay valid.",
        lambda req, j: (req.operation(MODEL) == "ListUserPools" and req.body ==
                        fact("wire.serialization.malformed-json").data["body"].encode()),
        count=1),
    Exemption(
        "generated-missing-body", "generated", frozenset({CONTENT, JSON_BODY}),
        "no body at all, hence no Content-Type",
        "Schemathesis' coverage phase sends each operation one negative case 'Missing "
        "request body' (the OpenAPI declares the body required); AWS must refuse it.",
        lambda req, j: req.body == b"" and req.header("Content-Type") is None,
        count=1, per_operation=True),
    Exemption(
        "generated-content-type-probe", "generated", frozenset({CONTENT}),
        "the JSON body under Content-Type text/plain or multipart/form-data (no boundary)",
        "Schemathesis' coverage-phase probes of the HTTP layer (CONTENT_TYPE_PROBES, "
        "conformance/generated/checks.py is_probe): an undeclared and a malformed media "
        "type, counted as `probes` in results.json and judged only for a 5xx.",
        lambda req, j: (req.header("Content-Type") in rc.PROBE_TYPES
                        and isinstance(req.json, dict)),
        count=2, per_operation=True),
    Exemption(
        "generated-non-object-body", "generated", frozenset({JSON_BODY}),
        "a JSON body that is not an object (array, string, number, boolean, null)",
        "Negative mode breaks the input's top-level type (an object in the model); the "
        "target must refuse it (generated.<Op>.negative-rejected judges the answer).",
        lambda req, j: (req.header("Content-Type") == CONTENT_TYPE and req.json is not ...
                        and not isinstance(req.json, dict)),
        count=None),
    Exemption(
        "generated-unknown-member", "generated", frozenset({MEMBERS}),
        "members the input does not declare (`x-schemathesis-unknown-property` in the "
        "coverage phase, random names in fuzzing)",
        "Negative cases breaking the input's closed member list (additionalProperties false "
        "in specs/openapi); AWS's answer to them is not on record, so they are observed "
        "(generated.<Op>.unknown-member, lenient.py), not judged. Never more of them than "
        "the negative cases results.json reports (count_mismatches).",
        lambda req, j: bool(_alien(req)),
        count=None),
)


def _settled_errors(doc: dict[str, Any]) -> int:
    """The results settle() probed: `error`, and not already the target's silence."""
    return sum(1 for r in doc.get("checks", []) + doc.get("observations", [])
               if r["outcome"] == "error" and not r["message"].startswith(
                   ("target stopped answering", "target unreachable")))


# -- one full ci run through the recording proxy ---------------------------------------------------
@dataclass
class HonestRun:
    requests: list[Recorded]
    statuses: dict[int, int]       # request seq -> the status the target answered
    wire: Wire
    port: int
    doc: dict[str, Any]
    windows: list[CheckWindow]
    audit: list[dict[str, Any]]
    cli_pid: int
    returncode: int
    output: str
    seconds: float
    verdict: rc.Verdict

    @property
    def generated_operations(self) -> set[str]:
        return {r.operation(MODEL) or "?" for r in self.requests if r.generated}


def _environment(audit_dir: Path, log: Path, wire: Wire) -> dict[str, str]:
    """The run's environment: no CC_*/AWS_* or proxy settings of the caller's, run-unique
    credentials, the audit hook on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CC_", "AWS_")) and k.lower() not in
           ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update(AWS_ACCESS_KEY_ID=wire.access_key, AWS_SECRET_ACCESS_KEY=wire.secret_key,
               AWS_SESSION_TOKEN=wire.token or "", PYTHONPATH=os.pathsep.join(
                   [str(audit_dir), *filter(None, [os.environ.get("PYTHONPATH")])]),
               **{rc.AUDIT_LOG_VAR: str(log)})
    return env


@contextmanager
def full_run(tmp: Path) -> Iterator[HonestRun]:
    """`cognito-conformance run --target moto --endpoint <recording proxy> --profile dev`.

    The moto target attached (not `url`): it has a code oracle, so every check runs and
    sends what it sends; `url` without --code-command would leave the code checks
    unsupported and their requests unsent. moto runs out of process, the run's probe resets
    it, which must not touch the session's shared moto."""
    moto_port = free_port()
    moto = ManagedProcess("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                   "-p", str(moto_port)], moto_port, tmp / "moto.log")
    proxy = rc.RecordingProxy(f"http://127.0.0.1:{moto_port}")
    log = tmp / "connections.jsonl"
    moto.start()
    try:
        endpoint = proxy.start()
        wire = Wire(urlsplit(endpoint).netloc, REGION,
                    "AKIDHONEST" + secrets.token_hex(5).upper(), secrets.token_urlsafe(30),
                    secrets.token_urlsafe(40))
        start = time.monotonic()
        cli = subprocess.Popen(
            [sys.executable, "-m", "conformance.cli", "run", "--target", "moto",
             "--endpoint", endpoint, "--profile", PROFILE, "--region", REGION,
             "--report-dir", str(tmp / "reports")],
            env=_environment(rc.audit_folder(tmp / "audit"), log, wire),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            output, _ = cli.communicate(timeout=900)
        finally:
            if cli.poll() is None:       # timed out: SIGTERM (the CLI's clean exit), then KILL
                cli.terminate()
                try:
                    cli.wait(30)
                except subprocess.TimeoutExpired:
                    cli.kill()
                    cli.wait()
        seconds = time.monotonic() - start
        report = tmp / "reports" / "moto"
        assert (report / "results.json").exists(), output[-3000:]
        windows = rc.allure_windows(report / "allure-results")
        recorded = list(proxy.recorder.requests)
        yield HonestRun(recorded, dict(proxy.recorder.statuses), wire,
                        urlsplit(endpoint).port or 0,
                        json.loads((report / "results.json").read_text()), windows,
                        rc.read_audit(log), cli.pid, cli.returncode, output, seconds,
                        rc.judge(recorded, Judge(MODEL, wire), windows, EXEMPTIONS))
    finally:
        if getattr(proxy, "_server", None) is not None:
            proxy.stop()
        moto.stop()


@pytest.mark.slow
def test_one_ci_run_sends_only_what_it_means_to(tmp_path: Path) -> None:
    """One run (45-90 s on 2 cores), every property judged on it; all problems together.
    (One test, not one per property: under pytest-xdist, tests of a module land on
    different workers and each would pay for its own run.)"""
    with full_run(tmp_path) as run:
        problems = {
            "the run is whole": incomplete(run),
            "framing (unexplained requests)": unexplained(run),
            "exemptions": run.verdict.exemption_problems(EXEMPTIONS, MODEL,
                                                         run.generated_operations, run.doc),
            "a check's deliberate request is in its own report": unattached(run),
            "signed / unsigned as the model says": signing(run),
            "no other host": other_hosts(run),
            "generated counts": count_mismatches(run),
        }
        print(summary(run))
    failing = {name: found for name, found in problems.items() if found}
    assert not failing, "\n".join(f"{name}:\n  " + "\n  ".join(found[:40])
                                   for name, found in failing.items())


def incomplete(run: HonestRun) -> list[str]:
    """Nothing interrupted, unrecorded or left out: a partial run proves less than it seems."""
    doc, found = run.doc, []
    if run.returncode not in (0, 1):
        found.append(f"exit code {run.returncode}: {run.output[-1500:]}")
    if doc["interrupted"] or doc["unrecorded"]:
        found.append(f"interrupted={doc['interrupted']} unrecorded={doc['unrecorded']}")
    if doc["run"]["profile"] != PROFILE or doc["run"]["selected"] != len(doc["checks"]) + len(
            doc["observations"]):
        found.append(f"run {doc['run']}, {len(doc['checks'])} checks, "
                     f"{len(doc['observations'])} observations")
    if not any(c["id"].startswith("state.machine.") for c in doc["checks"]) or not any(
            c["id"].startswith("generated.") for c in doc["checks"]):
        found.append("no state machine or no generated pair in the run")
    if len(run.requests) < 1000:
        found.append(f"only {len(run.requests)} requests recorded")
    return found


def unexplained(run: HonestRun) -> list[str]:
    """Target, Content-Type, body members, signature: every request, every rule; what is
    malformed must be one of EXEMPTIONS."""
    return [f"{source}: {req.short()[:220]} -> {'; '.join(map(str, found))}"
            for req, source, found in run.verdict.unexplained]


def unattached(run: HonestRun) -> list[str]:
    """Attribution by time window, confirmed by content: the check said to send a malformed
    request attached that very request to its Allure report."""
    windows = {w.check_id: w for w in run.windows}
    exemptions = {e.name: e for e in EXEMPTIONS}
    found = []
    for name, uses in run.verdict.used.items():
        if exemptions[name].source in (HARNESS, "generated", ANY):
            continue   # not a check's own exchange: nothing of a check's report to match
        for req in uses:
            source = run.verdict.sources[req.seq]
            if source not in windows or not rc.attached(req, windows[source]):
                found.append(f"{source}'s report does not show {req.short()}")
    return found


def signing(run: HonestRun) -> list[str]:
    """Not vacuous: the run sent both kinds, and each was sent as the model says (a request
    of a signed operation passes the framing only with a valid signature; this counts).
    The deliberate ones (EXEMPTIONS: the liveness probe) are accounted for there."""
    kinds: Counter[str] = Counter()
    found = []
    exempted = {r.seq for uses in run.verdict.used.values() for r in uses}
    for req in run.requests:
        operation = req.operation(MODEL)
        if operation is None or req.seq in exempted:
            continue
        if MODEL.is_unsigned(operation):
            kinds["unsigned"] += 1
            if req.header("Authorization") is not None:
                found.append(f"signed `authtype: none` call: {req.short()}")
        else:
            kinds["signed"] += 1
            why = rc.sigv4_problem(req, run.wire)
            if why:
                found.append(f"{why}: {req.short()}")
    if kinds["signed"] < 500 or kinds["unsigned"] < 500:
        found.append(f"too few to prove anything: {dict(kinds)}")
    return found


def other_hosts(run: HonestRun) -> list[str]:
    hosts = Counter(req.header("Host") for req in run.requests)
    found = [f"{n} request(s) with Host {host!r}" for host, n in hosts.items()
             if host != run.wire.host]
    started = {e["pid"]: e for e in run.audit if e["event"] == "start"}
    if run.cli_pid not in started:   # the hook ran in the CLI ...
        found.append(f"the audit hook did not run in the CLI (pid {run.cli_pid})")
    if not any(e["ppid"] == run.cli_pid for e in started.values()):  # ... and its workers
        found.append(f"the audit hook ran in no process the CLI started: {started}")
    if not any(e["event"] == "connect" for e in run.audit):
        found.append("the audit hook saw no connection at all: it cannot have been active")
    return found + rc.elsewhere(run.audit, "127.0.0.1", run.port)


def count_mismatches(run: HonestRun) -> list[str]:
    """Per operation: recorded = results.json's cases sent + Schemathesis' control requests,
    the statuses the target answered the cases = its `statuses` histogram, the content-type
    probes recorded = the `probes` it reports, the exempted negative bodies no more than the
    negative cases it reports."""
    reported: dict[str, dict[str, int]] = {}
    found = []
    for check in run.doc["checks"]:
        if check["id"].startswith("generated."):
            cases = {**check["observed"]["operation_cases"],
                     "statuses": check["observed"]["statuses"]}
            if reported.setdefault(check["id"].split(".")[1], cases) != cases:
                found.append(f"{check['id']}: {cases}, another pair of it says otherwise")
    recorded = Counter(r.operation(MODEL) for r in run.requests if r.generated)
    control_requests = rc.controls(run.requests, MODEL, run.statuses)
    controls = Counter(r.operation(MODEL) for r in control_requests)
    skip = {r.seq for r in control_requests}
    answered: dict[str, Counter[str]] = {}
    for r in run.requests:
        if r.generated and r.seq not in skip:
            answered.setdefault(r.operation(MODEL) or "?", Counter())[
                str(run.statuses.get(r.seq, "none"))] += 1
    probes = Counter(r.operation(MODEL) for r in run.requests if rc.is_probe(r))
    names = ("generated-missing-body", "generated-non-object-body", "generated-unknown-member")
    negative = Counter(r.operation(MODEL) for n in names for r in run.verdict.used[n])
    if set(recorded) != set(reported):
        found.append(f"operations recorded {sorted(recorded)}, reported {sorted(reported)}")
    for op, cases in sorted(reported.items()):
        if recorded[op] != cases["total"] + controls[op]:
            found.append(f"{op}: {recorded[op]} recorded, {cases['total']} reported sent + "
                         f"{controls[op]} controls")
        if answered.get(op, Counter()) != Counter(cases["statuses"]):
            found.append(f"{op}: answered {dict(answered.get(op, {}))}, reported "
                         f"{cases['statuses']}")
        if probes[op] != cases["probes"]:
            found.append(f"{op}: {probes[op]} content-type probes recorded, "
                         f"{cases['probes']} reported")
        if negative[op] > cases["negative"]:
            found.append(f"{op}: {negative[op]} exempted negative bodies, only "
                         f"{cases['negative']} negative cases reported")
    return found


def summary(run: HonestRun) -> str:
    reqs = run.requests
    exempted = {r.seq for uses in run.verdict.used.values() for r in uses}
    ops = [(r, r.operation(MODEL)) for r in reqs]
    signed = sum(1 for r, op in ops if op and not MODEL.is_unsigned(op)
                 and rc.sigv4_problem(r, run.wire) is None)
    unsigned = sum(1 for r, op in ops if op and MODEL.is_unsigned(op)
                   and r.header("Authorization") is None)
    sources = Counter(s if s in (HARNESS, "generated") else "checks"
                      for s in run.verdict.sources.values())
    used = {name: len(uses) for name, uses in run.verdict.used.items()}
    return (f"harness honesty: {len(reqs)} requests in {run.seconds:.1f} s by source "
            f"{dict(sources)}; {len(rc.controls(reqs, MODEL, run.statuses))} Schemathesis "
            f"controls; {signed} signed (signature verified), {unsigned} of `authtype: none` "
            f"operations unsigned; {len(run.verdict.flagged)} flagged, {len(exempted)} "
            f"exempted {used}, {len(run.verdict.unexplained)} unexplained; "
            f"{sum(e['event'] == 'connect' for e in run.audit)} connections audited in "
            f"{len({e['pid'] for e in run.audit})} processes")


# -- the judge can fail: unit level, no run ---------------------------------------------------------
WIRE = Wire("127.0.0.1:4566", REGION, "AKIDUNITTEST", "unit-secret", "unit-token")


def sent(operation: str | None, body: Any, *, sign: bool | None = None, host: str = WIRE.host,
         wire: Wire = WIRE, headers: dict[str, str] | None = None, method: str = "POST",
         path: str = "/", data: bytes | None = None, target: str | None = "default",
         at: float | None = None) -> Recorded:
    """A request as the Caller would send it (signed when the model says), as recorded."""
    payload = data if data is not None else json.dumps(body).encode()
    hdrs = {"Content-Type": CONTENT_TYPE, **(headers or {})}
    if target == "default" and operation is not None:
        hdrs["X-Amz-Target"] = f"{PREFIX}.{operation}"
    elif target not in (None, "default"):
        hdrs["X-Amz-Target"] = target
    if sign if sign is not None else (operation is not None and
                                      not MODEL.is_unsigned(operation)):
        aws = AWSRequest(method=method, url=f"http://{host}{path}", data=payload, headers=hdrs)
        SigV4Auth(Credentials(wire.access_key, wire.secret_key, wire.token), "cognito-idp",
                  wire.region).add_auth(aws)
        hdrs = dict(aws.headers.items())
    return Recorded(0, time.time() if at is None else at, method, path,
                    (("Host", host), ("User-Agent", "python-requests/2"), *hdrs.items()),
                    payload)


def rules(req: Recorded, wire: Wire = WIRE) -> set[str]:
    return {v.rule for v in rc.violations(req, wire, MODEL)}


def tamper(req: Recorded, **changes: Any) -> Recorded:
    return Recorded(req.seq, req.at, req.method, req.path, changes.pop("headers", req.headers),
                    changes.pop("body", req.body))


def test_well_formed_requests_pass() -> None:
    assert rules(sent("ListUserPools", {"MaxResults": 1})) == set()
    assert rules(sent("SignUp", {"ClientId": "c", "Username": "u", "Password": "p"})) == set()
    assert rules(sent("AdminGetUser", {"UserPoolId": "p", "Username": "u"})) == set()


@pytest.mark.parametrize("req, rule", [
    pytest.param(sent("ListUserPools", {"MaxResults": 1}, target=f"{PREFIX}.ListUserPoolz"),
                 TARGET, id="unknown-operation"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1}, target="Other.ListUserPools"),
                 TARGET, id="other-prefix"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1}, target=None), TARGET,
                 id="no-target"),
    pytest.param(sent("AdminGetUser", {"ClientId": "c", "Username": "u", "Password": "p"}),
                 MEMBERS, id="signup-body-under-another-target"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1},
                      headers={"Content-Type": "application/json"}), CONTENT,
                 id="json-1.0-content-type"),
    pytest.param(sent("ListUserPools", None, data=b"{oops"), JSON_BODY, id="not-json"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1}, host="cognito-idp.us-east-1."
                      "amazonaws.com"), HOST, id="another-host"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1}, path="/v1"), PATH, id="path"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1}, method="PUT"), METHOD, id="method"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1}, sign=False), SIGNATURE,
                 id="signed-operation-unsigned"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1},
                      wire=Wire(WIRE.host, REGION, WIRE.access_key, "other", WIRE.token)),
                 SIGNATURE, id="other-secret"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1},
                      wire=Wire(WIRE.host, "eu-west-1", WIRE.access_key, WIRE.secret_key,
                                WIRE.token)), SIGNATURE, id="other-region"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1},
                      wire=Wire(WIRE.host, REGION, "AKIDOTHER", WIRE.secret_key, WIRE.token)),
                 SIGNATURE, id="other-access-key"),
    pytest.param(sent("ListUserPools", {"MaxResults": 1}, at=time.time() + 3600), SIGNATURE,
                 id="received-an-hour-later"),
    pytest.param(sent("SignUp", {"ClientId": "c", "Username": "u"}, sign=True), UNSIGNED,
                 id="authtype-none-signed"),
    pytest.param(sent("SignUp", {"ClientId": "c", "Username": "u"},
                      headers={"X-Amz-Security-Token": "unit-token"}), UNSIGNED,
                 id="authtype-none-with-token"),
])
def test_a_mis_sent_request_is_flagged(req: Recorded, rule: str) -> None:
    assert rule in rules(req), rc.violations(req, WIRE, MODEL)


def test_a_signature_over_other_bytes_or_headers_is_flagged() -> None:
    good = sent("ListUserPools", {"MaxResults": 1})
    assert rc.sigv4_problem(good, WIRE) is None
    other_body = tamper(good, body=b'{"MaxResults": 2}')
    assert "does not match" in (rc.sigv4_problem(other_body, WIRE) or "")
    retargeted = tamper(good, headers=tuple(
        (k, f"{PREFIX}.ListUsers" if k == "X-Amz-Target" else v) for k, v in good.headers))
    assert "does not match" in (rc.sigv4_problem(retargeted, WIRE) or "")
    # a signature that leaves X-Amz-Target out would let the operation change unnoticed
    aws = AWSRequest(method="POST", url=f"http://{WIRE.host}/", data=good.body,
                     headers={"Content-Type": CONTENT_TYPE})
    SigV4Auth(Credentials(WIRE.access_key, WIRE.secret_key, WIRE.token), "cognito-idp",
              REGION).add_auth(aws)
    loose = Recorded(0, time.time(), "POST", "/", (("Host", WIRE.host), *aws.headers.items(),
                                                   ("X-Amz-Target", f"{PREFIX}.ListUsers")),
                     good.body)
    assert "leave out ['x-amz-target']" in (rc.sigv4_problem(loose, WIRE) or "")
    no_token = tamper(good, headers=tuple((k, v) for k, v in good.headers
                                          if k != "X-Amz-Security-Token"))
    assert rc.sigv4_problem(no_token, WIRE)


def _windows(*ids: str) -> list[CheckWindow]:
    now = time.time()
    return [CheckWindow(check_id, now - 10, now + 10) for check_id in ids]


def test_exemptions_explain_only_what_they_describe_and_must_be_used() -> None:
    judge_ = Judge(MODEL, WIRE)
    no_target = sent("ListUserPools", {"MaxResults": 1}, target=None)
    missing = next(e for e in EXEMPTIONS if e.name == "missing-target")
    # the check's request: explained, the exemption used once
    verdict = rc.judge([no_target], judge_, _windows("wire.missing-target.rejected"), [missing])
    assert not verdict.unexplained and len(verdict.used["missing-target"]) == 1
    assert not verdict.exemption_problems([missing], MODEL, [])
    # the same request from another check, or with a bad signature too: not explained
    other = rc.judge([no_target], judge_, _windows("wire.malformed-json.rejected"), [missing])
    assert len(other.unexplained) == 1
    unsigned = sent("ListUserPools", {"MaxResults": 1}, target=None, sign=False)
    assert rc.judge([unsigned], judge_, _windows("wire.missing-target.rejected"),
                    [missing]).unexplained
    # sent twice: over-used; never sent: unused
    twice = rc.judge([no_target, no_target], judge_, _windows("wire.missing-target.rejected"),
                     [missing])
    assert "1 expected, got 2" in twice.exemption_problems([missing], MODEL, [])[0]
    idle = rc.judge([sent("ListUserPools", {})], judge_, [], [missing])
    assert "unused" in idle.exemption_problems([missing], MODEL, [])[0]


def test_per_operation_counts_are_enforced() -> None:
    probe = next(e for e in EXEMPTIONS if e.name == "generated-content-type-probe")
    one = sent("SignUp", {"ClientId": "c"}, headers={"Content-Type": "text/plain",
                                                     rc.GENERATED_HEADER: "x"})
    verdict = rc.judge([one], Judge(MODEL, WIRE), [], [probe])
    assert not verdict.unexplained
    problems = verdict.exemption_problems([probe], MODEL, ["SignUp", "GetUser"])
    assert problems and "'SignUp': 1" in problems[0] and "'GetUser': 0" in problems[0]


def test_controls_are_told_apart_from_cases() -> None:
    """A control follows a probe answered 5xx, with its body; anything else is a case."""
    gen = {rc.GENERATED_HEADER: "x"}
    probe = replace(sent("GetUser", {"AccessToken": "t"},
                         headers={**gen, "Content-Type": "text/plain"}), seq=1)
    control = replace(sent("GetUser", {"AccessToken": "t"}, headers=gen), seq=2)
    case = replace(sent("GetUser", {"AccessToken": "u"}, headers=gen), seq=3)
    assert rc.controls([probe, control, case], MODEL, {1: 500}) == [control]
    assert rc.controls([probe, control, case], MODEL, {1: 400}) == []
    assert rc.controls([probe, case, control], MODEL, {1: 500}) == []


# -- each exemption describes what the code really sends ----------------------------------------------
class CannedProxy(rc.RecordingProxy):
    """Records, answers every request 200 {"UserPools": []} without any upstream."""

    def forward(self, *args: Any, **kwargs: Any) -> fp.Response:
        self.recorder.answered(200)
        return fp.Response(200, {"Content-Type": CONTENT_TYPE}, b'{"UserPools": []}')


@pytest.fixture
def canned() -> Iterator[tuple[rc.Recorder, str, Wire]]:
    proxy = CannedProxy("http://127.0.0.1:9")
    endpoint = proxy.start()
    try:
        yield proxy.recorder, endpoint, Wire(urlsplit(endpoint).netloc, REGION, "AKIDUNIT",
                                             "unit-secret", "unit-token")
    finally:
        proxy.stop()


def _explained(reqs: list[Recorded], wire: Wire, check_id: str | None) -> dict[str, int]:
    verdict = rc.judge(reqs, Judge(MODEL, wire), _windows(check_id) if check_id else [],
                       EXEMPTIONS)
    assert not verdict.unexplained, verdict.unexplained
    return {name: len(uses) for name, uses in verdict.used.items() if uses}


def test_exemptions_match_what_the_harness_sends(
        canned: tuple[rc.Recorder, str, Wire]) -> None:
    """Sent by the real code, through the recording proxy, each deliberate request is
    explained by its own exemption (so the descriptions cannot drift from the code)."""
    recorder, endpoint, wire = canned
    caller = Caller(endpoint, REGION, AwsCredentials(wire.access_key, wire.secret_key,
                                                     wire.token))
    caller.call("ListUserPools", {"MaxResults": 1}, target=None)
    caller.call("ListUserPools",
                raw=fact("wire.serialization.malformed-json").data["body"].encode())
    caller.get(jwks_path("us-east-1_abc123"), "GET jwks.json")
    caller.call("ListUserPools", {"MaxResults": 1})        # well-formed: no exemption
    missing, malformed, jwks, fine = recorder.requests
    assert _explained([missing], wire, "wire.missing-target.rejected") == {"missing-target": 1}
    assert _explained([malformed], wire, "wire.malformed-json.rejected") == {
        "malformed-json": 1}
    assert _explained([jwks], wire, "tokens.id.signature") == {"jwks": 1}
    assert _explained([fine], wire, "tokens.id.signature") == {}
    assert Breaker(endpoint).alive()
    MotoTarget(RunConfig(endpoint=endpoint)).reset()
    alive, reset = recorder.requests[4:]
    assert _explained([alive], wire, "signin.refresh.after-revoke.status") == {
        "liveness-probe": 1}
    assert _explained([reset], wire, None) == {"moto-reset": 1}
    # ... and only from where it is said to come
    assert rc.judge([jwks], Judge(MODEL, wire), _windows("wire.missing-target.rejected"),
                    EXEMPTIONS).unexplained
    assert rc.judge([reset], Judge(MODEL, wire), _windows("wire.missing-target.rejected"),
                    EXEMPTIONS).unexplained


def test_a_conditional_exemption_must_match_the_report() -> None:
    """The liveness probe: as many as settle() probed, none in a run without errors."""
    liveness = next(e for e in EXEMPTIONS if e.name == "liveness-probe")
    probe = sent("ListUserPools", None, data=b"{}", sign=False)
    error = {"outcome": "error", "message": "set-up failed: RevokeToken failed"}
    one_error = {"checks": [error], "observations": []}
    silent = {"checks": [{**error, "message": "target stopped answering (...)"}]}
    used = rc.judge([probe], Judge(MODEL, WIRE), _windows("x.y"), [liveness])
    assert not used.exemption_problems([liveness], MODEL, [], one_error)
    assert used.exemption_problems([liveness], MODEL, [], silent)
    unused = rc.judge([], Judge(MODEL, WIRE), [], [liveness])
    assert not unused.exemption_problems([liveness], MODEL, [], {"checks": []})
    assert "unused" in unused.exemption_problems([liveness], MODEL, [], one_error)[0]


def test_the_proxy_records_every_method() -> None:
    recorder = rc.Recorder()
    proxy = fp.FaultProxy("http://127.0.0.1:9", on_request=recorder.observe)
    endpoint = proxy.start()
    try:
        assert requests.get(endpoint + "/elsewhere", timeout=5).status_code == 501
    finally:
        proxy.stop()
    [req] = recorder.requests
    assert req.method == "GET" and req.path == "/elsewhere"
    assert {METHOD, PATH} <= rules(tamper(req), Wire(req.header("Host") or "", REGION,
                                                     "a", "b"))


def test_the_audit_hook_sees_a_connection_elsewhere(tmp_path: Path) -> None:
    """The 'no other host' proof can fail: a process under the hook that connects to another
    port and looks a name up is caught."""
    log = tmp_path / "connections.jsonl"
    closed = free_port()
    script = ("import socket\n"
              "try:\n"
              f"    socket.create_connection(('127.0.0.1', {closed}), timeout=2)\n"
              "except OSError:\n"
              "    pass\n"
              "socket.getaddrinfo('localhost', 80)\n")
    env = {**os.environ, "PYTHONPATH": str(rc.audit_folder(tmp_path / "audit")),
           rc.AUDIT_LOG_VAR: str(log)}
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)
    events = rc.read_audit(log)
    assert any(e["event"] == "start" for e in events)
    problems = rc.elsewhere(events, "127.0.0.1", closed + 1)
    assert any(f"connect 127.0.0.1:{closed}" in p for p in problems), problems
    assert any("looked up 'localhost'" in p for p in problems), problems
    assert not rc.elsewhere([e for e in events if e["event"] == "connect"], "127.0.0.1",
                            closed)
