"""`python -m ui.screenshots OUT_DIR`: open the window on the sample offscreen, show each panel
and save PNGs (overview, allocations, kpis, kpi detail, funds, line items, requests, rules,
compare, validation report).

Settings go to a temporary folder, so a developer's own settings are never touched.  Without the
bundled sample (resources/sample), a sample city is generated in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def _wait(app, cond, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.01)
    return False


def _settle(app, n: int = 5) -> None:
    for _ in range(n):
        app.processEvents()
        time.sleep(0.02)


def write_bad_workbook(folder: Path) -> Path:
    """A budget workbook with an unreadable amount and a missing department (for the report)."""
    import xlsxwriter

    path = folder / "bad-budget.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Line Items")
    rows = [["Fund", "Department", "Program", "Account", "Account class", "Recurring", "FY2026 Adopted",
             "FY2027 Requested"],
            ["General Fund", "Police", "Patrol", "5110 Salaries", "Personnel Services", "Y", 1000, "12O,000"],
            ["General Fund", None, "Patrol", "5120 Overtime", "Personnel Services", "Y", 500, 600],
            ["General Fund", "Police", "Patrol", "5300 Supplies", "Comodities", "Y", "n/a", 100]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)
    wb.close()
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m ui.screenshots OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="kcplanner-shots-"))

    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    from kcplanner.scenario import Rule, Target

    from .app import make_app
    from .mainwindow import SAMPLE_DIR, MainWindow

    app = make_app(["kcplanner"])
    sample = SAMPLE_DIR
    if not (sample.is_dir() and any(sample.glob("*.xlsx"))):
        from kcplanner.sample import write_sample

        sample = tmp / "sample"
        write_sample(sample, lines=20000)
    w = MainWindow()
    w.resize(1600, 1000)
    w.show()
    done = []
    w.loadFinished.connect(done.append)
    w.open_paths([str(sample)])
    if not _wait(app, lambda: done, 120) or not done[0]:
        print("the sample did not load", file=sys.stderr)
        return 1
    s = w.session

    # a scenario worth looking at: cut one program, grow another, fund a request
    w.tabs.setCurrentWidget(w.allocations)
    _settle(app)
    P = s.prepared
    drivers = s.results.kpis.drivers
    driven = list(dict.fromkeys((drivers.departments[j], drivers.programs[j]) for j in range(len(drivers.kpi_ids))
                                if drivers.programs[j] is not None))
    tree = w.allocations
    tree.set_mode("department")
    (d0, p0), (d1, p1) = driven[0], driven[min(3, len(driven) - 1)]
    tree.select_target(Target(department=d0, program=p0))
    tree.set_percent(-12.0)
    tree.select_target(Target(department=d1, program=p1))
    tree.set_percent(15.0)
    s.flush()
    _settle(app)
    w.scenario_list.duplicate()
    scen = s.scenario
    if P.request_ids:
        s.edit_scenario(scen.with_funded_requests(P.request_ids[:3]), "Fund requests")
    tree.select_target(Target(department=d1, program=p1))
    tree.set_percent(25.0)
    s.edit_scenario(s.scenario.add_rule(Rule("Typo department", Target(department="Polce"), "percent", 3)),
                    "A rule with a typo")
    tree.select_target(Target(department=d1, program=p1))
    s.flush()
    _settle(app)

    kd = s.results.kpis.drivers
    moved = [int(kd.kpi_index[j]) for j in range(len(kd.kpi_ids)) if abs(kd.effect[j]).max() > 0]
    shots = [("overview", w.overview), ("allocations", w.allocations), ("kpis", w.kpis), ("funds", w.funds),
             ("line-items", w.line_items), ("requests", w.requests), ("rules", w.rules)]
    for name, panel in shots:
        w.tabs.setCurrentWidget(panel)
        _settle(app, 8)
        if panel is w.kpis and moved:
            w.kpis.scroll_to(moved[0])
            _settle(app, 4)
        if panel is w.line_items:
            w.line_items.filter.setText(p1)
            w.line_items.apply_filter()
            _settle(app, 4)
        w.grab().save(str(out / f"{name}.png"))
    w.tabs.setCurrentWidget(w.compare)
    w.compare.set_pair(0, 1)
    _settle(app, 8)
    w.grab().save(str(out / "compare.png"))

    w.show_kpi(moved[0] if moved else 0)
    _settle(app, 8)
    w.kpi_detail.grab().save(str(out / "kpi-detail.png"))
    w.kpi_detail.close()

    bad = write_bad_workbook(tmp)
    done.clear()
    w.open_paths([str(bad)])
    _wait(app, lambda: done, 60)
    _settle(app, 8)
    if w.report_dialog is not None:
        w.report_dialog.grab().save(str(out / "validation-report.png"))
        w.report_dialog.close()
    for p in sorted(out.glob("*.png")):
        print(p)
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
