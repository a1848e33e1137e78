package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"rrstat/internal/cell"
	"rrstat/internal/export"
	"rrstat/internal/labels"
	"rrstat/internal/layout"
	"rrstat/internal/report"
	"rrstat/internal/target"
	"rrstat/internal/view"
)

func openBook(t *testing.T, data []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// zipFiles returns the parts of a workbook by name.
func zipFiles(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[zf.Name] = string(b)
	}
	return out
}

// rows returns a sheet's rows with raw values (numbers as stored).
func rows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rs, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func at(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

// numberFormat returns the custom number format of a cell.
func numberFormat(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

// stored is how the workbook must store a cell's value: a count as it is,
// a percentage as a fraction (71.6 as 0.716), a mean as it is.
func stored(c *cell.Cell) *big.Rat {
	r, ok := new(big.Rat).SetString(c.Value())
	if !ok {
		return nil
	}
	if c.Kind == cell.Percentage {
		r.Quo(r, big.NewRat(100, 1))
	}
	return r
}

// sameNumber reports whether a raw cell value is the number want exactly.
func sameNumber(raw string, want *big.Rat) bool {
	got, ok := new(big.Rat).SetString(raw)
	return ok && want != nil && got.Cmp(want) == 0
}

func TestWriteSheetNames(t *testing.T) {
	r := testReport(t, report.Analyst, "quarterly.yaml")
	l := english(t, r)
	quarterly := []string{"Summary", "Trends"}
	for _, it := range r.Layout.Items {
		quarterly = append(quarterly, l.Indicator(it.ID, "title"))
	}
	analyst := append(slices.Clone(quarterly), "Definitions", "Data quality", "About", "Chart data")
	donor := append(slices.Clone(quarterly), "Definitions", "About", "Chart data")
	tests := []struct {
		aud    report.Audience
		layout string
		edit   func(*layout.Layout)
		want   []string
	}{
		{report.Analyst, "quarterly.yaml", nil, analyst},
		// A donor workbook has no Data quality sheet: load summaries are
		// for the analysis team.
		{report.Donor, "quarterly.yaml", nil, donor},
		{report.Donor, "donor-summary.yaml", nil, []string{"Summary", "Trends", "Definitions", "About"}},
		// About is kept for a donor even when the layout switches it off:
		// it states the rule and k.
		{report.Donor, "donor-summary.yaml", func(l *layout.Layout) { l.Sheets.About = false }, []string{"Summary", "Trends", "Definitions", "About"}},
		{report.Analyst, "donor-summary.yaml", func(l *layout.Layout) { l.Sheets.About, l.Sheets.Trends = false, false }, []string{"Summary", "Definitions"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s-%s", tt.aud, tt.layout), func(t *testing.T) {
			r := testReport(t, tt.aud, tt.layout)
			if tt.edit != nil {
				tt.edit(r.Layout)
			}
			f := openBook(t, writeBook(t, build(t, r, nil)))
			if diff := cmp.Diff(tt.want, f.GetSheetList()); diff != "" {
				t.Errorf("sheets (-want +got):\n%s", diff)
			}
			if f.GetActiveSheetIndex() != 0 {
				t.Errorf("active sheet %d, want the Summary", f.GetActiveSheetIndex())
			}
			for _, s := range f.GetSheetList() {
				visible, err := f.GetSheetVisible(s)
				if err != nil {
					t.Fatal(err)
				}
				if visible == (s == "Chart data") {
					t.Errorf("sheet %s visible = %v", s, visible)
				}
			}
		})
	}
}

func TestWriteNilView(t *testing.T) {
	if err := Write(io.Discard, nil); !errors.Is(err, ErrNoView) {
		t.Errorf("Write(nil) = %v, want ErrNoView", err)
	}
}

// position is where an indicator's table shows a cell: the cells of its
// value and (percentage, mean) its base, and what they hold.
type position struct {
	sheet, valueRef, baseRef string
	value, base              string
}

// tablePositions reads an indicator sheet's table back and maps every
// cell key it shows to its position, from the row labels (Total, a
// breakdown heading, its categories) and the country headings, in the
// English labels.
func tablePositions(t *testing.T, f *excelize.File, r *report.Report, l *labels.Labels, it *layout.Item) map[cell.Key]position {
	t.Helper()
	sheet := l.Indicator(it.ID, "title")
	ind := r.Catalogue.Lookup(it.ID)
	rs := rows(t, f, sheet)
	countries := append([]string{cell.AllCountries}, r.Countries...)
	header := slices.IndexFunc(rs, func(row []string) bool { return at(row, 0) == "Breakdown" })
	if header < 0 {
		t.Fatalf("%s: no table header", sheet)
	}
	for j, c := range countries {
		if got := at(rs[header], 1+j); got != l.Country(c) {
			t.Fatalf("%s: column %d is %q, want %q", sheet, 2+j, got, l.Country(c))
		}
	}
	dimOf := map[string]string{}
	cats := map[string]map[string]string{} // dimension -> label -> category
	for _, d := range it.Tables {
		dimOf[l.Dimension(d)] = d
		cats[d] = map[string]string{}
	}
	for i := range r.Cells.Cells {
		c := &r.Cells.Cells[i]
		if c.Indicator == it.ID && cats[c.Dimension] != nil {
			cats[c.Dimension][l.Category(c.Dimension, c.Category)] = c.Category
		}
	}
	out := map[cell.Key]position{}
	dim := cell.TotalDimension
	nc := len(countries)
	for i := header + 1; i < len(rs) && at(rs[i], 0) != ""; i++ {
		row := rs[i]
		label, cat := row[0], ""
		switch {
		case label == "Total" && dim == cell.TotalDimension:
			cat = cell.TotalDimension
		case dimOf[label] != "" && strings.Join(row[1:], "") == "":
			dim = dimOf[label]
			continue
		default:
			var ok bool
			if cat, ok = cats[dim][label]; !ok {
				t.Fatalf("%s row %d: unknown label %q in %s", sheet, i+1, label, dim)
			}
		}
		for j, country := range countries {
			p := position{sheet: sheet, valueRef: cellName(2+j, i+1), value: at(row, 1+j)}
			if ind.Kind != cell.Count {
				p.baseRef, p.base = cellName(2+nc+j, i+1), at(row, 1+nc+j)
			}
			out[cell.Key{Indicator: it.ID, Country: country, Dimension: dim, Category: cat}] = p
		}
	}
	return out
}

// checkCell compares what a table shows with a cell of indicators.csv.
func checkCell(t *testing.T, f *excelize.File, c *cell.Cell, p position) {
	t.Helper()
	switch {
	case !c.Published():
		if p.value != "x" {
			t.Errorf("%s!%s (%v, %s) = %q, want x", p.sheet, p.valueRef, c.Key(), c.Flag, p.value)
		}
		if p.baseRef != "" && p.base != "x" {
			t.Errorf("%s!%s (base of %v) = %q, want x", p.sheet, p.baseRef, c.Key(), p.base)
		}
		return
	case !c.HasValue():
		if p.value != "–" {
			t.Errorf("%s!%s (%v) = %q, want –", p.sheet, p.valueRef, c.Key(), p.value)
		}
	default:
		if !sameNumber(p.value, stored(c)) {
			t.Errorf("%s!%s (%v) = %q, want %s stored as %s", p.sheet, p.valueRef, c.Key(), p.value, c.Value(), stored(c).FloatString(4))
		}
		if typ, _ := f.GetCellType(p.sheet, p.valueRef); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s!%s (%v) has type %v, want a number", p.sheet, p.valueRef, c.Key(), typ)
		}
	}
	if p.baseRef != "" && p.base != strconv.FormatInt(c.Fig.Denominator, 10) {
		t.Errorf("%s!%s (base of %v) = %q, want %d", p.sheet, p.baseRef, c.Key(), p.base, c.Fig.Denominator)
	}
}

// TestWriteValues reads every indicator sheet back and checks that every
// cell of indicators.csv is shown at its place: a published value as the
// number indicators.csv writes (a percentage as its fraction) with its
// base, a suppressed one as x with no base, one without value as –.
func TestWriteValues(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		t.Run(string(aud), func(t *testing.T) {
			r := testReport(t, aud, "quarterly.yaml")
			l := english(t, r)
			f := openBook(t, writeBook(t, build(t, r, l)))
			seen := 0
			for i := range r.Layout.Items {
				it := &r.Layout.Items[i]
				pos := tablePositions(t, f, r, l, it)
				for j := range r.Cells.Cells {
					c := &r.Cells.Cells[j]
					if c.Indicator != it.ID {
						continue
					}
					p, ok := pos[c.Key()]
					if !ok {
						t.Errorf("%v is not shown on its sheet", c.Key())
						continue
					}
					seen++
					checkCell(t, f, c, p)
				}
			}
			if seen != len(r.Cells.Cells) {
				t.Errorf("found %d of %d cells on the indicator sheets", seen, len(r.Cells.Cells))
			}
		})
	}
}

