package charts

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"rrstat/internal/cell"
	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
	"rrstat/internal/target"
	"rrstat/internal/view"
)

// page is a written dashboard, parsed.
type page struct {
	raw     string
	doc     *html.Node
	data    data // the JSON block
	scripts []script
	csp     string
}

type script struct {
	typ, text string
}

// option is the part of an ECharts option the tests read.
type option struct {
	XAxis  []axis `json:"xAxis"`
	YAxis  []axis `json:"yAxis"`
	Legend struct {
		Show bool `json:"show"`
	} `json:"legend"`
	Color  []string       `json:"color"`
	Title  map[string]any `json:"title"`
	Series []struct {
		Name         string `json:"name"`
		Type         string `json:"type"`
		ConnectNulls bool   `json:"connectNulls"`
		LineStyle    struct {
			Type  string `json:"type"`
			Color string `json:"color"`
		} `json:"lineStyle"`
		ItemStyle struct {
			Color string `json:"color"`
		} `json:"itemStyle"`
		Data []struct {
			Value     any `json:"value"`
			ItemStyle *struct {
				Color string `json:"color"`
			} `json:"itemStyle"`
		} `json:"data"`
	} `json:"series"`
}

type axis struct {
	Type string   `json:"type"`
	Name string   `json:"name"`
	Min  *float64 `json:"min"`
	Max  *float64 `json:"max"`
	Data []string `json:"data"`
}

// categories returns the category axis of an option.
func (o *option) categories(horizontal bool) axis {
	if horizontal {
		return o.YAxis[0]
	}
	return o.XAxis[0]
}

// values returns the value axis of an option.
func (o *option) values(horizontal bool) axis {
	if horizontal {
		return o.XAxis[0]
	}
	return o.YAxis[0]
}

func parseOption(t testing.TB, raw json.RawMessage) option {
	t.Helper()
	var o option
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("option: %v", err)
	}
	return o
}

func parsePage(t testing.TB, b []byte) *page {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	p := &page{raw: string(b), doc: doc}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script":
			s := script{typ: attr(n, "type")}
			if n.FirstChild != nil {
				s.text = n.FirstChild.Data
			}
			p.scripts = append(p.scripts, s)
			if attr(n, "id") == "rr-data" {
				if err := json.Unmarshal([]byte(s.text), &p.data); err != nil {
					t.Fatalf("data block: %v", err)
				}
			}
		case "meta":
			if strings.EqualFold(attr(n, "http-equiv"), "Content-Security-Policy") {
				p.csp = attr(n, "content")
			}
		}
	})
	return p
}

