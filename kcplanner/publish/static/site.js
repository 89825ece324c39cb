/* The open budget site's script (kcplanner): draws the charts with the Apache ECharts shipped beside
   it, the drillable "where the money goes" of the city page and a department's line-item table.
   Every figure comes from the page or its data file; nothing is fetched from anywhere. */
(function () {
  "use strict";
  var KC = window.KC = window.KC || {};
  var lineData = {};
  var charts = [];
  var PALETTE = ["#1f5fa8", "#c4551d", "#2e7d32", "#7b4ea3", "#b0262b", "#00777a", "#8a6a00", "#5b5b5b",
                 "#d16fa7", "#4d8fd6", "#9c5a2e", "#6b8e23"];

  KC.addLines = function (slug, data) { lineData[slug] = data; };

  function missing(v) { return v === null || v === undefined || typeof v !== "number" || !isFinite(v); }
  function money(v) {
    if (missing(v)) { return "\u2014"; }
    var r = Math.round(v);
    return (r < 0 ? "-$" : "$") + Math.abs(r).toLocaleString("en-US");
  }
  function shortMoney(v) {
    if (missing(v)) { return ""; }
    var a = Math.abs(v), s = v < 0 ? "-$" : "$";
    if (a >= 1e9) { return s + (a / 1e9).toFixed(1).replace(/\.0$/, "") + "B"; }
    if (a >= 1e6) { return s + (a / 1e6).toFixed(1).replace(/\.0$/, "") + "M"; }
    if (a >= 1e3) { return s + Math.round(a / 1e3) + "K"; }
    return s + Math.round(a);
  }
  function percent(v, digits) {
    if (missing(v)) { return "\u2014"; }
    return (v * 100).toFixed(digits === undefined ? 1 : digits) + "%";
  }
  function number(v) {
    if (missing(v)) { return "\u2014"; }
    return v.toLocaleString("en-US", {maximumFractionDigits: 2});
  }
  KC.money = money;
  var FORMATS = {money: money, percent: percent, number: number};
  var AXIS_FORMATS = {money: shortMoney, percent: function (v) { return percent(v, 0); }, number: number};

  /* A spec (kcplanner/publish/figures.py) as ECharts options. */
  function chartOption(spec) {
    var axes = spec.axes || [{format: "number"}];
    var horizontal = !!spec.horizontal;
    var valueAxes = axes.map(function (a, i) {
      return {type: "value", name: a.name || "", position: horizontal ? "bottom" : (i ? "right" : "left"),
              min: a.min, max: a.max, scale: a.format === "number", splitLine: {show: i === 0},
              axisLabel: {formatter: AXIS_FORMATS[a.format] || number, color: "#333", hideOverlap: true}};
    });
    var category = {type: "category", data: spec.x, inverse: horizontal,
                    axisLabel: {color: "#333", width: horizontal ? 160 : undefined, overflow: "truncate", hideOverlap: true}};
    var series_marked = {};
    var series = spec.series.map(function (s) {
      var axis = s.axis || 0;
      var fmt = FORMATS[axes[axis].format] || number;
      var o = {name: s.name, type: s.kind, data: s.data, connectNulls: false,
               tooltip: {valueFormatter: function (v) { return fmt(v); }}};
      if (s.stack) { o.stack = s.stack; }
      if (s.kind === "line") {
        o.symbolSize = s.faint ? 3 : 7;
        o.lineStyle = {type: s.dashed ? "dashed" : "solid", width: s.faint ? 1 : 2.5, opacity: s.faint ? 0.7 : 1};
      }
      if (s.kind === "scatter") { o.symbol = "diamond"; o.symbolSize = 11; }
      if (horizontal) { o.xAxisIndex = axis; } else { o.yAxisIndex = axis; }
      var marks = axes[axis].marks;
      if (marks && marks.length && !series_marked[axis]) {
        series_marked[axis] = true;
        o.markLine = {silent: true, symbol: "none", lineStyle: {type: "dotted", color: "#555"},
                      label: {formatter: "{b}", position: "insideEndTop", color: "#333"},
                      data: marks.map(function (m) { return {yAxis: m.value, name: m.label}; })};
      }
      return o;
    });
    var legend = spec.series.length > 1;
    return {
      animation: false, color: PALETTE, aria: {enabled: false},
      textStyle: {fontFamily: "inherit"},
      legend: legend ? {type: "scroll", top: 0, textStyle: {color: "#222"}} : undefined,
      tooltip: {trigger: "axis", confine: true},
      grid: {left: 8, right: axes.length > 1 ? 8 : 16, top: legend ? 44 : 16, bottom: 8, containLabel: true},
      xAxis: horizontal ? valueAxes : category,
      yAxis: horizontal ? category : valueAxes,
      series: series
    };
  }

  function chartHeight(spec) {
    return spec.horizontal ? Math.max(160, 44 + 30 * spec.x.length) : 340;
  }

  function drawChart(el, spec) {
    el.style.height = chartHeight(spec) + "px";  /* again for the drill chart, whose rows change */
    var chart = echarts.init(el, null, {renderer: "canvas"});
    chart.setOption(chartOption(spec));
    charts.push(chart);
    return chart;
  }

  /* Charts are drawn as they come near the screen (or when a closed <details> holding one opens):
     a department page with a dozen KPI charts shows its first screen without drawing the rest. */
  KC.charts = function () {
    if (!window.echarts) { return; }
    var els = Array.prototype.slice.call(document.querySelectorAll(".chart-canvas[data-chart]"));
    var specs = els.map(function (e) {
      var spec = JSON.parse(e.getAttribute("data-chart"));
      e.style.height = chartHeight(spec) + "px";  /* the space is kept: nothing moves when it is drawn */
      return spec;
    });
    var drawn = els.map(function () { return false; });
    function draw(i) {
      if (!drawn[i]) { drawn[i] = true; drawChart(els[i], specs[i]); }
    }
    if ("IntersectionObserver" in window) {
      var seen = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting) { seen.unobserve(entry.target); draw(els.indexOf(entry.target)); }
        });
      }, {rootMargin: "400px 0px"});
      els.forEach(function (e) { seen.observe(e); });
      window.addEventListener("beforeprint", function () { els.forEach(function (e, i) { draw(i); }); });
    } else {
      els.forEach(function (e, i) { draw(i); });
    }
    var pending = null;
    window.addEventListener("resize", function () {
      if (pending) { clearTimeout(pending); }
      pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 120);
    });
  };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); }); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  /* The city page: goal → department → program, by table (buttons), breadcrumbs and chart. */
  KC.drill = function () {
    var data = document.getElementById("money-tree");
    var root = document.getElementById("drill");
    if (!data || !root) { return; }
    var tree = JSON.parse(data.textContent);
    var year = root.getAttribute("data-year");
    var path = [tree];
    var LEVELS = ["Goal", "Department", "Program"];
    var PLURAL = ["goals", "departments", "programs"];
    var tbody = document.querySelector("#drill-table tbody");
    var caption = document.getElementById("drill-caption");
    var crumbs = document.getElementById("drill-crumbs");
    var status = document.getElementById("drill-status");
    var chartEl = document.getElementById("drill-chart");
    var chart = null;
    caption.setAttribute("tabindex", "-1");

    function go(depth, child, focus) {
      path = path.slice(0, depth + 1);
      if (child) { path.push(child); }
      render(focus);
    }

    function render(focus) {
      var node = path[path.length - 1];
      var level = path.length - 1;
      var kids = node.children || [];
      document.getElementById("drill-level").textContent = LEVELS[level];
      caption.textContent = level === 0 ? "Spending by goal, " + year
        : node.name + ": spending by " + LEVELS[level].toLowerCase() + ", " + year;
      crumbs.textContent = "";
      path.forEach(function (p, i) {
        var li = el("li");
        if (i === path.length - 1) {
          li.appendChild(el("span", {"aria-current": "true"}, p.name));
        } else {
          var b = el("button", {type: "button", "class": "link-button"}, p.name);
          b.addEventListener("click", function () { go(i, null, true); });
          li.appendChild(b);
        }
        crumbs.appendChild(li);
      });
      tbody.textContent = "";
      kids.forEach(function (k) {
        var tr = el("tr");
        var th = el("th", {scope: "row"});
        if (k.children && k.children.length) {
          var b = el("button", {type: "button", "class": "link-button drill-button",
                                "aria-label": k.name + ": show its " + PLURAL[level + 1]}, k.name);
          b.addEventListener("click", function () { go(path.length - 1, k, true); });
          th.appendChild(b);
          if (k.href && level === 1) {
            th.appendChild(document.createTextNode(" "));
            th.appendChild(el("a", {href: k.href, "class": "page-link"}, "department page"));
          }
        } else if (k.href) {
          th.appendChild(el("a", {href: k.href}, k.name));
        } else {
          th.textContent = k.name;
        }
        tr.appendChild(th);
        tr.appendChild(el("td", {"class": "num", "data-value": String(k.value)}, money(k.value)));
        tr.appendChild(el("td", {"class": "num"}, node.value ? percent(k.value / node.value) : "\u2014"));
        tbody.appendChild(tr);
      });
      status.textContent = level === 0 ? "" : "Showing the " + kids.length + " " + PLURAL[level] + " of " + node.name + ", " + money(node.value) + " in all.";
      chartEl.setAttribute("aria-label", caption.textContent + ". The table below lists the same figures.");
      if (window.echarts) {
        var spec = {x: kids.map(function (k) { return k.name; }), horizontal: true, axes: [{format: "money"}],
                    series: [{name: year + " proposed", kind: "bar", data: kids.map(function (k) { return k.value; })}]};
        if (chart) { chart.dispose(); charts.splice(charts.indexOf(chart), 1); }
        chart = drawChart(chartEl, spec);
        chart.on("click", function (e) {
          var k = kids[e.dataIndex];
          if (k && k.children && k.children.length) { go(path.length - 1, k, true); }
        });
      }
      if (focus) { caption.focus(); }
    }
    render(false);
  };

  /* A department page's line items: search, sort, pages.  The data file calls KC.addLines. */
  KC.lineItems = function () {
    var sec = document.getElementById("line-items");
    if (!sec) { return; }
    var d = lineData[sec.getAttribute("data-slug")];
    var status = document.getElementById("li-status");
    if (!d) { status.textContent = "The line items could not be loaded."; return; }
    var tbody = document.querySelector("#li-table tbody");
    var search = document.getElementById("li-search");
    var sizeSel = document.getElementById("li-size");
    var pageLabel = document.getElementById("li-page");
    var buttons = {first: document.getElementById("li-first"), prev: document.getElementById("li-prev"),
                   next: document.getElementById("li-next"), last: document.getElementById("li-last")};
    var heads = Array.prototype.slice.call(document.querySelectorAll("#li-table thead th"));
    var keys = heads.map(function (th) { return th.querySelector("button").getAttribute("data-sort"); });
    var coded = {program: true, fund: true, "class": true};
    var numeric = {prior: true, proposed: true, adopted: true};
    var n = d.n, all = new Array(n), hay = new Array(n);
    for (var i = 0; i < n; i++) {
      all[i] = i;
      hay[i] = (d.names.program[d.program[i]] + " | " + d.account[i] + " | " + d.names["class"][d["class"][i]] +
                " | " + d.names.fund[d.fund[i]]).toLowerCase();
    }
    var state = {query: "", key: null, dir: 1, page: 0, size: parseInt(sizeSel.value, 10) || 25};
    var rows = all;
    var collator = new Intl.Collator("en", {numeric: true, sensitivity: "base"});

    function value(key, i) { return coded[key] ? d.names[key][d[key][i]] : d[key][i]; }

    function apply() {
      var terms = state.query.toLowerCase().split(/\s+/).filter(Boolean);
      rows = terms.length ? all.filter(function (i) {
        for (var t = 0; t < terms.length; t++) { if (hay[i].indexOf(terms[t]) < 0) { return false; } }
        return true;
      }) : all.slice();
      if (state.key) {
        var key = state.key, dir = state.dir;
        rows.sort(numeric[key] ? function (a, b) {
          var x = d[key][a], y = d[key][b];
          if (x === null) { return y === null ? a - b : 1; }
          if (y === null) { return -1; }
          return (x - y) * dir || a - b;
        } : function (a, b) { return collator.compare(value(key, a), value(key, b)) * dir || a - b; });
      }
      draw();
    }

    function draw() {
      var pages = Math.max(1, Math.ceil(rows.length / state.size));
      state.page = Math.min(Math.max(0, state.page), pages - 1);
      var start = state.page * state.size, end = Math.min(rows.length, start + state.size);
      var frag = document.createDocumentFragment();
      for (var r = start; r < end; r++) {
        var i = rows[r], tr = document.createElement("tr");
        if (d.request[i]) { tr.className = "request"; }
        keys.forEach(function (key) {
          var td = document.createElement("td");
          if (numeric[key]) { td.className = "num"; td.textContent = money(d[key][i]); }
          else { td.textContent = value(key, i); }
          tr.appendChild(td);
        });
        frag.appendChild(tr);
      }
      tbody.textContent = "";
      tbody.appendChild(frag);
      pageLabel.textContent = "Page " + (state.page + 1).toLocaleString("en-US") + " of " + pages.toLocaleString("en-US");
      status.textContent = rows.length ? "Showing line items " + (start + 1).toLocaleString("en-US") + " to " +
        end.toLocaleString("en-US") + " of " + rows.length.toLocaleString("en-US") +
        (state.query ? " matching \u201c" + state.query + "\u201d" : "") + "."
        : "No line item matches \u201c" + state.query + "\u201d.";
      buttons.first.disabled = buttons.prev.disabled = state.page === 0;
      buttons.next.disabled = buttons.last.disabled = state.page >= pages - 1;
      heads.forEach(function (th, c) {
        th.setAttribute("aria-sort", keys[c] === state.key ? (state.dir > 0 ? "ascending" : "descending") : "none");
      });
    }

    var timer = null;
    search.addEventListener("input", function () {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { state.query = search.value.trim(); state.page = 0; apply(); }, 120);
    });
    sizeSel.addEventListener("change", function () { state.size = parseInt(sizeSel.value, 10) || 25; state.page = 0; draw(); });
    heads.forEach(function (th, c) {
      th.querySelector("button").addEventListener("click", function () {
        if (state.key === keys[c]) { state.dir = -state.dir; } else { state.key = keys[c]; state.dir = numeric[keys[c]] ? -1 : 1; }
        state.page = 0;
        apply();
      });
    });
    buttons.first.addEventListener("click", function () { state.page = 0; draw(); });
    buttons.prev.addEventListener("click", function () { state.page -= 1; draw(); });
    buttons.next.addEventListener("click", function () { state.page += 1; draw(); });
    buttons.last.addEventListener("click", function () { state.page = 1e9; draw(); });
    apply();
  };

  KC.charts();
  KC.drill();
})();
