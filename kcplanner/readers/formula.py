"""Simple formulas of cells saved without a result (openpyxl writes `<f>1+2</f>` and no value).

Excel stores each formula's last result beside it; a file written by a script (openpyxl) and
never opened in Excel has none, and calamine reads such a cell as blank.  The readers compute the
simple ones here and report the others (never a silent blank):

- numbers (`12`, `1.5`, `2E3`, `5%`), `+ - * /`, unary minus and plus, parentheses;
- references to cells of the same sheet (`B2`, `$B$2`), whose values are numbers, blanks (0) or
  formulas of this kind themselves;
- `SUM(...)` of numbers, references and ranges (`SUM(B2:B9)`), blanks and text counted as 0 as Excel does.

Anything else (other functions, other sheets, text, comparisons) raises `FormulaError`.  No
`eval`: a small recursive-descent parser, with limits on length, depth and cells summed.
"""

from __future__ import annotations

import math
import re
from typing import Callable

MAX_FORMULA_CHARS = 2000
MAX_DEPTH = 50  # nesting of parentheses, and chains of formula cells referring to formula cells
MAX_RANGE_CELLS = 1_000_000

_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
                    r"|(?P<ref>\$?[A-Za-z]{1,3}\$?\d{1,7}(?::\$?[A-Za-z]{1,3}\$?\d{1,7})?)(?![A-Za-z0-9_(!])"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)(?=\s*\()"
                    r"|(?P<op>[-+*/(),%]))")


class FormulaError(Exception):
    """A formula the readers do not compute; the message says why (for the user)."""


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def parse_ref(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})", text)
    if not m:
        raise FormulaError(f"cannot read the cell reference {text}")
    return int(m.group(2)) - 1, _col(m.group(1))


_FUNCTION = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*\(")


def tokenize(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    if "!" in text:
        raise FormulaError("it refers to another sheet or workbook")
    for name in _FUNCTION.findall(text):
        if name.upper() != "SUM":
            raise FormulaError(f"the function {name.upper()} is not computed, only SUM")
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            rest = text[pos:].strip()
            if not rest:
                break
            raise FormulaError(f"{rest[:20]!r} is not computed: only numbers, + - * /, parentheses, "
                               "cell references and SUM are")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, tokens, cell_value: Callable[[int, int, int], float], depth: int):
        self.tokens, self.i, self.cell_value, self.depth = tokens, 0, cell_value, depth

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, op):
        kind, value = self.take()
        if kind != "op" or value != op:
            raise FormulaError(f"expected {op!r}")

    def expr(self, nest=0):
        if nest > MAX_DEPTH:
            raise FormulaError("nested too deeply")
        v = self.term(nest)
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            w = self.term(nest)
            v = v + w if op == "+" else v - w
        return v

    def term(self, nest):
        v = self.unary(nest)
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            w = self.unary(nest)
            if op == "*":
                v = v * w
            else:
                if w == 0:
                    raise FormulaError("it divides by zero (#DIV/0!)")
                v = v / w
        return v

    def unary(self, nest):
        if self.peek() in (("op", "-"), ("op", "+")):
            sign = -1.0 if self.take()[1] == "-" else 1.0
            return sign * self.unary(nest + 1)
        v = self.atom(nest)
        while self.peek() == ("op", "%"):
            self.take()
            v = v / 100.0
        return v

    def atom(self, nest):
        kind, value = self.take()
        if kind == "num":
            return float(value)
        if kind == "ref":
            if ":" in value:
                raise FormulaError(f"a range ({value}) is computed only inside SUM")
            r, c = parse_ref(value)
            return self.cell_value(r, c, self.depth + 1)
        if kind == "name":
            if value.upper() != "SUM":
                raise FormulaError(f"the function {value.upper()} is not computed (only SUM)")
            self.expect("(")
            total = 0.0
            if self.peek() != ("op", ")"):
                while True:
                    total += self.sum_arg(nest)
                    if self.peek() == ("op", ","):
                        self.take()
                        continue
                    break
            self.expect(")")
            return total
        if (kind, value) == ("op", "("):
            v = self.expr(nest + 1)
            self.expect(")")
            return v
        raise FormulaError("it is incomplete" if kind is None else f"unexpected {value!r}")

    def sum_arg(self, nest):
        kind, value = self.peek()
        if kind == "ref" and ":" in value:
            self.take()
            a, b = value.split(":")
            (r0, c0), (r1, c1) = parse_ref(a), parse_ref(b)
            r0, r1 = sorted((r0, r1))
            c0, c1 = sorted((c0, c1))
            if (r1 - r0 + 1) * (c1 - c0 + 1) > MAX_RANGE_CELLS:
                raise FormulaError(f"the range {value} is too large to sum")
            total = 0.0
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    total += self.cell_value(r, c, self.depth + 1, in_sum=True)
            return total
        return self.expr(nest + 1)