// TestWriteNumberFormats checks the formats: a count grouped, a percentage
// an Excel percentage (stored 0.716, shown 71.6%), a mean with three
// decimals, a base a count.
func TestWriteNumberFormats(t *testing.T) {
	r := testReport(t, report.Analyst, "quarterly.yaml")
	l := english(t, r)
	f := openBook(t, writeBook(t, build(t, r, l)))
	tests := []struct {
		id, country string
		base        bool
		want        string
	}{
		{"RET_ARRIVED", "ALL", false, FormatCount},
		{"NEED_MET", "KZ", false, FormatPercent},
		{"NEED_MET", "KZ", true, FormatCount},
		{"OUT_SCORE", "UZ", false, FormatMean},
		{"OUT_SCORE", "UZ", true, FormatCount},
	}
	for _, tt := range tests {
		it := r.Layout.Lookup(tt.id)
		p := tablePositions(t, f, r, l, it)[cell.Key{Indicator: tt.id, Country: tt.country, Dimension: "total", Category: "total"}]
		ref := p.valueRef
		if tt.base {
			ref = p.baseRef
		}
		if got := numberFormat(t, f, p.sheet, ref); got != tt.want {
			t.Errorf("%s!%s number format = %q, want %q", p.sheet, ref, got, tt.want)
		}
	}
	it := r.Layout.Lookup("RET_CHILD_SHARE")
	p := tablePositions(t, f, r, l, it)[cell.Key{Indicator: "RET_CHILD_SHARE", Country: "ALL", Dimension: "total", Category: "total"}]
	if p.value != "0.716" {
		t.Errorf("RET_CHILD_SHARE ALL is stored as %q, want 0.716", p.value)
	}
	if got, _ := f.GetCellValue(p.sheet, p.valueRef); got != "71.6%" {
		t.Errorf("RET_CHILD_SHARE ALL shows %q, want 71.6%%", got)
	}
}