// chart returns the chart of the data block with the given id.
func (p *page) chart(t testing.TB, id string) dataChart {
	t.Helper()
	for _, c := range p.data.Charts {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no chart %s in the data block", id)
	return dataChart{}
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return n.Type == html.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " "+class+" ")
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

// find returns the elements under n that f accepts.
func find(n *html.Node, f func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	walk(n, func(c *html.Node) {
		if c.Type == html.ElementNode && f(c) {
			out = append(out, c)
		}
	})
	return out
}

// withTargets adds the example targets file (reports/targets-example.csv).
func withTargets(t testing.TB, r *report.Report) *report.Report {
	t.Helper()
	file := filepath.Join(reporttest.Root(t), "reports", "targets-example.csv")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := target.Parse("targets-example.csv", src, r.Catalogue)
	if err != nil {
		t.Fatal(err)
	}
	r.Targets = s
	return r
}

func TestWriteScriptMissing(t *testing.T) {
	v := testView(t, testReport(t, report.Analyst, "quarterly.yaml"))
	saved := scriptFS
	t.Cleanup(func() { scriptFS = saved })
	scriptFS = fstest.MapFS{"assets/README.md": {Data: []byte("run make assets")}}
	err := Write(io.Discard, v)
	if !errors.Is(err, ErrScriptMissing) {
		t.Fatalf("Write = %v, want ErrScriptMissing", err)
	}
	if !strings.Contains(err.Error(), "make assets") {
		t.Errorf("error %q does not say to run make assets", err)
	}
}

func TestWriteNoView(t *testing.T) {
	if err := Write(io.Discard, nil); !errors.Is(err, ErrNoView) {
		t.Errorf("Write = %v, want ErrNoView", err)
	}
}

// TestWriteSelfContained checks that the page needs no other host: no
// src or href anywhere, no link element, a Content-Security-Policy that
// forbids every request, and exactly three scripts that run (the guard,
// ECharts, the dashboard's), each allowed by its hash, plus the data block.
func TestWriteSelfContained(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		t.Run(string(aud), func(t *testing.T) {
			p := parsePage(t, writePage(t, testReport(t, aud, "quarterly.yaml")))
			walk(p.doc, func(n *html.Node) {
				if n.Type != html.ElementNode {
					return
				}
				if n.Data == "link" || n.Data == "iframe" || n.Data == "img" || n.Data == "object" {
					t.Errorf("page has a <%s> element", n.Data)
				}
				for _, a := range n.Attr {
					switch a.Key {
					case "src", "href", "action", "srcset", "poster", "data":
						t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
					}
				}
			})
			if !strings.HasPrefix(p.csp, "default-src 'none'; script-src ") {
				t.Errorf("CSP = %q, want default-src 'none' and script hashes", p.csp)
			}
			var run int
			for _, s := range p.scripts {
				if s.typ == "application/json" {
					continue
				}
				run++
				sum := sha256.Sum256([]byte(s.text))
				if h := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(p.csp, h) {
					t.Errorf("a script of %d bytes is not allowed by the CSP", len(s.text))
				}
			}
			if regexp.MustCompile(`(?i)<script[^>]+src=`).MatchString(p.raw) {
				t.Error("page loads a script by src")
			}
			if run != 3 || len(p.scripts) != 4 {
				t.Errorf("%d scripts, %d that run; want 4 and 3", len(p.scripts), run)
			}
			if strings.Contains(p.raw, "go-echarts-assets") || strings.Contains(p.raw, "cdn.") {
				t.Error("page mentions a CDN")
			}
		})
	}
}

// wantDrawing is what a drawing must hold: its category labels, and for
// each series its name, colour, values (a number, or "-" for a gap) and
// texts.
type wantDrawing struct {
	Labels  []string
	Names   []string
	Colours []string
	Values  [][]any
	Texts   [][]string
}

// expect returns what a drawing of the series over the labels holds.
func expect(labels []string, series []view.Series) wantDrawing {
	w := wantDrawing{Labels: labels}
	for _, s := range series {
		w.Names = append(w.Names, s.Name)
		w.Colours = append(w.Colours, s.Colour)
		var vs []any
		var ts []string
		for _, pt := range s.Points {
			if pt.HasNumber() {
				vs = append(vs, pt.Number)
			} else {
				vs = append(vs, "-")
			}
			ts = append(ts, pt.Text)
		}
		w.Values = append(w.Values, vs)
		w.Texts = append(w.Texts, ts)
	}
	return w
}

// got reads a drawing as expect writes it.
func got(t testing.TB, dr drawing, horizontal bool) wantDrawing {
	t.Helper()
	o := parseOption(t, dr.Option)
	w := wantDrawing{Labels: o.categories(horizontal).Data, Colours: o.Color, Texts: dr.Texts}
	for _, s := range o.Series {
		w.Names = append(w.Names, s.Name)
		var vs []any
		for _, d := range s.Data {
			vs = append(vs, d.Value)
		}
		w.Values = append(w.Values, vs)
	}
	return w
}