def evaluate(text: str, cell_value: Callable[..., float], depth: int = 0) -> float:
    """The value of a formula (without its leading `=`).

    `cell_value(row, col, depth, in_sum=False)` gives a referenced cell's number (0-based row and
    column); it raises `FormulaError` for a cell that holds text outside SUM.
    """
    if len(text) > MAX_FORMULA_CHARS:
        raise FormulaError("it is too long")
    if depth > MAX_DEPTH:
        raise FormulaError("it refers to a chain of formulas too long (or circular)")
    p = _Parser(tokenize(text), cell_value, depth)
    v = p.expr()
    if p.i != len(p.tokens):
        raise FormulaError(f"unexpected {p.tokens[p.i][1]!r}")
    if not math.isfinite(v):
        raise FormulaError("its result is too large")
    return v


MAX_CELL_READS = 5_000_000  # the work one sheet's formulas may take, all told


def compute(formulas: dict[tuple[int, int], str], grid, errors: dict[tuple[int, int], str]
            ) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], str]]:
    """Values of the formula cells saved without a result, and why the others were not computed.

    `grid` is the sheet's 2-D object array (calamine's values); `errors` its error cells.
    Returns ({(row, col): value}, {(row, col): reason}).
    """
    from ..report import a1

    values: dict[tuple[int, int], float] = {}
    failed: dict[tuple[int, int], str] = {}
    reads = [0]
    rows, cols = grid.shape if getattr(grid, "ndim", 0) == 2 else (0, 0)

    def cell_value(r: int, c: int, depth: int, in_sum: bool = False) -> float:
        reads[0] += 1
        if reads[0] > MAX_CELL_READS:
            raise FormulaError("the sheet's formulas are too many to compute")
        key = (r, c)
        if key in errors:
            raise FormulaError(f"it refers to {a1(r, c)}, which holds the error {errors[key]}")
        if key in formulas:
            if key in values:
                return values[key]
            if key in failed:
                raise FormulaError(f"it refers to {a1(r, c)}, a formula that is not computed either")
            return evaluate(formulas[key], cell_value, depth)
        v = grid[r, c] if r < rows and c < cols else ""
        if v is None or (isinstance(v, str) and not v.strip()):
            return 0.0
        if isinstance(v, bool):
            return 0.0 if in_sum else float(v)
        if isinstance(v, (int, float)):
            return float(v)
        if in_sum:
            return 0.0  # SUM skips text, as in Excel
        raise FormulaError(f"it refers to {a1(r, c)}, which holds {str(v)[:30]!r}, not a number")

    for key in sorted(formulas):
        text = formulas[key]
        try:
            if not text or text.startswith("("):
                raise FormulaError("the formula is shared with another cell and has no text of its own")
            values[key] = evaluate(text, cell_value, 0)
        except FormulaError as exc:
            failed[key] = str(exc)
        except (RecursionError, OverflowError, ValueError):
            failed[key] = "it is too complex to compute here"
    return values, failed
