package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"rrstat/internal/cell"
	"rrstat/internal/export"
	"rrstat/internal/layout"
	"rrstat/internal/report"
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

func TestWriteSheetNames(t *testing.T) {
	quarterly := []string{SheetSummary}
	for _, it := range testReport(t, report.Analyst, "quarterly.yaml").Layout.Items {
		quarterly = append(quarterly, itemTitle(it))
	}
	quarterly = append(quarterly, SheetDefinitions, SheetDataQuality, SheetAbout)
	tests := []struct {
		aud    report.Audience
		layout string
		edit   func(*layout.Layout)
		want   []string
	}{
		{report.Analyst, "quarterly.yaml", nil, quarterly},
		{report.Donor, "quarterly.yaml", nil, quarterly},
		{report.Donor, "donor-summary.yaml", nil, []string{SheetSummary, SheetDefinitions, SheetAbout}},
		{report.Analyst, "donor-summary.yaml", nil, []string{SheetSummary, SheetDefinitions, SheetAbout}},
		// About is kept for a donor even when the layout switches it off: it
		// states the rule and k.
		{report.Donor, "donor-summary.yaml", func(l *layout.Layout) { l.Sheets.About = false }, []string{SheetSummary, SheetDefinitions, SheetAbout}},
		{report.Analyst, "donor-summary.yaml", func(l *layout.Layout) { l.Sheets.About = false }, []string{SheetSummary, SheetDefinitions}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s-%s", tt.aud, tt.layout), func(t *testing.T) {
			r := testReport(t, tt.aud, tt.layout)
			if tt.edit != nil {
				tt.edit(r.Layout)
			}
			f := openBook(t, writeBook(t, r))
			if diff := cmp.Diff(tt.want, f.GetSheetList()); diff != "" {
				t.Errorf("sheets (-want +got):\n%s", diff)
			}
			if f.GetActiveSheetIndex() != 0 {
				t.Errorf("active sheet %d, want the Summary", f.GetActiveSheetIndex())
			}
		})
	}
}

func TestWriteErrors(t *testing.T) {
	r := testReport(t, report.Analyst, "quarterly.yaml")
	r.Layout = nil
	if err := Write(io.Discard, r); !errors.Is(err, ErrNoLayout) {
		t.Errorf("Write without layout = %v, want ErrNoLayout", err)
	}
	if err := Write(io.Discard, nil); !errors.Is(err, ErrNoLayout) {
		t.Errorf("Write(nil) = %v, want ErrNoLayout", err)
	}
}

// position is where a table shows a cell: its row and the column of its
// value and (for a percentage or a mean) of its denominator.
type position struct {
	sheet          string
	valueCell      string
	baseCell       string // "" for a count
	valueRaw, base string // what the cells hold (raw)
}

// tablePositions reads an indicator sheet back and maps every cell key it
// shows to its position, by reading the row labels (Total, a breakdown
// heading, then its categories) and the country headings.
func tablePositions(t *testing.T, f *excelize.File, sheet string, r *report.Report, it *layout.Item) map[cell.Key]position {
	t.Helper()
	ind := r.Catalogue.Lookup(it.ID)
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	countries := append([]string{cell.AllCountries}, r.Countries...)
	header := -1
	for i, row := range rows {
		if len(row) > 0 && row[0] == "Breakdown" {
			header = i
			break
		}
	}
	if header < 0 {
		t.Fatalf("%s: no table header", sheet)
	}
	for j, c := range countries {
		if got := rows[header][1+j]; got != layout.CountryLabel(c) {
			t.Fatalf("%s: column %d is %q, want %q", sheet, 2+j, got, layout.CountryLabel(c))
		}
	}
	labels := map[string]map[string]string{} // dimension -> label -> category
	dimOf := map[string]string{}
	for _, d := range it.Tables {
		dimOf[layout.DimensionLabel(d)] = d
		labels[d] = map[string]string{}
	}
	for i := range r.Cells.Cells {
		c := &r.Cells.Cells[i]
		if c.Indicator == it.ID && labels[c.Dimension] != nil {
			labels[c.Dimension][layout.CategoryLabel(c.Dimension, c.Category)] = c.Category
		}
	}
	out := map[cell.Key]position{}
	dim := cell.TotalDimension
	nc := len(countries)
	for i := header + 1; i < len(rows); i++ {
		row := rows[i]
		if len(row) == 0 || row[0] == "" {
			break // the end of the table
		}
		label := row[0]
		cat := ""
		switch {
		case label == "Total" && dim == cell.TotalDimension:
			cat = cell.TotalDimension
		case dimOf[label] != "" && len(strings.Join(row[1:], "")) == 0:
			dim = dimOf[label]
			continue
		default:
			var ok bool
			if cat, ok = labels[dim][label]; !ok {
				t.Fatalf("%s row %d: unknown label %q in %s", sheet, i+1, label, dim)
			}
		}
		for j, country := range countries {
			p := position{sheet: sheet, valueCell: cellName(2+j, i+1)}
			if 1+j < len(row) {
				p.valueRaw = row[1+j]
			}
			if ind.Kind != cell.Count {
				p.baseCell = cellName(2+nc+j, i+1)
				if 1+nc+j < len(row) {
					p.base = row[1+nc+j]
				}
			}
			out[cell.Key{Indicator: it.ID, Country: country, Dimension: dim, Category: cat}] = p
		}
	}
	return out
}