// TestWriteChartOptions compares the option JSON of every chart with the
// view: a breakdown has one drawing per country (the categories that
// occur in it, each labelled with its point's mark) and prints every
// country at once (without ALL, which would set the scale); the trends and
// the total by country are drawn as the view has them. A point without a
// number is a gap ("-"), never zero, and its text is its mark.
func TestWriteChartOptions(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		t.Run(string(aud), func(t *testing.T) {
			v := testView(t, testReport(t, aud, "quarterly.yaml"))
			p := parsePage(t, writeView(t, v))
			var codes, names []string
			for _, c := range v.Countries {
				codes, names = append(codes, c.Code), append(names, c.Name)
			}
			if diff := cmp.Diff(codes, p.data.Codes); diff != "" {
				t.Errorf("country codes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(names, p.data.Countries); diff != "" {
				t.Errorf("country names (-want +got):\n%s", diff)
			}
			n := 0
			for _, vp := range v.Panels {
				for _, ch := range append([]view.Chart{vp.Trend.Countries, vp.Trend.All}, vp.Charts...) {
					n++
					dc := p.chart(t, ch.ID)
					if dc.Indicator != vp.Indicator || dc.Dimension != ch.Dimension || dc.Kind != ch.Kind || dc.Horizontal != (ch.Kind == "bar") {
						t.Errorf("%s: indicator %s, dimension %s, kind %s, horizontal %v", ch.ID, dc.Indicator, dc.Dimension, dc.Kind, dc.Horizontal)
					}
					if ch.Dimension == "country" || ch.Dimension == "period" {
						if dc.Chart == nil || dc.Countries != nil || dc.Print != nil {
							t.Fatalf("%s: want one drawing for every country", ch.ID)
						}
						if diff := cmp.Diff(expect(ch.Labels, ch.Series), got(t, *dc.Chart, dc.Horizontal)); diff != "" {
							t.Errorf("%s (-want +got):\n%s", ch.ID, diff)
						}
						continue
					}
					if len(dc.Countries) != len(v.Countries) || dc.Print == nil {
						t.Fatalf("%s: %d drawings and print %v, want one per country and a print", ch.ID, len(dc.Countries), dc.Print != nil)
					}
					for i, s := range ch.Series {
						one := view.Series{Name: s.Name, Colour: s.Colour}
						var labels []string
						for _, pt := range s.Points {
							if pt.Mark != view.Absent {
								one.Points = append(one.Points, pt)
								labels = append(labels, pt.Label)
							}
						}
						if diff := cmp.Diff(expect(labels, []view.Series{one}), got(t, dc.Countries[i], dc.Horizontal)); diff != "" {
							t.Errorf("%s for %s (-want +got):\n%s", ch.ID, s.Name, diff)
						}
					}
					print := ch.CountrySeries()
					if len(v.Countries) > 2 && print[0].Name == v.Countries[0].Name {
						t.Errorf("%s: the print of every country draws ALL", ch.ID)
					}
					if diff := cmp.Diff(expect(ch.Labels, print), got(t, *dc.Print, dc.Horizontal)); diff != "" {
						t.Errorf("%s print (-want +got):\n%s", ch.ID, diff)
					}
				}
			}
			if len(p.data.Charts) != n {
				t.Errorf("%d charts in the data block, the view has %d", len(p.data.Charts), n)
			}
			// Every chart has its place on the page, titled as the view.
			for _, vp := range v.Panels {
				for _, ch := range append([]view.Chart{vp.Trend.Countries, vp.Trend.All}, vp.Charts...) {
					els := find(p.doc, func(n *html.Node) bool { return attr(n, "id") == ch.ID })
					if len(els) != 1 || attr(els[0], "aria-label") != ch.Title {
						t.Errorf("%s: %d elements, want one labelled %q", ch.ID, len(els), ch.Title)
						continue
					}
					if cap := text(els[0].Parent.FirstChild.NextSibling); !strings.HasPrefix(cap, ch.Title) {
						t.Errorf("%s: caption %q, want %q", ch.ID, cap, ch.Title)
					}
				}
			}
		})
	}
}

