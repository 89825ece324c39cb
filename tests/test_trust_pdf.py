"""Issue 11, the justification PDF: tables laid out for the page (columns as wide as their words,
wrapped at word boundaries, landscape where needed, header rows repeated), the justification text
printed once, a KPI chart per request whose points are the engine's figures, a PDF for one request,
and the file written atomically (also from the builder's "PDF for this request" button).

The PDF's text is read back with the pure-Python extractor of tests/test_justification_pdf.py
(no poppler needed); layout properties are checked on the layout model."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import pytest

pytest.importorskip("PySide6.QtGui")

from kcplanner.engine import prepare  # noqa: E402
from kcplanner.justification import (JustificationNarrative, justification_data, narrative_paragraphs,  # noqa: E402
                                     request_justification_data)
from kcplanner.requests import get_request, request_effect  # noqa: E402
from kcplanner.scenario import EMPTY_SCENARIO, Scenario  # noqa: E402
from tests.test_justification_pdf import pdf_text  # noqa: E402
from tests.trust_pdf_data import LONG_TITLE, WORDS, hard_city  # noqa: E402

PAD = 6.0   # both cell paddings (ui.requests.pdf_layout.PAD_X twice)


@pytest.fixture(scope="module")
def city():
    ds = hard_city(40)
    return ds, prepare(ds)


@pytest.fixture(scope="module")
def police(city):
    ds, P = city
    return justification_data(ds, P, EMPTY_SCENARIO, "Police")


def metrics(size: float, bold: bool = False):
    """Qt's own measure of a table font at 72 dpi, independent of the layout code."""
    from PySide6.QtGui import QFont, QFontMetricsF, QImage

    f = QFont()
    f.setFamilies(["Helvetica", "Arial", "Liberation Sans", "DejaVu Sans"])
    f.setPointSizeF(size)
    f.setBold(bold)
    f.setKerning(False)
    img = QImage(4, 4, QImage.Format.Format_ARGB32)
    img.setDotsPerMeterX(round(72 / 0.0254))
    img.setDotsPerMeterY(round(72 / 0.0254))
    return QFontMetricsF(f, img)


def pages_in(raw: bytes) -> list[tuple[float, float]]:
    """(width, height) of each page of a Qt-written PDF, in order."""
    return [(float(w), float(h)) for w, h in
            re.findall(rb"/Type /Page\b(?!s).*?/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", raw, re.S)]


def assert_columns_fit_their_words(flow):
    from ui.requests.pdf_layout import MIN_TEXT_COL, WORD_CAP, Flow

    assert flow.tables
    for rec in flow.tables:
        assert rec.widths.fits, rec.name
        fm, fmb = metrics(rec.widths.size), metrics(rec.widths.size, True)
        line = Flow.line_width(rec.orientation)
        widths = rec.widths.widths
        assert sum(widths) <= line + 0.01, rec.name
        for c, col in enumerate(rec.spec.columns):
            cells = [(str(row[c]), fmb if r in rec.spec.bold_rows else fm) for r, row in enumerate(rec.spec.rows)]
            head = max((fmb.horizontalAdvance(w) for w in col.header.split()), default=0.0)
            assert widths[c] + 1e-6 >= head + PAD, (rec.name, col.header)
            full = max((m.horizontalAdvance(t) for t, m in cells), default=0.0)
            if col.wrap:    # its longest word (up to WORD_CAP), and at least MIN_TEXT_COL (or all its text)
                longest = max((m.horizontalAdvance(w) for t, m in cells for w in t.split()), default=0.0)
                need = max(min(longest, WORD_CAP), min(full, MIN_TEXT_COL))
            else:           # numbers never wrap: the widest figure fits on one line
                need = full
            assert widths[c] + 1e-6 >= need + PAD, (rec.name, col.header, widths[c], need)


def assert_text_stays_in_its_box(flow):
    from ui.requests.pdf_layout import MARGIN, Text

    for page in flow.pages:
        for it in page.items:
            if isinstance(it, Text):
                w = flow.fonts.metrics(it.font).horizontalAdvance(it.text)
                assert w <= it.w + 0.05, (it.text, w, it.w)
                assert MARGIN - 0.01 <= it.x and it.x + it.w <= page.width - MARGIN + 0.01, it.text
                assert it.y + it.h <= page.height - MARGIN + 0.01, it.text


