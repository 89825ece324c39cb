"""Where the shared real city files are: `../shared/realdata` beside the checkout (as in CI).

Tests that need them skip when they are absent on a developer's machine, but fail under CI
(the environment variable CI is set), where a missing folder would hide a broken check.
"""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = next((p for p in (ROOT.parent / "shared" / "realdata", Path("/work/shared/realdata")) if p.exists()),
                ROOT.parent / "shared" / "realdata")


def require(*paths: Path):
    """A pytest mark: skip (locally) or fail (in CI) when any of `paths` is missing."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing and os.environ.get("CI"):
        pytest.fail(f"CI needs the shared real-data files: {', '.join(missing)}", pytrace=False)
    return pytest.mark.skipif(bool(missing), reason=f"the shared real-data files are absent: {', '.join(missing)}")


def need(*paths: Path) -> None:
    """Inside a test: skip (locally) or fail (in CI) when any of `paths` is missing."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the shared real-data files: {', '.join(missing)}", pytrace=False)
        pytest.skip(f"the shared real-data files are absent: {', '.join(missing)}")