// total returns the total cell of an indicator and country in a period of
// the report, or nil.
func total(r *report.Report, period, id, country string) *cell.Cell {
	tab := r.Table(period)
	if tab == nil {
		return nil
	}
	for i := range tab.Cells {
		c := &tab.Cells[i]
		if c.Indicator == id && c.Country == country && c.Dimension == cell.TotalDimension {
			return c
		}
	}
	return nil
}

// wantChange is the change series.md defines, worked out from the cells:
// nil when either value is empty or suppressed.
func wantChange(now, then *cell.Cell) *big.Rat {
	if now == nil || then == nil || !now.Published() || !then.Published() || !now.HasValue() || !then.HasValue() {
		return nil
	}
	a, _ := new(big.Rat).SetString(now.Value())
	z, _ := new(big.Rat).SetString(then.Value())
	return a.Sub(a, z)
}

// TestWriteSummary reads the Summary back: under each headline indicator a
// row per country with its value, its change against the previous quarter
// and the same quarter a year earlier (signed formats, percentage points
// for a percentage; – when absent), and the target and share achieved.
func TestWriteSummary(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		t.Run(string(aud), func(t *testing.T) {
			r := withTargets(t, testReport(t, aud, "quarterly.yaml"))
			l := english(t, r)
			f := openBook(t, writeBook(t, build(t, r, l)))
			rs := rows(t, f, "Summary")
			header := slices.IndexFunc(rs, func(row []string) bool { return at(row, 0) == "Country" })
			if header < 0 {
				t.Fatal("Summary: no table header")
			}
			want := []string{"Country", "Value", "Change since 2025Q2", "Change since 2024Q3", "Target", "Achieved (%)"}
			if diff := cmp.Diff(want, rs[header]); diff != "" {
				t.Errorf("Summary header (-want +got):\n%s", diff)
			}
			countries := append([]string{cell.AllCountries}, r.Countries...)
			i := header + 1
			changes, targets := 0, 0
			for _, id := range r.Layout.Headline {
				ind := r.Catalogue.Lookup(id)
				if got := at(rs[i], 0); got != l.Indicator(id, "name") {
					t.Fatalf("Summary row %d is %q, want the heading %q", i+1, got, l.Indicator(id, "name"))
				}
				i++
				for _, country := range countries {
					row := rs[i]
					if at(row, 0) != l.Country(country) {
						t.Fatalf("Summary row %d is %q, want %s", i+1, at(row, 0), l.Country(country))
					}
					now := total(r, "2025Q3", id, country)
					checkCell(t, f, now, position{sheet: "Summary", valueRef: cellName(2, i+1), value: at(row, 1)})
					for k, per := range []string{"2025Q2", "2024Q3"} {
						ref := cellName(3+k, i+1)
						ch := wantChange(now, total(r, per, id, country))
						if ch == nil {
							if at(row, 2+k) != "–" {
								t.Errorf("Summary!%s (%s %s since %s) = %q, want –", ref, id, country, per, at(row, 2+k))
							}
							continue
						}
						changes++
						if !sameNumber(at(row, 2+k), ch) {
							t.Errorf("Summary!%s (%s %s since %s) = %q, want %s", ref, id, country, per, at(row, 2+k), ch.FloatString(3))
						}
						wantFmt := map[cell.Kind]string{cell.Count: FormatChangeCount, cell.Percentage: `+0.0" pp";-0.0" pp";0.0" pp"`, cell.Mean: FormatChangeMean}[ind.Kind]
						if got := numberFormat(t, f, "Summary", ref); got != wantFmt {
							t.Errorf("Summary!%s format %q, want %q", ref, got, wantFmt)
						}
					}
					tg := r.Targets.Lookup(id, country, "2025Q3")
					if tg == nil {
						if at(row, 4) != "" || at(row, 5) != "" {
							t.Errorf("Summary row %d (%s %s) has a target %q/%q", i+1, id, country, at(row, 4), at(row, 5))
						}
					} else {
						targets++
						tv := new(big.Rat).Set(tg.Value)
						if ind.Kind == cell.Percentage {
							tv.Quo(tv, big.NewRat(100, 1))
						}
						if !sameNumber(at(row, 4), tv) {
							t.Errorf("Summary target of %s %s = %q, want %s", id, country, at(row, 4), tg.Text)
						}
						a := ""
						if now.Published() {
							a = target.Achieved(now.Value(), tg)
						}
						if a == "" {
							if at(row, 5) != "–" {
								t.Errorf("Summary achieved of %s %s = %q, want –", id, country, at(row, 5))
							}
						} else {
							av, _ := new(big.Rat).SetString(a)
							if !sameNumber(at(row, 5), av.Quo(av, big.NewRat(100, 1))) || numberFormat(t, f, "Summary", cellName(6, i+1)) != FormatPercent {
								t.Errorf("Summary achieved of %s %s = %q, want %s%% as a percentage", id, country, at(row, 5), a)
							}
						}
					}
					i++
				}
			}
			if changes == 0 || targets == 0 {
				t.Errorf("%d changes and %d targets checked", changes, targets)
			}
		})
	}
}

