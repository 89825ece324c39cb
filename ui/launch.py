"""The `kcplanner` command: a subcommand goes to the CLI, no arguments opens the desktop app.

Qt is imported only when the app opens, so `kcplanner run …` starts as fast as plain Python.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv:
        from kcplanner.cli import main as cli_main

        return cli_main(argv)
    from ui.app import run_app

    return run_app()


if __name__ == "__main__":
    sys.exit(main())
