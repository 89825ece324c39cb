"""Helper for tests/test_trust_project_ui.py: an app session with NO project open makes edits (a
rule, a funded request, a new scenario, a justification), waits until they are autosaved to the
untitled project, prints them as JSON and then waits to be killed.

    python tests/untitled_child.py QSETTINGS_DIR PLAN BUDGET [BUDGET ...]

The untitled project goes to $KCPLANNER_DATA_DIR/untitled (the test points it at tmp_path).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[1])
    from ui.app import make_app
    app = make_app(["child"])
    from kcplanner.engine import prepare
    from kcplanner.justification import JustificationNarrative
    from kcplanner.readers import read_dataset
    from kcplanner.scenario import Rule, Scenario, Target
    from ui.common import settings as st
    from ui.mainwindow import MainWindow

    plan, budgets = sys.argv[2], sys.argv[3:]
    result = read_dataset(plan, budgets)
    w = MainWindow()
    w.show()
    s, c = w.session, w.project_controller
    s.set_data(prepare(result.dataset), result.report, st.Project(plan, tuple(budgets)))
    dept = str(s.dataset.budget.line_items["department"].iloc[0])
    rid = str(s.dataset.budget.requests["request_id"].iloc[0])
    s.edit_scenario(s.scenario.add_rule(Rule("Before the kill", Target(department=dept), "percent", 7.0)), "Add rule")
    s.edit_scenario(s.scenario.with_funded_requests([rid]), "Fund")
    s.set_scenarios(list(s.scenarios) + [Scenario("Second")], 1, "New scenario")
    w.requests_panel.save_narrative(rid, JustificationNarrative("Written before the kill", "Kept"))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        app.processEvents()
        p = c.project
        if p is not None and p.scenarios == list(s.scenarios) and rid in p.narratives():
            break
        time.sleep(0.01)
    else:
        print("timeout", flush=True)
        return
    print(json.dumps({"path": str(p.path), "scenarios": [x.to_dict() for x in s.scenarios], "request": rid,
                      "narrative": p.narratives()[rid]}), flush=True)
    while True:  # killed here
        app.processEvents()
        time.sleep(0.01)


if __name__ == "__main__":
    main()
