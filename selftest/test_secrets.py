"""Secret safety: no password, SecretHash, token or credential reaches a report, ever.

Two layers of proof:
1. unit tests of conformance/exchange.py: masking by key (top level, nested maps such as
   AuthParameters.PASSWORD, headers), by value in free text (raw, JSON-escaped, repr), and
   the curl and boto3 reproductions;
2. an end-to-end run of the real CLI against embedded moto, with real-looking AWS
   credentials in the environment and one extra, deliberately careless check (PROBE) that
   signs a user in through a secret client (SecretHash, tokens, refresh, RevokeToken) and
   then puts every secret it holds into its failure message, its observed values, stdout
   and the log. Afterwards every file under the report dir (results.json, junit.xml,
   summary.md, allure-results/*) is searched for every secret value the run used, in every
   form a writer could give it (raw, JSON-escaped, doubly escaped, XML-escaped).
"""

from __future__ import annotations

import html
import json
import logging
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from conformance import cli
from conformance.checks.context import Ctx
from conformance.checks.registry import _REGISTRY, Check, Failure
from conformance.exchange import MASK, SECRETS, Exchange, mask, remember, scrub
from conformance.provision import AppClient

SUITE_MODULE = "conformance.suite.test_checks"
PROBE_ID = "selftest.secrets-probe"
# What the run signs with: moto ignores SigV4, so any credentials work; they must not leak.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIACCSELFTEST7Q2Z", "AWS_SECRET_ACCESS_KEY":
               "cc/SelfTestSecretAccessKey+9wQ", "AWS_SESSION_TOKEN": "FwoGZXIvY2Mtc2VsZnRlc3Q="}
# The checks run besides the probe: every hand-written one that sends passwords, SecretHash
# or tokens (the generated ones send fuzzed values, not secrets, and take a minute).
KEYWORD = f"({PROBE_ID} or signup or secret or password or auth or token) and not generated"


# -- unit: masking by key ---------------------------------------------------------------------

def test_mask_replaces_secret_members_at_any_depth() -> None:
    body = {"ClientId": "c1", "Password": "Pw-unit-1!", "SecretHash": "aGFzaA==",
            "AuthParameters": {"USERNAME": "ann", "PASSWORD": "Pw-unit-2!",
                               "SECRET_HASH": "aGFzaDI="},
            "ChallengeResponses": {"NEW_PASSWORD": "Pw-unit-3!"},
            "AuthenticationResult": {"AccessToken": "a.b.c", "IdToken": "i.d.t",
                                     "RefreshToken": "r.e.f", "TokenType": "Bearer"},
            "List": [{"Session": "sess-unit"}]}
    out = mask(body)
    assert out["Password"] == out["SecretHash"] == MASK
    assert out["AuthParameters"] == {"USERNAME": "ann", "PASSWORD": MASK, "SECRET_HASH": MASK}
    assert out["ChallengeResponses"]["NEW_PASSWORD"] == MASK
    assert set(out["AuthenticationResult"].values()) == {MASK, "Bearer"}
    assert out["List"] == [{"Session": MASK}] and out["ClientId"] == "c1"


@pytest.mark.parametrize("key", ["Token", "ClientSecret", "ClientSecretValue", "SecretCode",
                                 "PreviousPassword", "ProposedPassword", "TemporaryPassword",
                                 "REFRESH_TOKEN", "SRP_A", "PASSWORD_CLAIM_SIGNATURE",
                                 "Authorization", "X-Amz-Security-Token"])
def test_mask_covers_every_secret_member(key: str) -> None:
    assert mask({key: "v-" + key}) == {key: MASK}


def test_mask_remembers_masked_values_for_free_text() -> None:
    mask({"RefreshToken": "refresh-remembered-1"})
    assert scrub("echo: refresh-remembered-1.") == f"echo: {MASK}."


def test_mask_leaves_the_input_untouched() -> None:
    body = {"Password": "Pw-untouched-1!"}
    mask(body)
    assert body == {"Password": "Pw-untouched-1!"}


# -- unit: masking by value -------------------------------------------------------------------

@pytest.mark.parametrize("secret", ['Pw"quote\\9!', "Pässwörd-9!", "Pw'apos-9!", "plain-Pw-9!"])
def test_scrub_removes_every_written_form(secret: str) -> None:
    remember(secret)
    texts = [secret, json.dumps(secret), json.dumps({"m": secret}, ensure_ascii=False),
             repr(secret), f"message: {json.dumps(secret)[1:-1]}!"]
    for text in texts:
        assert secret not in scrub(text) and json.dumps(secret)[1:-1] not in scrub(text), text