// TestWriteTrends reads the Trends sheet back: a heading per indicator, a
// row per country with the totals of the window, and under a country with
// targets its target and share achieved.
func TestWriteTrends(t *testing.T) {
	r := withTargets(t, testReport(t, report.Donor, "quarterly.yaml"))
	l := english(t, r)
	f := openBook(t, writeBook(t, build(t, r, l)))
	rs := rows(t, f, "Trends")
	header := slices.IndexFunc(rs, func(row []string) bool { return at(row, 0) == "Country" })
	if header < 0 {
		t.Fatal("Trends: no header")
	}
	var periods []string
	for _, p := range r.WindowPeriods() {
		periods = append(periods, p.Label)
	}
	if diff := cmp.Diff(append([]string{"Country"}, periods...), rs[header]); diff != "" {
		t.Errorf("Trends header (-want +got):\n%s", diff)
	}
	i := header + 1
	suppressed := 0
	for _, it := range r.Layout.Items {
		if at(rs[i], 0) != l.Indicator(it.ID, "name") {
			t.Fatalf("Trends row %d is %q, want %q", i+1, at(rs[i], 0), l.Indicator(it.ID, "name"))
		}
		i++
		for _, country := range append([]string{cell.AllCountries}, r.Countries...) {
			if at(rs[i], 0) != l.Country(country) {
				t.Fatalf("Trends row %d is %q, want %q", i+1, at(rs[i], 0), l.Country(country))
			}
			hasTarget := false
			for j, per := range periods {
				c := total(r, per, it.ID, country)
				if !c.Published() {
					suppressed++
				}
				checkCell(t, f, c, position{sheet: "Trends", valueRef: cellName(2+j, i+1), value: at(rs[i], 1+j)})
				hasTarget = hasTarget || r.Targets.Lookup(it.ID, country, per) != nil
			}
			i++
			if !hasTarget {
				continue
			}
			if at(rs[i], 0) != "Target" || at(rs[i+1], 0) != "Achieved (%)" {
				t.Fatalf("Trends rows %d-%d are %q, %q, want the target and achieved", i+1, i+2, at(rs[i], 0), at(rs[i+1], 0))
			}
			for j, per := range periods {
				tg := r.Targets.Lookup(it.ID, country, per)
				if tg == nil {
					if at(rs[i], 1+j) != "" {
						t.Errorf("Trends!%s = %q, want no target", cellName(2+j, i+1), at(rs[i], 1+j))
					}
					continue
				}
				if g, _ := new(big.Rat).SetString(at(rs[i], 1+j)); g == nil {
					t.Errorf("Trends!%s target = %q", cellName(2+j, i+1), at(rs[i], 1+j))
				}
			}
			i += 2
		}
	}
	if suppressed == 0 {
		t.Error("no suppressed trend point checked")
	}
}

