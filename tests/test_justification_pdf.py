"""The justification PDF (ui.requests.pdf, Qt's PDF writer): its text holds the figures.

The PDF's text is read back with a small extractor (Flate streams, ToUnicode CMaps, Tj operators),
so the check needs no PDF library."""

from __future__ import annotations

import re
import unicodedata
import zlib

import pytest

pytest.importorskip("PySide6.QtGui")

from kcplanner.engine import prepare  # noqa: E402
from kcplanner.justification import JustificationNarrative, justification_data  # noqa: E402
from tests.test_optimize import small_city  # noqa: E402


def pdf_text(data: bytes) -> str:
    """The text of a Qt-written PDF, in drawing order (one line per text object)."""
    objs = {}
    for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S):
        body = m.group(2)
        head, stream = body, None
        s = re.search(rb"stream\r?\n", body)
        if s:
            head = body[:s.start()]
            raw = body[s.end():body.rfind(b"endstream")]
            if b"FlateDecode" in head:
                try:
                    raw = zlib.decompressobj().decompress(raw)
                except zlib.error:
                    raw = b""
            stream = raw
        objs[int(m.group(1))] = (head, stream)
    cmaps = {}
    for num, (head, _) in objs.items():
        t = re.search(rb"/ToUnicode (\d+) 0 R", head)
        if t and b"/Font" in head:
            cm = objs.get(int(t.group(1)), (b"", b""))[1] or b""
            table = {}
            for block in re.findall(rb"beginbfchar(.*?)endbfchar", cm, re.S):
                for a, u in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    table[int(a, 16)] = bytes.fromhex(u.decode()).decode("utf-16-be", "replace")
            for block in re.findall(rb"beginbfrange(.*?)endbfrange", cm, re.S):
                for lo, hi, rest in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block):
                    lo, hi = int(lo, 16), int(hi, 16)
                    if rest.startswith(b"["):
                        for k, u in enumerate(re.findall(rb"<([0-9A-Fa-f]+)>", rest)):
                            table[lo + k] = bytes.fromhex(u.decode()).decode("utf-16-be", "replace")
                    else:
                        start = int(rest[1:-1], 16)
                        for k in range(hi - lo + 1):
                            table[lo + k] = chr(start + k)
            cmaps[num] = table
    names = {}
    for head, _ in objs.values():
        for name, num in re.findall(rb"/(F\d+)\s+(\d+) 0 R", head):
            if int(num) in cmaps:
                names[name] = cmaps[int(num)]
    out = []
    for head, stream in objs.values():
        if not stream or b"Tj" not in stream:
            continue
        font: dict = {}
        for tok in re.finditer(rb"/(F\d+) [\d.]+ Tf|<([0-9A-Fa-f]*)> Tj|(ET)", stream):
            if tok.group(1):
                font = names.get(tok.group(1), {})
            elif tok.group(3):
                out.append("\n")
            else:
                h = tok.group(2)
                for i in range(0, len(h), 4):
                    out.append(font.get(int(h[i:i + 4], 16), "?"))
    return unicodedata.normalize("NFKC", "".join(out)).replace("\t", " ")


def test_pdf_holds_the_requests_figures(qapp, tmp_path):
    from ui.requests.pdf import money, number, write_justification_pdf

    ds = small_city(11, cap=0.1)
    P = prepare(ds)
    from kcplanner.scenario import EMPTY_SCENARIO
    data = justification_data(ds, P, EMPTY_SCENARIO, "Police",
                              {"REQ-01": JustificationNarrative(what="Ten officers <b>now</b> & more",
                                                                why="Response times", alternatives="Overtime")})
    out = tmp_path / "police.pdf"
    write_justification_pdf(data, out)
    raw = out.read_bytes()
    assert raw.startswith(b"%PDF-") and raw.rstrip().endswith(b"%%EOF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["police.pdf"]
    text = pdf_text(raw)
    lines = {line.strip() for line in text.splitlines()}
    assert "Police: funding requests" in text
    assert "Ten officers <b>now</b> & more" in text          # plain text, shown as typed (never markup)
    for req in data["requests"]:
        assert req["request_id"] in lines
        for v in req["net_costs"]:
            assert money(v) in lines
        assert money(req["net_total"]) in lines
        for k in req["kpis"]:
            for v in k["with"] + k["without"]:
                assert number(v, 2) in lines
    assert money(data["totals"]["net_total"]) in lines
