"""Client checks (conformance/checks/clients.py): wire faults at the CHECK level, selection,
unsupported clients, one adapter per session, and the severity links.

For the duplicate-username scenario on each client, every wire fault of the adapter table
(selftest/test_clients.py FAULTS/TOLERANCE: message as a list, no `__type`, a wrong
Content-Type with an HTML body, no colon in x-amzn-ErrorType ...) is shown to flip the
check's verdict exactly where the client's surfaced answer differs from what it surfaces
for AWS's, and to leave it passing where the client tolerates the fault; a failing verdict
carries the signature that says how the client broke. A client upgrade that changes its
tolerance turns this red together with the adapter table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from conformance import cli
from conformance.checks.clients import (ADAPTERS_KEY, SCENARIOS, adapter_for, client_links,
                                        client_of, install_adapter, selected)
from conformance.checks.registry import all_checks
from conformance.clients import CLIENT_NAMES, ClientAdapter
from conformance.clients.cli_client import CliAdapter
from conformance.clients.js_client import JsAdapter
from conformance.config import ConfigError, from_sources
from conformance.paths import REPO_DIR
from conformance.reporting.markdown import client_impact, impact
from conformance.results.outcome import (EXPECTED_FAILURE, FAILED, PASSED, UNSUPPORTED,
                                         CheckResult)
from conformance.results.runner import CheckSession
from selftest.conftest import RunCheck
from selftest.faultproxy import Fault
from selftest.test_clients import EXISTS, FAULTS, MODELED, TOLERANCE, require

SCENARIO = "signup-duplicate-username"


@pytest.fixture
def usable(proxied_session: CheckSession) -> Any:
    """usable(client): the session's adapter for `client`, or the test is skipped (failed
    under CI=true, as in test_clients.py)."""
    def get(name: str) -> ClientAdapter:
        adapter = adapter_for(proxied_session.context(), name)
        require(adapter)
        return adapter
    return get


# -- wire faults at the check level -----------------------------------------------------------

# What the failing check's signature says the client surfaced, per (client, fault) that flips.
FLIP_SIGNATURE = {
    "boto3": {"status=400", "type=400", "client-error=400 generic"},
    "cli": {"status=400", "type=400", "client-error=400 generic"},
    "js": {"status=400", "type=Unknown", "client-error=Unknown generic"},
}
SPECIAL_SIGNATURE = {
    ("js", "no-type-header-other"): {"status=400", "type=NotAuthorizedException",
                                     "client-error=NotAuthorizedException modeled"},
    ("js", "html-page"): {"status=400", "type=SyntaxError", "client-error=SyntaxError generic",
                          "stage=parse"},
}


@pytest.mark.parametrize("name,fault", sorted(TOLERANCE))
def test_wire_fault_flips_the_check_as_the_adapter_table_says(
        name: str, fault: str, run_check: RunCheck, usable: Any) -> None:
    usable(name)
    mutation = FAULTS[fault]
    faults = [] if mutation is None else [Fault(mutation, operation="SignUp", when_type=EXISTS)]
    result = run_check(f"client.{name}.{SCENARIO}", faults)
    assert all(f.fired == 1 for f in faults), "the fault never fired: it proves nothing"
    tolerated = TOLERANCE[(name, fault)] == MODELED
    if tolerated:
        assert result.outcome == PASSED, (name, fault, result.message)
        assert result.observed["surfaced"] == f"{EXISTS} modeled 400"
        return
    assert result.outcome == FAILED, (name, fault, result.outcome, result.message)
    want = SPECIAL_SIGNATURE.get((name, fault), FLIP_SIGNATURE[name])
    assert set(result.signature or []) == want, (name, fault, result.signature)
    assert result.expected == {"ok": False, "stage": "service-error", "error_code": EXISTS,
                               "modeled": True, "http_status": 400}


def test_the_check_level_table_covers_the_issue_faults() -> None:
    """Issue 14 item 4: message as a list, no __type, wrong Content-Type (+ HTML body), no
    colon in x-amzn-ErrorType: each is in the table for every client."""
    for fault in ("message-list", "no-type", "content-type-html", "html-page",
                  "header-no-colon"):
        assert all((name, fault) in TOLERANCE for name in CLIENT_NAMES)


# -- unsupported: a client that is not there is never a pass -----------------------------------

@pytest.fixture
def substitute(proxied_session: CheckSession) -> Iterator[Any]:
    """substitute(adapter): use `adapter` for its client in the session; afterwards it is
    closed and the session's own adapter is back (or made afresh on next use)."""
    adapters = proxied_session.shared.setdefault(ADAPTERS_KEY, {})
    endpoint = proxied_session.caller.endpoint.rstrip("/")
    saved: dict[Any, ClientAdapter | None] = {}
    installed: list[ClientAdapter] = []

    def put(adapter: ClientAdapter) -> None:
        saved.setdefault((adapter.name, endpoint), adapters.get((adapter.name, endpoint)))
        install_adapter(proxied_session.shared, endpoint, adapter)
        installed.append(adapter)

    yield put
    for adapter in installed:
        adapter.close()
    for key, old in saved.items():
        if old is None:
            adapters.pop(key, None)
        else:
            adapters[key] = old


