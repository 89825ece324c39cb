"""`python -m ui.screenshots OUT_DIR`: open the window on the sample offscreen, show each panel
and save PNGs (the start page before the sample loads, overview, allocations, kpis, kpi detail, funds, line items, requests, rules,
compare, review, stories, the Publish dialog, the History tab of a project, the justification
builder, the optimizer, the mapping dialog on Oakland's budget export (when /work/shared/realdata
is there), validation report).

Settings go to a temporary folder, so a developer's own settings are never touched.  Without the
bundled sample (kcplanner/resources/sample), a sample city is generated in a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from .common.waiting import wait_until


STORY = ("# Two more officers on every shift\n\nThe plan funds **12 officers** in FY2027, so that response times "
         "fall below *eight minutes* in every district.\n\n- Overtime falls by a third\n- Two new patrol cars\n\n"
         "{{chart: CHART}}\n\nThe outlook of the fund that pays for it:\n\n{{chart: fund-outlook:Genral Fund}}\n")



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


def _grab_panel(app, w, c, panel, name, out, moved, rid, program) -> None:
    """Show one panel as a person would look at it (a KPI that moves, a request, a filtered line) and save it."""
    w.tabs.setCurrentWidget(panel)
    _settle(app, 8)
    if panel is w.kpis and moved:
        w.kpis.scroll_to(moved[0])
        _settle(app, 4)
    if panel is w.requests and rid is not None:
        w.requests.select_request(rid)
        _settle(app, 8)
    if panel is c.history:
        c.history.refresh(full=True)
        _settle(app, 4)
        rows = c.history.model.rowCount()
        if rows:  # the pane below shows the selected change in full
            c.history.view.selectRow(max(0, rows - 2))
            _settle(app, 4)
    if panel is w.line_items:
        w.line_items.filter.setText(program)
        w.line_items.apply_filter()
        _settle(app, 4)
    w.grab().save(str(out / f"{name}.png"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m ui.screenshots OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    tmp = Path(tempfile.mkdtemp(prefix="kcplanner-shots-"))
    os.environ.setdefault("KCPLANNER_DATA_DIR", str(tmp / "data"))  # the untitled session's autosave: not the user's

    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp / "settings"))
    from kcplanner.scenario import Rule, Target

    from .app import make_app
    from .mainwindow import MainWindow
    from .workbooks.controller import SAMPLE_DIR

    app = make_app(["kcplanner"])
    sample = SAMPLE_DIR
    if not (sample.is_dir() and any(sample.glob("*.xlsx"))):
        from kcplanner.sample import write_sample

        sample = tmp / "sample"
        write_sample(sample, lines=20000)
    w = MainWindow()
    w.resize(1600, 1000)
    w.show()
    _settle(app)
    w.grab().save(str(out / "start.png"))  # nothing loaded yet: the start page (ui/start/)
    done = []
    w.loadFinished.connect(done.append)
    w.open_paths([str(sample)])
    if not wait_until(app, lambda: done, 120) or not done[0]:
        print("the sample did not load", file=sys.stderr)
        return 1
    s = w.session
    # a project, so that every edit below is in its History
    c = w.project_controller
    opened = []
    c.opened.connect(opened.append)
    c.new_project(tmp / "Sample City budget.kcplan")
    if not wait_until(app, lambda: opened, 60):
        print("the project was not created", file=sys.stderr)
        return 1

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
             ("line-items", w.line_items), ("requests", w.requests), ("rules", w.rules), ("history", c.history)]
    rid = _moving_request(s)
    for name, panel in shots:
        _grab_panel(app, w, c, panel, name, out, moved, rid, p1)
    # the same panels at the two screens analysts have (a laptop's 1280×720, a 1920×1080 monitor)
    for width, height in ((1280, 720), (1920, 1080)):
        folder = out / f"{width}x{height}"
        folder.mkdir(exist_ok=True)
        w.resize(width, height)
        for name, panel in shots + [("compare", w.compare), ("review", w.review)]:
            _grab_panel(app, w, c, panel, name, folder, moved, rid, p1)
    w.resize(1600, 1000)
    w.tabs.setCurrentWidget(w.compare)
    w.compare.set_pair(0, 1)
    _settle(app, 8)
    w.grab().save(str(out / "compare.png"))

    # the quarterly review: Police (running hot in the sample) selected, its burn-up beside the table
    w.tabs.setCurrentWidget(w.review)
    _settle(app, 8)
    rv = w.review
    rows = [rv.summary_proxy.index(i, 0).data() for i in range(rv.summary_proxy.rowCount())]
    if "Police" in rows:
        rv.summary_table.selectRow(rows.index("Police"))
    rv.details.setCurrentIndex(0)
    _settle(app, 8)
    w.grab().save(str(out / "review.png"))

    # the evidence for the drivers (estimated on the thread pool when the tab is first shown), and the KPI review
    w.tabs.setCurrentWidget(w.evidence)
    if wait_until(app, lambda: w.evidence.ev is not None and not w.evidence.busy) and "PS-03" in w.evidence.ev.kpis.index:
        w.evidence.show_kpi("PS-03")
    _settle(app, 8)
    w.grab().save(str(out / "evidence-kpi.png"))
    w.evidence.pages.setCurrentWidget(w.evidence.review)
    _settle(app, 8)
    w.grab().save(str(out / "evidence-review.png"))
    w.evidence.pages.setCurrentWidget(w.evidence.by_kpi)

    # the Stories tab: a story naming a chart (and a misspelt one: the warning), then File > Publish…
    w.tabs.setCurrentWidget(w.stories)
    w.stories.add("Safer streets")
    dept = next((n for n, _t in w.stories.catalogue.charts if n.startswith("department-spending:")), "city-spending")
    w.stories.editor.text.setPlainText(STORY.replace("CHART", dept))
    _settle(app, 12)
    w.grab().save(str(out / "stories.png"))
    publish = w.publisher.publish_dialog()
    if publish is not None:
        publish.folder_edit.setText(str(tmp / "open-budget-site"))
        _settle(app, 6)
        publish.grab().save(str(out / "publish-dialog.png"))
        publish.reject()

    w.show_kpi(moved[0] if moved else 0)
    _settle(app, 8)
    w.kpi_detail.grab().save(str(out / "kpi-detail.png"))
    w.kpi_detail.close()

    # the justification builder of a request that moves a KPI, on its KPI step
    w.tabs.setCurrentWidget(w.requests)
    if rid is not None:
        w.requests.select_request(rid)
        _settle(app, 4)
        dlg = w.requests.build_justification()
        if dlg is not None:
            dlg.resize(1100, 760)
            dlg.what.setPlainText("Two more crews on the overnight shift, with their vehicles and equipment.")
            dlg.why.setPlainText("Response times in the northern districts have slipped two years running.")
            dlg.steps.setCurrentRow(3)
            if dlg.kpi_rows:
                row = dlg.kpi_rows[0]
                row.expected.setText(f"{dlg.projected(row) * 1.1:.6g}")
                row.words.setText("Noticeably better within two years")
            _settle(app, 8)
            dlg.grab().save(str(out / "justification.png"))
            dlg.reject()

    # the optimizer: fund the best set of requests within the budget
    opt = w.requests.open_optimizer()
    if opt is not None:
        opt.resize(1200, 800)
        finished = []
        opt.runFinished.connect(finished.append)
        opt.run()
        wait_until(app, lambda: finished, 120)
        _settle(app, 8)
        opt.grab().save(str(out / "optimizer.png"))
        opt.close()

    # the mapping dialog on another city's budget export
    oakland = Path("/work/shared/realdata/oakland/BudgetData for Public Adopted FY2016-17 Midcycle.xlsx")
    if oakland.exists():
        from .mapping.dialog import MappingDialog

        md = MappingDialog(oakland, None, w)
        md.resize(1300, 820)
        md.show()
        _settle(app, 10)
        time.sleep(0.3)
        _settle(app, 10)
        md.grab().save(str(out / "mapping.png"))
        md.close()

    bad = write_bad_workbook(tmp)
    c.confirm_unsaved = lambda: "save"  # opening workbooks closes the project: no question here
    done.clear()
    w.open_paths([str(bad)])
    wait_until(app, lambda: done, 60)
    _settle(app, 8)
    if w.report_dialog is not None:
        w.report_dialog.grab().save(str(out / "validation-report.png"))
        w.report_dialog.close()
    for p in sorted(out.glob("*.png")):
        print(p)
    c.shutdown()
    w.close()
    return 0


def _moving_request(session):
    """A request of the sample that moves some KPI and costs something (else the first one)."""
    from kcplanner.requests import request_effect

    P = session.prepared
    for rid in P.request_ids:
        e = request_effect(P, session.scenario, rid)
        if e.moved_kpis() and e.total_cost > 0:
            return rid
    return P.request_ids[0] if len(P.request_ids) else None


if __name__ == "__main__":
    sys.exit(main())
