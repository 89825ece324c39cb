"""The `kcplanner` command: a subcommand goes to the CLI, no arguments opens the desktop app, and a
`.kcplan` file alone opens the app on that project (a double-click where the file type is registered:
packaging/, docs/install.md).  `--smoke-test OUT.xlsx` runs ui/smoke.py (the bundle's own check).

Qt is imported only when the app opens (or `kcplanner review … --pdf` draws the report: routed
through ui/review/report_cli.py), so `kcplanner run …` starts as fast as plain Python.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) == 1 and argv[0].lower().endswith(".kcplan") and not argv[0].startswith("-"):
        from ui.app import run_app

        return run_app(open_file=argv[0])
    if argv[:1] == ["--smoke-test"]:
        from ui.smoke import main as smoke_main

        return smoke_main(argv[1:])
    if argv:
        if argv[0] == "review" and any(a == "--pdf" or a.startswith("--pdf=") for a in argv[1:]):
            # the report's PDF is drawn with Qt, which kcplanner never imports
            from ui.review.report_cli import main as review_pdf_main

            return review_pdf_main(argv)
        from kcplanner.cli import main as cli_main

        return cli_main(argv)
    from ui.app import run_app

    return run_app()


if __name__ == "__main__":
    sys.exit(main())
