"""Sweeping leftover pools by prefix, and the leak report.

Why: against real AWS (or any shared endpoint) a killed run leaves pools behind, and pools
cost money and count against quotas. Every pool the suite creates is named
`<RUN_PREFIX>-...` (conformance/provision.py), so leftovers can be found by listing pools
(ListUserPools, paged) and deleted by name prefix, optionally only those created after a
moment (the end of one run sweeps only what it could have made). Whatever cannot be
deleted is written to reports/<target>/leaks.json and named on stderr in one line, so a
leak is never silent.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from conformance.provision import RUN_PREFIX
from conformance.wire import Caller, TargetUnreachable

PAGE_SIZE = 60  # ListUserPools' maximum
MAX_PAGES = 1000
GONE = "ResourceNotFoundException"


@dataclass
class Sweep:
    deleted: list[str] = field(default_factory=list)
    leaked: list[dict[str, str]] = field(default_factory=list)


def default_prefix() -> str:
    return f"{RUN_PREFIX}-"


def list_pools(caller: Caller) -> Iterator[dict[str, Any]]:
    """Every pool the endpoint lists, following NextToken."""
    token: str | None = None
    for _ in range(MAX_PAGES):
        body: dict[str, Any] = {"MaxResults": PAGE_SIZE}
        if token:
            body["NextToken"] = token
        page = caller.call("ListUserPools", body).ok_json(RuntimeError, "ListUserPools")
        yield from page.get("UserPools") or []
        token = page.get("NextToken")
        if not token:
            return


def matching(pools: Iterator[dict[str, Any]], prefix: str,
             created_after: float | None) -> list[dict[str, Any]]:
    out = []
    for pool in pools:
        if not str(pool.get("Name", "")).startswith(prefix):
            continue
        created = pool.get("CreationDate")
        if created_after is not None and isinstance(created, (int, float)) \
                and created < created_after:
            continue
        out.append(pool)
    return out


def sweep(caller: Caller, prefix: str | None = None,
          created_after: float | None = None) -> Sweep:
    """Delete the pools named `prefix...` (created after `created_after`, epoch seconds)."""
    result = Sweep()
    try:
        pools = matching(list_pools(caller), prefix or default_prefix(), created_after)
    except (RuntimeError, TargetUnreachable) as exc:
        result.leaked.append({"pool_id": "?", "name": f"{prefix or default_prefix()}*",
                              "error": f"could not list pools: {exc}"})
        return result
    for pool in pools:
        _delete(caller, pool, result)
    return result


def _delete(caller: Caller, pool: dict[str, Any], result: Sweep) -> None:
    pool_id, name = str(pool.get("Id")), str(pool.get("Name"))
    try:
        reply = caller.call("DeleteUserPool", {"UserPoolId": pool_id})
    except TargetUnreachable as exc:
        result.leaked.append({"pool_id": pool_id, "name": name, "error": str(exc)[:200]})
        return
    if reply.status == 200 or reply.error_type == GONE:
        result.deleted.append(pool_id)
    else:
        result.leaked.append({"pool_id": pool_id, "name": name, "error": reply.summary()})


def report_leaks(report_dir: Path, target: str, endpoint: str, leaked: list[dict[str, str]],
                 ) -> Path | None:
    """Write reports/<target>/leaks.json and one stderr line; nothing when nothing leaked."""
    path = report_dir / "leaks.json"
    if not leaked:
        path.unlink(missing_ok=True)
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"target": target, "endpoint": endpoint, "leaked": leaked,
           "cleanup": f"cognito-conformance cleanup --target {target}"}
    path.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"cognito-conformance: warning: {len(leaked)} pool(s) could not be deleted "
          f"from {target}; see {path}", file=sys.stderr)
    return path


def run_cleanup(config: Any, prefix: str | None) -> list[dict[str, str]]:
    """`cognito-conformance cleanup`: sweep aws (or a url endpoint); returns what leaked."""
    from conformance.config import ConfigError
    from conformance.wire import AwsCredentials

    if config.target not in ("aws", "url"):
        raise ConfigError("cleanup sweeps --target aws, or --target url --endpoint URL")
    if config.target == "url" and not config.endpoint:
        raise ConfigError("cleanup --target url needs --endpoint URL")
    if config.target == "aws" and not _env_credentials():
        raise ConfigError("cleanup --target aws needs AWS_ACCESS_KEY_ID and "
                          "AWS_SECRET_ACCESS_KEY in the environment")
    endpoint = config.endpoint or f"https://cognito-idp.{config.region}.amazonaws.com"
    key, secret, token = config.credentials()
    caller = Caller(endpoint, config.region, AwsCredentials(key, secret, token),
                    timeout_s=config.timeout_s)
    result = sweep(caller, prefix=prefix)
    print(f"deleted {len(result.deleted)} pool(s) named {prefix or default_prefix()}* "
          f"from {endpoint}")
    report_leaks(config.target_report_dir(), config.target, endpoint, result.leaked)
    return result.leaked


def _env_credentials() -> bool:
    import os

    return bool(os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY"))
