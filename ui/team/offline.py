"""Working offline from the window: File > Take Offline Copy… writes a `.kcplan` copy of the shared
project (`take_offline`) that remembers the version of each scenario it started from; on the
laptop the app works on it as on any project file.  File > Bring Back Offline Changes… saves the
copy's scenario changes on the server as new versions (`bring_back`); a scenario changed on the
server meanwhile is asked about one by one in the conflict dialog (ui/team/conflict.py), then the
window shows the server's scenarios and a report says what came back.

Only an OMB analyst has these (scenarios are OMB's); for anyone else, or with no shared project
open, the actions are disabled with a tooltip that says why.
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from kcplanner.project import ProjectError

from ..common import settings as st
from ..project.where import display_name, shared_name
from .busy import busy_dialog, close_busy
from .conflict import resolve_conflict
from .readonly import manager_reason, viewer_reason
from .report import TeamReport

FILTER = "kcplanner project (*.kcplan)"
NO_SHARED = "Open a shared project first (File > Open Shared Project…): an offline copy is taken from one"
MAX_ROUNDS = 20   # a scenario changed again while its conflict was being settled: asked again, this often


def why_not(project) -> str | None:
    """Why the offline actions are off for `project` (None: they are on)."""
    if project is None or project.closed:
        return NO_SHARED
    if project.read_only or getattr(project, "role", "") == "viewer":
        return viewer_reason(project)
    if getattr(project, "role", "") != "omb_analyst":
        return manager_reason(project)
    return None


def default_name(project) -> str:
    """`budget_fy2028 offline 2026-12-02.kcplan`: the database's name and today."""
    base = display_name(project).split(" on ", 1)[0] or "shared project"
    return f"{base} offline {date.today().isoformat()}.kcplan"


def check_same_project(project, path: str) -> None:
    """Refuse a copy taken from another shared project (another database or server): its scenario
    IDs and versions are that project's, and would be matched against this one's."""
    import json
    import sqlite3

    from kcplanner.project.postgres import TeamError
    try:
        with contextlib.closing(sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)) as c:
            row = c.execute("SELECT value FROM meta WHERE key = 'team_base'").fetchone()
        origin = json.loads(row[0]).get("location", "") if row else ""
    except (sqlite3.Error, ValueError, TypeError, AttributeError):
        return   # not readable as an offline copy: bring_back says what it is
    if origin and shared_name(origin) != shared_name(project.location):
        raise TeamError(f"{Path(path).name} is an offline copy of {shared_name(origin)}, not of "
                        f"{shared_name(project.location)} (the shared project open here): nothing was brought back")


def _names(items) -> str:
    return ", ".join(f"'{n}'" for n in items) or "none"


