"""Render the app's icon (kcplanner/resources/icons/kcplanner.svg) into the formats the bundle needs:
kcplanner.png (Linux desktop entry, 256 px), kcplanner.ico (the Windows program) and kcplanner.icns
(the macOS app), written beside this script.  Run again after changing the SVG:

    QT_QPA_PLATFORM=offscreen python packaging/make_icons.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
SIZE = 256


def render(svg: Path, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    return image


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(["make_icons"])  # QSvgRenderer needs one
    sys.path.insert(0, str(HERE.parent))
    from kcplanner.bundled import icon_path

    image = render(icon_path(), SIZE)
    for suffix in ("png", "ico", "icns"):
        target = HERE / f"kcplanner.{suffix}"
        if not image.save(str(target), suffix.upper()):
            print(f"could not write {target} (no Qt image plugin for {suffix})", file=sys.stderr)
            return 1
        print(f"Wrote {target}")
    app.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