# ---------------------------------------------------------------------------------------------
def test_wrap_breaks_at_spaces_and_only_breaks_words_wider_than_the_line(qapp):
    from ui.requests.pdf_layout import Fonts, wrap

    fonts = Fonts()
    fm = metrics(8)
    w = max(fm.horizontalAdvance("alpha beta"), fm.horizontalAdvance("gamma delta")) + 0.5
    assert fm.horizontalAdvance("alpha beta gamma") > w
    assert wrap("alpha beta gamma delta", w, fonts, "table8") == ["alpha beta", "gamma delta"]
    assert wrap("one\ntwo three", 1000, fonts, "table8") == ["one", "two three"]
    pieces = wrap(LONG_TITLE, 100, fonts, "table8")
    assert "".join(pieces) == LONG_TITLE and len(pieces) > 5
    assert all(metrics(8).horizontalAdvance(p) <= 100.01 for p in pieces)


def test_column_widths_shrink_the_widest_text_column_and_keep_numbers_whole(qapp):
    from ui.requests.pdf_layout import Column, Fonts, TableSpec, column_widths

    fonts = Fonts()
    long_text = "a fairly long description of what the request buys for the department and why"
    spec = TableSpec("t", [Column("ID", "left", False), Column("Description"), Column("Fund"),
                           Column("FY2027", "right", False)],
                     [["REQ-1", long_text, "General Fund", "$1,234,567"]])
    fm, fmb = metrics(8), metrics(8, True)
    natural = [max(fm.horizontalAdvance(t), fmb.horizontalAdvance(h)) + PAD
               for t, h in zip(spec.rows[0], ["ID", "Description", "Fund", "FY2027"])]
    roomy = column_widths(spec, fonts, sum(natural) + 50)
    assert roomy.widths == pytest.approx(natural, abs=0.01)          # natural widths when they fit
    tight = sum(natural) - 150
    w = column_widths(spec, fonts, tight)
    assert sum(w.widths) == pytest.approx(tight, abs=0.01)
    assert w.widths[0] == pytest.approx(natural[0], abs=0.01)          # numbers and IDs keep theirs
    assert w.widths[3] == pytest.approx(natural[3], abs=0.01)
    assert w.widths[2] == pytest.approx(natural[2], abs=0.01)          # the narrow text column too
    assert w.widths[1] == pytest.approx(natural[1] - 150, abs=0.01)    # the widest text column shrank


def test_department_pdf_tables_fit_their_words_and_the_page(qapp, police):
    from ui.requests.pdf import layout_justification

    flow = layout_justification(police)
    assert_columns_fit_their_words(flow)
    assert_text_stays_in_its_box(flow)
    summary = next(t for t in flow.tables if t.name == "summary")
    assert summary.orientation == "landscape"
    # every title is wrapped at its spaces (never letter by letter) and drawn line by line; the
    # 200-character title without a space is broken between characters, nothing lost
    from ui.requests.pdf_layout import Text, wrap

    title_col = [c.header for c in summary.spec.columns].index("Title")
    width = summary.widths.widths[title_col]
    assert width >= 60
    drawn = Counter(it.text for page in flow.pages[:len(summary.pages)] for it in page.items if isinstance(it, Text))
    for req in police["requests"]:
        title = req["title"]
        lines = wrap(title, width - PAD, flow.fonts, f"table{summary.widths.size:g}")
        if " " in title:
            assert " ".join(lines) == " ".join(title.split())
            assert all(set(ln.split()) <= set(title.split()) for ln in lines)
        else:
            assert "".join(lines) == title and len(lines) > 1
        assert all(drawn[ln] >= 1 for ln in lines), title


def test_sample_city_summary_is_readable(qapp, sample_prepared_police):
    """The case of the issue: on the sample city the Title and Fund columns were two characters wide."""
    from ui.requests.pdf import layout_justification

    data = sample_prepared_police
    flow = layout_justification(data)
    assert_columns_fit_their_words(flow)
    assert_text_stays_in_its_box(flow)
    summary = next(t for t in flow.tables if t.name == "summary")
    heads = [c.header for c in summary.spec.columns]
    fm = metrics(summary.widths.size)
    for name, key in (("Title", "title"), ("Fund", "fund")):
        longest = max(fm.horizontalAdvance(w) for r in data["requests"] for w in r[key].split())
        assert summary.widths.widths[heads.index(name)] >= longest + PAD
    assert summary.widths.widths[heads.index("Title")] >= 100


