"""Where the suite finds its data files.

specs/ and expectations/ live beside the package in the repository. When the package is
installed elsewhere the same folders ship inside it (see pyproject's package data), so every
reader asks this module instead of building paths itself.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def specs_dir() -> Path:
    """The specs/ folder: the repository's one, else the copy shipped in the package."""
    for candidate in (REPO_DIR / "specs", PACKAGE_DIR / "_specs"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("specs/ not found beside the package")


def expectations_dir() -> Path:
    return PACKAGE_DIR / "expectations"


def case_store_dir() -> Path:
    """The default case store (conformance/generated/casestore.py): the user's cache folder."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cognito-conformance" / "cases"
