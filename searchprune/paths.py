"""Where the project's folders are, found from this file rather than the working directory.

The repository root is the parent of the ``searchprune`` package. Data shared between
checkouts (benchmark positions and the like, read-only) lives in a ``shared`` folder
beside the repository: ``<repo root>/../shared``. ``SEARCHPRUNE_SHARED`` names another
shared folder instead.
"""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The repository root: the folder holding the ``searchprune`` package."""
    return Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """The shared folder: ``$SEARCHPRUNE_SHARED`` if set, else ``<repo root>/../shared``."""
    env = os.environ.get("SEARCHPRUNE_SHARED")
    if env:
        return Path(env).expanduser().resolve()
    return (repo_root() / ".." / "shared").resolve()


def shared_data_dir() -> Path:
    """The data folder inside the shared folder (it may not exist; callers check)."""
    return shared_dir() / "data"


def portable_path(path: str | Path) -> str:
    """``path`` as files read on other machines record it (net manifests, bench JSON): relative
    to the repository root when inside it (``data/connect4-teacher``), ``shared/...`` when
    inside the shared folder, else the folder's name alone; never this machine's
    absolute path."""
    resolved = Path(path).expanduser().resolve()
    for base, prefix in ((repo_root(), Path()), (shared_dir(), Path("shared"))):
        try:
            return (prefix / resolved.relative_to(base)).as_posix()
        except ValueError:
            continue
    return resolved.name