def test_justification_text_is_printed_once(qapp, city, police, tmp_path):
    from ui.requests.pdf import write_justification_pdf

    ds, P = city
    one = request_justification_data(ds, P, EMPTY_SCENARIO, "REQ-03")
    out = tmp_path / "req03.pdf"
    write_justification_pdf(one, out)
    counts = Counter(pdf_text(out.read_bytes()).split())
    assert all(counts[w] == 1 for w in WORDS), [w for w in WORDS if counts[w] != 1][:5]
    # a narrative saved from the form (whitespace trimmed, the same words) still prints it once
    saved = JustificationNarrative(what="Ten more detectives", why="  " + " ".join(WORDS[:2500]) + "\n"
                                   + " ".join(WORDS[2500:]) + "  ")
    again = request_justification_data(ds, P, EMPTY_SCENARIO, "REQ-03", saved)
    assert [label for label, _ in narrative_paragraphs(again["requests"][0])] == ["What", "Why"]
    write_justification_pdf(again, out)
    counts = Counter(pdf_text(out.read_bytes()).split())
    assert all(counts[w] == 1 for w in WORDS)
    # a Why of its own: the request's Justification is printed too, after it, once
    own = request_justification_data(ds, P, EMPTY_SCENARIO, "REQ-03", JustificationNarrative(why="Caseloads doubled"))
    assert [label for label, _ in narrative_paragraphs(own["requests"][0])] == ["Why", "Justification"]
    write_justification_pdf(own, out)
    counts = Counter(pdf_text(out.read_bytes()).split())
    assert all(counts[w] == 1 for w in WORDS) and counts["doubled"] == 1


def test_a_one_request_pdf_holds_only_that_request(qapp, city, tmp_path):
    from ui.requests.pdf import money, write_justification_pdf

    ds, P = city
    base = Scenario("Council draft")
    data = request_justification_data(ds, P, base, "req-05")
    assert [r["request_id"] for r in data["requests"]] == ["REQ-05"]
    assert data["totals"]["net_total"] == pytest.approx(float(P.req_costs[P.request_index["req-05"]].sum()))
    out = tmp_path / "one.pdf"
    flow = write_justification_pdf(data, out)
    text = pdf_text(out.read_bytes())
    ids = set(re.findall(r"REQ-\d\d", text))
    assert ids == {"REQ-05"}
    lines = {ln.strip() for ln in text.splitlines()}
    for v in data["requests"][0]["net_costs"]:
        assert money(v) in lines
    assert {t.name for t in flow.tables} == {"REQ-05 details", "REQ-05 costs", "REQ-05 funds", "REQ-05 K2"}
    with pytest.raises(KeyError, match="REQ-99"):
        request_justification_data(ds, P, base, "REQ-99")


def test_page_count_grows_with_the_requests_and_headers_repeat(qapp, tmp_path):
    from ui.requests.pdf import write_justification_pdf

    pages = {}
    for n in (10, 20, 40):
        ds = hard_city(n)
        P = prepare(ds)
        data = justification_data(ds, P, EMPTY_SCENARIO, "Police")
        out = tmp_path / f"p{n}.pdf"
        flow = write_justification_pdf(data, out)
        raw = out.read_bytes()
        sizes = pages_in(raw)
        assert len(sizes) == len(flow.pages)
        summary = next(t for t in flow.tables if t.name == "summary")
        assert sizes[0] == (792.0, 612.0)                              # the summary in landscape
        assert all(s == (612.0, 792.0) for s in sizes[len(summary.pages):])   # requests in portrait
        assert summary.header_rows_drawn == len(summary.pages)         # the header on each of its pages
        assert summary.pages == list(range(1, len(summary.pages) + 1))
        per_request = Counter(p.section for p in flow.pages if p.section)
        assert set(per_request) == {r["request_id"] for r in data["requests"]}
        # one or two pages a request; the 5,000-word justification takes its own few more
        assert all(1 <= k <= 2 for rid, k in per_request.items() if rid != "REQ-03")
        assert 5 <= per_request["REQ-03"] <= 12
        pages[n] = len(flow.pages)
    assert pages[10] < pages[20] < pages[40]
    per = (pages[40] - pages[20]) / 20
    assert 1 <= per <= 2.5 and abs((pages[20] - pages[10]) / 10 - per) <= 0.6


