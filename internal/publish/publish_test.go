package publish_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rrstat/internal/cell"
	"rrstat/internal/duckdb"
	"rrstat/internal/indicator"
	"rrstat/internal/layout"
	"rrstat/internal/period"
	"rrstat/internal/publish"
	"rrstat/internal/report"
	"rrstat/internal/source"
	"rrstat/queries"
	"rrstat/reports"
)

var loadAt = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

type fixture struct {
	store *duckdb.Store
	cat   indicator.Catalogue
	lay   *layout.Layout
}

func sampleStore(t *testing.T) *fixture {
	t.Helper()
	return sampleStoreAt(t, filepath.Join(t.TempDir(), "store.duckdb"))
}

// openFixture opens the store at path with the catalogue and the default
// layout.
func openFixture(t *testing.T, path string) *fixture {
	t.Helper()
	s, err := duckdb.Open(context.Background(), path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	lay, err := layout.Load(reports.FS, reports.Default, cat)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{s, cat, lay}
}

// sampleStoreAt loads the three sample exports into a store at path.
func sampleStoreAt(t *testing.T, path string) *fixture {
	t.Helper()
	ctx := context.Background()
	s, err := duckdb.Open(ctx, path, duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, c := range []string{"UZ", "KZ", "TM"} {
		ex, err := source.Open(filepath.Join("..", "..", "testdata", "sample", "export-"+c), source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Load(ctx, ex, duckdb.LoadOptions{Now: loadAt})
		ex.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	lay, err := layout.Load(reports.FS, reports.Default, cat)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{s, cat, lay}
}

func (f *fixture) make(t *testing.T, ctx context.Context, per string, aud report.Audience, out string) (*publish.Manifest, error) {
	t.Helper()
	p, err := period.Parse(per)
	if err != nil {
		t.Fatal(err)
	}
	return publish.Make(ctx, duckdb.Held{Store: f.store}, f.cat, publish.Request{Period: p, Audience: aud, K: 5, Params: report.DefaultParams,
		Layout: f.lay, Out: out, Version: "test", Now: loadAt})
}

// TestFolderReplacedOnlyWhenComplete: a report that fails on the way
// leaves no partial folder and keeps the older complete one.
func TestFolderReplacedOnlyWhenComplete(t *testing.T) {
	f := sampleStore(t)
	out := filepath.Join(t.TempDir(), "reports", "q3")
	if _, err := f.make(t, context.Background(), "2025Q3", report.Analyst, out); err != nil {
		t.Fatal(err)
	}
	before, err := publish.Verify(out)
	if err != nil {
		t.Fatal(err)
	}
	// Cancel the second report while it writes: the context is checked
	// between files.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.make(t, ctx, "2024", report.Analyst, out); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	after, err := publish.Verify(out)
	if err != nil {
		t.Fatalf("the old report is damaged: %v", err)
	}
	if after.Period.Label != before.Period.Label || after.Files[0].SHA256 != before.Files[0].SHA256 {
		t.Errorf("the old report was replaced")
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("left behind: %v", names)
	}
	// A complete new report replaces the old one.
	if _, err := f.make(t, context.Background(), "2024", report.Analyst, out); err != nil {
		t.Fatal(err)
	}
	if m, err := publish.Verify(out); err != nil || m.Period.Label != "2024" {
		t.Errorf("new report: %v %v", m, err)
	}
}

// TestDonorFolderLeaks takes a donor report, lists the analyst figures of
// its suppressed cells, and searches every file of the donor folder (the
// workbook's XML parts and the dashboard's data included) for them at
// every precision they could be written in. A figure that a published cell
// of the same report shares is no leak (disclosure.md, rule 5).
func TestDonorFolderLeaks(t *testing.T) {
	f := sampleStore(t)
	dir := t.TempDir()
	for _, per := range []string{"2025Q3", "2024"} {
		t.Run(per, func(t *testing.T) {
			analyst, donor := filepath.Join(dir, per+"-a"), filepath.Join(dir, per+"-d")
			if _, err := f.make(t, context.Background(), per, report.Analyst, analyst); err != nil {
				t.Fatal(err)
			}
			m, err := f.make(t, context.Background(), per, report.Donor, donor)
			if err != nil {
				t.Fatal(err)
			}
			if m.Cells.Suppressed == 0 {
				t.Fatal("the sample should have suppressed cells")
			}
			a := readCells(t, f.cat, analyst)
			d := readCells(t, f.cat, donor)
			published := map[string]bool{}
			var secret []figure
			for i := range d.Cells {
				dc, ac := &d.Cells[i], &a.Cells[i]
				if dc.Key() != ac.Key() {
					t.Fatalf("row %d: %v vs %v", i, dc.Key(), ac.Key())
				}
				if dc.Published() {
					for _, fg := range figures(dc) {
						for _, s := range fg.renderings() {
							published[s] = true
						}
					}
					continue
				}
				if dc.Fig != nil {
					t.Errorf("%v: suppressed with figures", dc.Key())
				}
				secret = append(secret, figures(ac)...)
			}
			// Rule 5: a figure published elsewhere in the folder is no leak:
			// the trend window of series.csv, and the changes of the
			// headline figures, worked out from published values only.
			for _, fg := range seriesFigures(t, f, donor, per) {
				for _, s := range fg.renderings() {
					published[s] = true
				}
			}
			tokens := folderTokens(t, donor)
			leaks := 0
			for _, fg := range secret {
				for _, s := range fg.renderings() {
					if published[s] {
						continue // shared with a published cell: rule 5
					}
					if where, ok := tokens[s]; ok {
						leaks++
						t.Errorf("suppressed %s (%s) appears as %q in %s", fg.what, fg.key, s, where)
					}
				}
			}
			t.Logf("%d suppressed figures checked against %d tokens", len(secret), len(tokens))
		})
	}
}

// seriesFigures returns the figures of the published cells of series.csv
// in dir and the changes of the layout's headline figures against the
// periods a report of per compares with, as the Summary shows them.
func seriesFigures(t *testing.T, f *fixture, dir, per string) []figure {
	t.Helper()
	tabs := readSeries(t, f.cat, dir)
	var out []figure
	totals := map[[3]string]*cell.Cell{} // period, indicator, country
	for label, tab := range tabs {
		for i := range tab.Cells {
			c := &tab.Cells[i]
			if !c.Published() {
				continue
			}
			out = append(out, figures(c)...)
			if c.Dimension == cell.TotalDimension {
				totals[[3]string{label, c.Indicator, c.Country}] = c
			}
		}
	}
	p, err := period.Parse(per)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range f.lay.Headline {
		for k, now := range totals {
			if k[0] != p.Label || k[1] != id || !now.HasValue() {
				continue
			}
			for _, q := range report.CompareWith(p) {
				then := totals[[3]string{q.Label, id, k[2]}]
				if then == nil || !then.HasValue() {
					continue
				}
				a, _ := new(big.Rat).SetString(now.Value())
				z, _ := new(big.Rat).SetString(then.Value())
				d := a.Sub(a, z)
				places := map[cell.Kind]int{cell.Count: 0, cell.Percentage: 1, cell.Mean: 3}[now.Kind]
				out = append(out, figure{now.Key(), "change", d.Abs(d), places, false})
			}
		}
	}
	return out
}

// figure is one number of a cell: a count, numerator, denominator or value.
type figure struct {
	key  cell.Key
	what string
	v    *big.Rat
	// decimals is the precision the figure is published at.
	decimals int
	percent  bool
}

func figures(c *cell.Cell) []figure {
	k := c.Key()
	switch c.Kind {
	case cell.Count:
		if c.Fig.Numerator == 0 {
			return nil
		}
		return []figure{{k, "count", big.NewRat(c.Fig.Numerator, 1), 0, false}}
	case cell.Percentage:
		out := []figure{
			{k, "numerator", big.NewRat(c.Fig.Numerator, 1), 0, false},
			{k, "denominator", big.NewRat(c.Fig.Denominator, 1), 0, false},
		}
		if c.Fig.Denominator > 0 {
			out = append(out, figure{k, "percentage", big.NewRat(100*c.Fig.Numerator, c.Fig.Denominator), 1, true})
		}
		return out
	case cell.Mean:
		out := []figure{{k, "persons", big.NewRat(c.Fig.Denominator, 1), 0, false}}
		if c.Fig.Denominator > 0 {
			out = append(out, figure{k, "mean", new(big.Rat).Quo(c.Fig.Sum, big.NewRat(c.Fig.Denominator, 1)), 3, false})
		}
		return out
	}
	return nil
}

// renderings are the texts the figure could be written as: an integer as
// itself; a percentage or mean at its own precision and one or two more or
// fewer decimals (never as a bare integer: that is how small labels such
// as "0-4" or "k = 5" read), a percentage also as a fraction (the
// workbook's Excel percentages: 0.716, and 1 for 100 per cent).
func (f figure) renderings() []string {
	if f.decimals == 0 && f.v.IsInt() {
		return []string{f.v.Num().String()}
	}
	var out []string
	for d := max(1, f.decimals-1); d <= f.decimals+2; d++ {
		out = append(out, cell.FormatRat(f.v, d))
	}
	if f.percent {
		frac := new(big.Rat).Quo(f.v, big.NewRat(100, 1))
		if frac.IsInt() {
			out = append(out, frac.Num().String()) // the workbook stores 100.0% as 1
		}
		for d := 3; d <= 5; d++ {
			out = append(out, cell.FormatRat(frac, d))
		}
	}
	return out
}

func readCells(t *testing.T, cat indicator.Catalogue, dir string) *cell.Table {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, publish.FileIndicators))
	if err != nil {
		t.Fatal(err)
	}
	tab, err := cell.ReadCSV(bytes.NewReader(b), cat.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// readSeries reads the series.csv of a report folder, one table per
// period.
func readSeries(t *testing.T, cat indicator.Catalogue, dir string) map[string]*cell.Table {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, publish.FileSeries))
	if err != nil {
		t.Fatal(err)
	}
	tabs, err := cell.ReadCSVPeriods(bytes.NewReader(b), cat.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	return tabs
}

var (
	reNumber   = regexp.MustCompile(`\d+(?:\.\d+)?`)
	reDateLike = regexp.MustCompile(`\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?|\d{4}Q\d|\d{2}:\d{2}(?::\d{2})?`)
	// A text that is only a figure: "3", "1,917", "33.3 %", "(3)".
	reFigure = regexp.MustCompile(`^\(?[\d,]+(?:\.\d+)?\)?\s*%?$`)
)

// folderTokens returns the numbers written in the donor folder, with where
// each was found. A number in a data position (a field of indicators.csv, a
// numeric cell or chart value of the workbook, a chart value of the
// dashboard, or a text that is nothing but a figure) counts whatever its
// form; in running text (titles, notes, labels such as "0-4" or "k = 5")
// only numbers with decimals count, since small integers are everywhere in
// words. Dates, periods and times are not figures.
func folderTokens(t *testing.T, dir string) map[string]string {
	t.Helper()
	tokens := map[string]string{}
	add := func(text, where string, data bool) {
		text = strings.TrimSpace(text)
		if reFigure.MatchString(text) && !strings.Contains(where, "attribute") && !strings.Contains(where, "chart") {
			data = true
			text = strings.ReplaceAll(text, ",", "")
		}
		text = reDateLike.ReplaceAllString(text, " ")
		for _, n := range reNumber.FindAllString(text, -1) {
			if !data && !strings.Contains(n, ".") {
				continue
			}
			if _, ok := tokens[n]; !ok {
				tokens[n] = where
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, publish.FileIndicators))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n")[1:] {
		if f := strings.Split(line, ","); len(f) == 9 {
			for _, v := range f[5:8] {
				add(v, "indicators.csv", true)
			}
		}
	}
	zr, err := zip.OpenReader(filepath.Join(dir, publish.FileWorkbook))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, zf := range zr.File {
		if !strings.HasSuffix(zf.Name, ".xml") || strings.HasPrefix(zf.Name, "xl/drawings/") {
			continue // drawings hold only anchors (cell positions)
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(rc)
		numericCell, numCache := false, false
		var stack []string
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", zf.Name, err)
			}
			switch x := tok.(type) {
			case xml.StartElement:
				stack = append(stack, x.Name.Local)
				switch x.Name.Local {
				case "c":
					numericCell = true
					for _, a := range x.Attr {
						if a.Name.Local == "t" && a.Value != "n" {
							numericCell = false
						}
					}
				case "numCache", "numLit":
					numCache = true
				}
			case xml.EndElement:
				stack = stack[:len(stack)-1]
				if x.Name.Local == "numCache" || x.Name.Local == "numLit" {
					numCache = false
				}
			case xml.CharData:
				el := ""
				if len(stack) > 0 {
					el = stack[len(stack)-1]
				}
				data := (el == "v" && (numericCell || numCache))
				add(string(x), "report.xlsx "+zf.Name, data)
			}
		}
		rc.Close()
	}
	hb, err := os.ReadFile(filepath.Join(dir, publish.FileDashboard))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(hb))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				// Attributes are running text, except one meant to hold a value.
				add(a.Val, "dashboard.html attribute "+a.Key, strings.Contains(a.Key, "value"))
			}
			if n.Data == "script" || n.Data == "style" {
				if n.Data == "script" && attr(n, "type") == "application/json" && n.FirstChild != nil {
					var v any
					if err := json.Unmarshal([]byte(n.FirstChild.Data), &v); err != nil {
						t.Fatalf("dashboard data: %v", err)
					}
					jsonData(v, "", func(s string, data bool) { add(s, "dashboard.html chart data", data) })
				}
				return // code, not data
			}
		}
		if n.Type == html.TextNode {
			add(n.Data, "dashboard.html text", false)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return tokens
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// jsonData calls add for every value the chart data carries: numbers under
// "value" or in "data" arrays, and every string as running text (labels;
// the styling numbers and strings of the options, such as margins, are not
// data).
func jsonData(v any, key string, add func(string, bool)) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			jsonData(e, k, add)
		}
	case []any:
		for _, e := range x {
			jsonData(e, key, add)
		}
	case float64:
		if key == "value" || key == "data" {
			add(strconv.FormatFloat(x, 'f', -1, 64), true)
		}
	case string:
		add(x, false)
	}
}
