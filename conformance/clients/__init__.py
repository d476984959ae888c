"""Clients as judges: what a real SDK or CLI surfaces when it talks to a target.

Why: a wire check says a target's answer deviates from AWS's (moto's `x-amzn-ErrorType`
without the colon, a `message` that is a list, a missing `__type`). Whether that matters
depends on the client: an app that does `except UsernameExistsException` keeps working if
boto3 still maps the answer to that class, and breaks if it gets a bare ClientError. So the
same short scenarios are run through the clients people use (boto3, the AWS CLI, the
JavaScript SDK v3) and judged by what each client SURFACED, compared with what it surfaces
for AWS's documented answer.

The adapter protocol (`base.ClientAdapter`): one adapter per client and target endpoint,
  - `name`: "boto3", "cli" or "js";
  - `available() -> str | None`: None when the client is installed and usable, else the
    reason it is not (the check is then `unsupported`, never a pass);
  - `version() -> str | None`: what is installed (for reports);
  - `call(operation, params) -> Surfaced`: one API call with the model's operation name and
    its input members (`SignUp`, {"ClientId": ..., "Username": ...}); never raises for
    anything the client does (a service error, a refused parameter, a parse failure or no
    answer are all Surfaced); raises `ClientUnavailable` when the client is not usable
    (-> `unsupported`) and `AdapterError` when the adapter itself broke (-> `error`);
  - `close()`: releases what the adapter holds (the JS adapter's Node process).
`Surfaced` (base.py) is the client's view: ok, the error code it named, whether it mapped
it to a modeled exception, the HTTP status it saw, the message, the parsed output, and a
short masked `raw_error` for evidence. `stage` says where it ended: ok, service-error,
validation (refused before sending), parse (an answer it could not read), transport (no
answer).

Secrets: every params dict is harvested (conformance/exchange.py) before it is sent, so a
password or SecretHash a client echoes in an error text is scrubbed from `message` and
`raw_error`; `Surfaced.summary()`/`evidence()` mask the output's tokens too.
"""

from __future__ import annotations

from typing import Any

from conformance.clients.base import (CLIENT_NAMES, AdapterError, ClientAdapter,
                                      ClientUnavailable, Surfaced, parse_clients)

__all__ = ["CLIENT_NAMES", "AdapterError", "ClientAdapter", "ClientUnavailable", "Surfaced",
           "make_adapter", "parse_clients"]


def make_adapter(name: str, endpoint: str, region: str, credentials: Any,
                 timeout_s: float = 15.0, **options: Any) -> ClientAdapter:
    """The adapter called `name` for one endpoint; `options` go to its constructor (e.g.
    `aws=` for the CLI's executable, `node=`/`sdk_dir=` for the JS SDK)."""
    if name == "boto3":
        from conformance.clients.boto3_client import Boto3Adapter
        return Boto3Adapter(endpoint, region, credentials, timeout_s, **options)
    if name == "cli":
        from conformance.clients.cli_client import CliAdapter
        return CliAdapter(endpoint, region, credentials, timeout_s, **options)
    if name == "js":
        from conformance.clients.js_client import JsAdapter
        return JsAdapter(endpoint, region, credentials, timeout_s, **options)
    raise ValueError(f"unknown client {name!r}; choose from {', '.join(CLIENT_NAMES)}")