def test_each_kpi_has_a_chart_of_the_engines_paths(qapp, city, police):
    from ui.requests.pdf import layout_justification
    from ui.requests.pdf_chart import chart_geometry

    ds, P = city
    flow = layout_justification(police)
    charts = {(c.request_id, c.kpi["kpi_id"]): c for c in flow.charts}
    assert len(charts) == sum(len(r["kpis"]) for r in police["requests"]) == len(flow.charts)
    for req in police["requests"]:
        eff = request_effect(P, EMPTY_SCENARIO, req["request_id"])
        assert req["kpis"], req["request_id"]
        for k in req["kpis"]:
            ch = charts[(req["request_id"], k["kpi_id"])]
            page = next(p for p in flow.pages if ch in p.items)
            assert page.section == req["request_id"]
            g = chart_geometry(ch, flow.fonts)
            i = P.kpi_ids.index(k["kpi_id"])
            px, py, pw, ph = g.plot
            got = {s.key: s for s in g.series}
            for key, engine in (("with", eff.kpi_with[i]), ("without", eff.kpi_without[i]),
                                ("target", eff.kpi_target[i])):
                pts = got[key].points
                assert [q[2] for q in pts] == pytest.approx(list(engine), rel=1e-12)
                for x, y, v in pts:     # the point sits where the axis puts the value
                    assert py - 1e-6 <= y <= py + ph + 1e-6 and px <= x <= px + pw
                    assert y == pytest.approx(py + ph - (v - g.lo) / (g.hi - g.lo) * ph)
            assert g.lo <= min(min(eff.kpi_with[i]), min(eff.kpi_without[i])) < g.hi


