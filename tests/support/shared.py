"""Where `../shared` (the domain rules, seeds and labelled data beside the repository) is:
YUQING_SHARED if set, else the folder beside this checkout, else the workplace's /work/shared
(a clone made elsewhere, as CI may make, still finds the data)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    for candidate in (os.environ.get("YUQING_SHARED"), ROOT.parent / "shared", "/work/shared"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return ROOT.parent / "shared"  # missing: the tests that read it fail naming this path


SHARED = shared_dir()