// TestWriteAxes checks the value axis of every chart: its title (with the
// unit) and its bounds from the view, and that a chart of counts has whole
// ticks.
func TestWriteAxes(t *testing.T) {
	v := testView(t, testReport(t, report.Donor, "quarterly.yaml"))
	p := parsePage(t, writeView(t, v))
	titles := map[string]bool{}
	for _, vp := range v.Panels {
		for _, ch := range append([]view.Chart{vp.Trend.Countries, vp.Trend.All}, vp.Charts...) {
			dc := p.chart(t, ch.ID)
			drs := append([]drawing{}, dc.Countries...)
			if dc.Chart != nil {
				drs = append(drs, *dc.Chart)
			}
			if dc.Print != nil {
				drs = append(drs, *dc.Print)
			}
			for _, dr := range drs {
				o := parseOption(t, dr.Option)
				a := o.values(dc.Horizontal)
				if a.Type != "value" || a.Name == "" || a.Name != ch.Axis.Title {
					t.Errorf("%s: value axis %q named %q, want %q", ch.ID, a.Type, a.Name, ch.Axis.Title)
				}
				if diff := cmp.Diff(ch.Axis.Min, a.Min); diff != "" {
					t.Errorf("%s: min (-want +got):\n%s", ch.ID, diff)
				}
				if diff := cmp.Diff(ch.Axis.Max, a.Max); diff != "" {
					t.Errorf("%s: max (-want +got):\n%s", ch.ID, diff)
				}
				if c := o.categories(dc.Horizontal); c.Type != "category" {
					t.Errorf("%s: category axis is %q", ch.ID, c.Type)
				}
			}
			titles[ch.Axis.Title] = true
		}
	}
	for _, want := range []string{"Persons", "Services", "Per cent", "Score (0 to 1)"} {
		if !titles[want] {
			t.Errorf("no chart has the axis title %q (got %v)", want, titles)
		}
	}
}

// TestWriteTrendCharts checks every panel's trend: the countries' lines on
// one chart (one per reporting country, in its colour, no ALL), ALL on its
// own, the targets as dashed lines that join their points, the figures as
// lines that break at every point without a number, and the marks of the
// suppressed points in the period labels.
func TestWriteTrendCharts(t *testing.T) {
	r := withTargets(t, testReport(t, report.Donor, "quarterly.yaml"))
	v := testView(t, r)
	p := parsePage(t, writeView(t, v))
	colour := map[string]string{}
	for _, c := range v.Countries {
		colour[c.Name] = c.Colour
	}
	all := v.Countries[0]
	var dashed, gaps int
	for _, vp := range v.Panels {
		countries := p.chart(t, vp.Trend.Countries.ID)
		alone := p.chart(t, vp.Trend.All.ID)
		for _, c := range []dataChart{countries, alone} {
			if c.Kind != "line" || c.Dimension != "period" || c.Chart == nil {
				t.Fatalf("%s: kind %s, dimension %s", c.ID, c.Kind, c.Dimension)
			}
		}
		oc, oa := parseOption(t, countries.Chart.Option), parseOption(t, alone.Chart.Option)
		var figures []string
		for _, s := range oc.Series {
			if s.LineStyle.Type != "dashed" {
				figures = append(figures, s.Name)
			}
		}
		var want []string
		for _, c := range v.Countries[1:] {
			want = append(want, c.Name)
		}
		if diff := cmp.Diff(want, figures); diff != "" {
			t.Errorf("%s: the countries' lines (-want +got):\n%s", vp.Indicator, diff)
		}
		if oa.Series[0].Name != all.Name || oa.Series[0].LineStyle.Color != all.Colour {
			t.Errorf("%s: ALL's chart draws %s in %s", vp.Indicator, oa.Series[0].Name, oa.Series[0].LineStyle.Color)
		}
		for _, o := range []option{oc, oa} {
			if diff := cmp.Diff(v.Periods, stripMarks(o.XAxis[0].Data)); diff != "" {
				t.Errorf("%s: periods (-want +got):\n%s", vp.Indicator, diff)
			}
			for _, s := range o.Series {
				target := s.LineStyle.Type == "dashed"
				if target {
					dashed++
				} else if s.LineStyle.Color != colour[s.Name] {
					t.Errorf("%s: the line of %s is %s, the country's colour %s", vp.Indicator, s.Name, s.LineStyle.Color, colour[s.Name])
				}
				if s.ConnectNulls != target {
					t.Errorf("%s: %s connects its gaps: %v", vp.Indicator, s.Name, s.ConnectNulls)
				}
				for j, d := range s.Data {
					if d.Value == "-" && !target {
						gaps++
						if !strings.Contains(o.XAxis[0].Data[j], "(") {
							t.Errorf("%s: %s has a gap at %s, whose label has no mark", vp.Indicator, s.Name, o.XAxis[0].Data[j])
						}
					}
				}
			}
		}
	}
	if dashed == 0 {
		t.Error("no target line: reports/targets-example.csv has targets")
	}
	if gaps == 0 {
		t.Error("no gap in any trend of the donor report")
	}
	// NEED_MET has targets for ALL in 2025Q1-Q3: a dashed line on ALL's
	// chart with those three points and gaps elsewhere.
	o := parseOption(t, p.chart(t, "t-NEED_MET-all").Chart.Option)
	if len(o.Series) != 2 || o.Series[1].LineStyle.Type != "dashed" {
		t.Fatalf("NEED_MET ALL: %d series, want ALL and its dashed target", len(o.Series))
	}
	var values []any
	for _, d := range o.Series[1].Data {
		values = append(values, d.Value)
	}
	if diff := cmp.Diff([]any{"-", "-", "-", "-", "-", 70.0, 72.5, 75.0}, values); diff != "" {
		t.Errorf("NEED_MET ALL target line (-want +got):\n%s", diff)
	}
	if o.Series[1].Name != "Target, All countries" {
		t.Errorf("NEED_MET target line named %q", o.Series[1].Name)
	}
}