def test_scrub_masks_secret_inside_free_text_under_any_key() -> None:
    remember("Pw-echoed-by-target-1!")
    out = mask({"message": "Password Pw-echoed-by-target-1! is too weak", "n": 3})
    assert out == {"message": f"Password {MASK} is too weak", "n": 3}


def test_scrub_keeps_short_values_and_ordinary_text() -> None:
    remember("abc")  # too short to scrub safely
    assert scrub("abc is fine") == "abc is fine"


def test_secret_registry_snapshot_is_read_only() -> None:
    remember("snapshot-secret-1")
    snap = SECRETS.values()
    assert "snapshot-secret-1" in snap and isinstance(snap, frozenset)


# -- unit: reproductions ----------------------------------------------------------------------

def _exchange(body: dict[str, Any], signed: bool = True, operation: str = "InitiateAuth"
              ) -> Exchange:
    return Exchange(operation=operation, url="http://127.0.0.1:1/",
                    target_header=f"AWSCognitoIdentityProviderService.{operation}",
                    request_headers={"Content-Type": "application/x-amz-json-1.1",
                                     "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAUNIT/x",
                                     "X-Amz-Security-Token": "unit-session-token"},
                    request_body=json.dumps(body).encode(), signed=signed, status=400,
                    headers={"content-type": "application/x-amz-json-1.1"},
                    body=json.dumps({"__type": "NotAuthorizedException",
                                     "message": f"bad {body.get('Password', '')}"}).encode(),
                    elapsed_s=0.01)


SIGN_IN = {"ClientId": "c1", "AuthFlow": "USER_PASSWORD_AUTH",
           "AuthParameters": {"USERNAME": "ann", "PASSWORD": "Pw-repro-1!",
                              "SECRET_HASH": "c2VjcmV0aGFzaHJlcHJv"}}
SIGN_UP = {"ClientId": "c1", "Username": "ann", "Password": "Pw-repro-2!",
           "SecretHash": "c2VjcmV0aGFzaDI="}


@pytest.mark.parametrize("render", ["reproduce", "reproduce_boto3"])
@pytest.mark.parametrize("body", [SIGN_IN, SIGN_UP], ids=["auth-parameters", "signup"])
def test_reproductions_mask_password_and_secret_hash(render: str, body: dict) -> None:
    text = getattr(_exchange(body), render)()
    assert MASK in text and "ann" in text
    for secret in ("Pw-repro-1!", "Pw-repro-2!", "c2VjcmV0aGFzaHJlcHJv", "c2VjcmV0aGFzaDI="):
        assert secret not in text


def test_curl_reproduction_takes_credentials_from_the_environment() -> None:
    text = _exchange(SIGN_UP, signed=True).reproduce()
    assert '"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"' in text and "AKIAUNIT" not in text


def test_evidence_masks_headers_bodies_and_echoed_secrets() -> None:
    text = json.dumps(_exchange(SIGN_UP).evidence())
    for secret in ("Pw-repro-2!", "c2VjcmV0aGFzaDI=", "AKIAUNIT", "unit-session-token"):
        assert secret not in text
    assert "NotAuthorizedException" in text


# -- end to end: the real CLI against embedded moto ------------------------------------------

def _probe(ctx: Ctx) -> None:
    """Signs in through a secret client, then leaks everything it holds (on purpose)."""
    client = ctx.client("main", "secret")
    username, password, _ = ctx.sign_up(client)
    ctx.require_ok(ctx.call("AdminConfirmSignUp", {"UserPoolId": ctx.pool(),
                                                   "Username": username}), "confirm")
    tokens = _sign_in(ctx, client, username, password)
    ctx.call("GetUser", {"AccessToken": tokens["AccessToken"]})
    ctx.call("RevokeToken", {"Token": tokens["RefreshToken"], "ClientId": client.client_id,
                             "ClientSecret": client.secret})
    held = [password, client.secret_hash(username), client.secret, *tokens.values()]
    PROBE_HELD[:] = [v for v in held if v]
    print("probe stdout:", *held)
    logging.getLogger("selftest.probe").warning("probe log: %s", held)
    ctx.observe(held=held, nested=json.dumps({"values": held}))
    raise Failure("probe leaks " + " ".join(map(str, held)), expected={"held": held},
                  observed={"text": repr(held)})


