"use strict";
// Draws the charts of the dashboard from the JSON block #rr-data, switches
// the breakdowns between countries, and prepares the page for print. It
// holds no word: every text comes from the data block (the view of the
// report, in its language) and is put in the page with textContent, drawn
// by ECharts, or escaped.
(function () {
  var data = JSON.parse(document.getElementById("rr-data").textContent);
  var measurer = document.createElement("canvas").getContext("2d");

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }
  // number writes an axis tick in the language's form (1 234,5).
  function number(v) {
    var s = String(v);
    var neg = s.charAt(0) === "-";
    if (neg) {
      s = s.slice(1);
    }
    var parts = s.split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, data.group);
    return (neg ? "-" : "") + whole + (parts.length > 1 ? data.decimal + parts[1] : "");
  }
  // textWidth measures a text as ECharts draws it (12px sans-serif).
  function textWidth(s) {
    measurer.font = "12px sans-serif";
    return measurer.measureText(s).width;
  }
  // text returns what a point shows (its figure or mark) with what a mark
  // means.
  function text(dr, p) {
    var t = (dr.texts[p.seriesIndex] || [])[p.dataIndex];
    if (t === undefined || t === null) {
      return "";
    }
    return data.symbols[t] ? t + " (" + data.symbols[t] + ")" : t;
  }

  // fitCategories lays the category labels out so that none overlaps
  // another: wrapped at spaces where a word fits its slot, turned where it
  // does not.
  function fitCategories(opt, spec, el) {
    var width = el.clientWidth || 300;
    if (spec.horizontal) {
      // As wide as the longest label, up to 40 % of the chart, never
      // narrower than its longest word (no word is broken).
      var y = opt.yAxis[0];
      var line = 0;
      var word = 0;
      (y.data || []).forEach(function (l) {
        line = Math.max(line, textWidth(String(l)));
        String(l).split(/\s+/).forEach(function (w) {
          word = Math.max(word, textWidth(w));
        });
      });
      y.axisLabel.width = Math.ceil(Math.max(word, Math.min(line, width * 0.4))) + 2;
      y.axisLabel.overflow = "break";
      return;
    }
    var x = opt.xAxis[0];
    var labels = x.data || [];
    var slot = (width - 70) / Math.max(1, labels.length);
    var longest = 0;
    labels.forEach(function (l) {
      String(l).split(/\s+/).forEach(function (w) {
        longest = Math.max(longest, textWidth(w));
      });
    });
    if (longest <= slot - 6) {
      x.axisLabel.width = Math.floor(slot - 6);
      x.axisLabel.overflow = "break";
    } else {
      x.axisLabel.rotate = slot >= 15 ? 40 : 90;
      if (slot < 15) {
        x.axisLabel.interval = "auto";
      }
      // A turned label ends at its tick: leave room on the left for the
      // first one.
      var first = labels.length ? textWidth(String(labels[0])) : 0;
      var reach = first * Math.cos(x.axisLabel.rotate * Math.PI / 180) + 10 - slot / 2;
      opt.grid[0].left = Math.max(Number(opt.grid[0].left) || 0, Math.ceil(reach));
    }
  }

  // fitLegend leaves room under the plot for the legend's lines.
  function fitLegend(opt, spec, el) {
    if (!opt.legend || !opt.legend.show) {
      return;
    }
    var width = (el.clientWidth || 300) - 20;
    var lines = 1;
    var used = 0;
    opt.series.forEach(function (s) {
      var w = textWidth(String(s.name)) + 40;
      if (used > 0 && used + w > width) {
        lines++;
        used = 0;
      }
      used += w;
    });
    opt.grid[0].bottom = 10 + 22 * lines + (spec.horizontal ? 24 : 0);
  }

  // optionFor returns the option of a drawing with what cannot travel in
  // JSON (formatters) and with its labels fitted to el.
  function optionFor(spec, dr, el) {
    var opt = JSON.parse(JSON.stringify(dr.option));
    var value = spec.horizontal ? opt.xAxis[0] : opt.yAxis[0];
    value.axisLabel = value.axisLabel || {};
    value.axisLabel.formatter = number;
    fitCategories(opt, spec, el);
    fitLegend(opt, spec, el);
    opt.tooltip.formatter = function (ps) {
      var lines = [];
      var head = "";
      (Array.isArray(ps) ? ps : [ps]).forEach(function (p) {
        head = p.name;
        var t = text(dr, p);
        if (t !== "") {
          lines.push(p.marker + esc(p.seriesName) + ": " + esc(t));
        }
      });
      return "<strong>" + esc(head) + "</strong><br>" + lines.join("<br>");
    };
    opt.series.forEach(function (s) {
      s.label = s.label || {};
      s.label.formatter = function (p) {
        return (dr.texts[p.seriesIndex] || [])[p.dataIndex] || "";
      };
    });
    if (dr.empty) {
      // Nothing to draw: say why instead of showing empty axes.
      opt.title = {
        show: true, text: dr.empty, left: "center", top: "middle",
        textStyle: { color: "#6b7280", fontSize: 13, fontWeight: "normal" }
      };
    }
    return opt;
  }

  var selected = 0;
  var printing = false;
  var drawn = [];
  data.charts.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    if (el) {
      drawn.push({ spec: spec, el: el, chart: echarts.init(el, null, { renderer: "svg" }) });
    }
  });

  // drawing returns what a chart draws now: in print every country at
  // once, on screen the selected country's breakdown.
  function drawing(spec) {
    if (printing && spec.print) {
      return spec.print;
    }
    if (spec.countries) {
      return spec.countries[selected] || spec.countries[0];
    }
    return spec.chart;
  }
  function draw(d) {
    d.chart.resize();
    d.chart.setOption(optionFor(d.spec, drawing(d.spec), d.el), true);
  }
  function drawAll(perCountryOnly) {
    drawn.forEach(function (d) {
      if (!perCountryOnly || d.spec.countries) {
        draw(d);
      }
    });
  }

  var buttons = Array.prototype.slice.call(document.querySelectorAll(".selector button"));
  function select(idx, redraw) {
    selected = idx;
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", Number(b.getAttribute("data-idx")) === idx ? "true" : "false");
    });
    document.querySelectorAll(".total[data-idx]").forEach(function (el) {
      el.hidden = Number(el.getAttribute("data-idx")) !== idx;
    });
    var name = data.countries[idx] || "";
    document.querySelectorAll(".country-name").forEach(function (el) { el.textContent = name; });
    if (redraw) {
      drawAll(true);
    }
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () { select(Number(b.getAttribute("data-idx")), true); });
  });
  window.addEventListener("resize", function () {
    drawAll(false);
  });

  // Print: every country's breakdowns at once, every table open, drawn at
  // the size of the paper; the page as it was afterwards.
  var opened = [];
  function beforePrint() {
    if (printing) {
      return;
    }
    printing = true;
    opened = [];
    document.querySelectorAll("details").forEach(function (el) {
      if (!el.open) {
        el.open = true;
        opened.push(el);
      }
    });
    drawAll(false);
  }
  function afterPrint() {
    if (!printing) {
      return;
    }
    printing = false;
    opened.forEach(function (el) { el.open = false; });
    opened = [];
    drawAll(false);
  }
  window.addEventListener("beforeprint", beforePrint);
  window.addEventListener("afterprint", afterPrint);
  var media = window.matchMedia("print");
  var onMedia = function (e) {
    if (e.matches) {
      // The page is laid out for paper now: draw at that size.
      beforePrint();
      drawAll(false);
    } else {
      afterPrint();
    }
  };
  if (media.addEventListener) {
    media.addEventListener("change", onMedia);
  } else if (media.addListener) {
    media.addListener(onMedia);
  }
  var printButton = document.querySelector(".print-button");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }

  // A link may name the country: dashboard.html#country=KZ.
  var start = 0;
  var m = /^#country=([A-Za-z]+)$/.exec(window.location.hash);
  data.codes.forEach(function (c, i) {
    if (m && c === m[1].toUpperCase()) {
      start = i;
    }
  });
  select(start, false);
  drawAll(false);
  document.body.setAttribute("data-charts", String(drawn.length));
})();
