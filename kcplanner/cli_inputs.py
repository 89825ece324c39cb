"""The inputs every data command shares (validate, run, export, optimize, review, estimate, publish):
--plan, --budget, --mapping and --actuals, or --sample (the bundled sample city, for demos, smoke
tests and support), checked and read in one place."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def add_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--plan", type=Path, help="the five-year plan workbook (optional: without it there are "
                   "no KPIs, growth is zero and funds have no balance, reserve or structural figures)")
    p.add_argument("--budget", type=Path, nargs="+", metavar="PATH",
                   help="department budget workbooks, or folders of them (required unless --sample)")
    p.add_argument("--mapping", type=Path, action="append", default=[], metavar="FILE",
                   help="an import mapping (.json) for workbooks in another city's layout (repeatable); "
                        "a shipped one by its name: oakland, boston-operating, boston-revenue, austin-kpis")
    p.add_argument("--actuals", type=Path, nargs="+", default=[], metavar="PATH",
                   help="Actuals and Revenue Actuals workbooks or CSVs (the year in execution), or folders of them")
    p.add_argument("--sample", action="store_true",
                   help="the bundled sample city instead of --plan/--budget/--mapping/--actuals")


def resolve_sample(args) -> str | None:
    """Put the bundled sample city in place of the file arguments when --sample is given; the
    usage error to report (exit 2) when the inputs are given both ways, or not at all."""
    given = [name for name, value in (("--plan", args.plan), ("--budget", args.budget), ("--mapping", args.mapping),
                                      ("--actuals", getattr(args, "actuals", None))) if value]
    if not getattr(args, "sample", False):
        return None if args.budget else "the budget is missing: give --budget PATH [PATH ...], or --sample"
    if given:
        return f"--sample is the bundled sample city: it cannot be combined with {', '.join(given)}"
    from .bundled import sample_dir, sample_plan

    if not sample_plan().is_file():
        return f"the bundled sample city is missing from this installation ({sample_dir()}); reinstall kcplanner"
    args.plan, args.budget = sample_plan(), [sample_dir()]
    return None


def resolve_shipped_mappings(args) -> None:
    """`--mapping oakland` (no such file here): the mapping kcplanner ships under that name."""
    from .bundled import mappings_dir

    def resolve(path: Path) -> Path:
        if path.exists() or path.parent != Path("."):
            return path
        shipped = mappings_dir() / (path.name if path.suffix.lower() == ".json" else f"{path.name}.json")
        return shipped if shipped.is_file() else path
    args.mapping = [resolve(p) for p in args.mapping]


def read_inputs(args):
    """The import result, or an exit status (bad usage) after printing why a mapping file cannot
    be used."""
    from .readers import MappingError, load_mapping, read_dataset

    try:
        mappings = [load_mapping(path) for path in args.mapping]
    except MappingError as exc:  # names the file
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    return read_dataset(args.plan, list(args.budget), mappings=mappings or None,
                        actuals=list(getattr(args, "actuals", None) or []) or None)


def load_inputs(args) -> "tuple[object | None, int]":
    result = read_inputs(args)
    if isinstance(result, int):
        return None, result
    if result.dataset is None:
        print(result.report.to_text(), file=sys.stderr)
        return None, EXIT_INVALID
    if result.report.warnings:
        print(result.report.to_text(), file=sys.stderr)
    return result.dataset, EXIT_OK


def missing_inputs(args) -> list[str]:
    paths = ([args.plan] if args.plan else []) + list(args.budget or []) + list(args.mapping) + \
        list(getattr(args, "actuals", None) or [])
    return [str(p) for p in paths if not p.exists()]
