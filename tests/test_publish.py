"""The open budget site without a browser (issue 15): its open data equal the engine's figures, its
pages parse as HTML with headings in order and labelled controls, nothing points at another host,
the folder is written atomically and only ever replaces a site kcplanner wrote."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.publish_data import STORY, evaluate, sample_dataset, sample_scenario, scenario_for, small_dataset

LINE_COLUMNS = ["year", "goal", "department", "program", "fund_name", "expenditure_type", "description",
                "proposed", "adopted"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from kcplanner.publish import publish_site

    folder = tmp_path_factory.mktemp("small")
    dataset = small_dataset(folder)
    scenario = scenario_for(dataset)
    report = publish_site(dataset, scenario, folder / "site", stories=[STORY])
    return dataset, scenario, folder / "site", report


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from kcplanner.publish import publish_site

    folder = tmp_path_factory.mktemp("sample")
    dataset = sample_dataset(folder / "city")
    scenario = sample_scenario(dataset)
    report = publish_site(dataset, scenario, folder / "site", stories=[STORY])
    return dataset, scenario, folder / "site", report


# -- the Goal column of the line items (readers) ---------------------------------------------------------

def test_the_budget_reader_keeps_the_optional_goal_column(small):
    li = small[0].budget.line_items
    assert [None if pd.isna(g) else g for g in li["goal"]] == ["G2", None, "safe STREETS", None]


def test_an_unknown_goal_is_an_error_naming_its_cell(tmp_path):
    from kcplanner.readers import read_dataset
    from tests.publish_data import small_books
    from tests.conftest import BUDGET_SHEETS, write_xlsx
    import copy

    plan, _ = small_books(tmp_path)
    budget = copy.deepcopy(BUDGET_SHEETS)
    li = budget["Line Items"]
    li[2] = li[2] + ["Council goal"]
    li[3] += ["G7"]
    write_xlsx(tmp_path / "b.xlsx", budget)
    result = read_dataset(plan, [tmp_path / "b.xlsx"])
    assert result.dataset is None
    assert any(e.cell == "J4" and "unknown goal 'G7'" in e.message for e in result.report.errors)


def test_without_a_goal_column_the_line_items_have_none(tmp_path, plan_book, budget_book):
    from kcplanner.readers import read_dataset

    dataset = read_dataset(plan_book, [budget_book]).dataset
    assert "goal" not in dataset.budget.line_items.columns


# -- open data ------------------------------------------------------------------------------------------

def test_line_item_csv_is_one_row_a_scenario_line_with_spec_columns(small):
    dataset, scenario, site, _ = small
    csv = pd.read_csv(site / "data" / "line-items.csv", keep_default_na=False)
    assert list(csv.columns) == LINE_COLUMNS
    r = evaluate(dataset, scenario)
    _, lines = r.line_amounts()
    n = len(dataset.budget.line_items)
    assert len(csv) == n + 1  # the funded request R1 is a row of its own
    assert (csv["year"] == 2027).all()
    assert np.allclose(csv["proposed"].to_numpy(dtype=float)[:n], lines[:, 0], atol=0.005)
    assert csv["proposed"].iloc[n] == pytest.approx(200000)  # R1's FY2027 cost, as the workbook gives it
    assert csv["description"].iloc[n] == "Request R1: More officers"
    # Police +5% on Patrol's 5110 Salaries (Requested 120 for 2027): 126
    assert csv["proposed"].iloc[0] == pytest.approx(126.0)
    adopted = pd.to_numeric(csv["adopted"].replace("", np.nan))
    assert adopted.iloc[:n].tolist()[0] == 115 and np.isnan(adopted.iloc[1]) and adopted.iloc[2:n].tolist() == [7, 300]
    assert np.isnan(adopted.iloc[n])  # a request has no adopted amount
    assert list(csv["goal"]) == ["Clean city", "Safe streets", "Safe streets", "Clean city", "Safe streets"]
    assert list(csv["fund_name"].unique()) == ["General Fund"]
    assert list(csv["expenditure_type"].iloc[:n]) == list(dataset.budget.line_items["account_class"].astype(str))
    by_dep = csv.groupby("department")["proposed"].sum()
    for name, row in zip(r.by_department.names, r.by_department.scenario):
        assert by_dep[name] == pytest.approx(row[0], abs=0.01)


def test_sample_csv_totals_equal_the_engine(sample):
    dataset, scenario, site, _ = sample
    r = evaluate(dataset, scenario)
    csv = pd.read_csv(site / "data" / "line-items.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns) == LINE_COLUMNS
    assert len(csv) == len(dataset.budget.line_items) + len(scenario.funded_requests)
    total = r.by_department.scenario[:, 0].sum()
    assert csv["proposed"].sum() == pytest.approx(total, abs=0.005 * len(csv))
    by_prog = csv.groupby(["department", "program"])["proposed"].sum()
    for (d, p), row in zip(r.by_program.names, r.by_program.scenario):
        assert by_prog.get((d, p), 0.0) == pytest.approx(row[0], abs=0.01 * max(1, (csv["program"] == p).sum()))


def test_revenue_and_kpi_csvs(small):
    dataset, scenario, site, _ = small
    r = evaluate(dataset, scenario)
    rev = pd.read_csv(site / "data" / "revenue.csv", keep_default_na=False)
    assert list(rev.columns) == ["year", "fund_name", "source", "recurring", "proposed", "adopted"]
    assert list(rev["source"]) == r.revenue.sources
    assert np.allclose(rev["proposed"], r.revenue.scenario[:, 0], atol=0.005)
    assert list(rev["recurring"]) == ["Y", "N"]
    kpis = pd.read_csv(site / "data" / "kpis.csv", keep_default_na=False, na_values=[""])
    assert list(kpis.columns) == ["kpi_id", "kpi", "goal", "department", "unit", "direction", "year", "actual",
                                  "target", "projected", "met"]
    k1 = kpis[kpis["kpi_id"] == "K1"].set_index("year")
    assert k1.loc[2027, "target"] == 9 and k1.loc[2028, "target"] == 8.5
    i = r.kpis.ids.index("K1")
    for t, y in enumerate(r.plan_years):
        assert k1.loc[y, "projected"] == pytest.approx(r.kpis.scenario[i, t])
    assert k1.loc[2027, "met"] == ("yes" if r.kpis.met[i, 0] else "no")
    assert k1["goal"].iloc[0] == "Safe streets" and k1["direction"].iloc[0] == "Lower is better"


def test_department_data_files_hold_the_engines_line_amounts(sample):
    dataset, scenario, site, _ = sample
    r = evaluate(dataset, scenario)
    for name, row in zip(r.by_department.names, r.by_department.scenario):
        data = _lines(site, name)
        assert data["n"] == len(data["proposed"]) == len(data["account"])
        assert sum(v or 0 for v in data["proposed"]) == pytest.approx(row[0], abs=0.01 * max(1, data["n"]))


def _lines(site: Path, department: str) -> dict:
    from kcplanner.publish.names import slug

    text = (site / "assets" / "lines" / f"{slug(department)}.js").read_text(encoding="utf-8")
    m = re.fullmatch(r'KC\.addLines\("([a-z0-9-]+)",(.*)\);\s*', text, re.S)
    assert m, text[:200]
    return json.loads(m.group(2))


# -- the pages ------------------------------------------------------------------------------------------

def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_every_page_parses_with_headings_in_order_and_labelled_controls(sample):
    import html5lib

    site = sample[2]
    pages = _pages(site)
    assert {p.relative_to(site).as_posix() for p in pages} >= {
        "index.html", "departments/index.html", "departments/police.html", "goals/index.html",
        "goals/public-safety.html", "stories/index.html", "stories/safer-streets.html", "data.html"}
    for page in pages:
        parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
        doc = parser.parse(page.read_bytes())  # raises on any parse error
        assert doc.get("lang") == "en", page
        assert doc.find("head/title").text.strip(), page
        levels = [int(e.tag[1]) for e in doc.iter() if isinstance(e.tag, str) and re.fullmatch(r"h[1-6]", e.tag)]
        assert levels[0] == 1 and levels.count(1) == 1, page
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (page, levels)
        ids = [e.get("id") for e in doc.iter() if isinstance(e.tag, str) and e.get("id")]
        assert len(ids) == len(set(ids)), page
        labels = {e.get("for") for e in doc.iter("label")}
        for control in [*doc.iter("input"), *doc.iter("select")]:
            assert control.get("id") in labels, (page, control.get("id"))
        first_link = next(doc.iter("a"))
        assert first_link.get("class") == "skip-link" and first_link.get("href") == "#main", page
        assert doc.find(".//main").get("id") == "main"


def test_every_chart_has_a_table_alternative(sample):
    import html5lib

    for page in _pages(sample[2]):
        doc = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
        for fig in doc.iter("figure"):
            canvas = [e for e in fig.iter("div") if "chart-canvas" in (e.get("class") or "")]
            assert len(canvas) == 1 and canvas[0].get("role") == "img" and canvas[0].get("aria-label"), page
            spec = json.loads(canvas[0].get("data-chart"))
            table = fig.find("details/div/table")
            assert table is not None, page
            rows = len(table.findall("tbody/tr"))
            assert rows in {len(spec["x"]), len(spec["x"]) + 1, len(spec["series"]), len(spec["series"]) + 1}, page


def test_no_file_points_at_another_host(sample):
    """No http(s) address anywhere but the story's own links, and the names inside the vendored chart
    library (XML namespace names and licence references, never fetched)."""
    library = {"http://www.apache.org/licenses/LICENSE-2.0", "http://www.w3.org/1999/xlink",
               "http://www.w3.org/2000/svg", "http://www.w3.org/2000/xmlns/", "http://www.w3.org/XML/1998/namespace",
               "https://github.com/ecomfe/zrender/blob/master/LICENSE.txt", "https://www.apache.org/licenses/",
               "http://www.apache.org/licenses/", "https://www.apache.org/"}
    url = re.compile(rb"https?://[^\s\"'<>)]*", re.I)
    site = sample[2]
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        found = {u.decode() for u in url.findall(path.read_bytes())}
        rel = path.relative_to(site).as_posix()
        if rel == "stories/safer-streets.html":
            assert found == {"https://example.org/council", "https://example.org/p.png"}, found
            text = path.read_text(encoding="utf-8")
            assert '<a href="https://example.org/council">' in text
            assert "<img" not in text and "<script>alert" not in text and "&lt;script&gt;" in text
        elif rel.startswith("assets/") and rel.endswith(".txt"):
            continue  # the library's licence texts: plain text, never loaded
        elif rel == "assets/echarts.min.js":
            assert found <= library, (rel, found - library)
        else:
            assert not found, (rel, found)
        if path.suffix == ".html":
            text = path.read_text(encoding="utf-8")
            for ref in re.findall(r'(?:src|href)="([^"#]+)', text):
                if ref.startswith("https://example.org"):
                    continue
                assert not re.match(r"^[a-z]+:", ref), (rel, ref)
                assert (path.parent / ref).resolve().is_file(), (rel, ref)


def test_story_places_its_charts_and_lists_the_rest(small):
    text = (small[2] / "stories" / "safer-streets.html").read_text(encoding="utf-8")
    body = text[text.index("<article"):text.index("</article>")]
    assert body.index("department-spending-police") < body.index("fund-outlook-general") < body.index('id="plan-score"')
    assert body.count('id="department-spending-police"') == 1
    assert "<h2>Why patrol grows</h2>" in body


def test_the_city_and_department_pages_show_the_engines_figures(small):
    from kcplanner.publish.formats import money

    dataset, scenario, site, _ = small
    r = evaluate(dataset, scenario)
    police = (site / "departments" / "police.html").read_text(encoding="utf-8")
    d = r.by_department.names.index("Police")
    assert money(r.by_department.scenario[d, 0]) in police
    for (dep, prog), row in zip(r.by_program.names, r.by_program.scenario):
        if dep == "Police":
            assert f"<th scope=\"row\">{prog}</th>" in police and money(row[0]) in police
    city = (site / "index.html").read_text(encoding="utf-8")
    tree = json.loads(re.search(r'<script type="application/json" id="money-tree">(.*?)</script>', city, re.S).group(1))
    assert tree["value"] == pytest.approx(r.by_department.scenario[:, 0].sum(), abs=0.05)
    goals = {g["name"]: g for g in tree["children"]}
    assert set(goals) == {"Safe streets", "Clean city"}
    progs = [(g["name"], dd["name"], p["name"], p["value"])
             for g in tree["children"] for dd in g["children"] for p in dd["children"]]
    assert sum(v for *_, v in progs) == pytest.approx(r.by_department.scenario[:, 0].sum(), abs=0.05)
    # Patrol is split: its 5110 Salaries line names the Clean city goal, the rest is Safe streets (drivers)
    _, lines = r.line_amounts()
    assert ("Clean city", "Police", "Patrol", pytest.approx(lines[0, 0])) in progs
    assert ("Safe streets", "Police", "Patrol", pytest.approx(lines[1, 0] + 200000)) in progs


# -- writing the folder ---------------------------------------------------------------------------------

def test_a_folder_of_the_users_is_never_replaced(tmp_path, small):
    from kcplanner.publish import PublishError, publish_site

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_text("my work")
    with pytest.raises(PublishError, match="did not write"):
        publish_site(small[0], None, mine)
    assert [p.name for p in mine.iterdir()] == ["thesis.docx"]
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]  # no temporary folder left


def test_a_site_is_replaced_whole_and_a_cancel_leaves_the_old_one(tmp_path, small):
    from kcplanner.publish import PublishCancelled, SITE_MARKER, publish_site

    out = tmp_path / "site"
    seen = []
    first = publish_site(small[0], None, out, progress=lambda done, total, what: seen.append((done, total)))
    assert (out / SITE_MARKER).is_file() and (out / "index.html").is_file()
    assert [d for d, _ in seen] == list(range(1, len(seen) + 1)) and {t for _, t in seen} == {len(seen)}
    assert first.files == len(seen) + 1 == sum(1 for p in out.rglob("*") if p.is_file())
    assert first.bytes == sum(p.stat().st_size for p in out.rglob("*") if p.is_file() and p.name != SITE_MARKER)
    (out / "stale.html").write_text("from an earlier publish")
    calls = {"n": 0}

    def cancel_midway():
        calls["n"] += 1
        return calls["n"] > 5

    with pytest.raises(PublishCancelled):
        publish_site(small[0], None, out, cancelled=cancel_midway)
    assert (out / "stale.html").is_file() and sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    publish_site(small[0], None, out, stories=[STORY])
    assert not (out / "stale.html").exists() and (out / "stories" / "safer-streets.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_bad_stories_are_clear_errors(small):
    from kcplanner.publish import PublishError, publish_site

    bad = [({**STORY, "charts": ["kpi:NOPE"]}, "no chart named 'kpi:NOPE'"),
           ({**STORY, "markdown": "{{chart: fund-outlook:Nowhere}}"}, "no chart named 'fund-outlook:Nowhere'"),
           ({**STORY, "slug": "Safer Streets"}, "slug"), ({**STORY, "title": " "}, "needs a title")]
    for story, message in bad:
        with pytest.raises(PublishError, match=re.escape(message)):
            publish_site(small[0], None, small[2].parent / "never", stories=[story])
    with pytest.raises(PublishError, match="already has the slug"):
        publish_site(small[0], None, small[2].parent / "never", stories=[STORY, STORY])
    assert not (small[2].parent / "never").exists()


def test_every_available_chart_can_be_drawn(sample):
    from kcplanner.publish import available_charts
    from kcplanner.publish.context import SiteContext
    from kcplanner.publish.figures import figure_by_name
    from kcplanner.publish.options import PublishOptions

    dataset, scenario, _, _ = sample
    ctx = SiteContext(dataset, evaluate(dataset, scenario), PublishOptions())
    charts = available_charts(dataset)
    kinds = {name.split(":")[0] for name, _ in charts}
    assert kinds == {"city-spending", "plan-score", "fund-outlook", "department-spending", "goal-spending", "kpi"}
    for name, title in charts:
        fig = figure_by_name(ctx, name)
        assert fig.rows and fig.spec["series"] and title


def test_the_publish_command(tmp_path, plan_book, budget_book, capsys):
    from kcplanner.cli import main

    out = tmp_path / "site"
    assert main(["publish", "--plan", str(plan_book), "--budget", str(budget_book), "--out", str(out)]) == 0
    assert "Wrote the open budget site" in capsys.readouterr().out
    assert (out / "index.html").is_file() and (out / "data" / "line-items.csv").is_file()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "rules": [{"label": "r", "target": {"department": "Nowhere"},
                                                         "kind": "percent", "value": 5}]}))
    assert main(["publish", "--plan", str(plan_book), "--budget", str(budget_book), "--scenario", str(bad),
                 "--out", str(tmp_path / "other")]) == 1
    assert "Nowhere" in capsys.readouterr().err and not (tmp_path / "other").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("x")
    assert main(["publish", "--budget", str(budget_book), "--out", str(mine)]) == 1
    assert "did not write" in capsys.readouterr().err
    assert main(["publish", "--budget", str(budget_book), "--project", str(tmp_path / "none.kcplan"),
                 "--out", str(out)]) == 2


def test_the_publish_command_takes_the_projects_stories(tmp_path, plan_book, budget_book, monkeypatch):
    """--project: the stories the app keeps in the project (objects with to_dict(), no chart list)."""
    from dataclasses import dataclass

    from kcplanner.cli import main
    from kcplanner.project import Project
    from kcplanner.readers import read_dataset

    @dataclass(frozen=True)
    class Kept:  # the shape of kcplanner.project's Story
        slug: str
        title: str
        markdown: str

        def to_dict(self):
            return {"slug": self.slug, "title": self.title, "markdown": self.markdown}

    path = tmp_path / "city.kcplan"
    Project.create(path, read_dataset(plan_book, [budget_book]).dataset).close()
    monkeypatch.setattr(Project, "stories", lambda self: [Kept("budget-basics", "Budget basics",
                                                               "Where it goes:\n\n{{chart: city-spending}}")],
                        raising=False)
    out = tmp_path / "site"
    assert main(["publish", "--plan", str(plan_book), "--budget", str(budget_book), "--project", str(path),
                 "--out", str(out)]) == 0
    page = (out / "stories" / "budget-basics.html").read_text(encoding="utf-8")
    assert "<h1>Budget basics</h1>" in page and 'id="city-spending"' in page
