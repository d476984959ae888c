"""requirements.lock (the hashed lock `make` installs) must satisfy pyproject.toml.

Why: a dependency added to pyproject.toml without `make lock` would install on a developer's
old venv and fail on a fresh clone (or install an unpinned, unhashed version). Every direct
dependency (and every optional extra) must be pinned in the lock, at a version the
specifier allows, with at least one hash.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements.lock."""
    text = ROOT.joinpath("requirements.lock").read_text()
    out: dict[str, tuple[str, int]] = {}
    for block in re.split(r"\n(?=\S)", text):
        head = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", block)
        if head:
            out[canonicalize_name(head.group(1))] = (head.group(2), block.count("--hash=sha256:"))
    return out


def test_every_dependency_is_locked_with_hashes_at_an_allowed_version() -> None:
    project = tomllib.loads(ROOT.joinpath("pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + [r for extra in project["optional-dependencies"].values()
                                        for r in extra]
    locked = _locked()
    assert len(locked) > 50, "the lock parsed to almost nothing"
    problems = []
    for line in wanted:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        if name not in locked:
            problems.append(f"{req.name}: not in requirements.lock")
            continue
        version, hashes = locked[name]
        if not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name}: locked {version} outside {req.specifier}")
        if not hashes:
            problems.append(f"{req.name}: no hash")
    assert not problems, "run `make lock`: " + "; ".join(problems)


def test_the_makefile_installs_from_the_lock_with_hashes() -> None:
    makefile = ROOT.joinpath("Makefile").read_text()
    assert "pip sync" in makefile and "--require-hashes $(LOCK)" in makefile
    assert "--require-hashes" in makefile.split("$(UV):", 1)[1].split("\n\n", 1)[0]