// chartParts returns the chart XML parts of the drawing of a sheet (1-based
// sheet index in the workbook), in order.
func sheetCharts(t *testing.T, parts map[string]string, sheet int) []string {
	t.Helper()
	rels := parts[fmt.Sprintf("xl/worksheets/_rels/sheet%d.xml.rels", sheet)]
	m := regexp.MustCompile(`Target="\.\./drawings/(drawing\d+\.xml)"`).FindStringSubmatch(rels)
	if m == nil {
		return nil
	}
	drels := parts["xl/drawings/_rels/"+m[1]+".rels"]
	var out []string
	for _, c := range regexp.MustCompile(`Target="\.\./charts/(chart\d+\.xml)"`).FindAllStringSubmatch(drels, -1) {
		out = append(out, parts["xl/charts/"+c[1]])
	}
	return out
}

// TestWriteCharts checks the charts of every indicator sheet: the
// breakdown and two line charts of the trend window (countries, All
// countries), every series drawn from the hidden data sheet, with its own
// colour, axis titles, the legend at the bottom, targets dashed, and the
// 0-100 % axis of a percentage.
func TestWriteCharts(t *testing.T) {
	r := withTargets(t, testReport(t, report.Analyst, "quarterly.yaml"))
	v := build(t, r, nil)
	data := writeBook(t, v)
	parts := zipFiles(t, data)
	dashed := 0
	for i, p := range v.Panels {
		charts := sheetCharts(t, parts, 3+i) // Summary, Trends, then the panels
		if len(charts) != 3 {
			t.Fatalf("%s: %d charts, want 3", p.Title, len(charts))
		}
		lines := 0
		for _, body := range charts {
			if strings.Contains(body, "<lineChart>") {
				lines++
			}
			for _, ref := range regexp.MustCompile(`<f>([^<]*)</f>`).FindAllStringSubmatch(body, -1) {
				if !strings.HasPrefix(strings.ReplaceAll(ref[1], "&#39;", "'"), "'Chart data'!") {
					t.Errorf("%s: a chart refers to %s, not the data sheet", p.Title, ref[1])
				}
			}
			if !strings.Contains(body, `<legendPos val="b">`) {
				t.Errorf("%s: legend not at the bottom", p.Title)
			}
			if !strings.Contains(body, "<a:t>"+xmlText(p.Charts[0].Axis.Title)+"</a:t>") {
				t.Errorf("%s: no axis title %q", p.Title, p.Charts[0].Axis.Title)
			}
			if strings.Contains(body, "<c:pt ") || strings.Contains(body, "<pt ") {
				t.Errorf("%s: a chart caches values", p.Title)
			}
			dashed += strings.Count(body, `<a:prstDash val="dash">`)
			if p.Kind == cell.Percentage && (!strings.Contains(body, `<max val="1">`) || !strings.Contains(body, `<min val="0">`)) {
				t.Errorf("%s: percentage axis is not 0 to 100 %%", p.Title)
			}
		}
		if lines != 2 {
			t.Errorf("%s: %d line charts, want 2 (countries, All countries)", p.Title, lines)
		}
		// One colour per country: the trend chart of the countries.
		colours := map[string]bool{}
		for _, m := range regexp.MustCompile(`<ser>.*?<a:srgbClr val="([0-9A-F]{6})"`).FindAllStringSubmatch(charts[1], -1) {
			colours[m[1]] = true
		}
		if len(colours) < len(r.Countries) {
			t.Errorf("%s: %d colours for %d countries", p.Title, len(colours), len(r.Countries))
		}
	}
	if dashed == 0 {
		t.Error("no dashed target line")
	}
}

func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// dataBlock is one chart's data on the hidden sheet: its categories (with
// their marks) and values by series, as stored.
type dataBlock struct {
	labels []string
	series []string
	values [][]string // [category][series], "" for an empty cell
}

// readDataBlock reads the data block of a sheet's chart by its title.
func readDataBlock(t *testing.T, f *excelize.File, sheet, title string) dataBlock {
	t.Helper()
	rs := rows(t, f, "Chart data")
	for i, row := range rs {
		if at(row, 0) != sheet || at(row, 1) != title {
			continue
		}
		var d dataBlock
		d.series = rs[i+1][1:]
		for j := i + 2; j < len(rs) && at(rs[j], 0) != ""; j++ {
			d.labels = append(d.labels, rs[j][0])
			var vals []string
			for k := range d.series {
				vals = append(vals, at(rs[j], 1+k))
			}
			d.values = append(d.values, vals)
		}
		return d
	}
	t.Fatalf("no chart data for %s / %s", sheet, title)
	return dataBlock{}
}