def test_client_not_installed_is_unsupported(tmp_path: Path, run_check: RunCheck,
                                             substitute: Any,
                                             proxied_session: CheckSession) -> None:
    caller = proxied_session.caller
    args = (caller.endpoint, caller.region, caller.credentials)
    substitute(CliAdapter(*args, aws=tmp_path / "no-aws"))
    substitute(JsAdapter(*args, sdk_dir=tmp_path))
    for name, why in (("cli", "AWS CLI is not installed"),
                      ("js", "JavaScript SDK is not installed")):
        result = run_check(f"client.{name}.{SCENARIO}")
        assert result.outcome == UNSUPPORTED, (name, result.outcome, result.message)
        assert why in result.message and f"the {name} client is not available" in \
            result.message


# -- one adapter per session; the JS SDK does not start Node per call --------------------------

def test_one_adapter_per_session_and_one_node_process(run_check: RunCheck, usable: Any,
                                                      proxied_session: CheckSession) -> None:
    js = usable("js")
    assert isinstance(js, JsAdapter)
    before = js.starts
    for scenario in ("signup-duplicate-username", "signup-unknown-client",
                     "signup-password-no-upper"):
        assert run_check(f"client.js.{scenario}").outcome == PASSED
    assert adapter_for(proxied_session.context(), "js") is js
    assert js.starts - before <= 1 and js.pid is not None   # reused, not one per call


# -- selection ---------------------------------------------------------------------------------

