"""The bundle's console program (`kcplanner`): the command line, or the app with no arguments (as
the installed `kcplanner` command)."""

import sys

from ui.launch import main

if __name__ == "__main__":
    sys.exit(main())
