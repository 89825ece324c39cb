"""The command line: `kcplanner validate | run | sample | template`.

`kcplanner` with no arguments opens the desktop app; that dispatch lives in `ui/launch.py`,
since this package never imports Qt.

Exit status (SPEC.md): 0 success, 1 invalid input (the report on stderr), 2 bad usage.
The CLI and the desktop app are two faces over the same kcplanner functions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _add_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--plan", type=Path, help="the five-year plan workbook (optional: without it there are "
                   "no KPIs, growth is zero and funds have no balance, reserve or structural figures)")
    p.add_argument("--budget", type=Path, nargs="+", required=True, metavar="PATH",
                   help="department budget workbooks, or folders of them")
    p.add_argument("--mapping", type=Path, action="append", default=[], metavar="FILE",
                   help="an import mapping (.json) for workbooks in another city's layout (repeatable)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kcplanner",
        description="Budget planning for a city's Office of Management and Budget. "
                    "With no command, opens the desktop app.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check workbooks and print the validation report",
                       description="Read the plan and budget workbooks and print every problem found "
                                   "(file, sheet, cell) and the row accounting. Exit 1 when there are errors.")
    _add_inputs(p)
    p.add_argument("--json", type=Path, metavar="OUT", help="also write the report as JSON")

    p = sub.add_parser("run", help="project the five-year plan under a scenario and write the results file",
                       description="Compute the baseline and a scenario, write SPEC's results JSON and print a summary.")
    _add_inputs(p)
    p.add_argument("--scenario", type=Path, metavar="FILE", help="a scenario file (.json); without it, the baseline")
    p.add_argument("--json", type=Path, required=True, metavar="OUT", help="where to write the results (.json)")

    p = sub.add_parser("export", help="write the scenario workbook (.xlsx) for council",
                       description="Write the scenario workbook: summary, rules, line items, rollups as "
                                   "formulas, KPIs and charts. With --compare, two scenarios side by side; "
                                   "with --write-back, each department's own workbook with the scenario added.")
    _add_inputs(p)
    p.add_argument("--scenario", type=Path, metavar="FILE", help="a scenario (.json, or an exported .xlsx)")
    p.add_argument("--out", type=Path, required=True, metavar="OUT.xlsx",
                   help="the workbook to write (with --write-back: a folder)")
    p.add_argument("--compare", type=Path, metavar="FILE",
                   help="a second scenario: write the comparison of --scenario (A) and this one (B)")
    p.add_argument("--write-back", action="store_true",
                   help="write a copy of every department workbook with the scenario's amounts added")

    p = sub.add_parser("optimize", help="propose the best set of requests to fund under the policies",
                       description="Choose which requests to fund (and optionally a percent change per "
                                   "department within bounds) to maximise the plan score or the KPI gain, "
                                   "keeping every fund above its reserve floor and free of structural "
                                   "deficits; write the proposal as a scenario file.")
    _add_inputs(p)
    p.add_argument("--scenario", type=Path, metavar="FILE", help="the scenario to start from (its rules are kept)")
    p.add_argument("--out", type=Path, required=True, metavar="OUT.json", help="where to write the proposed scenario")
    p.add_argument("--objective", choices=("score", "kpi_gain"), default="score")
    p.add_argument("--must-fund", nargs="+", default=[], metavar="REQUEST_ID")
    p.add_argument("--must-not-fund", nargs="+", default=[], metavar="REQUEST_ID")
    p.add_argument("--department-bounds", nargs="+", default=[], metavar="DEPT=LOW:HIGH",
                   help="let the optimiser change a department by LOW..HIGH percent, e.g. Police=-2:3")
    p.add_argument("--strict", action="store_true",
                   help="treat a policy the starting scenario already breaks as binding (default: no worse)")
    p.add_argument("--time-limit", type=float, default=30.0, metavar="SECONDS")
    p.add_argument("--name", default="Optimized", help="the proposed scenario's name")

    p = sub.add_parser("sample", help="write a realistic sample city",
                       description="Write a deterministic sample city: a plan workbook and one workbook per department.")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    p.add_argument("--lines", type=int, default=20000, metavar="N", help="about how many line items (default 20000)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")

    p = sub.add_parser("template", help="write empty workbooks with every sheet, column and notes")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    return parser


def _read(args):
    """The import result, or None after printing why a mapping file cannot be used."""
    from .readers import MappingError, load_mapping, read_dataset

    try:
        mappings = [load_mapping(path) for path in args.mapping]
    except MappingError as exc:  # names the file
        print(exc, file=sys.stderr)
        return None
    return read_dataset(args.plan, list(args.budget), mappings=mappings or None)


def _load(args) -> "tuple[object | None, int]":
    result = _read(args)
    if result is None:
        return None, EXIT_INVALID
    if result.dataset is None:
        print(result.report.to_text(), file=sys.stderr)
        return None, EXIT_INVALID
    if result.report.warnings:
        print(result.report.to_text(), file=sys.stderr)
    return result.dataset, EXIT_OK


def _missing_inputs(args) -> list[str]:
    paths = ([args.plan] if args.plan else []) + list(args.budget) + list(args.mapping)
    return [str(p) for p in paths if not p.exists()]


def _load_scenario(path: Path | None):
    """The scenario given (a .json file, or an exported scenario workbook), or the empty baseline
    scenario; None after printing why not."""
    from .exports import ExportError, load_any_scenario
    from .scenario import Scenario, ScenarioError

    if path is None:
        return Scenario(name="Baseline")
    try:
        return load_any_scenario(path)
    except ExportError as exc:  # names the file too
        print(exc, file=sys.stderr)
        return None
    except ScenarioError as exc:  # its message names the file and the place in it
        print(exc, file=sys.stderr)
        return None
    except OSError as exc:
        print(f"{path}: {exc.strerror or exc}", file=sys.stderr)
        return None


def cmd_validate(args) -> int:
    result = _read(args)
    if result is None:
        return EXIT_INVALID
    text = result.report.to_text()
    if args.json:
        result.report.save(args.json)
    if result.report.ok:
        print(text)
        return EXIT_OK
    print(text, file=sys.stderr)
    return EXIT_INVALID


def _prepared_and_scenario(args):
    """(Prepared, Scenario) for the inputs and --scenario of `args`, or an exit status after
    printing why not. A scenario whose rules match nothing, or that funds unknown requests, is
    invalid input (exit 1): a batch run must not write figures that silently leave a rule out."""
    from .engine import prepare
    from .scenario import validate_scenario

    dataset, status = _load(args)
    if dataset is None:
        return status
    scenario = _load_scenario(args.scenario)
    if scenario is None:
        return EXIT_INVALID
    prepared = prepare(dataset)
    problems = validate_scenario(scenario, prepared)
    for message in problems:
        print(f"{args.scenario}: {message}", file=sys.stderr)
    return EXIT_INVALID if problems else (prepared, scenario)


def cmd_run(args) -> int:
    from .atomic import OutputError
    from .engine import evaluate, run_summary_text, write_results_json

    loaded = _prepared_and_scenario(args)
    if isinstance(loaded, int):
        return loaded
    results = evaluate(*loaded)
    try:
        write_results_json(results, args.json)
    except OutputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    print(run_summary_text(results))
    return EXIT_OK


def cmd_export(args) -> int:
    from .engine import evaluate
    from .exports import OutputError, export_comparison, export_scenario, write_back

    loaded = _prepared_and_scenario(args)
    if isinstance(loaded, int):
        return loaded
    prepared, scenario = loaded
    dataset = prepared.dataset
    results = evaluate(prepared, scenario)
    try:
        if args.write_back:
            args.out.mkdir(parents=True, exist_ok=True)
            books = sorted({Path(p) for p in dataset.sources if Path(p) != args.plan})
            for book in books:
                target = args.out / f"{book.stem} - {scenario.name}{book.suffix}"
                write_back(book, dataset, results, target)
                print(f"Wrote {target}")
            return EXIT_OK
        if args.compare:
            other = _load_scenario(args.compare)
            if other is None:
                return EXIT_INVALID
            export_comparison(prepared, results, evaluate(prepared, other), args.out)
        else:
            export_scenario(prepared, results, args.out)
    except OutputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    print(f"Wrote {args.out}")
    return EXIT_OK


def _department_bounds(items: list[str]) -> dict[str, tuple[float, float]]:
    bounds = {}
    for item in items:
        name, _, rng = item.rpartition("=")
        low, _, high = rng.partition(":")
        try:
            bounds[name] = (float(low), float(high))
        except ValueError:
            raise SystemExit(f"--department-bounds: expected DEPT=LOW:HIGH (percent), found {item!r}") from None
    return bounds


def cmd_optimize(args) -> int:
    from .optimize import OptimizeOptions, optimize, summary_text
    from .scenario import save_scenario

    loaded = _prepared_and_scenario(args)
    if isinstance(loaded, int):
        return loaded
    prepared, base = loaded
    options = OptimizeOptions(
        objective=args.objective, must_fund=tuple(args.must_fund), must_not_fund=tuple(args.must_not_fund),
        department_bounds=_department_bounds(args.department_bounds),
        baseline_violations="strict" if args.strict else "no_worse", time_limit=args.time_limit)
    result = optimize(prepared, base, options)
    print(summary_text(result))
    if result.status in ("infeasible", "no_solution"):
        return EXIT_INVALID
    save_scenario(result.to_scenario(args.name), args.out)
    print(f"Wrote the proposed scenario to {args.out}")
    return EXIT_OK


def cmd_sample(args) -> int:
    from .sample import write_sample

    if args.lines < 1:
        print("--lines must be a positive number of line items", file=sys.stderr)
        return EXIT_USAGE
    args.out_dir.mkdir(parents=True, exist_ok=True)
    files = write_sample(args.out_dir, lines=args.lines, seed=args.seed)
    print(f"Wrote the plan {files.plan} and {len(files.budgets)} department workbooks to {args.out_dir}")
    return EXIT_OK


def cmd_template(args) -> int:
    from .template import write_template

    args.out_dir.mkdir(parents=True, exist_ok=True)
    for path in write_template(args.out_dir):
        print(f"Wrote {path}")
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "run": cmd_run, "export": cmd_export, "optimize": cmd_optimize,
            "sample": cmd_sample, "template": cmd_template}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command in ("validate", "run", "export", "optimize"):
        missing = _missing_inputs(args)
        if missing:
            print("No such file or folder: " + ", ".join(missing), file=sys.stderr)
            return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
