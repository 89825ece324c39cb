"""Where the analyst was in a project — the current scenario, the tab and the plan year — kept in the
project file (kcplanner.project.viewstate) and restored when the project is opened again.

The controller calls `store(c)` half a second after a change (scenario selected, tab, year), on
Save and before the project is closed; `restore(c)` after opening.  Names, not positions, are kept
(the scenario's name, the tab's title, the fiscal year), so a renamed or missing one is skipped.
"""

from __future__ import annotations

from kcplanner.project.viewstate import read_view_state, write_view_state

WRITE_DELAY_MS = 500


def current(c) -> dict:
    s, m = c.session, c.main
    state: dict = {}
    if s.loaded:
        state["scenario"] = s.scenario.name
        years = s.plan_years
        if 0 <= s.year < len(years):
            state["year"] = int(years[s.year])
    i = m.tabs.currentIndex()
    if i >= 0:
        state["tab"] = m.tabs.tabText(i).replace("&", "")
    return state


def store(c) -> bool:
    """Write the view state to the open, writable project (no audit row, not an edit)."""
    p = c.project
    if p is None or p.closed or p.read_only or c._suspend or not c.session.loaded or p.path is None:
        return False  # (a shared project keeps no one person's view)
    if c.session.load_serial != c._load_serial:  # other data are on screen now: not this project's view
        return False
    return write_view_state(p, current(c))


def restore(c) -> None:
    """Select the stored scenario, tab and plan year (each only if it still exists)."""
    p = c.project
    if p is None or p.closed or p.path is None:
        return
    state = read_view_state(p)
    if not state:
        return
    s, m = c.session, c.main
    c._suspend += 1
    try:
        name = state.get("scenario")
        names = [x.name for x in s.scenarios]
        if isinstance(name, str) and name in names:
            s.select_scenario(names.index(name))
        year = state.get("year")
        if isinstance(year, int) and year in s.plan_years:
            i = s.plan_years.index(year)
            if hasattr(m, "year") and m.year.count() > i:
                m.year.setCurrentIndex(i)
            s.set_year(i)
        tab = state.get("tab")
        if isinstance(tab, str):
            for i in range(m.tabs.count()):
                if m.tabs.tabText(i).replace("&", "") == tab:
                    m.tabs.setCurrentIndex(i)
                    break
    finally:
        c._suspend -= 1
    c._view_timer.stop()
