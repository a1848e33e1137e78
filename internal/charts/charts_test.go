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
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"rrstat/internal/cell"
	"rrstat/internal/layout"
	"rrstat/internal/report"
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
	Series []struct {
		Name string `json:"name"`
		Type string `json:"type"`
		Data []struct {
			Value any `json:"value"`
		} `json:"data"`
	} `json:"series"`
}

type axis struct {
	Type string   `json:"type"`
	Data []string `json:"data"`
}

func parsePage(t *testing.T, b []byte) *page {
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

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func findCell(r *report.Report, id, country, dim, cat string) *cell.Cell {
	for i := range r.Cells.Cells {
		c := &r.Cells.Cells[i]
		if c.Indicator == id && c.Country == country && c.Dimension == dim && c.Category == cat {
			return c
		}
	}
	return nil
}

func TestWriteScriptMissing(t *testing.T) {
	saved := scriptFS
	t.Cleanup(func() { scriptFS = saved })
	scriptFS = fstest.MapFS{"assets/README.md": {Data: []byte("run make assets")}}
	err := Write(io.Discard, testReport(t, report.Analyst, "quarterly.yaml"))
	if !errors.Is(err, ErrScriptMissing) {
		t.Fatalf("Write = %v, want ErrScriptMissing", err)
	}
	if !strings.Contains(err.Error(), "make assets") {
		t.Errorf("error %q does not say to run make assets", err)
	}
}

func TestWriteNoLayout(t *testing.T) {
	r := testReport(t, report.Analyst, "quarterly.yaml")
	r.Layout = nil
	if err := Write(io.Discard, r); !errors.Is(err, ErrNoLayout) {
		t.Errorf("Write = %v, want ErrNoLayout", err)
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

// TestWriteChartOptions compares the chart option JSON with the cells: for
// every chart and country, the category axis holds the labels of the
// categories the country has, and the series the values (a gap, "-", where
// a cell is suppressed or has no value, with the symbol in marks).
func TestWriteChartOptions(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		t.Run(string(aud), func(t *testing.T) {
			r := testReport(t, aud, "quarterly.yaml")
			p := parsePage(t, writePage(t, r))
			codes := append([]string{cell.AllCountries}, r.Countries...)
			var gotCountries []string
			for _, c := range p.data.Countries {
				gotCountries = append(gotCountries, c.Code)
			}
			if diff := cmp.Diff(codes, gotCountries); diff != "" {
				t.Errorf("countries (-want +got):\n%s", diff)
			}
			perItem := map[string]int{}
			for _, ch := range p.data.Charts {
				perItem[ch.Indicator]++
				for oi, raw := range ch.Options {
					var o option
					if err := json.Unmarshal(raw, &o); err != nil {
						t.Fatalf("%s option %d: %v", ch.ID, oi, err)
					}
					cats := o.XAxis[0]
					if ch.Horizontal {
						cats = o.YAxis[0]
					}
					if cats.Type != "category" || len(o.Series) != 1 {
						t.Fatalf("%s: category axis %q, %d series", ch.ID, cats.Type, len(o.Series))
					}
					var wantLabels []string
					var wantValues []any
					var wantMarks []string
					for ci, code := range ch.Categories[oi] {
						var c *cell.Cell
						if ch.ByCountry {
							c = findCell(r, ch.Indicator, code, "total", "total")
							wantLabels = append(wantLabels, layout.CountryLabel(code))
						} else {
							c = findCell(r, ch.Indicator, codes[oi], ch.Dimension, code)
							wantLabels = append(wantLabels, layout.CategoryLabel(ch.Dimension, code))
						}
						if c == nil {
							t.Fatalf("%s: category %q of option %d has no cell", ch.ID, code, oi)
						}
						v, ok := c.Float()
						switch {
						case !c.Published():
							wantValues, wantMarks = append(wantValues, "-"), append(wantMarks, SymbolSuppressed)
						case !ok:
							wantValues, wantMarks = append(wantValues, "-"), append(wantMarks, SymbolNoValue)
						default:
							wantValues, wantMarks = append(wantValues, v), append(wantMarks, "")
						}
						_ = ci
					}
					var gotValues []any
					for _, d := range o.Series[0].Data {
						gotValues = append(gotValues, d.Value)
					}
					if diff := cmp.Diff(wantLabels, cats.Data); diff != "" {
						t.Errorf("%s (%s %s) option %d labels (-want +got):\n%s", ch.ID, ch.Indicator, ch.Dimension, oi, diff)
					}
					if diff := cmp.Diff(wantValues, gotValues); diff != "" {
						t.Errorf("%s (%s %s) option %d values (-want +got):\n%s", ch.ID, ch.Indicator, ch.Dimension, oi, diff)
					}
					if diff := cmp.Diff(wantMarks, ch.Marks[oi]); diff != "" {
						t.Errorf("%s (%s %s) option %d marks (-want +got):\n%s", ch.ID, ch.Indicator, ch.Dimension, oi, diff)
					}
				}
				wantOptions := len(codes)
				if ch.ByCountry {
					wantOptions = 1
				}
				if len(ch.Options) != wantOptions {
					t.Errorf("%s has %d options, want %d", ch.ID, len(ch.Options), wantOptions)
				}
			}
			for _, it := range r.Layout.Items {
				// A chart by country plus one per breakdown.
				if want := 1 + len(it.Tables); perItem[it.ID] != want {
					t.Errorf("%s has %d charts, want %d", it.ID, perItem[it.ID], want)
				}
			}
		})
	}
}

// tableFigures reads the table of an indicator's panel: for each row label
// (with its breakdown) the text of each country's cell.
func tableFigures(t *testing.T, p *page, id string) map[[2]string][]string {
	t.Helper()
	var sec *html.Node
	walk(p.doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "section" && attr(n, "id") == "ind-"+id {
			sec = n
		}
	})
	if sec == nil {
		t.Fatalf("no panel for %s", id)
	}
	out := map[[2]string][]string{}
	group := "Total"
	walk(sec, func(n *html.Node) {
		if n.Type != html.ElementNode || n.Data != "tr" || attr(n, "class") == "" && n.Parent.Data == "thead" {
			return
		}
		var cells []string
		head := ""
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.Data {
			case "th":
				head = text(c)
			case "td":
				cells = append(cells, text(c))
			}
		}
		if attr(n, "class") == "group" {
			group = head
			return
		}
		if len(cells) > 0 {
			out[[2]string{group, head}] = cells
		}
	})
	return out
}