def test_writing_is_atomic_and_cancel_leaves_the_old_file(qapp, city, police, tmp_path):
    from kcplanner.atomic import OutputError
    from kcplanner.exports import ExportCancelled
    from ui.requests.pdf import write_justification_pdf

    out = tmp_path / "police.pdf"
    out.write_bytes(b"old")
    with pytest.raises(ExportCancelled):
        write_justification_pdf(police, out, cancelled=lambda: True)
    assert out.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["police.pdf"]
    seen = []
    write_justification_pdf(police, out, progress=lambda f, t: seen.append(f))
    assert out.read_bytes()[:5] == b"%PDF-" and seen[-1] == 1.0 and seen == sorted(seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["police.pdf"]
    with pytest.raises(OutputError, match="does not exist"):
        write_justification_pdf(police, tmp_path / "missing" / "x.pdf")


def test_builder_writes_a_pdf_for_this_request(qtbot, city, tmp_path):
    from ui.requests.builder import JustificationBuilder

    ds, P = city
    base = Scenario("Council draft")
    rec = get_request(ds, "REQ-04")
    dlg = JustificationBuilder(rec, request_effect(P, base, "REQ-04"), None, P, scenario=base)
    qtbot.addWidget(dlg)
    assert dlg.pdf.button.text() == "PDF for this request…" and dlg.pdf.button.isVisibleTo(dlg)
    dlg.what.setPlainText("Two more crews (typed, not saved yet)")
    out = tmp_path / "REQ-04 justification.pdf"
    with qtbot.waitSignal(dlg.pdf.finished, timeout=60_000) as blocker:
        task = dlg.pdf.write(str(out))
        assert task is not None and not dlg.pdf.button.isEnabled()
        assert dlg.pdf.write(str(out)) is None                  # one at a time
    assert blocker.args == [str(out)] and dlg.pdf.button.isEnabled()
    text = pdf_text(out.read_bytes())
    assert set(re.findall(r"REQ-\d\d", text)) == {"REQ-04"}
    assert "Two more crews (typed, not saved yet)" in text and "Council draft" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
    # a read-only target: a message naming it, the file unchanged
    out.chmod(0o444)
    before = hashlib.sha256(out.read_bytes()).hexdigest()
    with qtbot.waitSignal(dlg.pdf.failed, timeout=60_000) as blocker:
        dlg.pdf.write(str(out))
    assert str(out) in blocker.args[0] and "read-only" in blocker.args[0]
    assert hashlib.sha256(out.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_pdf_file_name_is_safe():
    from ui.requests.pdf_action import pdf_file_name

    assert pdf_file_name("REQ-POL-001") == "REQ-POL-001 justification.pdf"
    for bad in ("../../x", "a/b\\c", "x\0y", "..", "C" * 300):
        name = pdf_file_name(bad)
        assert "/" not in name and "\\" not in name and "\0" not in name and not name.startswith(".")
        assert len(name) <= 100


def test_narrative_paragraphs_print_each_text_once():
    req = {"title": "Ten officers", "justification": "Response  times\nslipped.",
           "narrative": {"what": "ten OFFICERS", "why": "Response times slipped.", "alternatives": "",
                         "expected_effects": [{"kpi_id": "K1", "text": "Faster"}]}}
    assert narrative_paragraphs(req) == [("Why", "Response times slipped."), ("Expected effect on K1", "Faster")]
    req["narrative"]["why"] = "Caseloads. Response times slipped. More later."
    assert [p[0] for p in narrative_paragraphs(req)] == ["Why", "Expected effect on K1"]   # held by Why
    req["narrative"]["why"] = "Caseloads doubled."
    assert narrative_paragraphs(req)[-1] == ("Justification", "Response  times\nslipped.")


@pytest.fixture(scope="module")
def sample_prepared_police(tmp_path_factory):
    """The sample city's Police department (kcplanner.sample, 2000 line items)."""
    from kcplanner.readers import read_dataset
    from kcplanner.sample import write_sample

    folder = tmp_path_factory.mktemp("sample")
    files = write_sample(folder, lines=2000)
    result = read_dataset(files.plan, files.departments)
    assert result.dataset is not None, result.report.to_text()
    P = prepare(result.dataset)
    return justification_data(result.dataset, P, EMPTY_SCENARIO, "Police")


def test_a_row_taller_than_a_page_and_absurd_figures_still_lay_out(qapp, city, tmp_path):
    """A 3,000-word title (a summary row taller than a page) continues over pages under a repeated
    header with every word drawn once; KPI values of ±1e308 give a chart inside its box and
    figures in scientific notation (never 300 digits); nothing raises."""
    import copy

    from ui.requests.pdf import money, number, write_justification_pdf
    from ui.requests.pdf_chart import chart_geometry
    from ui.requests.pdf_layout import Text

    ds, P = city
    data = copy.deepcopy(request_justification_data(ds, P, EMPTY_SCENARIO, "REQ-01"))
    data["scope"] = "department"
    words = [f"t{i}" for i in range(3000)]
    data["requests"][0]["title"] = " ".join(words)
    k = data["requests"][0]["kpis"][0]
    k["with"] = [1e308, -1e308, 0.0, None, float("nan")]
    out = tmp_path / "absurd.pdf"
    flow = write_justification_pdf(data, out)
    summary = next(t for t in flow.tables if t.name == "summary")
    assert len(summary.pages) >= 3 and summary.header_rows_drawn == len(summary.pages)
    drawn = Counter(w for page in flow.pages[:len(summary.pages)] for it in page.items if isinstance(it, Text)
                    and it.font.startswith("table") for w in it.text.split())
    assert all(drawn[w] == 1 for w in words)
    assert_text_stays_in_its_box(flow)
    g = chart_geometry(flow.charts[0], flow.fonts)
    px, py, pw, ph = g.plot
    with_pts = next(s for s in g.series if s.key == "with").points
    assert with_pts[3] is None and with_pts[4] is None
    for x, y, v in (q for q in with_pts if q is not None):
        assert py - 1e-6 <= y <= py + ph + 1e-6
    assert number(1e308) == "1.000e+308" and money(-2.5e16) == "-$2.500e+16" and money(1234.4) == "$1,234"
    assert len(pages_in(out.read_bytes())) == len(flow.pages)
