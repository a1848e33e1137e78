"use strict";
// Draws the charts of the dashboard from the JSON block #rr-data and
// switches the breakdowns between countries. Every text from the data is
// put in the page with textContent, drawn on a canvas, or escaped.
(function () {
  var data = JSON.parse(document.getElementById("rr-data").textContent);
  var symbols = {};
  data.symbols.forEach(function (s) { symbols[s[0]] = s[1]; });

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }
  function fmt(v, spec) {
    if (v === "-" || v === null || v === undefined || v === "" || isNaN(Number(v))) {
      return "";
    }
    var n = Number(v);
    var s = spec.decimals === 0 ? n.toLocaleString("en-US") : n.toFixed(spec.decimals);
    return s + (spec.unit === "%" ? "%" : "");
  }

  // optionFor returns the chart's option for the country at idx, with the
  // formatters (code cannot travel in JSON).
  function optionFor(spec, idx) {
    var i = spec.byCountry ? 0 : idx;
    var opt = JSON.parse(JSON.stringify(spec.options[i]));
    var marks = spec.marks[i];
    var cat = spec.horizontal ? opt.yAxis[0] : opt.xAxis[0];
    cat.axisLabel = cat.axisLabel || {};
    cat.axisLabel.formatter = function (v, j) {
      if (!marks[j]) {
        return v;
      }
      return v + (spec.horizontal ? " (" : "\n(") + marks[j] + ")";
    };
    opt.tooltip = {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      confine: true,
      formatter: function (ps) {
        var p = ps[0];
        var m = marks[p.dataIndex];
        var shown = m ? m + " (" + symbols[m] + ")" : fmt(p.value, spec);
        var who = spec.byCountry ? "" : esc(p.seriesName) + ": ";
        return "<strong>" + esc(p.name) + "</strong><br>" + p.marker + who + esc(shown);
      }
    };
    var shown = 0;
    opt.series.forEach(function (s) {
      s.label = s.label || {};
      s.label.formatter = function (p) { return fmt(p.value, spec); };
      (s.data || []).forEach(function (d) {
        if (d && d.value !== "-" && d.value !== undefined) {
          shown++;
        }
      });
    });
    if (shown === 0) {
      // Nothing to draw: say why instead of showing empty axes.
      var why = marks.length === 0 ? "No categories for this country" :
        marks.every(function (x) { return x === "x"; }) ? "All figures suppressed (x)" : "No figures to show";
      opt.title = {
        show: true, text: why, left: "center", top: "middle",
        textStyle: { color: "#6b7280", fontSize: 13, fontWeight: "normal" }
      };
    }
    return opt;
  }

  var drawn = [];
  data.charts.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (el) {
      drawn.push({ spec: spec, chart: echarts.init(el, null, { renderer: "canvas" }) });
    }
  });

  var buttons = Array.prototype.slice.call(document.querySelectorAll(".selector button"));
  function select(idx) {
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", Number(b.getAttribute("data-idx")) === idx ? "true" : "false");
    });
    document.querySelectorAll(".total[data-idx]").forEach(function (el) {
      el.hidden = Number(el.getAttribute("data-idx")) !== idx;
    });
    var name = data.countries[idx] ? data.countries[idx].label : "";
    document.querySelectorAll(".country-name").forEach(function (el) { el.textContent = name; });
    drawn.forEach(function (d) { d.chart.setOption(optionFor(d.spec, idx), true); });
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () { select(Number(b.getAttribute("data-idx"))); });
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (d) { d.chart.resize(); });
  });
  // A link may name the country: dashboard.html#country=KZ.
  var start = 0;
  var m = /^#country=([A-Za-z]+)$/.exec(window.location.hash);
  data.countries.forEach(function (c, i) {
    if (m && c.code === m[1].toUpperCase()) {
      start = i;
    }
  });
  select(start);
  document.body.setAttribute("data-charts", String(drawn.length));
})();