// TestWriteDonorHidesSuppressed checks that a suppressed cell shows the
// symbol, never the analyst's figure, in the tables, the headline cards and
// the chart data, and that the page states the rule and k.
func TestWriteDonorHidesSuppressed(t *testing.T) {
	analyst := testReport(t, report.Analyst, "quarterly.yaml")
	donor := testReport(t, report.Donor, "quarterly.yaml")
	p := parsePage(t, writePage(t, donor))
	codes := append([]string{cell.AllCountries}, donor.Countries...)
	suppressed := 0
	for _, it := range donor.Layout.Items {
		figs := tableFigures(t, p, it.ID)
		for _, c := range donor.Cells.Cells {
			if c.Indicator != it.ID || c.Published() {
				continue
			}
			suppressed++
			group := layout.DimensionLabel(c.Dimension)
			row := [2]string{group, layout.CategoryLabel(c.Dimension, c.Category)}
			ci := 0
			for i, code := range codes {
				if code == c.Country {
					ci = i
				}
			}
			got := figs[row]
			if len(got) != len(codes) {
				t.Fatalf("%s row %v: %d cells", it.ID, row, len(got))
			}
			if got[ci] != SymbolSuppressed {
				t.Errorf("%s %v %s shows %q, want %q", it.ID, row, c.Country, got[ci], SymbolSuppressed)
			}
			a := findCell(analyst, c.Indicator, c.Country, c.Dimension, c.Category)
			if v := a.Value(); v != "" && strings.Contains(got[ci], v) {
				t.Errorf("%s %v %s shows the analyst's %s", it.ID, row, c.Country, v)
			}
		}
	}
	if suppressed == 0 {
		t.Fatal("no suppressed cells in the donor fixture")
	}
	// The chart data holds no number where a cell is suppressed (checked
	// value by value in TestWriteChartOptions); here: the page says the
	// rule and k, and has no HTML comment or data attribute with a figure.
	for _, want := range []string{"k = 5", donor.SuppressionRule()} {
		if !strings.Contains(p.raw, want) {
			t.Errorf("page does not state %q", want)
		}
	}
	walk(p.doc, func(n *html.Node) {
		if n.Type == html.CommentNode {
			t.Errorf("page has a comment: %q", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "data-") && a.Key != "data-idx" {
				t.Errorf("unexpected attribute %s=%q", a.Key, a.Val)
			}
		}
	})
	// Headline cards: a suppressed total shows the symbol.
	cards := 0
	walk(p.doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "article" && attr(n, "class") == "card" {
			cards++
		}
	})
	if cards != len(donor.Layout.Headline) {
		t.Errorf("%d headline cards, want %d", cards, len(donor.Layout.Headline))
	}
	if !strings.Contains(p.raw, `<dt>Turkmenistan</dt><dd><span class="sym"`) {
		t.Error("a suppressed headline figure (Turkmenistan, returned to date) does not show the symbol")
	}
}

