"""The command line: `kcplanner validate | run | export | optimize | sample | template | suggest-mapping | review
| estimate | publish | team`.

`kcplanner` with no arguments opens the desktop app; that dispatch lives in `ui/launch.py`,
since this package never imports Qt.

Exit status (SPEC.md): 0 success, 1 invalid input or a file that cannot be written (the
message on stderr), 2 bad usage (an option's value, a missing input, a malformed mapping file).
No input ever ends in a traceback: the known failures have their own messages, and `main` turns
anything unexpected into one line (set KCPLANNER_DEBUG=1 for the traceback).
The CLI and the desktop app are two faces over the same kcplanner functions.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from .cli_inputs import (EXIT_INVALID, EXIT_OK, EXIT_USAGE, add_inputs, load_inputs, missing_inputs, read_inputs,
                         resolve_sample, resolve_shipped_mappings)


def _time_limit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0 or value > 86400:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0 and at most 86400, found {text!r}")
    return value


def _bound(text: str) -> tuple[str, tuple[float, float]]:
    """`Police=-2:3` → ("Police", (-2.0, 3.0)); an argparse error for anything else."""
    name, eq, rng = text.rpartition("=")
    low_text, colon, high_text = rng.partition(":")
    try:
        low, high = float(low_text), float(high_text)
    except ValueError:
        low = high = math.nan
    if not eq or not name.strip() or not colon or not (math.isfinite(low) and math.isfinite(high)):
        raise argparse.ArgumentTypeError(f"expected DEPT=LOW:HIGH (percent, e.g. Police=-2:3), found {text!r}")
    if low > high:
        raise argparse.ArgumentTypeError(f"{text!r}: LOW ({low:g}) is above HIGH ({high:g})")
    if low < -100 or high > 10_000:
        raise argparse.ArgumentTypeError(f"{text!r}: expected percents from -100 to 10,000")
    return name.strip(), (low, high)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kcplanner",
        description="Budget planning for a city's Office of Management and Budget. "
                    "With no command, opens the desktop app.")
    from . import __version__
    parser.add_argument("--version", action="version", version=f"kcplanner {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help="check workbooks and print the validation report",
                       description="Read the plan and budget workbooks and print every problem found "
                                   "(file, sheet, cell) and the row accounting. Exit 1 when there are errors.")
    add_inputs(p)
    p.add_argument("--json", type=Path, metavar="OUT", help="also write the report as JSON")

    p = sub.add_parser("run", help="project the five-year plan under a scenario and write the results file",
                       description="Compute the baseline and a scenario, write SPEC's results JSON and print a summary.")
    add_inputs(p)
    p.add_argument("--scenario", type=Path, metavar="FILE", help="a scenario file (.json); without it, the baseline")
    p.add_argument("--json", type=Path, required=True, metavar="OUT", help="where to write the results (.json)")

    p = sub.add_parser("export", help="write the scenario workbook (.xlsx) for council",
                       description="Write the scenario workbook: summary, rules, line items, rollups as "
                                   "formulas, KPIs and charts. With --compare, two scenarios side by side; "
                                   "with --write-back, each department's own workbook with the scenario added.")
    add_inputs(p)
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
    add_inputs(p)
    p.add_argument("--scenario", type=Path, metavar="FILE", help="the scenario to start from (its rules are kept)")
    p.add_argument("--out", type=Path, required=True, metavar="OUT.json", help="where to write the proposed scenario")
    p.add_argument("--objective", choices=("score", "kpi_gain"), default="score")
    p.add_argument("--must-fund", nargs="+", default=[], metavar="REQUEST_ID")
    p.add_argument("--must-not-fund", nargs="+", default=[], metavar="REQUEST_ID")
    p.add_argument("--department-bounds", nargs="+", default=[], metavar="DEPT=LOW:HIGH", type=_bound,
                   help="let the optimiser change a department by LOW..HIGH percent, e.g. Police=-2:3")
    p.add_argument("--strict", action="store_true",
                   help="treat a policy the starting scenario already breaks as binding (default: no worse)")
    p.add_argument("--time-limit", type=_time_limit, default=30.0, metavar="SECONDS")
    p.add_argument("--name", default="Optimized", help="the proposed scenario's name")

    p = sub.add_parser("sample", help="write a realistic sample city",
                       description="Write a deterministic sample city: a plan workbook and one workbook per department, "
                                   "with three prior years of monthly actuals and the year in execution through P06.")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    p.add_argument("--lines", type=int, default=20000, metavar="N", help="about how many line items (default 20000)")
    p.add_argument("--seed", type=int, default=1, metavar="S", help="random seed (default 1)")

    p = sub.add_parser("template", help="write empty workbooks with every sheet, column and notes")
    p.add_argument("out_dir", type=Path, metavar="OUT_DIR")

    from .cli_suggest import add_parser as add_suggest_mapping
    add_suggest_mapping(sub)  # suggest-mapping FILE --out MAPPING.json
    from .cli_review import add_parser as add_review
    add_review(sub)  # review … [--through PERIOD] [--json OUT] [--out XLSX] [--pdf PDF]
    from .cli_estimate import add_parser as add_estimate
    add_estimate(sub)  # estimate … [--pool goal] [--json OUT] [--out XLSX]
    from .cli_publish import add_parser as add_publish
    add_publish(sub)  # publish … [--scenario FILE] [--project FILE.kcplan] --out DIR
    from .cli_team import add_parser as add_team
    add_team(sub)  # team init URL … | team add-user URL LOGIN --role … | team upgrade URL
    return parser


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
    from .atomic import OutputError

    result = read_inputs(args)
    if isinstance(result, int):
        return result
    text = result.report.to_text()
    print(text, file=sys.stdout if result.report.ok else sys.stderr)
    if args.json:
        try:
            result.report.save(args.json)
        except OutputError as exc:  # names the file: a missing folder, a full disk, read-only
            print(f"The report was not saved: {exc}", file=sys.stderr)
            return EXIT_INVALID
    return EXIT_OK if result.report.ok else EXIT_INVALID


def _prepared_and_scenario(args):
    """(Prepared, Scenario) for the inputs and --scenario of `args`, or an exit status after
    printing why not. A scenario whose rules match nothing, or that funds unknown requests, is
    invalid input (exit 1): a batch run must not write figures that silently leave a rule out."""
    from .engine import prepare, validate_scenario

    dataset, status = load_inputs(args)
    if dataset is None:
        return status
    scenario = _load_scenario(args.scenario)
    if scenario is None:
        return EXIT_INVALID
    prepared = prepare(dataset)
    problems = validate_scenario(scenario, prepared)
    if not problems:  # the review's balance change, when the scenario carries it (run, export, optimize)
        from .review.carry import ensure_carry
        ensure_carry(prepared, scenario)
    for message in problems:
        print(f"{args.scenario}: {message}", file=sys.stderr)
    return EXIT_INVALID if problems else (prepared, scenario)


def _evaluate(prepared, scenario, path):
    """The scenario's results, or None after saying which figure its rules take past any budget
    (they would overflow to null in the results)."""
    import numpy as np

    from .engine import evaluate
    from .results_json import runaway_figures
    from .review.carry import ensure_carry

    ensure_carry(prepared, scenario)  # the review's balance change, when the scenario carries it
    with np.errstate(over="ignore", invalid="ignore"):
        results = evaluate(prepared, scenario)
    problem = runaway_figures(results)
    if problem is not None:
        print(f"{path or scenario.name}: {problem}", file=sys.stderr)
        return None
    return results


def cmd_run(args) -> int:
    from .atomic import OutputError
    from .engine import run_summary_text, write_results_json

    loaded = _prepared_and_scenario(args)
    if isinstance(loaded, int):
        return loaded
    results = _evaluate(*loaded, args.scenario)
    if results is None:
        return EXIT_INVALID
    try:
        write_results_json(results, args.json)
    except OutputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    print(run_summary_text(results))
    return EXIT_OK


def cmd_export(args) -> int:
    from .exports import OutputError, export_comparison, export_scenario

    loaded = _prepared_and_scenario(args)
    if isinstance(loaded, int):
        return loaded
    prepared, scenario = loaded
    dataset = prepared.dataset
    results = _evaluate(prepared, scenario, args.scenario)
    if results is None:
        return EXIT_INVALID
    try:
        if args.write_back:
            return _write_back(args, dataset, results, scenario.name)
        if args.compare:
            other = _load_scenario(args.compare)
            if other is None:
                return EXIT_INVALID
            other_results = _evaluate(prepared, other, args.compare)
            if other_results is None:
                return EXIT_INVALID
            export_comparison(prepared, results, other_results, args.out)
        else:
            export_scenario(prepared, results, args.out)
    except OutputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    print(f"Wrote {args.out}")
    return EXIT_OK


def _write_back(args, dataset, results, name: str) -> int:
    """Every department workbook copied into the folder --out with the scenario added."""
    from .exports import WRITE_BACK_SUFFIXES, write_back, write_back_targets

    books = sorted({Path(p) for p in dataset.sources if Path(p) != args.plan})
    wrong = [b for b in books if b.suffix.lower() not in WRITE_BACK_SUFFIXES]
    if wrong:
        for b in wrong:
            print(f"{b}: write-back needs the department workbook as .xlsx or .xlsm, not "
                  f"{b.suffix or 'a file without extension'}; save it as .xlsx, import that copy and "
                  "write back again", file=sys.stderr)
        print(f"Nothing was written to {args.out}.", file=sys.stderr)
        return EXIT_INVALID
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"{args.out}: cannot create the folder ({exc.strerror or exc})", file=sys.stderr)
        return EXIT_INVALID
    for book, target in write_back_targets(books, args.out, name).items():
        write_back(book, dataset, results, target)
        print(f"Wrote {target}")
    return EXIT_OK


def cmd_optimize(args) -> int:
    from .atomic import OutputError
    from .optimize import OptimizeOptions, optimize, summary_text
    from .scenario import save_scenario

    loaded = _prepared_and_scenario(args)
    if isinstance(loaded, int):
        return loaded
    prepared, base = loaded
    known = set(prepared.request_index)
    unknown = [r for r in (*args.must_fund, *args.must_not_fund) if " ".join(r.split()).casefold() not in known]
    if unknown:
        print(f"--must-fund/--must-not-fund: no request with the ID {', '.join(repr(r) for r in unknown)} in the "
              "budget workbooks' Requests sheets", file=sys.stderr)
        return EXIT_INVALID
    try:
        options = OptimizeOptions(
            objective=args.objective, must_fund=tuple(args.must_fund), must_not_fund=tuple(args.must_not_fund),
            department_bounds=dict(args.department_bounds),
            baseline_violations="strict" if args.strict else "no_worse", time_limit=args.time_limit)
        result = optimize(prepared, base, options)
    except ValueError as exc:  # the options do not fit the data (e.g. a request both locked in and out)
        print(f"optimize: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(summary_text(result))
    if result.status in ("infeasible", "no_solution"):
        return EXIT_INVALID
    try:
        save_scenario(result.to_scenario(args.name), args.out)
    except OutputError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    print(f"Wrote the proposed scenario to {args.out}")
    return EXIT_OK


def _out_folder(path: Path) -> bool:
    """Create the output folder; False after saying why it cannot be one."""
    if path.exists() and not path.is_dir():
        print(f"{path}: is a file; OUT_DIR must be a folder (it is created if missing)", file=sys.stderr)
        return False
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"{path}: cannot create the folder ({exc.strerror or exc})", file=sys.stderr)
        return False
    return True


def cmd_sample(args) -> int:
    from .sample import write_sample

    if args.lines < 1:
        print("--lines must be a positive number of line items", file=sys.stderr)
        return EXIT_USAGE
    if not _out_folder(args.out_dir):
        return EXIT_USAGE
    files = write_sample(args.out_dir, lines=args.lines, seed=args.seed)
    print(f"Wrote the plan {files.plan} and {len(files.budgets)} department workbooks to {args.out_dir}")
    return EXIT_OK


def cmd_template(args) -> int:
    from .template import write_template

    if not _out_folder(args.out_dir):
        return EXIT_USAGE
    for path in write_template(args.out_dir):
        print(f"Wrote {path}")
    return EXIT_OK


COMMANDS = {"validate": cmd_validate, "run": cmd_run, "export": cmd_export, "optimize": cmd_optimize,
            "sample": cmd_sample, "template": cmd_template}


def cmd_suggest_mapping(args) -> int:
    from .cli_suggest import cmd_suggest_mapping as run
    return run(args)


COMMANDS["suggest-mapping"] = cmd_suggest_mapping


def cmd_review(args) -> int:
    from .cli_review import cmd_review as run
    return run(args)


COMMANDS["review"] = cmd_review


def cmd_estimate(args) -> int:
    from .cli_estimate import cmd_estimate as run
    return run(args)


COMMANDS["estimate"] = cmd_estimate


def cmd_publish(args) -> int:
    from .cli_publish import cmd_publish as run
    return run(args)


COMMANDS["publish"] = cmd_publish


def cmd_team(args) -> int:
    from .cli_team import cmd_team as run
    return run(args)


COMMANDS["team"] = cmd_team


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    if args.command in ("validate", "run", "export", "optimize", "review", "estimate", "publish"):
        resolve_shipped_mappings(args)
        problem = resolve_sample(args)
        if problem:
            print(f"kcplanner {args.command}: {problem}", file=sys.stderr)
            return EXIT_USAGE
        missing = missing_inputs(args)
        if missing:
            print("No such file or folder: " + ", ".join(missing), file=sys.stderr)
            return EXIT_USAGE
    return _guarded(COMMANDS[args.command], args)


def _guarded(command, args) -> int:
    """Run a command; a known error becomes its message, anything else one line, never a
    traceback (KCPLANNER_DEBUG=1 prints it)."""
    from .atomic import OutputError
    from .exports import ExportError
    from .jsonfile import JsonFileError
    from .readers import MappingError
    from .scenario import ScenarioError

    try:
        return command(args)
    except KeyboardInterrupt:
        return 130
    except (OutputError, ExportError, ScenarioError, JsonFileError) as exc:  # each names its file
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except MappingError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        print("kcplanner: not enough memory for these inputs", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"kcplanner: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # the last line of defence
        if os.environ.get("KCPLANNER_DEBUG"):
            import traceback
            traceback.print_exc()
        print(f"kcplanner {args.command}: unexpected error ({type(exc).__name__}: {exc}). Nothing more was "
              "written. Please report it with the command you ran; KCPLANNER_DEBUG=1 shows the details.",
              file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