var reMarks = regexp.MustCompile(` \([^)]*\)$`)

func stripMarks(labels []string) []string {
	var out []string
	for _, l := range labels {
		out = append(out, reMarks.ReplaceAllString(l, ""))
	}
	return out
}

// TestWriteChartColours checks one colour per country from the view: the
// breakdown of a country in its colour, each bar of the total by country
// in its country's.
func TestWriteChartColours(t *testing.T) {
	v := testView(t, testReport(t, report.Analyst, "quarterly.yaml"))
	p := parsePage(t, writeView(t, v))
	colour := map[string]string{}
	for _, c := range v.Countries {
		colour[c.Name] = c.Colour
	}
	for _, vp := range v.Panels {
		for _, ch := range vp.Charts {
			dc := p.chart(t, ch.ID)
			if ch.Dimension == "country" {
				o := parseOption(t, dc.Chart.Option)
				for j, d := range o.Series[0].Data {
					name := o.YAxis[0].Data[j]
					if d.ItemStyle == nil || d.ItemStyle.Color != colour[stripMarks([]string{name})[0]] {
						t.Errorf("%s: the bar of %s is not in the country's colour", ch.ID, name)
					}
				}
				continue
			}
			for i, dr := range dc.Countries {
				o := parseOption(t, dr.Option)
				if c := o.Series[0].ItemStyle.Color; c != v.Countries[i].Colour {
					t.Errorf("%s for %s: colour %s, want %s", ch.ID, v.Countries[i].Name, c, v.Countries[i].Colour)
				}
			}
		}
	}
}