class OfflineActions(QObject):
    """File > Take Offline Copy… and File > Bring Back Offline Changes… (`window.team.offline`)."""

    def __init__(self, team):
        super().__init__(team)
        self.team = team
        self.window = team.window
        self.choose_copy_path = None     # tests: () -> path or None instead of the save dialog
        self.choose_offline_copy = None  # tests: () -> path or None instead of the open dialog
        self.report_box: TeamReport | None = None
        self.last_report = None          # (BroughtBack, [(name, choice)], [error text]) of the last bring back
        self._busy = None
        self.take_action = QAction("Take &Offline Copy…", self.window)
        self.take_action.setObjectName("take_offline_action")
        self.take_action.triggered.connect(lambda _c=False: self.take_copy())
        self.bring_action = QAction("&Bring Back Offline Changes…", self.window)
        self.bring_action.setObjectName("bring_back_action")
        self.bring_action.triggered.connect(lambda _c=False: self.bring_back())
        self._tips = {
            self.take_action: "Write a .kcplan copy of the shared project to work on without the server; it "
                              "remembers the version of each scenario it started from",
            self.bring_action: "Save the scenarios changed in an offline copy on the server as new versions "
                               "(a scenario changed here meanwhile is asked about)",
        }
        team.projects.busyChanged.connect(lambda _b: self.update())
        self.update()

    @property
    def actions(self) -> tuple[QAction, QAction]:
        return self.take_action, self.bring_action

    def update(self) -> None:
        """Enabled for an OMB analyst with a shared project open (and nothing running); else why not."""
        reason = why_not(self.team.project)
        on = reason is None and not self.team.projects.busy and self._busy is None
        for action, tip in self._tips.items():
            action.setEnabled(on)
            action.setToolTip(tip if reason is None else reason)
            action.setStatusTip(tip if reason is None else reason)

    def _start(self, fn, done, title: str, text: str) -> None:
        """`fn()` on the thread pool behind a window-modal busy dialog; `done(result)` on the GUI thread."""
        self.team.flush_drag()
        self._busy = busy_dialog(self.window, title, text)
        self.update()

        def finish(handler, value):
            close_busy(self._busy)
            self._busy = None
            self.update()
            handler(value)
        self.team.projects._run(lambda _task: fn(), lambda v: finish(done, v),
                                lambda e: finish(lambda err: self._failed(title, err), e), text)

    def _failed(self, title: str, error) -> None:
        self.team.refresh_scenarios()
        self.team.projects._failed(f"{title}: not done", error)

    # -- taking a copy -----------------------------------------------------------------------------------
    def take_copy(self, path: str | None = None) -> None:
        p = self.team.project
        if why_not(p) is not None:
            return
        path = path or self._ask_copy_path(p)
        if not path:
            return
        if not path.lower().endswith(".kcplan"):
            path += ".kcplan"
        st.set_value(st.KEY_LAST_DIR, str(Path(path).parent))

        def job():
            from kcplanner.project.postgres import take_offline
            copy = take_offline(p, path)
            try:
                return copy.scenario_names
            finally:
                copy.close()
        self._start(job, lambda names: self._copied(p, path, names), "Take an offline copy",
                    f"Writing the offline copy {Path(path).name}…")

    def _ask_copy_path(self, p) -> str | None:
        if self.choose_copy_path is not None:
            return self.choose_copy_path()
        start = str(Path(st.get_str(st.KEY_LAST_DIR, "") or Path.home()) / default_name(p))
        path, _ = QFileDialog.getSaveFileName(self.window, "Take an offline copy of the shared project", start, FILTER)
        return path or None

    def _copied(self, p, path: str, names: list[str]) -> None:
        self.team.refresh_scenarios()  # the copy read the server's scenarios: the window shows them too
        n = len(names)
        text = (f"The offline copy of {_h(display_name(p))} is saved as<br><b>{_h(str(Path(path).resolve()))}</b>")
        more = [f"It holds the data, the justifications and the {n} scenario{'s' * (n != 1)} as they are on the "
                f"server now ({_names(names)}), and remembers the version of each it started from.",
                "Open it with File > Open Project… (on a laptop too) and change the scenarios there.",
                "Back at the office, open this shared project and use File > Bring Back Offline Changes…: each "
                "scenario changed offline is saved as a new version; one changed here meanwhile is asked about.",
                "Requests and justifications changed in the copy are not brought back (they follow the workflow "
                "here)."]
        self._show_report("Offline copy taken", text, more, "offline_copy_taken")
        self.team._say(f"Offline copy saved: {path}")

    # -- bringing it back --------------------------------------------------------------------------------
    def bring_back(self, path: str | None = None) -> None:
        p = self.team.project
        if why_not(p) is not None:
            return
        path = path or self._ask_offline_copy()
        if not path:
            return
        st.set_value(st.KEY_LAST_DIR, str(Path(path).parent))

        def job():
            from kcplanner.project.postgres import bring_back
            check_same_project(p, path)
            return bring_back(p, path)
        self._start(job, lambda out: self._brought(p, path, out), "Bring back offline changes",
                    f"Bringing back the scenarios of {Path(path).name}…")

    def _ask_offline_copy(self) -> str | None:
        if self.choose_offline_copy is not None:
            return self.choose_offline_copy()
        path, _ = QFileDialog.getOpenFileName(self.window, "Bring back the changes of an offline copy",
                                              st.get_str(st.KEY_LAST_DIR, ""), FILTER)
        return path or None

    def _brought(self, p, path: str, out) -> None:
        if p is not self.team.project or p.closed:
            return
        choices, failures = self._settle(p, list(out.conflicts))
        if choices:   # the copy records the settled conflicts: bringing it back again asks nothing more
            from kcplanner.project.postgres import settle_copy

            server = [name for name, choice in choices if choice != "mine"]   # theirs, or mine saved as a copy
            out.copy_settled = settle_copy(p, path, [name for name, _c in choices], server) and out.copy_settled
        current = self.window.session.scenario.name
        if choices and choices[-1][1].startswith("copy:"):
            current = choices[-1][1][5:]
        self.team._adopt(current)   # the server's scenarios, whatever was chosen
        self.last_report = (out, choices, failures)
        text, more = bring_back_text(path, out, choices, failures)
        self._show_report("Offline changes brought back", text, more, "offline_brought_back")
        self.team._say(f"Brought back {Path(path).name}: " + _plain(text))

    def _settle(self, p, pending: list) -> tuple[list[tuple[str, str]], list[str]]:
        """Each conflict through the conflict dialog, one by one; [(name, "mine"/"theirs"/"copy:<name>")]."""
        from kcplanner.project.postgres import ConflictError, take_theirs

        choices: list[tuple[str, str]] = []
        failures: list[str] = []
        team = self.team
        team._resolving += 1
        team.projects._suspend += 1   # nothing saved from the screen while it shows what the server no longer has
        rounds = 0
        try:
            while pending:
                error = pending.pop(0)
                before = set(p.scenario_names)
                try:
                    choice = resolve_conflict(self.window, p, error)
                    if choice is None:
                        take_theirs(p, error)
                        choice = "theirs"
                except ConflictError as again:   # changed once more while the question was open
                    rounds += 1
                    if rounds <= MAX_ROUNDS:
                        pending.insert(0, again)
                    else:
                        failures.append(f"'{error.name}': {again}")
                    continue
                except ProjectError as exc:
                    failures.append(f"'{error.name}': {exc}")
                    failures.extend(f"'{e.name}': not settled (stopped after the error above)" for e in pending)
                    break
                if choice == "copy":
                    copy = next((n for n in p.scenario_names if n not in before), "")
                    choice = f"copy:{copy}"
                choices.append((error.name, choice))
        finally:
            team._resolving -= 1
            team.projects._suspend -= 1
        return choices, failures

    def _show_report(self, title: str, text: str, more: list[str], name: str) -> None:
        box = TeamReport(self.window, title, text, more, name)
        self.report_box = box
        box.finished.connect(lambda _r: setattr(self, "report_box", None))
        box.open()