def _collected(clients: str | None = None) -> list[str]:
    """The client check ids plain pytest collects (CC_CLIENTS as the run's selection; the
    plugin off, so nothing is written)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CC_")}
    if clients is not None:
        env["CC_CLIENTS"] = clients
    done = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "conformance.suite",
                           "--collect-only", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                           "-p", "no:conformance", "-k", "client."], cwd=REPO_DIR,
                          capture_output=True, text=True, timeout=120, env=env)
    return [line.split("[", 1)[1].rstrip("]") for line in done.stdout.splitlines()
            if "test_check[client." in line]


def test_only_the_selected_clients_are_collected() -> None:
    every = {c.id for c in all_checks() if client_of(c.id)}
    assert len(every) == len(CLIENT_NAMES) * len(SCENARIOS)
    assert {client_of(i) for i in _collected()} == {"boto3"}   # the default
    js_cli = _collected("js,cli")
    assert {client_of(i) for i in js_cli} == {"cli", "js"} and len(js_cli) == 2 * len(SCENARIOS)
    assert set(_collected("all")) == every
    assert _collected("none") == []


def test_clients_option_and_keyword_validation(tmp_path: Path) -> None:
    assert from_sources({}, env={}).client_names == ("boto3",)
    assert from_sources({}, env={"CC_CLIENTS": "all"}).client_names == CLIENT_NAMES
    assert from_sources({"cc_clients": "none"}, env={}).client_names == ()
    with pytest.raises(ConfigError, match="unknown client"):
        from_sources({"cc_clients": "boto3,go"}, env={})
    done = subprocess.run([sys.executable, "-m", "conformance.cli", "run", "--clients", "go",
                           "--report-dir", str(tmp_path)], cwd=REPO_DIR, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == cli.EXIT_USAGE and "--clients: unknown client(s) go" in \
        done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    cli._validate_keyword("client.js", ("js",))
    with pytest.raises(ConfigError, match="matches no check"):
        cli._validate_keyword("client.js", ("boto3",))   # js is not part of this run
    assert selected("client.js.signup-success", ("js",))
    assert not selected("client.js.signup-success", ())
    assert selected("wire.content-type.error", ())


# -- severity: client_links and the reports ----------------------------------------------------

def _result(check_id: str, outcome: str, surfaced: str | None = None,
            expected: dict[str, Any] | None = None) -> CheckResult:
    check = next(c for c in all_checks() if c.id == check_id)
    return CheckResult(id=check_id, operation=check.operation, category=check.category,
                       outcome=outcome, observed={"surfaced": surfaced} if surfaced else {},
                       expected=expected or {})


AWS_RNF = {"ok": False, "stage": "service-error", "error_code": "ResourceNotFoundException",
           "modeled": True, "http_status": 400}


def test_links_follow_shared_facts_and_operation() -> None:
    results = [_result("wire.error-header.errortype", EXPECTED_FAILURE),
               _result("wire.content-type.success", EXPECTED_FAILURE),
               _result("signup.unknown-client.status", PASSED),
               _result("signup.duplicate-username.status", EXPECTED_FAILURE),
               _result("client.boto3.signup-unknown-client", PASSED,
                       "ResourceNotFoundException modeled 400"),
               _result("client.js.signup-unknown-client", FAILED, "parse SyntaxError generic 400",
                       AWS_RNF)]
    links = client_links(results)
    assert set(links) == {"wire.error-header.errortype", "signup.unknown-client.status"}
    assert [x["client"] for x in links["wire.error-header.errortype"]] == ["boto3", "js"]
    line = impact(links["wire.error-header.errortype"])
    assert line == ("breaks js signup-unknown-client: ResourceNotFoundException modeled 400 -> "
                    "parse SyntaxError generic 400 (copes: boto3)")
    coping = client_links([results[0], results[4]])
    assert impact(coping["wire.error-header.errortype"]) == "all clients cope (boto3)"
    doc = {"checks": [r.to_json() for r in results], "client_links": links}
    text = "\n".join(client_impact(doc))
    assert "**js** breaks on: wire 1 of 1 (`wire.error-header.errortype`)" in text
    assert "**boto3** breaks on: wire 0 of 1" in text


def test_results_json_and_matrix_carry_the_links(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    from conformance.reporting import matrix, results_json

    results = [_result("wire.error-header.errortype", EXPECTED_FAILURE),
               _result("client.js.signup-unknown-client", FAILED,
                       "parse SyntaxError generic 400", AWS_RNF)]
    doc = results_json.build({"name": "moto", "version": "5", "endpoint": "http://x"},
                             results, [], datetime.now(timezone.utc), 1.0,
                             extra={"run": {"clients": ["js"]},
                                    "client_links": client_links(results)})
    results_json.write(tmp_path / "moto" / "results.json", doc)
    text = matrix.render_matrix(tmp_path)
    assert "## Client impact" in text and "| js | wire 1 of 1, other 0 of 0 |" in text
    built = matrix.build_json(matrix.load_runs(tmp_path))
    entry = next(c for c in built["checks"] if c["id"] == "wire.error-header.errortype")
    assert entry["clients"]["moto"].startswith("breaks js signup-unknown-client")
    assert "Clients:</span> breaks js" in matrix.render_html(tmp_path)
    assert json.loads((tmp_path / "moto" / "results.json").read_text())["client_links"]
