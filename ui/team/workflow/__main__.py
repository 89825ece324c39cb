"""Run the requests panel on its own: `python -m ui.team.workflow postgresql://login@host/db
[--screenshot out.png]` (the window wires it in by itself; this is for trying it and for screenshots)."""

from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.team.workflow", description=__doc__)
    parser.add_argument("url", help="postgresql://login@host/database (password from ~/.pgpass or PGPASSWORD)")
    parser.add_argument("--screenshot", metavar="PNG", help="save a picture of the panel and quit")
    args = parser.parse_args(argv)

    from PySide6.QtWidgets import QApplication

    from kcplanner.project.postgres import TeamError, TeamProject

    from .panel import TeamRequestsPanel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    try:
        project = TeamProject.open(args.url)
    except TeamError as exc:
        print(exc, file=sys.stderr)
        return 1
    panel = TeamRequestsPanel(project)
    panel.setWindowTitle(f"Requests — {project.location} ({project.user}, {project.role})")
    panel.resize(1100, 700)
    panel.show()
    if args.screenshot:
        app.processEvents()
        panel.grab().save(args.screenshot)
        project.close()
        return 0
    try:
        return app.exec()
    finally:
        project.close()


if __name__ == "__main__":
    sys.exit(main())
