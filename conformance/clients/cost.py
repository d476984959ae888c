"""What one call costs through each client adapter, beside raw boto3 and the suite's Caller.

    python -m conformance.clients.cost [--clients all] [--calls 20] [--endpoint URL]

Starts an embedded moto (unless --endpoint), creates one pool and client, and times the
same two calls per client: a fresh SignUp (success path) and a duplicate SignUp (error
path). The first call of each adapter is timed apart (`first_ms`: the JS adapter's Node
start-up, boto3's client creation). Prints one JSON object per client and path.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from typing import Any, Callable

from conformance.clients.base import CLIENT_NAMES, parse_clients
from conformance.wire import AwsCredentials, Caller

PASSWORD = "Cost-Pass-9!"


def _stats(name: str, path: str, first_s: float, times: list[float]) -> dict[str, Any]:
    ordered = sorted(times)
    return {"client": name, "path": path, "calls": len(times),
            "first_ms": round(first_s * 1000, 1),
            "median_ms": round(statistics.median(ordered) * 1000, 1),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 1),
            "p90_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] * 1000, 1)}


def _time(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def measure(name: str, call: Callable[[str, dict[str, Any]], Any], client_id: str,
            calls: int) -> list[dict[str, Any]]:
    """Time `calls` fresh and `calls` duplicate SignUps through `call(operation, params)`."""
    def body(username: str) -> dict[str, Any]:
        return {"ClientId": client_id, "Username": username, "Password": PASSWORD}

    taken = "cost-" + uuid.uuid4().hex[:10]
    first = _time(lambda: call("SignUp", body(taken)))
    fresh = [_time(lambda: call("SignUp", body("cost-" + uuid.uuid4().hex[:10])))
             for _ in range(calls)]
    duplicate = [_time(lambda: call("SignUp", body(taken))) for _ in range(calls)]
    return [_stats(name, "SignUp ok", first, fresh),
            _stats(name, "SignUp UsernameExistsException", first, duplicate)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.clients.cost")
    parser.add_argument("--clients", default="all", help="boto3,cli,js | all")
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--endpoint", default=None)
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args(argv)
    from conformance.clients import make_adapter
    from conformance.config import RunConfig
    from conformance.provision import Provisioner
    from conformance.targets.moto import MotoTarget

    target = MotoTarget(RunConfig(endpoint=args.endpoint))
    target.start()
    credentials = AwsCredentials("test", "test")
    caller = Caller(target.endpoint, args.region, credentials)
    provisioner = Provisioner(caller)
    try:
        client_id = provisioner.client("plain").client_id
        rows = measure("raw-http (Caller)", caller.call, client_id, args.calls)

        import boto3
        from botocore import xform_name
        from botocore.config import Config
        raw = boto3.client("cognito-idp", endpoint_url=target.endpoint,
                           region_name=args.region, aws_access_key_id="test",
                           aws_secret_access_key="test",
                           config=Config(retries={"total_max_attempts": 1}))

        def boto3_call(operation: str, params: dict[str, Any]) -> Any:
            try:
                return getattr(raw, xform_name(operation))(**params)
            except raw.exceptions.ClientError as exc:
                return exc
        rows += measure("raw boto3", boto3_call, client_id, args.calls)
        for name in parse_clients(args.clients) or CLIENT_NAMES:
            adapter = make_adapter(name, target.endpoint, args.region, credentials)
            why = adapter.available()
            if why is not None:
                rows.append({"client": name, "unsupported": why})
                continue
            try:
                calls = args.calls if name != "cli" else max(3, min(args.calls, 5))
                rows += [{**row, "version": adapter.version()}
                         for row in measure(name, adapter.call, client_id, calls)]
            finally:
                adapter.close()
        for row in rows:
            print(json.dumps(row))
    finally:
        provisioner.cleanup()
        target.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
