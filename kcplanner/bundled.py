"""Where the files kcplanner ships live: the sample city, its fixed facts, the import mappings, the icon.

They are package data under `kcplanner/resources/` and are found with `importlib.resources`, so the
same call answers in a source checkout, an installed wheel and the PyInstaller bundle (whose
`kcplanner` package is a folder beside the program); no path is built from the source tree.

    sample_dir()            # the bundled sample city: plan.xlsx and one workbook per department
    sample_plan()           # its plan workbook
    sample_city_dir()       # the JSON facts `kcplanner sample` draws around
    mappings_dir()          # the shipped import mappings (Boston, Oakland, Austin)
    shipped_mappings()      # each of them, sorted by name
    icon_path()             # the app's icon (SVG)

Each returns a real folder or file.  Where the package is not on the file system (a zip import),
the folder is copied once into a temporary folder that is removed at exit.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

PACKAGE = "kcplanner"
FOLDER = "resources"


def _traversable(*parts: str) -> Traversable:
    return resources.files(PACKAGE).joinpath(FOLDER, *parts)


@cache
def _real(*parts: str) -> Path:
    """The resource as a path on the file system (extracted once when the package is zipped)."""
    node = _traversable(*parts)
    if isinstance(node, Path):
        return node
    tmp = Path(tempfile.mkdtemp(prefix="kcplanner-resources-"))
    atexit.register(shutil.rmtree, tmp, True)
    target = tmp.joinpath(*parts)
    _copy(node, target)
    return target


def _copy(node: Traversable, target: Path) -> None:
    if node.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for child in node.iterdir():
            _copy(child, target / child.name)
    elif node.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(node.read_bytes())


def sample_dir() -> Path:
    """The bundled sample city (regenerate it with `kcplanner sample kcplanner/resources/sample`)."""
    return _real("sample")


def sample_plan() -> Path:
    return sample_dir() / "plan.xlsx"


def sample_city_dir() -> Path:
    """The sample city's fixed facts (JSON) that the generator draws around."""
    return _real("sample_city")


def mappings_dir() -> Path:
    """The shipped import mappings for other cities' budget exports."""
    return _real("mappings")


def shipped_mappings() -> list[Path]:
    return sorted(mappings_dir().glob("*.json"))


def icon_path() -> Path:
    """The app's icon (SVG; the bundle's .ico/.icns are made from it by packaging/)."""
    return _real("icons") / "kcplanner.svg"


__all__ = ["sample_dir", "sample_plan", "sample_city_dir", "mappings_dir", "shipped_mappings", "icon_path"]
