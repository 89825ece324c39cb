"""`kcplanner suggest-mapping FILE [--table T] [--sheet S] --out MAPPING.json`.

Writes the import mapping the mapping dialog would propose for FILE (the same `suggest_mapping`),
atomically, and prints every amount candidate's total over the whole sheet (running totals and
subtotals marked) and the totals the mapping imports, so a person or a script can check it
before use. Exit 0 written; 1 the file cannot be read or the mapping cannot be written (the
message names the file); 2 bad usage (an unknown --table or --sheet).
"""

from __future__ import annotations

import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
TABLES = ("line_items", "revenue", "kpis", "actuals", "revenue_actuals", "kpi_actuals")


def add_parser(sub) -> None:
    """Register the subcommand on the CLI's subparsers."""
    p = sub.add_parser("suggest-mapping", help="propose an import mapping for a workbook in another city's layout",
                       description="Write the import mapping the mapping dialog would propose for FILE and print "
                                   "each amount candidate's total over the whole sheet (running totals and "
                                   "subtotals are marked and never proposed), then the totals it imports.")
    p.add_argument("file", type=Path, metavar="FILE", help="the workbook or CSV to map")
    p.add_argument("--table", metavar="T", help="what it holds: line_items, revenue or kpis (default: guessed), or "
                                                "actuals, revenue_actuals or kpi_actuals (an ERP's export of the "
                                                "year in execution; never guessed)")
    p.add_argument("--sheet", metavar="S", help="the sheet to map (default: the first with data)")
    p.add_argument("--out", type=Path, required=True, metavar="MAPPING.json", help="where to write the mapping")


def _table(rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [r[c].rjust(widths[c]) if c in right else r[c].ljust(widths[c]) for c in range(len(r))]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def cmd_suggest_mapping(args) -> int:
    from .readers.amount_checks import amount_candidates, money, total_warning
    from .readers.mapping import ACTUAL_TABLES, MappingError
    from .readers.mapping_apply import apply_mapping
    from .readers.mapping_sheet import open_sheet
    from .readers.suggest import suggest_mapping
    from .readers.unreadable import UnreadableFile
    from .report import ValidationReport

    if args.table is not None and args.table not in TABLES:
        print(f"--table: expected one of {', '.join(TABLES)}, found {args.table!r}", file=sys.stderr)
        return EXIT_USAGE
    path: Path = args.file
    if not path.is_file():
        print(f"{path}: {'is a folder, not a workbook' if path.is_dir() else 'no such file'}", file=sys.stderr)
        return EXIT_INVALID
    try:
        sheet, names = open_sheet(path, None)
        if args.sheet is not None and args.sheet not in names:
            print(f"--sheet: {path} has no sheet {args.sheet!r}; its sheets: {', '.join(names)}", file=sys.stderr)
            return EXIT_USAGE
        m = suggest_mapping(path, args.sheet, args.table)
        sheet, _ = open_sheet(path, m.sheet or args.sheet)
        cands = amount_candidates(sheet.grid(), m.header_row or 1)
    except UnreadableFile as exc:  # its message follows the file name ("is empty: …")
        print(f"{path} {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        print(f"{path}: cannot read it: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    except (MemoryError, RecursionError, ValueError) as exc:
        print(f"{path}: cannot suggest a mapping: {exc}", file=sys.stderr)
        return EXIT_INVALID
    chosen = [m.amount] if m.amount else list(m.amounts)
    print(f"Suggested mapping for {path.name}" + (f" (sheet {sheet.name})" if m.sheet else "")
          + f": {m.table}" + (f", split by {m.split.column!r}" if m.split else ""))
    if m.table != "kpis":
        if cands:
            rows = [["", "column", "total (whole sheet)", "numbers", "note"]]
            for c in cands:
                note = "suggested" if c.column in chosen else ("NOT AN AMOUNT: " + c.derived if c.derived else "")
                rows.append(["*" if c.column in chosen else "", c.column, money(c.total), f"{c.count:,}", note])
            print("Amount candidates:")
            print(_table(rows, {2, 3}))
        else:
            print("Amount candidates: none (no numeric column)")
        if not chosen:
            print("No amount column suggested: choose one in the mapping before use.")
    report = ValidationReport()
    if m.table in ACTUAL_TABLES:
        _print_actuals(sheet, m, report, path.name)
        return _finish(m, args, path, report, total_warning(chosen, cands))
    try:
        part = apply_mapping(sheet, m, report, path.name, sheet.name)
    except (MappingError, ValueError) as exc:  # an incomplete suggestion: still written, for the person to finish
        part = None
        report.error(path.name, sheet.name, "", str(exc))
    if part is not None and part.rows is not None:
        c = part.count
        print(f"Rows: {c.read:,} read, {c.imported:,} imported, {c.read - c.imported:,} excluded")
        if m.table != "kpis":
            tot = part.totals()
            if len(tot):
                rows = [["table", "year", "phase", "total (imported)", "lines"]]
                rows += [[r.table, str(r.fiscal_year), r.phase, money(r.total), f"{r.lines:,}"]
                         for r in tot.itertuples()]
                print("Imported totals:")
                print(_table(rows, {1, 3, 4}))
    return _finish(m, args, path, report, total_warning(chosen, cands) if m.table != "kpis" else None)


def _print_actuals(sheet, m, report, file: str) -> None:
    """What an actuals mapping imports: rows, and the total by fiscal year (KPI actuals: values counted)."""
    from .fiscal import FiscalCalendar
    from .readers.actuals import ActualsPart
    from .readers.mapping_actuals import apply_actuals_mapping

    part, kpi_rows = ActualsPart(), []
    apply_actuals_mapping(sheet, m, report, file, sheet.name, FiscalCalendar(), part, kpi_rows)
    if not part.counts:
        return
    c = part.counts[-1]
    print(f"Rows: {c.read:,} read, {c.imported:,} imported, {c.read - c.imported:,} excluded "
          "(periods read with the fiscal year starting in May; the plan's Settings may say otherwise)")
    frames = part.actuals + part.revenue
    if frames:
        from .readers.amount_checks import money

        rows = [["fiscal year", "total (imported)", "rows"]]
        for f in frames:
            for year, g in f.groupby("fiscal_year", sort=True)["amount"]:
                rows.append([f"FY{int(year)}", money(float(g.sum())), f"{len(g):,}"])
        print("Imported totals:")
        print(_table(rows, {1, 2}))


def _finish(m, args, path: Path, report, warning: str | None) -> int:
    """Report an incomplete suggestion, warn about the totals, write the mapping."""
    from .atomic import OutputError
    from .readers.mapping import MappingError, save_mapping

    if report.errors:
        print(f"{path}: the suggestion is not complete: {report.errors[0].message} (written anyway: finish it, "
              "e.g. in the app's mapping dialog, before use)", file=sys.stderr)
    if warning:
        print("WARNING: " + warning)
    try:
        save_mapping(m, args.out)
    except (OutputError, MappingError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        print(f"{args.out}: cannot write it: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"Wrote {args.out}")
    return EXIT_OK