// TestWriteEmptyCharts checks that a drawing without any number says why
// in the view's words, and one with numbers says nothing.
func TestWriteEmptyCharts(t *testing.T) {
	v := testView(t, testReport(t, report.Donor, "quarterly.yaml"))
	p := parsePage(t, writeView(t, v))
	seen := map[string]int{}
	for _, dc := range p.data.Charts {
		drs := append([]drawing{}, dc.Countries...)
		if dc.Chart != nil {
			drs = append(drs, *dc.Chart)
		}
		if dc.Print != nil {
			drs = append(drs, *dc.Print)
		}
		for _, dr := range drs {
			o := parseOption(t, dr.Option)
			numbers := 0
			for _, s := range o.Series {
				for _, d := range s.Data {
					if d.Value != "-" {
						numbers++
					}
				}
			}
			switch {
			case numbers > 0 && dr.Empty != "":
				t.Errorf("%s: %d numbers and says %q", dc.ID, numbers, dr.Empty)
			case numbers == 0 && dr.Empty == "":
				t.Errorf("%s: draws nothing and does not say why", dc.ID)
			case numbers == 0:
				seen[dr.Empty]++
			}
		}
	}
	for msg := range seen {
		if msg != v.Words.AllSuppressed && msg != v.Words.NoFigures && msg != v.Words.NoCategories {
			t.Errorf("an empty chart says %q, not a word of the view", msg)
		}
	}
	if seen[v.Words.AllSuppressed] == 0 {
		t.Errorf("no chart of the donor report says %q", v.Words.AllSuppressed)
	}
}

// TestWriteChartKinds checks that a layout's chart kind reaches the
// option: bar is horizontal, column vertical, line a line.
func TestWriteChartKinds(t *testing.T) {
	tests := []struct {
		kind, series string
		horizontal   bool
	}{
		{"bar", "bar", true},
		{"column", "bar", false},
		{"line", "line", false},
	}
	for _, tt := range tests {
		r := testReport(t, report.Analyst, "quarterly.yaml")
		it := r.Layout.Lookup("CASE_OPEN")
		it.Chart.Kind = tt.kind
		p := parsePage(t, writePage(t, r))
		dc := p.chart(t, "c-CASE_OPEN-"+it.Chart.Dimension)
		o := parseOption(t, dc.Countries[0].Option)
		if o.Series[0].Type != tt.series || o.categories(tt.horizontal).Type != "category" || dc.Horizontal != tt.horizontal {
			t.Errorf("kind %s: series %q, horizontal %v", tt.kind, o.Series[0].Type, dc.Horizontal)
		}
	}
}