// TestWriteValues reads every indicator sheet and the Summary back and
// checks that every published cell shows the value of indicators.csv (and
// its denominator), stored as a number, and that every suppressed cell
// shows the symbol.
func TestWriteValues(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		t.Run(string(aud), func(t *testing.T) {
			r := testReport(t, aud, "quarterly.yaml")
			f := openBook(t, writeBook(t, r))
			seen := 0
			for i := range r.Layout.Items {
				it := &r.Layout.Items[i]
				pos := tablePositions(t, f, itemTitle(it), r, it)
				for _, c := range r.Cells.Cells {
					if c.Indicator != it.ID {
						continue
					}
					p, ok := pos[c.Key()]
					if !ok {
						t.Errorf("%v is not shown on %s", c.Key(), itemTitle(it))
						continue
					}
					seen++
					checkCell(t, f, &c, p)
				}
			}
			if seen != len(r.Cells.Cells) {
				t.Errorf("found %d of %d cells on the indicator sheets", seen, len(r.Cells.Cells))
			}

			// Summary: a row per country, a column per headline indicator.
			rows, err := f.GetRows(SheetSummary, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			header := -1
			for i, row := range rows {
				if len(row) > 0 && row[0] == "Country" {
					header = i
				}
			}
			if header < 0 {
				t.Fatal("Summary: no table header")
			}
			countries := append([]string{cell.AllCountries}, r.Countries...)
			for j, id := range r.Layout.Headline {
				ind := r.Catalogue.Lookup(id)
				if !strings.HasPrefix(rows[header][1+j], ind.Name) {
					t.Errorf("Summary column %d is %q, want %s", 2+j, rows[header][1+j], ind.Name)
				}
				for i, country := range countries {
					if got := rows[header+1+i][0]; got != layout.CountryLabel(country) {
						t.Errorf("Summary row %d is %q, want %q", header+2+i, got, layout.CountryLabel(country))
					}
					c := findCell(r, id, country, cell.TotalDimension, cell.TotalDimension)
					checkCell(t, f, c, position{sheet: SheetSummary, valueCell: cellName(2+j, header+2+i), valueRaw: rows[header+1+i][1+j]})
				}
			}
		})
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

// checkCell compares what a position shows with a cell.
func checkCell(t *testing.T, f *excelize.File, c *cell.Cell, p position) {
	t.Helper()
	switch {
	case !c.Published():
		if p.valueRaw != SymbolSuppressed {
			t.Errorf("%s!%s (%v, %s) = %q, want the symbol %q", p.sheet, p.valueCell, c.Key(), c.Flag, p.valueRaw, SymbolSuppressed)
		}
		if p.baseCell != "" && p.base != SymbolSuppressed {
			t.Errorf("%s!%s (base of %v) = %q, want %q", p.sheet, p.baseCell, c.Key(), p.base, SymbolSuppressed)
		}
		return
	case !c.HasValue():
		if p.valueRaw != SymbolNoValue {
			t.Errorf("%s!%s (%v) = %q, want %q", p.sheet, p.valueCell, c.Key(), p.valueRaw, SymbolNoValue)
		}
	default:
		want, _ := c.Float()
		got, err := strconv.ParseFloat(p.valueRaw, 64)
		if err != nil || got != want {
			t.Errorf("%s!%s (%v) = %q, want %s", p.sheet, p.valueCell, c.Key(), p.valueRaw, c.Value())
		}
		if typ, _ := f.GetCellType(p.sheet, p.valueCell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s!%s (%v) has type %v, want a number", p.sheet, p.valueCell, c.Key(), typ)
		}
	}
	if p.baseCell != "" {
		if got := p.base; got != strconv.FormatInt(c.Fig.Denominator, 10) {
			t.Errorf("%s!%s (base of %v) = %q, want %d", p.sheet, p.baseCell, c.Key(), got, c.Fig.Denominator)
		}
	}
}

// TestWriteNumberFormats checks the formats of a count, a percentage (the
// value is already a percentage: one decimal, not Excel's %), a mean and a
// base.
func TestWriteNumberFormats(t *testing.T) {
	r := testReport(t, report.Analyst, "quarterly.yaml")
	f := openBook(t, writeBook(t, r))
	tests := []struct {
		id, country string
		base        bool
		want        string
	}{
		{"RET_ARRIVED", "ALL", false, FormatCount},
		{"NEED_MET", "KZ", false, FormatPct},
		{"NEED_MET", "KZ", true, FormatCount},
		{"OUT_SCORE", "UZ", false, FormatMean},
		{"OUT_SCORE", "UZ", true, FormatCount},
	}
	for _, tt := range tests {
		it := r.Layout.Lookup(tt.id)
		pos := tablePositions(t, f, itemTitle(it), r, it)
		p := pos[cell.Key{Indicator: tt.id, Country: tt.country, Dimension: "total", Category: "total"}]
		ref := p.valueCell
		if tt.base {
			ref = p.baseCell
		}
		id, err := f.GetCellStyle(itemTitle(it), ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.CustomNumFmt == nil || *st.CustomNumFmt != tt.want {
			t.Errorf("%s!%s number format = %v, want %q", itemTitle(it), ref, st.CustomNumFmt, tt.want)
		}
		shown, err := f.GetCellValue(itemTitle(it), ref)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := f.GetCellValue(itemTitle(it), ref, excelize.Options{RawCellValue: true})
		if strings.Contains(shown, "%") && !strings.Contains(tt.want, "%") {
			t.Errorf("%s!%s shows %q (raw %s)", itemTitle(it), ref, shown, raw)
		}
	}
	// 71.6 per cent is shown as 71.6, not 7160.0%.
	it := r.Layout.Lookup("RET_CHILD_SHARE")
	p := tablePositions(t, f, itemTitle(it), r, it)[cell.Key{Indicator: "RET_CHILD_SHARE", Country: "ALL", Dimension: "total", Category: "total"}]
	if got, _ := f.GetCellValue(itemTitle(it), p.valueCell); got != "71.6" {
		t.Errorf("RET_CHILD_SHARE ALL shows %q, want 71.6", got)
	}
}

// TestWriteLayoutOfSheets checks frozen header rows, column widths, the
// notice on every sheet and a chart on every indicator sheet.
func TestWriteLayoutOfSheets(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		t.Run(string(aud), func(t *testing.T) {
			r := testReport(t, aud, "quarterly.yaml")
			r.Synthetic = true
			data := writeBook(t, r)
			f := openBook(t, data)
			notice := "INTERNAL USE ONLY"
			if aud == report.Donor {
				notice = "x = suppressed to protect small numbers (k = 5)"
			}
			for _, sheet := range f.GetSheetList() {
				rows, err := f.GetRows(sheet)
				if err != nil {
					t.Fatal(err)
				}
				var top []string
				for i := 0; i < 6 && i < len(rows); i++ {
					top = append(top, strings.Join(rows[i], " "))
				}
				head := strings.Join(top, "\n")
				if !strings.Contains(head, notice) {
					t.Errorf("%s: the title area does not say %q:\n%s", sheet, notice, head)
				}
				if !strings.Contains(head, "SYNTHETIC DATA") {
					t.Errorf("%s: the title area does not say SYNTHETIC DATA", sheet)
				}
				if w, _ := f.GetColWidth(sheet, "A"); w < 15 {
					t.Errorf("%s: column A is %.1f wide", sheet, w)
				}
			}
			for _, sheet := range append([]string{SheetSummary}, itemTitles(r)...) {
				panes, err := f.GetPanes(sheet)
				if err != nil {
					t.Fatal(err)
				}
				rows, _ := f.GetRows(sheet)
				header := 0
				for i, row := range rows {
					if len(row) > 0 && (row[0] == "Breakdown" || row[0] == "Country") {
						header = i + 1
						break
					}
				}
				if !panes.Freeze || panes.YSplit != header || panes.XSplit != 1 {
					t.Errorf("%s: panes %+v, want frozen below the header row %d and after column A", sheet, panes, header)
				}
			}
			parts := zipFiles(t, data)
			charts := 0
			for name := range parts {
				if strings.HasPrefix(name, "xl/charts/chart") {
					charts++
				}
			}
			if charts != len(r.Layout.Items) {
				t.Errorf("%d charts, want one per indicator sheet (%d)", charts, len(r.Layout.Items))
			}
			for i, it := range r.Layout.Items {
				sheetXML := parts[fmt.Sprintf("xl/worksheets/sheet%d.xml", i+2)]
				if !strings.Contains(sheetXML, "<drawing ") {
					t.Errorf("sheet %s has no drawing", itemTitle(it))
				}
			}
			// Each chart: text categories from its own sheet, one series per
			// country (ALL first), each with its own colour.
			for name, body := range parts {
				if !strings.HasPrefix(name, "xl/charts/chart") {
					continue
				}
				if strings.Contains(body, "<dateAx") || !strings.Contains(body, "<cat><strRef>") {
					t.Errorf("%s: categories are not text", name)
				}
				if n := strings.Count(body, "<ser>"); n != 1+len(r.Countries) {
					t.Errorf("%s: %d series, want %d", name, n, 1+len(r.Countries))
				}
				colours := map[string]bool{}
				for _, m := range regexp.MustCompile(`<ser>.*?<spPr><a:solidFill><a:srgbClr val="([0-9A-F]{6})"`).FindAllStringSubmatch(body, -1) {
					colours[m[1]] = true
				}
				if len(colours) != 1+len(r.Countries) {
					t.Errorf("%s: %d series colours, want %d", name, len(colours), 1+len(r.Countries))
				}
			}
			sum, _ := f.GetRows(SheetSummary)
			if len(sum) < 3 || sum[0][0] != r.Layout.Title.In("en") || !strings.HasPrefix(sum[1][0], "Period: 2025Q3 (1 July 2025 to 30 September 2025)") {
				t.Errorf("Summary does not start with the title and the period: %q", sum[:min(3, len(sum))])
			}
		})
	}
}

func itemTitles(r *report.Report) []string {
	var out []string
	for _, it := range r.Layout.Items {
		out = append(out, itemTitle(it))
	}
	return out
}

var reChartRef = regexp.MustCompile(`<f>([^<]*)</f>`)

// TestWriteDonorHidesSuppressed checks that a donor workbook has no
// suppressed figure anywhere: each suppressed position shows the symbol and
// not the analyst's number, the chart ranges leave it blank, charts carry
// no cached values, and there are no comments, hidden rows, columns or
// sheets.
func TestWriteDonorHidesSuppressed(t *testing.T) {
	analyst := testReport(t, report.Analyst, "quarterly.yaml")
	donor := testReport(t, report.Donor, "quarterly.yaml")
	data := writeBook(t, donor)
	f := openBook(t, data)
	suppressed := 0
	for i := range donor.Layout.Items {
		it := &donor.Layout.Items[i]
		pos := tablePositions(t, f, itemTitle(it), donor, it)
		for _, c := range donor.Cells.Cells {
			if c.Indicator != it.ID || c.Published() {
				continue
			}
			suppressed++
			a := findCell(analyst, c.Indicator, c.Country, c.Dimension, c.Category)
			p := pos[c.Key()]
			if p.valueRaw != SymbolSuppressed {
				t.Errorf("%s!%s (%v) = %q, want %q", p.sheet, p.valueCell, c.Key(), p.valueRaw, SymbolSuppressed)
			}
			if p.valueRaw == a.Value() || (p.baseCell != "" && p.base == strconv.FormatInt(a.Fig.Denominator, 10)) {
				t.Errorf("%s!%s (%v) shows the analyst's figure", p.sheet, p.valueCell, c.Key())
			}
		}
		// The chart's data range: the chart dimension's rows, blank where
		// suppressed.
		rows, _ := f.GetRows(itemTitle(it), excelize.Options{RawCellValue: true})
		start := -1
		for j, row := range rows {
			if len(row) > 0 && strings.HasPrefix(row[0], "Data for the chart") {
				start = j + 2
			}
		}
		if start < 0 {
			t.Fatalf("%s: no chart data", itemTitle(it))
		}
		countries := append([]string{cell.AllCountries}, donor.Countries...)
		for j := start; j < len(rows) && len(rows[j]) > 0 && rows[j][0] != ""; j++ {
			for k, country := range countries {
				got := ""
				if 1+k < len(rows[j]) {
					got = rows[j][1+k]
				}
				var c *cell.Cell
				for _, dc := range donor.Cells.Cells {
					if dc.Indicator == it.ID && dc.Dimension == it.Chart.Dimension && dc.Country == country &&
						layout.CategoryLabel(dc.Dimension, dc.Category) == rows[j][0] {
						c = &dc
					}
				}
				want := ""
				if c != nil {
					if v, ok := c.Float(); ok {
						want = strconv.FormatFloat(v, 'f', -1, 64)
					}
				}
				if got != want {
					t.Errorf("%s chart data %s/%s = %q, want %q", itemTitle(it), rows[j][0], country, got, want)
				}
			}
		}
	}
	if suppressed == 0 {
		t.Fatal("no suppressed cells in the donor fixture")
	}
	parts := zipFiles(t, data)
	for name, body := range parts {
		switch {
		case strings.Contains(name, "comments"), strings.Contains(name, "vmlDrawing"):
			t.Errorf("donor workbook has %s", name)
		case strings.HasPrefix(name, "xl/worksheets/") && strings.Contains(body, `hidden="1"`):
			t.Errorf("%s hides a row or column", name)
		case strings.HasPrefix(name, "xl/charts/"):
			if strings.Contains(body, "<pt ") || strings.Contains(body, "<v>") {
				t.Errorf("%s caches values", name)
			}
			if len(reChartRef.FindAllString(body, -1)) == 0 {
				t.Errorf("%s refers to no range", name)
			}
		}
	}
	if strings.Contains(parts["xl/workbook.xml"], `state="hidden"`) || strings.Contains(parts["xl/workbook.xml"], `state="veryHidden"`) {
		t.Error("donor workbook has a hidden sheet")
	}
	// The About sheet states the rule and k.
	about, _ := f.GetRows(SheetAbout)
	var all []string
	for _, row := range about {
		all = append(all, strings.Join(row, " "))
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"k = 5", donor.SuppressionRule()} {
		if !strings.Contains(text, want) {
			t.Errorf("About does not state %q", want)
		}
	}
}

// TestWriteHostileText checks that text from the data that looks like a
// formula comes back as the same text, stored as a string, and that the
// workbook has no formula at all.
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
	data := writeBook(t, r)
	f := openBook(t, data)

	sheet := itemTitle(r.Layout.Lookup("RET_CUMULATIVE"))
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for i, row := range rows {
		if len(row) > 0 {
			found[row[0]] = cellName(1, i+1)
		}
	}
	for _, h := range hostile {
		ref, ok := found[h]
		if !ok {
			t.Errorf("%q is not shown as a row label on %s", h, sheet)
			continue
		}
		typ, err := f.GetCellType(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		if typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
			t.Errorf("%s!%s (%q) has type %v, want a string", sheet, ref, h, typ)
		}
		if formula, _ := f.GetCellFormula(sheet, ref); formula != "" {
			t.Errorf("%s!%s has the formula %q", sheet, ref, formula)
		}
	}
	parts := zipFiles(t, data)
	for name, body := range parts {
		if strings.HasPrefix(name, "xl/worksheets/sheet") && (strings.Contains(body, "<f>") || strings.Contains(body, "<f ")) {
			t.Errorf("%s holds a formula", name)
		}
	}
	// In the sheet's XML each hostile text is an inline string.
	sheetXML := parts[fmt.Sprintf("xl/worksheets/sheet%d.xml", 1+1+slices.IndexFunc(r.Layout.Items, func(it layout.Item) bool { return it.ID == "RET_CUMULATIVE" }))]
	for _, h := range hostile {
		var esc strings.Builder
		if err := xml.EscapeText(&esc, []byte(h)); err != nil {
			t.Fatal(err)
		}
		want := regexp.MustCompile(`<c r="A\d+"[^>]* t="inlineStr"><is><t[^>]*>` + regexp.QuoteMeta(esc.String()) + `</t></is></c>`)
		if !want.MatchString(sheetXML) {
			t.Errorf("%q is not written as an inline string", h)
		}
	}
	var about []string
	rowsAbout, _ := f.GetRows(SheetAbout)
	for _, row := range rowsAbout {
		about = append(about, row...)
	}
	if !strings.Contains(strings.Join(about, "\n"), "=cmd|' /C calc'!A0") {
		t.Error("About does not show the hostile source name as text")
	}
	dq, _ := f.GetRows(SheetDataQuality)
	var dqText []string
	for _, row := range dq {
		dqText = append(dqText, row...)
	}
	for _, want := range []string{"+snap", "-reason", "@bad"} {
		if !strings.Contains(strings.Join(dqText, "\n"), want) {
			t.Errorf("Data quality does not show %q as text", want)
		}
	}
}

// TestWriteDataQuality checks the per-table counts, rejects by reason and
// "not recorded" for a snapshot without a stored summary.
func TestWriteDataQuality(t *testing.T) {
	r := testReport(t, report.Analyst, "quarterly.yaml")
	f := openBook(t, writeBook(t, r))
	rows, err := f.GetRows(SheetDataQuality, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, row := range rows {
		if len(row) >= 2 && (row[0] == "Kazakhstan" || row[0] == "Turkmenistan" || row[0] == "Uzbekistan") {
			got = append(got, row)
		}
	}
	want := [][]string{
		{"Kazakhstan", "snap-kz-1", "returnees", "93", "91", "0", "2", "2.2"},
		{"Kazakhstan", "snap-kz-1", "needs", "330", "317", "12", "1", "0.3"},
		{"Kazakhstan", "snap-kz-1", "services", "700", "700", "0", "0", "0"},
		{"Kazakhstan", "snap-kz-1", "followups", "120", "119", "0", "1", "0.8"},
		{"Turkmenistan", "snap-tm-1", "not recorded"},
		{"Uzbekistan", "snap-uz-3", "returnees", "62", "62", "0", "0", "0"},
		{"Uzbekistan", "snap-uz-3", "needs", "200", "200", "0", "0", "0"},
		{"Uzbekistan", "snap-uz-3", "services", "400", "400", "0", "0", "0"},
		{"Uzbekistan", "snap-uz-3", "followups", "90", "90", "0", "0", "0"},
		{"Kazakhstan", "not one of F, M", "returnees", "sex", "2"},
		{"Kazakhstan", "person not in returnees", "needs", "person_id", "1"},
		{"Kazakhstan", "not a decimal from 0 to 1", "followups", "economic_score", "1"},
		{"Turkmenistan", "not recorded"},
		{"Kazakhstan", "needs.csv: 12 duplicate needs merged (earliest identified_date kept)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Data quality rows (-want +got):\n%s", diff)
	}
}

// TestWriteAbout checks the provenance the About sheet states.
func TestWriteAbout(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		r := testReport(t, aud, "quarterly.yaml")
		r.Synthetic = true
		f := openBook(t, writeBook(t, r))
		rows, _ := f.GetRows(SheetAbout)
		kv := map[string]string{}
		for _, row := range rows {
			if len(row) == 2 {
				kv[row[0]] = row[1]
			}
		}
		want := map[string]string{
			"Period":       "2025Q3 (1 July 2025 to 30 September 2025)",
			"Layout":       "quarterly.yaml",
			"Generated at": "2025-10-05 12:00:00 UTC",
			"Tool version": "rrstat v1.0.0-test",
			"Data":         syntheticNotice,
			"Parameters":   "Composite reintegration score = 0.40 × economic + 0.30 × social + 0.30 × psychosocial; sustainable when the composite is at least 0.66.",
		}
		for k, v := range want {
			if kv[k] != v {
				t.Errorf("%s: About %s = %q, want %q", aud, k, kv[k], v)
			}
		}
		for _, s := range r.Snapshots {
			src := kv["Source: "+s.Country]
			for _, part := range []string{s.Source, s.ID, s.ContentSHA256, "2025-10-02"} {
				if !strings.Contains(src, part) {
					t.Errorf("%s: About source %s = %q lacks %q", aud, s.Country, src, part)
				}
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

// TestLibreOfficeOpens converts workbooks to PDF with LibreOffice, which
// fails on a workbook it cannot read. It is skipped when soffice is not
// installed, unless RRSTAT_REQUIRE_TOOLS=1.
func TestLibreOfficeOpens(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("RRSTAT_REQUIRE_TOOLS") == "1" {
			t.Fatal("soffice not found and RRSTAT_REQUIRE_TOOLS=1")
		}
		t.Skip("soffice not found")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	dir := t.TempDir()
	var names []string
	for _, c := range []struct {
		aud    report.Audience
		layout string
	}{{report.Analyst, "quarterly.yaml"}, {report.Donor, "quarterly.yaml"}, {report.Donor, "donor-summary.yaml"}} {
		r := testReport(t, c.aud, c.layout)
		r.Synthetic = true
		name := filepath.Join(dir, fmt.Sprintf("%s-%s.xlsx", c.aud, strings.TrimSuffix(c.layout, ".yaml")))
		if err := os.WriteFile(name, writeBook(t, r), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	args := append([]string{"--headless", "-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--convert-to", "pdf", "--outdir", dir}, names...)
	out, err := exec.Command(soffice, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	for _, name := range names {
		pdf := strings.TrimSuffix(name, ".xlsx") + ".pdf"
		st, err := os.Stat(pdf)
		if err != nil || st.Size() < 10000 {
			t.Errorf("no PDF for %s: %v\n%s", filepath.Base(name), err, out)
		}
		if dst := os.Getenv("RRSTAT_KEEP_PDF"); dst != "" && err == nil {
			b, _ := os.ReadFile(pdf)
			_ = os.WriteFile(filepath.Join(dst, filepath.Base(pdf)), b, 0o644)
		}
	}
}

func TestSheetRef(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Summary", "'Summary'"},
		{"Arrived in period", "'Arrived in period'"},
		{"Children's share", "'Children''s share'"},
	}
	for _, tt := range tests {
		if got := sheetRef(tt.in); got != tt.want {
			t.Errorf("sheetRef(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestWriteChartKinds checks that a layout's chart kind reaches the native
// chart: bar is horizontal, column vertical, line a line.
func TestWriteChartKinds(t *testing.T) {
	tests := []struct{ kind, want string }{
		{"bar", `<barDir val="bar">`},
		{"column", `<barDir val="col">`},
		{"line", `<lineChart>`},
	}
	for _, tt := range tests {
		r := testReport(t, report.Analyst, "quarterly.yaml")
		r.Layout.Items = r.Layout.Items[:1]
		r.Layout.Items[0].Chart.Kind = tt.kind
		parts := zipFiles(t, writeBook(t, r))
		if body := parts["xl/charts/chart1.xml"]; !strings.Contains(body, tt.want) {
			t.Errorf("kind %s: chart has no %s", tt.kind, tt.want)
		}
	}
}
