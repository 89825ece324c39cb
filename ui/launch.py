"""The `kcplanner` command: a subcommand goes to the CLI, no arguments opens the desktop app, and a
`.kcplan` file alone opens the app on that project (a double-click where the file type is registered:
packaging/, docs/install.md).  `--smoke-test OUT.xlsx` runs ui/smoke.py (the bundle's own check).

Qt is imported only when the app opens (or `kcplanner review … --pdf` draws the report: routed
through ui/review/report_cli.py), so `kcplanner run …` starts as fast as plain Python.
"""

from __future__ import annotations

import sys


def _import_before_qt() -> None:
    """The plain-Python libraries the window needs at once (numpy, pandas, scipy.sparse through the
    engine, the readers and the project file), imported before PySide6: once PySide6 is imported its
    import hook (shibokensupport's `feature_imported`) reads the source of every Python module imported
    after it (`inspect.getsource`), about 0.1 s of CPU over these ~850 modules (docs/ui.md, "Start-up")."""
    from importlib import import_module

    for name in ("kcplanner.engine", "kcplanner.project", "kcplanner.readers"):
        import_module(name)


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
    _import_before_qt()
    from ui.app import run_app

    return run_app()


if __name__ == "__main__":
    sys.exit(main())