// TestWriteNotices checks the banners: internal use for analysts, the rule
// for donors, synthetic data when the data is.
func TestWriteNotices(t *testing.T) {
	tests := []struct {
		aud       report.Audience
		synthetic bool
		want      []string
		not       []string
	}{
		{report.Analyst, false, []string{"INTERNAL USE ONLY"}, []string{"SYNTHETIC DATA", "Disclosure control applied"}},
		{report.Analyst, true, []string{"INTERNAL USE ONLY", "SYNTHETIC DATA"}, nil},
		{report.Donor, false, []string{"Disclosure control applied", "Threshold k = 5"}, []string{"INTERNAL USE ONLY", "SYNTHETIC DATA"}},
		{report.Donor, true, []string{"Disclosure control applied", "SYNTHETIC DATA"}, nil},
	}
	for _, tt := range tests {
		r := testReport(t, tt.aud, "quarterly.yaml")
		r.Synthetic = tt.synthetic
		p := parsePage(t, writePage(t, r))
		body := text(p.doc)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s synthetic=%v: page does not say %q", tt.aud, tt.synthetic, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, w) {
				t.Errorf("%s synthetic=%v: page says %q", tt.aud, tt.synthetic, w)
			}
		}
		for _, s := range r.Snapshots {
			for _, w := range []string{s.Source, s.ID, s.ContentSHA256, "2025Q3", "rrstat v1.0.0-test", "5 October 2025, 12:00 UTC"} {
				if !strings.Contains(body, w) {
					t.Errorf("%s: page does not show %q", tt.aud, w)
				}
			}
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
	var labels []string
	for _, ch := range p.data.Charts {
		if ch.Indicator != "RET_CUMULATIVE" || ch.Dimension != "region" {
			continue
		}
		var o option
		if err := json.Unmarshal(ch.Options[0], &o); err != nil {
			t.Fatal(err)
		}
		labels = o.YAxis[0].Data
	}
	body := text(p.doc)
	for _, h := range hostile {
		found := false
		for _, l := range labels {
			found = found || l == h
		}
		if !found {
			t.Errorf("%q is not a category label of the region chart", h)
		}
		if !strings.Contains(body, h) {
			t.Errorf("%q is not shown as text in the table", h)
		}
	}
}