def bring_back_text(path: str, out, choices, failures) -> tuple[str, list[str]]:
    """The report's heading (what was saved, created, deleted) and its details (the conflicts)."""
    name = _h(Path(path).name)
    lines = []
    if out.saved:
        lines.append(f"Saved as new versions: {_h(_names(out.saved))}")
    if out.created:
        lines.append(f"Created: {_h(_names(out.created))}")
    if out.deleted:
        lines.append(f"Deleted: {_h(_names(out.deleted))}")
    if not lines and not choices and not failures:
        lines.append("Nothing to bring back: every scenario of the copy is as on the server")
    text = f"From the offline copy <b>{name}</b>:<br>" + "<br>".join(lines) if lines else \
        f"From the offline copy <b>{name}</b>:"
    said = {"mine": "you kept the copy's version (the server's is in the History)",
            "theirs": "you took the server's version (the copy's is in the History)"}
    details = []
    for scenario, choice in choices:
        how = said.get(choice) or f"the copy's version was saved as '{choice[5:]}'"
        details.append(f"'{scenario}' had changed on the server meanwhile: {how}.")
    details += [f"Not settled: {f}" for f in failures]
    if out.unchanged:
        details.append(f"Unchanged: {_names(out.unchanged)}.")
    if getattr(out, "copy_settled", True):
        details.append("The window now shows the scenarios as they are on the server. The copy records what came "
                       "back: bringing it back again saves and asks nothing more.")
    else:
        details.append("The window now shows the scenarios as they are on the server. The copy could not record "
                       "what came back (it is open in another window, or read-only): bringing it back again asks "
                       "about the same scenarios.")
    return text, details


def _plain(html: str) -> str:
    return html.replace("<br>", "; ").replace("<b>", "").replace("</b>", "").replace("&amp;", "&") \
        .replace("&lt;", "<").replace("&gt;", ">")


def _h(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["OfflineActions", "why_not", "bring_back_text", "default_name"]