// TestWriteCards checks the headline cards against the view: every
// headline indicator, ALL and every country with its figure, its changes
// ("▲ +19 vs 2025Q2") and, where targeted, target and achieved.
func TestWriteCards(t *testing.T) {
	r := withTargets(t, testReport(t, report.Donor, "quarterly.yaml"))
	v := testView(t, r)
	p := parsePage(t, writeView(t, v))
	cards := find(p.doc, func(n *html.Node) bool { return n.Data == "article" && hasClass(n, "card") })
	if len(cards) != len(v.Headline) {
		t.Fatalf("%d cards, want %d", len(cards), len(v.Headline))
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for i, c := range v.Headline {
		card := cards[i]
		if h := text(find(card, func(n *html.Node) bool { return n.Data == "h3" })[0]); h != c.Name {
			t.Errorf("card %d is %q, want %q", i, h, c.Name)
		}
		entries := append(find(card, func(n *html.Node) bool { return hasClass(n, "lead") }),
			find(card, func(n *html.Node) bool { return n.Data == "li" })...)
		if len(entries) != len(c.Entries) {
			t.Fatalf("%s: %d entries, want %d", c.Indicator, len(entries), len(c.Entries))
		}
		for j, e := range c.Entries {
			el := entries[j]
			got := norm(text(el))
			want := e.Country.Name
			fig := e.Value.Text
			if e.Value.HasNumber() {
				fig += c.Unit
			}
			if !strings.Contains(got, e.Country.Name) || !strings.Contains(got, fig) {
				t.Errorf("%s %s: %q does not show %q", c.Indicator, e.Country.Code, got, fig)
			}
			var changes []string
			for _, ch := range find(el, func(n *html.Node) bool { return hasClass(n, "change") }) {
				changes = append(changes, text(ch))
			}
			var wantChanges []string
			for _, ch := range e.Changes {
				wantChanges = append(wantChanges, ch.Caption)
			}
			if diff := cmp.Diff(wantChanges, changes); diff != "" {
				t.Errorf("%s %s changes (-want +got):\n%s", c.Indicator, e.Country.Code, diff)
			}
			goals := find(el, func(n *html.Node) bool { return hasClass(n, "goal") })
			switch {
			case e.Goal == nil && len(goals) > 0:
				t.Errorf("%s %s shows a target it does not have", c.Indicator, e.Country.Code)
			case e.Goal != nil:
				if len(goals) != 1 {
					t.Fatalf("%s %s: %d targets shown", c.Indicator, e.Country.Code, len(goals))
				}
				want = v.Words.Target + ": " + e.Goal.Target.Text + c.Unit + " · " + v.Words.Achieved + ": " + e.Goal.Achieved.Text
				if g := norm(text(goals[0])); g != want {
					t.Errorf("%s %s target %q, want %q", c.Indicator, e.Country.Code, g, want)
				}
			}
		}
	}
	// By hand, from the sample: 19 persons arrived in 2025Q3, none in
	// 2025Q2 nor 2024Q3; the target of persons returned to date is 950,
	// 162 of it achieved (17.1 %).
	body := norm(text(p.doc))
	for _, want := range []string{"▲ +19 vs 2025Q2", "▲ +19 vs 2024Q3", "Target: 950 · Achieved (%): 17.1"} {
		if !strings.Contains(body, want) {
			t.Errorf("the cards do not say %q", want)
		}
	}
}

// TestWriteNotices checks the banners and the foot: internal use for
// analysts, the rule and k for donors, synthetic data when the data is,
// the About entries and the symbols of the view.
func TestWriteNotices(t *testing.T) {
	tests := []struct {
		aud       report.Audience
		synthetic bool
		want      []string
		not       []string
	}{
		{report.Analyst, false, []string{"INTERNAL USE ONLY"}, []string{"SYNTHETIC DATA", "Disclosure control applied"}},
		{report.Analyst, true, []string{"INTERNAL USE ONLY", "SYNTHETIC DATA"}, nil},
		{report.Donor, false, []string{"Disclosure control applied", "Threshold k = 5."}, []string{"INTERNAL USE ONLY", "SYNTHETIC DATA"}},
		{report.Donor, true, []string{"Disclosure control applied", "SYNTHETIC DATA"}, nil},
	}
	for _, tt := range tests {
		r := testReport(t, tt.aud, "quarterly.yaml")
		r.Synthetic = tt.synthetic
		v := testView(t, r)
		p := parsePage(t, writeView(t, v))
		body := text(p.doc)
		want := append(tt.want, v.Notice, v.SyntheticNotice, v.PeriodText)
		if v.Donor {
			want = append(want, v.Rule)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s synthetic=%v: page does not say %q", tt.aud, tt.synthetic, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, w) {
				t.Errorf("%s synthetic=%v: page says %q", tt.aud, tt.synthetic, w)
			}
		}
		for _, e := range v.About {
			if !strings.Contains(body, e.Key) || !strings.Contains(body, e.Value) {
				t.Errorf("%s: the foot does not show %s: %q", tt.aud, e.Key, e.Value)
			}
		}
		for _, s := range r.Snapshots {
			for _, w := range []string{s.Source, s.ID, s.ContentSHA256, "2025Q3", "rrstat v1.0.0-test", "5 October 2025, 12:00 UTC"} {
				if !strings.Contains(body, w) {
					t.Errorf("%s: page does not show %q", tt.aud, w)
				}
			}
		}
		for _, s := range v.Symbols {
			if !strings.Contains(body, s.Meaning) {
				t.Errorf("%s: the symbols do not explain %q", tt.aud, s.Mark)
			}
		}
		if !strings.Contains(body, v.Words.Print) {
			t.Errorf("%s: no %q button", tt.aud, v.Words.Print)
		}
	}
}

// hostile are region names that try to run script in the page.
var hostile = []string{
	`</script><script>document.documentElement.setAttribute("data-pwned","1")</script>`,
	`__f__function(){document.documentElement.setAttribute("data-pwned","2")}__f__`,
	`<img src=x onerror="document.documentElement.setAttribute('data-pwned','3')">`,
	`"><svg onload=document.documentElement.setAttribute('data-pwned','4')>`,
	"<!--<script>",
	"line\u2028separator",
	"=HYPERLINK(\"x\")",
}

