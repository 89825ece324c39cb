"""`python main.py` is `kcplanner`: the desktop app with no arguments, the command line with a subcommand."""

import sys

from ui.launch import main

if __name__ == "__main__":
    sys.exit(main())
