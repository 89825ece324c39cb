"""Text for the justification PDF: its fonts, measured at 72 dpi (1 unit = 1 point, the
resolution the PDF is painted at), and words wrapped into lines.

`wrap` breaks at spaces; a word wider than the line is broken between characters (nothing is
lost); a line break in the text starts a new line."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetricsF, QImage

FAMILIES = ["Helvetica", "Arial", "Liberation Sans", "DejaVu Sans"]
#: font key → (point size, bold, italic)
FONT_SPECS = {
    "body": (9.0, False, False), "body_b": (9.0, True, False), "note": (8.0, False, True),
    "label": (9.0, True, False), "h1": (15.0, True, False), "h2": (12.0, True, False),
    "h3": (10.0, True, False), "small": (7.0, False, False),
}


class Fonts:
    """QFonts by key and their metrics at 72 dpi (1 unit = 1 point)."""

    def __init__(self) -> None:
        self._fonts: dict[str, QFont] = {}
        self._metrics: dict[str, QFontMetricsF] = {}
        self._widths: dict[tuple[str, str], float] = {}
        self._device = QImage(4, 4, QImage.Format.Format_ARGB32)
        dpm = round(72 / 0.0254)
        self._device.setDotsPerMeterX(dpm)
        self._device.setDotsPerMeterY(dpm)

    def font(self, key: str) -> QFont:
        f = self._fonts.get(key)
        if f is None:
            size, bold, italic = _spec(key)
            f = QFont()
            f.setFamilies(FAMILIES)
            f.setPointSizeF(size)
            f.setBold(bold)
            f.setItalic(italic)
            f.setKerning(False)  # text is measured word by word: no kerning across the joins
            f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
            self._fonts[key] = f
        return f

    def metrics(self, key: str) -> QFontMetricsF:
        m = self._metrics.get(key)
        if m is None:
            m = self._metrics[key] = QFontMetricsF(self.font(key), self._device)
        return m

    def width(self, key: str, text: str) -> float:
        k = (key, text)
        w = self._widths.get(k)
        if w is None:
            w = self._widths[k] = self.metrics(key).horizontalAdvance(text)
        return w

    def line(self, key: str) -> float:
        return self.metrics(key).lineSpacing()


def _spec(key: str) -> tuple[float, bool, bool]:
    """`table7.5`, `table7.5_b` (bold) or a FONT_SPECS key."""
    if key.startswith("table"):
        size, _, bold = key[5:].partition("_")
        return float(size), bold == "b", False
    return FONT_SPECS[key]


# =============================================================================================
# Words and lines
# =============================================================================================

def _break_word(word: str, width: float, fonts: Fonts, key: str) -> list[str]:
    """A word wider than `width` as pieces that fit (at least one character each)."""
    out = []
    while word:
        if fonts.width(key, word) <= width:
            out.append(word)
            break
        lo, hi = 1, len(word)          # the longest prefix that fits: binary search
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fonts.width(key, word[:mid]) <= width:
                lo = mid
            else:
                hi = mid - 1
        out.append(word[:lo])
        word = word[lo:]
    return out


def wrap(text: str, width: float, fonts: Fonts, key: str) -> list[str]:
    """`text` as lines no wider than `width`, broken at spaces (a line break in the text starts
    a new line; a word wider than the line is broken between characters).  Never empty."""
    width = max(width, 1.0)
    space = fonts.width(key, " ")
    lines: list[str] = []
    for para in str(text).split("\n"):
        cur: list[str] = []
        cur_w = 0.0
        for word in para.split():
            w = fonts.width(key, word)
            if cur and cur_w + space + w <= width + 0.01:
                cur.append(word)
                cur_w += space + w
                continue
            if cur:
                lines.append(" ".join(cur))
            pieces = _break_word(word, width, fonts, key) if w > width else [word]
            lines.extend(pieces[:-1])
            cur, cur_w = [pieces[-1]], fonts.width(key, pieces[-1])
        lines.append(" ".join(cur))
    return lines or [""]


def longest_word(text: str, fonts: Fonts, key: str) -> float:
    return max((fonts.width(key, w) for w in str(text).split()), default=0.0)


__all__ = ["Fonts", "wrap", "longest_word", "FAMILIES", "FONT_SPECS"]
