"""The bundle's windowed program (`kcplanner-gui`): the desktop app; a `.kcplan` given opens it
(a double-click where the file type is registered); `--smoke-test OUT.xlsx` is the bundle's check."""

import sys

from ui.launch import main

if __name__ == "__main__":
    argv = sys.argv[1:]
    # the windowed program is the app: no subcommands (it has no console to print to on Windows)
    if argv[:1] != ["--smoke-test"] and not (len(argv) == 1 and argv[0].lower().endswith(".kcplan")):
        argv = []
    sys.exit(main(argv))