// TestWriteDonorChartSuppressed checks the chart of a donor workbook with
// suppressed points (sample 2025Q3, arrivals by age group): each such
// category is marked in the chart's labels, the table under the chart
// shows x, and the range the chart draws from holds an empty cell there:
// not zero, not the analyst's number.
func TestWriteDonorChartSuppressed(t *testing.T) {
	analyst := testReport(t, report.Analyst, "quarterly.yaml")
	donor := testReport(t, report.Donor, "quarterly.yaml")
	l := english(t, donor)
	f := openBook(t, writeBook(t, build(t, donor, l)))
	marked := 0
	for _, it := range donor.Layout.Items {
		sheet := l.Indicator(it.ID, "title")
		dim := it.Chart.Dimension
		title := "By " + strings.ToLower(l.Dimension(dim))
		if dim == cell.TotalDimension {
			continue
		}
		d := readDataBlock(t, f, sheet, title)
		var codes []string
		for _, name := range d.series {
			for _, c := range donor.Countries {
				if l.Country(c) == name {
					codes = append(codes, c)
				}
			}
		}
		if len(codes) != len(donor.Countries) {
			t.Fatalf("%s: chart series %q, want the countries without All", sheet, d.series)
		}
		// The visible table under the chart.
		rs := rows(t, f, sheet)
		caption := slices.IndexFunc(rs, func(row []string) bool { return at(row, 0) == "Data for the chart above." })
		if caption < 0 {
			t.Fatalf("%s: no table under the chart", sheet)
		}
		for i, cat := range donor.Cells.Categories(it.ID, dim, append([]string{"ALL"}, donor.Countries...)) {
			label := l.Category(dim, cat)
			suppressedHere := false
			visible := rs[caption+2+i]
			if at(visible, 0) != label {
				t.Fatalf("%s: table row %d is %q, want %q", sheet, i, at(visible, 0), label)
			}
			for k, country := range codes {
				c := findCell(donor, it.ID, country, dim, cat)
				a := findCell(analyst, it.ID, country, dim, cat)
				got := d.values[i][k]
				switch {
				case c == nil:
					if got != "" {
						t.Errorf("%s %s/%s: %q for an absent category", sheet, label, country, got)
					}
				case !c.Published():
					suppressedHere = true
					if got != "" {
						t.Errorf("%s %s/%s: the chart draws %q where the figure is suppressed (analyst %s)", sheet, label, country, got, a.Value())
					}
					if at(visible, 1+k) != "x" {
						t.Errorf("%s %s/%s: the table under the chart shows %q, want x", sheet, label, country, at(visible, 1+k))
					}
				case c.HasValue():
					if !sameNumber(got, stored(c)) {
						t.Errorf("%s %s/%s: the chart draws %q, want %s", sheet, label, country, got, c.Value())
					}
				}
			}
			// The marks of every country's point: x where one is suppressed,
			// – where one has no value.
			marks, ok := strings.CutPrefix(d.labels[i], label)
			switch {
			case !ok:
				t.Errorf("%s: chart category %q, want %q with its marks", sheet, d.labels[i], label)
			case suppressedHere:
				marked++
				if !regexp.MustCompile(`^ \((x|x, –|–, x)\)$`).MatchString(marks) {
					t.Errorf("%s: chart category %q, want %q marked x", sheet, d.labels[i], label)
				}
			case marks != "" && marks != " (–)":
				t.Errorf("%s: chart category %q, want %q", sheet, d.labels[i], label)
			}
		}
	}
	if marked == 0 {
		t.Fatal("no suppressed chart point in the donor fixture")
	}
	// Arrived in period by age group: the example.
	d := readDataBlock(t, f, "Arrived in period", "By age group (years)")
	if !slices.Contains(d.labels, "0-4 (x)") {
		t.Errorf("arrivals by age: categories %q, want 0-4 (x)", d.labels)
	}
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

// TestWritePrintSetup reads the print setup back: A4 on every visible
// sheet, fitted to the page width, a header with the report and its
// audience and a footer with the sheet and page numbers, repeated header
// rows on the long tables, and a page break before a chart that would not
// fit.
func TestWritePrintSetup(t *testing.T) {
	r := testReport(t, report.Donor, "quarterly.yaml")
	v := build(t, r, nil)
	data := writeBook(t, v)
	f := openBook(t, data)
	for _, sheet := range f.GetSheetList() {
		if sheet == "Chart data" {
			continue
		}
		pl, err := f.GetPageLayout(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Size == nil || *pl.Size != 9 || pl.FitToWidth == nil || *pl.FitToWidth != 1 || pl.FitToHeight == nil || *pl.FitToHeight != 0 {
			t.Errorf("%s: page layout size %v fit %v x %v, want A4 (9) fitted to 1 page wide", sheet, deref(pl.Size), deref(pl.FitToWidth), deref(pl.FitToHeight))
		}
		props, err := f.GetSheetProps(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if props.FitToPage == nil || !*props.FitToPage {
			t.Errorf("%s: not fitted to the page", sheet)
		}
		hf, err := f.GetHeaderFooter(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(hf.OddHeader, "Disclosure control applied (k = 5)") || !strings.Contains(hf.OddHeader, v.Title) ||
			!strings.Contains(hf.OddFooter, "&A") || !strings.Contains(hf.OddFooter, "Page &P of &N") {
			t.Errorf("%s: header %q footer %q", sheet, hf.OddHeader, hf.OddFooter)
		}
	}
	names, err := f.GetDefinedName(), error(nil)
	_ = err
	titles := map[string]string{}
	for _, n := range names {
		if n.Name == "_xlnm.Print_Titles" {
			titles[n.Scope] = n.RefersTo
		}
	}
	for _, sheet := range []string{"Summary", "Trends", "Definitions"} {
		if !regexp.MustCompile(`^'` + sheet + `'!\$\d+:\$\d+$`).MatchString(titles[sheet]) {
			t.Errorf("%s: print titles %q, want its header row", sheet, titles[sheet])
		}
	}
	// Definitions is wide: landscape.
	if pl, _ := f.GetPageLayout("Definitions"); pl.Orientation == nil || *pl.Orientation != "landscape" {
		t.Errorf("Definitions orientation %v, want landscape", deref(pl.Orientation))
	}
	// A long breakdown (SVC_REACHED by service type) starts its page.
	parts := zipFiles(t, data)
	breaks := 0
	for name, body := range parts {
		if strings.HasPrefix(name, "xl/worksheets/sheet") {
			breaks += strings.Count(body, "<brk ")
		}
	}
	if breaks == 0 {
		t.Error("no page break before a chart")
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestWriteHostileText checks that text from the data that looks like a
// formula comes back as the same text, stored as an inline string, and
// that the workbook holds no formula at all.
func TestWriteHostileText(t *testing.T) {
	hostile := []string{`=HYPERLINK("http://example.com","x")`, "+1", "-2", "@SUM(1)", "=1+1", "\t=2", "<b>&amp;</b>"}
	r := testReport(t, report.Analyst, "quarterly.yaml")
	for _, h := range hostile {
		for _, country := range []string{cell.AllCountries, "KZ"} {
			r.Cells.Cells = append(r.Cells.Cells, cell.Cell{
				Indicator: "RET_CUMULATIVE", Kind: cell.Count, Country: country, Dimension: "region", Category: h,
				Fig: &cell.Figures{Numerator: 7},
			})
		}
	}
	r.Snapshots[0].Source = "=cmd|' /C calc'!A0"
	r.Snapshots[0].ID = "+snap"
	r.Snapshots[0].Summary.Rejects = append(r.Snapshots[0].Summary.Rejects,
		export.Reject{Table: "returnees", File: "returnees.csv", Line: 3, Column: "@bad", Value: "=v", Reason: "-reason"})
	data := writeBook(t, build(t, r, nil))
	f := openBook(t, data)
	sheet := "Returned to date"
	found := map[string]string{}
	for i, row := range rows(t, f, sheet) {
		if len(row) > 0 {
			if _, ok := found[row[0]]; !ok {
				found[row[0]] = cellName(1, i+1)
			}
		}
	}
	for _, h := range hostile {
		ref, ok := found[h]
		if !ok {
			t.Errorf("%q is not shown as a row label on %s", h, sheet)
			continue
		}
		if typ, _ := f.GetCellType(sheet, ref); typ != excelize.CellTypeInlineString {
			t.Errorf("%s!%s (%q) has type %v, want an inline string", sheet, ref, h, typ)
		}
	}
	parts := zipFiles(t, data)
	for name, body := range parts {
		if strings.HasPrefix(name, "xl/worksheets/sheet") && (strings.Contains(body, "<f>") || strings.Contains(body, "<f ")) {
			t.Errorf("%s holds a formula", name)
		}
	}
	var about, dq []string
	for _, row := range rows(t, f, "About") {
		about = append(about, row...)
	}
	if !strings.Contains(strings.Join(about, "\n"), "=cmd|' /C calc'!A0") {
		t.Error("About does not show the hostile source name as text")
	}
	for _, row := range rows(t, f, "Data quality") {
		dq = append(dq, row...)
	}
	for _, want := range []string{"+snap", "-reason", "@bad"} {
		if !slices.Contains(dq, want) {
			t.Errorf("Data quality does not show %q as text", want)
		}
	}
}

// TestWriteDataQuality checks the counts by table, the rejected rows by
// reason, "not recorded" for a snapshot without a stored summary, and
// columns wide enough for every name.
func TestWriteDataQuality(t *testing.T) {
	r := testReport(t, report.Analyst, "quarterly.yaml")
	r.Snapshots[0].Summary.Rejects = append(r.Snapshots[0].Summary.Rejects,
		export.Reject{Table: "returnees", File: "returnees.csv", Line: 8, Column: "case_closed_date", Value: "x", Reason: export.ReasonClosedBefore})
	f := openBook(t, writeBook(t, build(t, r, nil)))
	var got [][]string
	for _, row := range rows(t, f, "Data quality") {
		if len(row) >= 2 && (row[0] == "Kazakhstan" || row[0] == "Turkmenistan" || row[0] == "Uzbekistan") {
			got = append(got, row)
		}
	}
	want := [][]string{
		{"Kazakhstan", "snap-kz-1", "returnees", "93", "91", "0", "2", "0.022"},
		{"Kazakhstan", "snap-kz-1", "needs", "330", "317", "12", "1", "0.003"},
		{"Kazakhstan", "snap-kz-1", "services", "700", "700", "0", "0", "0"},
		{"Kazakhstan", "snap-kz-1", "followups", "120", "119", "0", "1", "0.008"},
		{"Turkmenistan", "snap-tm-1", "not recorded"},
		{"Uzbekistan", "snap-uz-3", "returnees", "62", "62", "0", "0", "0"},
		{"Uzbekistan", "snap-uz-3", "needs", "200", "200", "0", "0", "0"},
		{"Uzbekistan", "snap-uz-3", "services", "400", "400", "0", "0", "0"},
		{"Uzbekistan", "snap-uz-3", "followups", "90", "90", "0", "0", "0"},
		{"Kazakhstan", "not one of F, M", "returnees", "sex", "2"},
		{"Kazakhstan", "the case was closed before the return", "returnees", "case_closed_date", "1"},
		{"Kazakhstan", "person not in returnees", "needs", "person_id", "1"},
		{"Kazakhstan", "not a decimal from 0 to 1", "followups", "economic_score", "1"},
		{"Kazakhstan", "needs.csv: 12 duplicate needs merged (earliest identified_date kept)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Data quality rows (-want +got):\n%s", diff)
	}
	for col, name := range map[string]string{"B": "snap-kz-1", "C": "followups", "D": "case_closed_date"} {
		w, err := f.GetColWidth("Data quality", col)
		if err != nil {
			t.Fatal(err)
		}
		if w < float64(len(name))+1 {
			t.Errorf("column %s is %.1f wide, cutting %q", col, w, name)
		}
	}
}

// TestWriteAbout checks the provenance and the symbols the About sheet
// states.
func TestWriteAbout(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		r := testReport(t, aud, "quarterly.yaml")
		r.Synthetic = true
		f := openBook(t, writeBook(t, build(t, r, nil)))
		kv := map[string]string{}
		for _, row := range rows(t, f, "About") {
			if len(row) == 2 {
				kv[row[0]] = row[1]
			}
		}
		want := map[string]string{
			"Period":       "2025Q3 (1 July 2025 to 30 September 2025)",
			"Trend window": "8 periods, 2023Q4 to 2025Q3",
			"Layout":       "quarterly.yaml",
			"Generated":    "5 October 2025, 12:00 UTC",
			"Tool version": "rrstat v1.0.0-test",
			"Data":         "SYNTHETIC DATA: generated for demonstration and testing. These are not real persons.",
			"–":            "no value (nobody in the denominator)",
		}
		if aud == report.Donor {
			want["x"] = "suppressed to protect small numbers (k = 5)"
		}
		for k, v := range want {
			if kv[k] != v {
				t.Errorf("%s: About %s = %q, want %q", aud, k, kv[k], v)
			}
		}
		rule := kv["Disclosure control"]
		if aud == report.Donor && !strings.Contains(rule, "k = 5") {
			t.Errorf("donor About disclosure control = %q, want k = 5 and the rule", rule)
		}
		if aud == report.Analyst && !strings.Contains(kv["Audience"], "INTERNAL USE") {
			t.Errorf("analyst About audience = %q", kv["Audience"])
		}
	}
}

// TestWriteDocProps checks the workbook's properties: its title, subject,
// audience and language.
func TestWriteDocProps(t *testing.T) {
	r := testReport(t, report.Donor, "quarterly.yaml")
	v := build(t, r, nil)
	f := openBook(t, writeBook(t, v))
	p, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != v.Title+", 2025Q3" || p.Subject != v.Subject || p.Category != "donor" || p.Language != "en" || p.Description != v.Notice {
		t.Errorf("doc props %+v", p)
	}
}

// The view of a report is all the writer draws: a view built from nothing
// but the report and its labels draws without error in each layout.
func TestWriteEveryLayout(t *testing.T) {
	for _, name := range []string{"quarterly.yaml", "donor-summary.yaml"} {
		for _, aud := range []report.Audience{report.Analyst, report.Donor} {
			r := testReport(t, aud, name)
			if len(writeBook(t, build(t, r, nil))) < 1000 {
				t.Errorf("%s %s: empty workbook", aud, name)
			}
		}
	}
	_ = view.Suppressed
}