def _sign_in(ctx: Ctx, client: AppClient, username: str, password: str) -> dict[str, str]:
    params = {"USERNAME": username, "PASSWORD": password,
              "SECRET_HASH": client.secret_hash(username)}
    ex = ctx.call("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client.client_id,
                                   "AuthParameters": params})
    ctx.require_ok(ex, "InitiateAuth")
    result = dict(ex.json["AuthenticationResult"])
    refresh = ctx.call("InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH",
                                        "ClientId": client.client_id, "AuthParameters": {
                                            "REFRESH_TOKEN": result["RefreshToken"],
                                            "SECRET_HASH": client.secret_hash(username)}})
    ctx.require_ok(refresh, "InitiateAuth refresh")
    result.update(refresh.json["AuthenticationResult"])
    return {k: v for k, v in result.items() if k.endswith("Token") and isinstance(v, str)}


PROBE_HELD: list[str] = []
PROBE = Check(id=PROBE_ID, operation="InitiateAuth", category="security", func=_probe)


@pytest.fixture(scope="module")
def e2e_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One CLI run for the module, PROBE registered and the suite module re-imported; the
    registry, sys.modules and the environment are restored afterwards."""
    out = tmp_path_factory.mktemp("secrets-run")
    with pytest.MonkeyPatch.context() as mp:
        _register_probe(mp)
        try:
            code = cli.main(["run", "--target", "moto", "--report-dir", str(out),
                             "--profile", "dev", "-k", KEYWORD])
        finally:
            sys.modules.pop(SUITE_MODULE, None)  # its CHECKS include PROBE
    assert code in (cli.EXIT_OK, cli.EXIT_UNEXPECTED), code
    yield out / "moto"


def _register_probe(mp: pytest.MonkeyPatch) -> None:
    mp.setitem(_REGISTRY, PROBE_ID, PROBE)
    mp.setitem(sys.modules, SUITE_MODULE, sys.modules.get(SUITE_MODULE))  # type: ignore[arg-type]
    sys.modules.pop(SUITE_MODULE)
    mp.setenv("CC_RUN_CONFIG", "")  # cmd_run sets it for the pytest session it starts
    for name, value in CREDENTIALS.items():
        mp.setenv(name, value)
    PROBE_HELD.clear()


def written_forms(secret: str) -> set[str]:
    """Every way a writer could spell `secret`: raw, JSON (once, twice), XML, repr."""
    once = json.dumps(secret)[1:-1]
    forms = {secret, once, json.dumps(once)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
             html.escape(secret), html.escape(once), repr(secret)[1:-1]}
    return {f for f in forms if f}


def leaks(report_dir: Path, secrets: set[str]) -> list[str]:
    found = []
    for path in sorted(p for p in report_dir.rglob("*") if p.is_file()):
        text = path.read_text("utf-8", "replace")
        found += [f"{path.relative_to(report_dir)}: {s[:6]}..." for s in secrets
                  if any(form in text for form in written_forms(s))]
    return found


def test_leak_search_finds_every_written_form(tmp_path: Path) -> None:
    secret = 'Pw"leak\\9!'
    for i, form in enumerate(sorted(written_forms(secret))):
        (tmp_path / f"f{i}.txt").write_text(f"<x a='{form}'/>")
    assert len(leaks(tmp_path, {secret})) == len(written_forms(secret))


def test_run_against_moto_writes_no_secret_anywhere(e2e_reports: Path) -> None:
    secrets = set(SECRETS.values()) | set(CREDENTIALS.values()) | set(PROBE_HELD)
    assert not leaks(e2e_reports, secrets), leaks(e2e_reports, secrets)


def test_probe_exercised_every_kind_of_secret(e2e_reports: Path) -> None:
    # password, SecretHash (sign-up, sign-in, refresh), client secret, Access/Id/Refresh token
    assert len(PROBE_HELD) >= 6, PROBE_HELD
    assert set(PROBE_HELD) <= SECRETS.values(), "a secret the probe used was not harvested"
    assert set(CREDENTIALS.values()) - {CREDENTIALS["AWS_SESSION_TOKEN"]} <= SECRETS.values()


def test_every_report_writer_ran(e2e_reports: Path) -> None:
    names = {p.name for p in e2e_reports.iterdir()}
    assert {"results.json", "junit.xml", "summary.md", "allure-results"} <= names
    allure = list((e2e_reports / "allure-results").glob("*-attachment.json"))
    assert allure, "no Allure evidence attachments were written"
    probe = [c for c in json.loads((e2e_reports / "results.json").read_text())["checks"]
             if c["id"] == PROBE_ID]
    assert probe and probe[0]["outcome"] == "failed" and MASK in probe[0]["message"]
    assert PROBE_ID in (e2e_reports / "summary.md").read_text()
