"""Who is signed in to the shared project, in the status bar: `jsmith · OMB analyst`,
`pchief · Department manager (Police)`, `council · Viewer (read-only)`; and what the role may
change, for the info bar above the tabs."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

ROLE_WORDS = {"omb_analyst": "OMB analyst", "department_manager": "Department manager", "viewer": "Viewer"}


def role_text(project) -> str:
    """`jsmith · OMB analyst` / `pchief · Department manager (Police, Fire)` / `council · Viewer (read-only)`."""
    role = getattr(project, "role", "")
    words = ROLE_WORDS.get(role, role or "unknown role")
    if role == "department_manager":
        departments = ", ".join(getattr(project, "departments", ()) or ()) or "no department yet"
        words += f" ({departments})"
    elif role == "viewer" or getattr(project, "read_only", False):
        words += " (read-only)"
    return f"{project.user} · {words}"


def role_notice(project) -> str:
    """What this login may change, said once when the project opens ("" for an OMB analyst)."""
    role = getattr(project, "role", "")
    if role == "viewer" or getattr(project, "read_only", False):
        return (f"You are signed in as {project.user}, a viewer: the shared project is read-only "
                "(scenarios, requests and OMB's tables).")
    if role == "department_manager":
        departments = ", ".join(project.departments) or "no department (ask OMB to add you to one)"
        return (f"You are signed in as {project.user}, department manager of {departments}: you change your "
                "department's requests; the scenarios and OMB's tables are read-only to you.")
    return ""


class RoleLabel(QLabel):
    """The status bar's permanent label (hidden with a project file)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setToolTip("Who you are signed in as on the shared project, and what your role lets you change")
        self.setContentsMargins(12, 0, 4, 0)  # apart from the recalculation time beside it
        self.hide()

    def show_project(self, project) -> None:
        if project is None:
            self.clear()
            self.hide()
            return
        self.setText(role_text(project))
        self.setToolTip(role_notice(project) or "An OMB analyst changes everything in the shared project")
        self.show()


__all__ = ["role_text", "role_notice", "RoleLabel", "ROLE_WORDS"]