// TestChromium renders dashboards in headless Chromium and checks that
// every chart draws a canvas, that no script error happens and that the
// hostile names run nothing. It is skipped when chromium is not
// installed, unless RRSTAT_REQUIRE_TOOLS=1. With RRSTAT_SCREENSHOTS=DIR it
// also leaves screenshots there.
func TestChromium(t *testing.T) {
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		if os.Getenv("RRSTAT_REQUIRE_TOOLS") == "1" {
			t.Fatal("chromium not found and RRSTAT_REQUIRE_TOOLS=1")
		}
		t.Skip("chromium not found")
	}
	if !realScript {
		if os.Getenv("RRSTAT_REQUIRE_TOOLS") == "1" {
			t.Fatal("internal/charts/assets/echarts.min.js is missing (run `make assets`) and RRSTAT_REQUIRE_TOOLS=1")
		}
		t.Skip("ECharts not fetched: run `make assets`")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	cases := []struct {
		name string
		r    *report.Report
	}{
		{"analyst", testReport(t, report.Analyst, "quarterly.yaml")},
		{"donor", testReport(t, report.Donor, "quarterly.yaml")},
		{"donor-summary", testReport(t, report.Donor, "donor-summary.yaml")},
		{"hostile", hostileReport(t)},
	}
	cases[1].r.Synthetic = true
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "dashboard.html")
			b := writePage(t, c.r)
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			nCharts := len(parsePage(t, b).data.Charts)
			base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--user-data-dir=" + filepath.Join(dir, "profile"), "--virtual-time-budget=5000",
				"--enable-logging=stderr", "--v=0"}
			cmd := exec.Command(bin, append(base, "--dump-dom", "file://"+file)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			done := make(chan struct{})
			var out []byte
			var err error
			go func() { out, err = cmd.Output(); close(done) }()
			select {
			case <-done:
			case <-time.After(2 * time.Minute):
				_ = cmd.Process.Kill()
				t.Fatal("chromium timed out")
			}
			if err != nil {
				t.Fatalf("chromium: %v\n%s", err, stderr.String())
			}
			dom := string(out)
			if m := regexp.MustCompile(`<body[^>]*data-charts="(\d+)"`).FindStringSubmatch(dom); m == nil || m[1] != strconv.Itoa(nCharts) {
				t.Errorf("the dashboard script did not finish: body %q, want data-charts=%d\n%s", regexp.MustCompile(`<body[^>]*>`).FindString(dom), nCharts, consoleLines(stderr.String()))
			}
			if n := strings.Count(dom, "<canvas"); n < nCharts {
				t.Errorf("%d canvases, want %d", n, nCharts)
			}
			if regexp.MustCompile(`<body[^>]*data-errors`).MatchString(dom) {
				t.Errorf("script errors:\n%s", consoleLines(stderr.String()))
			}
			if regexp.MustCompile(`<(html|body)[^>]*data-pwned`).MatchString(dom) {
				t.Error("hostile text ran as script")
			}
			for _, l := range strings.Split(consoleLines(stderr.String()), "\n") {
				if strings.Contains(l, "Uncaught") || strings.Contains(l, "Content Security Policy") || strings.Contains(l, "Refused") {
					t.Errorf("console: %s", l)
				}
			}
			if dst := os.Getenv("RRSTAT_SCREENSHOTS"); dst != "" {
				shot := filepath.Join(dst, c.name+".png")
				cmd := exec.Command(bin, append(base, "--hide-scrollbars", "--window-size=1280,2400", "--screenshot="+shot, "file://"+file)...)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Logf("screenshot: %v\n%s", err, out)
				}
			}
		})
	}
}

// consoleLines returns the console messages in Chromium's log.
func consoleLines(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "CONSOLE") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestWriteChartKinds checks that a layout's chart kind reaches the
// option: bar is horizontal, column vertical, line a line.
func TestWriteChartKinds(t *testing.T) {
	tests := []struct {
		kind, series, category string
		horizontal             bool
	}{
		{"bar", "bar", "yAxis", true},
		{"column", "bar", "xAxis", false},
		{"line", "line", "xAxis", false},
	}
	for _, tt := range tests {
		r := testReport(t, report.Analyst, "quarterly.yaml")
		it := r.Layout.Lookup("CASE_OPEN")
		it.Chart.Kind = tt.kind
		p := parsePage(t, writePage(t, r))
		found := false
		for _, ch := range p.data.Charts {
			if ch.Indicator != "CASE_OPEN" || ch.Dimension != it.Chart.Dimension {
				continue
			}
			found = true
			var o option
			if err := json.Unmarshal(ch.Options[0], &o); err != nil {
				t.Fatal(err)
			}
			cat := o.XAxis[0]
			if tt.horizontal {
				cat = o.YAxis[0]
			}
			if o.Series[0].Type != tt.series || cat.Type != "category" || ch.Horizontal != tt.horizontal {
				t.Errorf("kind %s: series %q, %s type %q, horizontal %v", tt.kind, o.Series[0].Type, tt.category, cat.Type, ch.Horizontal)
			}
		}
		if !found {
			t.Errorf("kind %s: no chart of CASE_OPEN by %s", tt.kind, it.Chart.Dimension)
		}
	}
}
