"""The project's exceptions: every failure to open, create or change a project file is a
`ProjectError` whose message names the file and why (its subclasses say what the app may offer)."""

from __future__ import annotations


class ProjectError(Exception):
    """A project file that cannot be opened, created or changed; the message says which file and why."""


class ProjectInUse(ProjectError):
    """The file says another kcplanner has it open.  `same_computer` False: it may be a session that
    ended without closing on another computer; the app may offer `Project.open(path, take_over=True)`."""

    def __init__(self, message: str, *, user: str, host: str, started: str, same_computer: bool,
                 locked: bool = False) -> None:
        super().__init__(message)
        self.user, self.host, self.started, self.same_computer = user, host, started, same_computer
        self.locked = locked  # a running kcplanner holds the OS write lock: never "open anyway"


class NewerFormatError(ProjectError):
    """The file comes from a newer kcplanner.  `read_only_possible`: `Project.open(path, read_only=True)` works."""

    def __init__(self, message: str, *, format_version: int, read_only_possible: bool) -> None:
        super().__init__(message)
        self.format_version, self.read_only_possible = format_version, read_only_possible
