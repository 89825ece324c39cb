"""`kcplanner review … --pdf REPORT.pdf`: the command line with the report's PDF writer registered.

kcplanner never imports Qt, so kcplanner.cli_review cannot draw the PDF itself: ui/launch.py sends
a `review` command that asks for `--pdf` here, which registers ui.review.report_pdf's writer with
kcplanner.cli_review and runs the ordinary command line (the same options, exit codes and
messages; the QGuiApplication the drawing needs is created offscreen-capable on demand).
"""

from __future__ import annotations

import os


def main(argv: list[str]) -> int:
    # A PDF drawn for the command line never shows a window: without this, a machine with no display
    # (a server, a scheduled job, CI) aborts in Qt's platform plugin before a line is drawn.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from kcplanner import cli_review
    from kcplanner.cli import main as cli_main

    from .report_pdf import write_report_pdf

    cli_review.register_pdf_writer(write_report_pdf)
    return cli_main(argv)


__all__ = ["main"]
