"""The app's start: offer to recover each untitled session a crash left behind (Recover / Discard /
Not Now), then the usual start (the last project, else the last workbooks or the sample).  Apart
from ui/project/untitled.py because it drives the controller, which the untitled session must not
import."""

from __future__ import annotations

from typing import Callable

from .controller import install_project_support, reopen_last_project
from .untitled import discard_untitled, recover_box, recoverable_untitled


def start_app(window, normal_start: Callable[[], None] | None = None) -> None:
    """At start: offer to recover each untitled session left behind (newest first), then the usual
    start (the last project, else the last workbooks or the sample) unless one was recovered."""
    c = install_project_support(window)

    def usual():
        if normal_start is not None:
            normal_start()
        elif not reopen_last_project(window):
            window.open_initial()
    pending = recoverable_untitled()

    def next_one():
        if not pending:
            usual()
            return
        path = pending.pop(0)
        box, roles = recover_box(window, path)

        def answered(button):
            role = roles.get(button, "later")
            if role == "recover":
                c.open_project(path, on_failure=usual)
            elif role == "discard":
                discard_untitled(path)
                next_one()
            else:
                usual()
        c._show_box(box, answered)
    next_one()
