"""Generated cases kept on disk, so a run with the same seed replays them instead of
generating them again.

Why: generating a case (Hypothesis, Schemathesis' coverage and negative mutations) costs
~5-7 ms of CPU, more than sending it and judging the answer; on 2 cores that made the
generated phase reach a quarter of the rate the target can serve (issue 12 part 7). The
cases depend on nothing the target says: the same seed gives the same cases_sha256 on moto,
cognito-local and ministack (measured: all 26 operations equal, ci profile, seed 0), because
no verdict feeds back into generation (failures are tallied, never raised to Hypothesis, so
it never shrinks, and no `target()` score is used). So the cases of one (operation, seed,
example count, phases, generated document, library versions) are a pure function of that
key, and a file named by its hash can stand in for generating them.

What is kept: each case as it reached the test function, before the runner's hook injects
the run's identifiers: method, path, containers, body, media type and Schemathesis'
metadata (pickled; the hashes Schemathesis keeps to notice edits are per process, so they
are dropped and recomputed when the case is rebuilt). A file is written only when the whole
operation ran without error, atomically (temp file, rename), so a crashed or interrupted run
leaves no half list. A file that cannot be read is ignored (generated again). Each result
says where its cases came from (`cases_from`), and `cases_sha256` is computed on the
replayed cases too, so a replay that differs from generation shows.

Where: `--case-cache DIR` (CC_CASE_CACHE), default `$XDG_CACHE_HOME/cognito-conformance/cases`
(~/.cache/...); `off` disables it. The directory is the user's own (0700): pickles are code.
It holds one folder per run key (~1 MB for ci, ~2 MB for nightly), and every change to the
generation code or the document makes a new key; so each run ends by removing all but the
KEEP_KEYS most recently used key folders (`prune`; a load or save marks a folder used).

Private Schemathesis API, knowingly: rebuilding a case needs `Case(..., meta=...)` and clearing
CaseMetadata's per-process hash fields (`_dirty`, `_last_validated_hashes`, `_initial_hashes`,
`_initial_containers`); there is no public way to serialize a case with its metadata. It is
held by the same `schemathesis>=4.32,<4.33` pin as runner.py's test builder, the library
versions are part of the key (an upgrade never reads old files), and
selftest/test_casestore.py fails if a replay stops matching generation.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
import zlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from conformance.paths import case_store_dir

FORMAT = 1                      # bump when what a record holds changes
KEEP_KEYS = 12                  # run-key folders a prune keeps: the most recently used
KEY_CHARS = 32                  # a run key: this many hex digits (prune removes only such names)
LIBRARIES = ("schemathesis", "hypothesis", "hypothesis-jsonschema", "jsonschema-rs")
_NOT_SET = "<schemathesis NOT_SET>"


def default_dir() -> Path:
    return case_store_dir()


def _versions() -> dict[str, str]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out


def run_key(document: str, seed: int, max_examples: int, phases: tuple[str, ...],
            generation_code: str) -> str:
    """The hash naming a run's case files: everything the cases depend on."""
    text = json.dumps({"format": FORMAT, "document": hashlib.sha256(document.encode()).hexdigest(),
                       "seed": seed, "max_examples": max_examples, "phases": list(phases),
                       "code": generation_code, "versions": _versions()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:KEY_CHARS]


@dataclass(frozen=True)
class CaseStore:
    """The case files of one run key under `directory` (one file per operation)."""

    directory: Path
    key: str

    def path(self, operation: str) -> Path:
        return self.directory / self.key / f"{operation}.cases"

    def load(self, operation: str) -> list[tuple[Any, ...]] | None:
        try:
            records = pickle.loads(zlib.decompress(self.path(operation).read_bytes()))
            os.utime(self.directory / self.key)  # used: the last folder a prune removes
            return records
        except FileNotFoundError:
            return None
        except Exception:  # noqa: BLE001 - unreadable or stale: generate again
            return None

    def save(self, operation: str, records: list[tuple[Any, ...]]) -> None:
        target = self.path(operation)
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            data = zlib.compress(pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL), 1)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{operation}.")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, target)
        except OSError:
            pass  # a read-only or full cache costs time, never a result


def prune(directory: Path, keep: int = KEEP_KEYS, current: str | None = None) -> list[str]:
    """Remove the run-key folders of `directory` beyond the `keep` most recently used (never
    `current`, nor anything not named like a key); returns the keys removed. Another run
    using a removed key only generates its cases again."""
    try:
        folders = [p for p in directory.iterdir() if p.is_dir() and _is_key(p.name)]
        folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return []
    removed = []
    for folder in folders[keep:]:
        if folder.name != current:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def _is_key(name: str) -> bool:
    return len(name) == KEY_CHARS and all(c in "0123456789abcdef" for c in name)


def snapshot(case: Any) -> tuple[Any, ...]:
    """What rebuilds `case` (as generated: call before anything edits it)."""
    from schemathesis.core import NotSet

    body = _NOT_SET if isinstance(case.body, NotSet) else case.body
    record = (case.method, case.path, case.path_parameters, case.headers,
              case.cookies, case.query, body, case.media_type, case.multipart_content_types,
              case.meta)
    return pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))  # a copy


def rebuild(operation: Any, record: tuple[Any, ...]) -> Any:
    """A Case of `operation` equal to the one `snapshot` recorded."""
    from schemathesis.core import NOT_SET
    from schemathesis.generation.case import Case

    (method, path, path_parameters, headers, cookies, query, body, media_type,
     multipart, meta) = record
    if meta is not None:   # per-process hashes: recomputed by Case() from the containers
        for name in ("_dirty", "_last_validated_hashes", "_initial_hashes",
                     "_initial_containers"):
            getattr(meta, name).clear()
    return Case(operation, method, path, path_parameters=path_parameters,
                headers=headers, cookies=cookies, query=query,
                body=NOT_SET if body == _NOT_SET else body, media_type=media_type,
                multipart_content_types=multipart, meta=meta)