// hostileReport is the analyst report with the hostile region names added
// to RET_CUMULATIVE (ALL and KZ).
func hostileReport(t testing.TB) *report.Report {
	r := testReport(t, report.Analyst, "quarterly.yaml")
	for _, h := range hostile {
		for _, country := range []string{cell.AllCountries, "KZ"} {
			r.Cells.Cells = append(r.Cells.Cells, cell.Cell{
				Indicator: "RET_CUMULATIVE", Kind: cell.Count, Country: country, Dimension: "region", Category: h,
				Fig: &cell.Figures{Numerator: 3},
			})
		}
	}
	r.Snapshots[0].Source = `</script><script>alert(1)</script>`
	return r
}

// TestWriteHostileText checks that hostile names stay data: the page has
// only its own elements and scripts, no event-handler attribute, and the
// names come back unchanged from the chart options and the table text.
func TestWriteHostileText(t *testing.T) {
	b := writePage(t, hostileReport(t))
	p := parsePage(t, b)
	if len(p.scripts) != 4 {
		t.Errorf("%d script elements, want 4", len(p.scripts))
	}
	walk(p.doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "img" || n.Data == "svg" {
			t.Errorf("hostile text made a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
			}
		}
	})
	// The scripts that run are exactly this package's and ECharts: no
	// hostile text (nor go-echarts' "__f__" function marker) became code.
	own := map[string]bool{}
	for _, name := range []string{"web/guard.js", "web/dashboard.js"} {
		b, err := web.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		own[newlines(string(b))] = true
	}
	echartsJS, err := fs.ReadFile(scriptFS, scriptPath)
	if err != nil {
		t.Fatal(err)
	}
	own[newlines(string(echartsJS))] = true
	for _, s := range p.scripts {
		if s.typ != "application/json" && !own[s.text] {
			t.Errorf("a script that runs is not one of the page's own (%d bytes): %.80q", len(s.text), s.text)
		}
	}
	dc := p.chart(t, "c-RET_CUMULATIVE-region")
	kz := parseOption(t, dc.Countries[1].Option).YAxis[0].Data
	body := text(p.doc)
	for _, h := range hostile {
		if !contains(kz, h) {
			t.Errorf("%q is not a category label of Kazakhstan's region chart", h)
		}
		if !strings.Contains(body, h) {
			t.Errorf("%q is not shown as text in the table", h)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestBuildPrintHeights checks that no chart is printed taller than a page
// of A4, even a breakdown by region with many regions in every country.
func TestBuildPrintHeights(t *testing.T) {
	r := testReport(t, report.Analyst, "quarterly.yaml")
	for i := 0; i < 60; i++ {
		for _, country := range []string{cell.AllCountries, "KZ", "TM", "UZ"} {
			r.Cells.Cells = append(r.Cells.Cells, cell.Cell{
				Indicator: "RET_CUMULATIVE", Kind: cell.Count, Country: country, Dimension: "region",
				Category: "Region " + strconv.Itoa(i), Fig: &cell.Figures{Numerator: 7},
			})
		}
	}
	d, err := build(testView(t, r))
	if err != nil {
		t.Fatal(err)
	}
	tallest := 0
	for _, p := range d.Panels {
		for _, c := range append(p.TrendCards, p.ChartCards...) {
			tallest = max(tallest, c.PrintHeight)
			if c.PrintHeight > maxPrintHeight || c.PrintHeight <= 0 || c.Height <= 0 {
				t.Errorf("%s: height %d, printed %d (at most %d)", c.ID, c.Height, c.PrintHeight, maxPrintHeight)
			}
		}
	}
	if tallest != maxPrintHeight {
		t.Errorf("the tallest chart prints %d high, want the region chart at %d", tallest, maxPrintHeight)
	}
}
