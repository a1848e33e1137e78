package xlsx

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"rrstat/internal/cell"
	"rrstat/internal/export"
	"rrstat/internal/indicator"
	"rrstat/internal/layout"
)

// headline returns the indicators of the Summary sheet: the layout's
// headline, or every item when it names none.
func (b *book) headline() []*indicator.Indicator {
	var out []*indicator.Indicator
	ids := b.r.Layout.Headline
	if len(ids) == 0 {
		for _, it := range b.r.Layout.Items {
			ids = append(ids, it.ID)
		}
	}
	for _, id := range ids {
		if ind := b.r.Catalogue.Lookup(id); ind != nil {
			out = append(out, ind)
		}
	}
	return out
}

// summary writes the Summary sheet: one row per country plus ALL, the total
// of each headline indicator, readable without any other sheet.
func (b *book) summary() error {
	sw, err := b.newSheet(SheetSummary)
	if err != nil {
		return err
	}
	heads := b.headline()
	ncols := 1 + len(heads)
	const labelW, colW = 28.0, 17.0
	if err := sw.SetColWidth(1, 1, labelW); err != nil {
		return err
	}
	if len(heads) > 0 {
		if err := sw.SetColWidth(2, ncols, colW); err != nil {
			return err
		}
	}
	chars := labelW + colW*float64(len(heads))
	w := &rows{sw: sw}
	// The freeze must be set before the first row: the header row's number
	// is fixed by the title block's length.
	headerRow := 6
	if b.r.Synthetic {
		headerRow++
	}
	if err := freeze(sw, 1, headerRow); err != nil {
		return err
	}
	gen := fmt.Sprintf("Generated %s by rrstat %s from the exports of %d countries; sources on the About sheet.",
		b.r.GeneratedAt.UTC().Format("2 January 2006 15:04 UTC"), b.r.ToolVersion, len(b.r.Snapshots))
	if err := b.titleBlock(w, ncols, chars, b.r.Layout.Title.In("en"), "Period: "+b.periodText(), gen); err != nil {
		return err
	}
	w.skip(headerRow - 1 - w.row)
	hdr := []any{text(b.st.headerLeft, "Country")}
	for _, ind := range heads {
		h := headerTitle(ind)
		if u := unitText(ind.Kind); u != "number" {
			h += " (" + u + ")"
		}
		hdr = append(hdr, text(b.st.header, h))
	}
	maxH := 0.0
	for _, ind := range heads {
		maxH = math.Max(maxH, textHeight(headerTitle(ind)+" (mean score)", colW, 13))
	}
	if err := w.set(headerRow, hdr, excelize.RowOpts{Height: maxH + 16}); err != nil {
		return err
	}
	var used symbols
	var kinds []cell.Kind
	for _, ind := range heads {
		kinds = append(kinds, ind.Kind)
	}
	for _, country := range b.countries {
		total := country == cell.AllCountries
		st := b.st.body
		if total {
			st = b.st.total
		}
		row := []any{text(st.label, countryHeader(country))}
		for _, ind := range heads {
			c := b.lookup(ind.ID, country, cell.TotalDimension, cell.TotalDimension)
			row = append(row, b.value(c, ind.Kind, total, &used))
		}
		if err := w.next(row, excelize.RowOpts{Height: 17}); err != nil {
			return err
		}
	}
	w.skip(1)
	where := "on the indicator sheets and in the dashboard"
	if !b.r.Layout.Sheets.Indicators {
		where = "in the dashboard"
	}
	notes := append([]string{"Each figure is the indicator's total for the country in the period; breakdowns by sex, age and other characteristics are " + where + "."},
		b.footnotes(used, false, kinds...)...)
	if err := b.notes(w, notes); err != nil {
		return err
	}
	if err := b.contents(w); err != nil {
		return err
	}
	if err := b.printTitles(SheetSummary, headerRow, headerRow); err != nil {
		return err
	}
	return sw.Flush()
}

// contents lists the other sheets of the workbook under the Summary table,
// each linked to its sheet.
func (b *book) contents(w *rows) error {
	type entry struct{ sheet, what string }
	var list []entry
	l := b.r.Layout
	if l.Sheets.Indicators {
		for _, it := range l.Items {
			if ind := b.r.Catalogue.Lookup(it.ID); ind != nil {
				list = append(list, entry{itemTitle(it), ind.Name})
			}
		}
	}
	if l.Sheets.Definitions {
		list = append(list, entry{SheetDefinitions, "Every indicator of the catalogue: what it counts and how it is broken down"})
	}
	if l.Sheets.DataQuality {
		list = append(list, entry{SheetDataQuality, "Rows read, loaded, merged and rejected for each country export"})
	}
	if l.Sheets.About || b.donor {
		list = append(list, entry{SheetAbout, "Period, audience, disclosure control, parameters, sources and version"})
	}
	if len(list) == 0 {
		return nil
	}
	w.skip(1)
	if err := w.next([]any{text(b.st.section, "Contents")}); err != nil {
		return err
	}
	for _, e := range list {
		if err := w.next([]any{text(b.st.link, e.sheet), text(b.st.meta, e.what)}); err != nil {
			return err
		}
		if err := b.f.SetCellHyperLink(SheetSummary, cellName(1, w.row), sheetRef(e.sheet)+"!A1", "Location"); err != nil {
			return err
		}
	}
	return nil
}

// freeze freezes the columns before col and the rows up to row.
func freeze(sw *excelize.StreamWriter, col, row int) error {
	return sw.SetPanes(&excelize.Panes{
		Freeze: true, XSplit: col, YSplit: row,
		TopLeftCell: cellName(col+1, row+1), ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: cellName(col+1, row+1), ActiveCell: cellName(col+1, row+1), Pane: "bottomRight"}},
	})
}

// printTitles repeats rows first to last at the top of every printed page.
func (b *book) printTitles(sheet string, first, last int) error {
	return b.f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("%s!$%d:$%d", sheetRef(sheet), first, last),
		Scope:    sheet,
	})
}

// indicatorSheet writes the sheet of one layout item: the indicator's name
// and definition, a table of its disaggregations (rows) by country
// (columns, All countries first), footnotes, and a native chart of the
// item's chart dimension drawn from a data range that leaves suppressed
// cells blank.
func (b *book) indicatorSheet(it *layout.Item) error {
	ind := b.r.Catalogue.Lookup(it.ID)
	if ind == nil {
		return fmt.Errorf("indicator %s is not in the catalogue", it.ID)
	}
	sw, err := b.newSheet(itemTitle(it))
	if err != nil {
		return err
	}
	nc := len(b.countries)
	withBase := ind.Kind != cell.Count
	ncols := 1 + nc
	if withBase {
		ncols += nc
	}
	dims := append([]string{cell.TotalDimension}, it.Tables...)
	cats := map[string][]string{}
	labelW := 30.0
	for _, d := range dims {
		cats[d] = b.categories(ind.ID, d)
		for _, c := range cats[d] {
			labelW = math.Max(labelW, float64(len([]rune(layout.CategoryLabel(d, c))))+6)
		}
		labelW = math.Max(labelW, float64(len([]rune(layout.DimensionLabel(d))))+3)
	}
	labelW = math.Min(labelW, 60)
	const colW = 13.0
	if err := sw.SetColWidth(1, 1, labelW); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, ncols, colW); err != nil {
		return err
	}
	chars := labelW + colW*float64(ncols-1)

	// Title block: name, identification, definition, notices.
	top := 5 // title, meta, definition, notice, blank
	if b.r.Synthetic {
		top++
	}
	headerFirst := top + 1
	headerLast := headerFirst
	if withBase {
		headerLast++
	}
	if err := freeze(sw, 1, headerLast); err != nil {
		return err
	}
	w := &rows{sw: sw}
	if err := w.set(1, []any{text(b.st.title, ind.Name)}, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	meta := fmt.Sprintf("Indicator %s (%s). Period: %s.", ind.ID, kindText(ind.Kind), b.periodText())
	if err := w.next([]any{text(b.st.meta, meta)}); err != nil {
		return err
	}
	def := "Definition: " + ind.Definition
	defRow := make([]any, ncols)
	for i := range defRow {
		defRow[i] = text(b.st.definition, "")
	}
	defRow[0] = text(b.st.definition, def)
	if err := w.next(defRow, excelize.RowOpts{Height: textHeight(def, chars, 13.5) + 4}); err != nil {
		return err
	}
	if err := sw.MergeCell(cellName(1, w.row), cellName(ncols, w.row)); err != nil {
		return err
	}
	notice := b.st.noticeAnalyst
	if b.donor {
		notice = b.st.noticeDonor
	}
	if err := b.banner(w, ncols, chars, notice, b.notice()); err != nil {
		return err
	}
	if b.r.Synthetic {
		if err := b.banner(w, ncols, chars, b.st.synthetic, syntheticNotice); err != nil {
			return err
		}
	}

	// Header.
	countryCells := func() []any {
		var out []any
		for _, c := range b.countries {
			out = append(out, text(b.st.header, countryHeader(c)))
		}
		return out
	}
	if withBase {
		valueHead, baseHead := "Per cent", "Base (denominator)"
		if ind.Kind == cell.Mean {
			valueHead, baseHead = "Mean score", "Persons averaged"
		}
		g := make([]any, ncols)
		g[0] = text(b.st.headerGroup, "")
		for i := 1; i < ncols; i++ {
			g[i] = text(b.st.headerGroup, "")
		}
		g[1] = text(b.st.headerGroup, valueHead)
		g[1+nc] = text(b.st.headerGroup, baseHead)
		if err := w.set(headerFirst, g, excelize.RowOpts{Height: 18}); err != nil {
			return err
		}
		if err := sw.MergeCell(cellName(2, w.row), cellName(1+nc, w.row)); err != nil {
			return err
		}
		if err := sw.MergeCell(cellName(2+nc, w.row), cellName(1+2*nc, w.row)); err != nil {
			return err
		}
		h := append([]any{text(b.st.headerLeft, "Breakdown")}, countryCells()...)
		h = append(h, countryCells()...)
		if err := w.next(h, excelize.RowOpts{Height: 30}); err != nil {
			return err
		}
	} else {
		h := append([]any{text(b.st.headerLeft, "Breakdown")}, countryCells()...)
		if err := w.set(headerFirst, h, excelize.RowOpts{Height: 30}); err != nil {
			return err
		}
	}

	// Body: the total, then each breakdown as a group of rows.
	var used symbols
	row := func(dim, cat string, total bool) []any {
		st := b.st.body
		if total {
			st = b.st.total
		}
		out := []any{text(st.label, layout.CategoryLabel(dim, cat))}
		for _, country := range b.countries {
			out = append(out, b.value(b.lookup(ind.ID, country, dim, cat), ind.Kind, total, &used))
		}
		if withBase {
			for _, country := range b.countries {
				out = append(out, b.base(b.lookup(ind.ID, country, dim, cat), total, &used))
			}
		}
		return out
	}
	if err := w.next(row(cell.TotalDimension, cell.TotalDimension, true), excelize.RowOpts{Height: 17}); err != nil {
		return err
	}
	for _, d := range it.Tables {
		g := make([]any, ncols)
		for i := range g {
			g[i] = text(b.st.group, "")
		}
		g[0] = text(b.st.group, layout.DimensionLabel(d))
		if err := w.next(g, excelize.RowOpts{Height: 17}); err != nil {
			return err
		}
		for _, c := range cats[d] {
			if err := w.next(row(d, c, false)); err != nil {
				return err
			}
		}
	}
	w.skip(1)
	if err := b.notes(w, b.footnotes(used, withBase, ind.Kind)); err != nil {
		return err
	}
	// A long table repeats its header on every printed page.
	if w.row-headerLast > 30 {
		if err := b.printTitles(itemTitle(it), headerFirst, headerLast); err != nil {
			return err
		}
	}
	if err := b.chart(w, it, ind, cats[it.Chart.Dimension]); err != nil {
		return err
	}
	return sw.Flush()
}

// chart adds the item's native chart under the table, and under the chart
// the data range it draws from: the chart dimension's categories by
// country, with suppressed cells and cells without a value left blank so
// that the chart shows a gap and refers to no hidden number.
func (b *book) chart(w *rows, it *layout.Item, ind *indicator.Indicator, cats []string) error {
	dim := it.Chart.Dimension
	if len(cats) == 0 {
		return nil
	}
	nser := len(b.countries)
	typ := map[string]excelize.ChartType{"bar": excelize.Bar, "column": excelize.Col, "line": excelize.Line}[it.Chart.Kind]
	if typ == 0 && it.Chart.Kind != "bar" {
		typ = excelize.Col
	}
	height := 320
	if it.Chart.Kind == "bar" {
		height = max(320, 90+len(cats)*(nser*6+10))
	}
	width := 760
	// The chart and its data start a printed page; the rows under the chart
	// get an explicit height, so that the chart covers them in every
	// application (the anchor is computed from 20-pixel rows).
	w.skip(1)
	anchor := w.row + 1
	if err := w.sw.InsertPageBreak(cellName(1, anchor)); err != nil {
		return err
	}
	chartRows := int(math.Ceil(float64(height)/20)) + 3
	for range chartRows {
		if err := w.next(nil, excelize.RowOpts{Height: 15}); err != nil {
			return err
		}
	}

	// The data range.
	title := itemTitle(it) + ", by " + strings.ToLower(layout.DimensionLabel(dim))
	if dim == cell.TotalDimension {
		title = itemTitle(it) + ", total by country"
	}
	if err := w.next([]any{text(b.st.meta, "Data for the chart above (a gap where a figure is suppressed or has no value).")}); err != nil {
		return err
	}
	h := []any{text(b.st.headerLeft, layout.DimensionLabel(dim))}
	for _, c := range b.countries {
		h = append(h, text(b.st.header, countryHeader(c)))
	}
	if err := w.next(h, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	headRow := w.row
	for _, cat := range cats {
		r := []any{text(b.st.body.label, layout.CategoryLabel(dim, cat))}
		for _, country := range b.countries {
			c := b.lookup(ind.ID, country, dim, cat)
			v := chartValue(c)
			style := b.st.body.count
			switch ind.Kind {
			case cell.Percentage:
				style = b.st.body.pct
			case cell.Mean:
				style = b.st.body.mean
			}
			if v == nil {
				r = append(r, excelize.Cell{StyleID: style})
			} else {
				r = append(r, excelize.Cell{StyleID: style, Value: v})
			}
		}
		if err := w.next(r); err != nil {
			return err
		}
	}
	first, last := headRow+1, w.row

	var series []excelize.ChartSeries
	for i := range b.countries {
		col := 2 + i
		colour := seriesColours[i%len(seriesColours)]
		s := excelize.ChartSeries{
			Name:       absRange(itemTitle(it), col, headRow, col, headRow),
			Categories: absRange(itemTitle(it), 1, first, 1, last),
			Values:     absRange(itemTitle(it), col, first, col, last),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}},
		}
		if typ == excelize.Line {
			s.Line = excelize.LineOptions{Width: 2.25, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}}}
			s.Marker = excelize.ChartMarker{Symbol: "circle", Size: 6, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}}}
		}
		series = append(series, s)
	}
	numFmt := "#,##0"
	switch ind.Kind {
	case cell.Percentage:
		numFmt = "0"
	case cell.Mean:
		numFmt = "0.0"
	}
	gap := uint(60)
	vary := false
	ch := &excelize.Chart{
		VaryColors: &vary,
		Type:       typ,
		Series:     series,
		Format: excelize.GraphicOptions{
			AltText: title + ", " + b.r.Period.Label,
			OffsetX: 4, OffsetY: 4,
		},
		Dimension:    excelize.ChartDimension{Width: uint(width), Height: uint(height)},
		Legend:       excelize.ChartLegend{Position: "bottom"},
		Title:        excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title, Font: &excelize.Font{Bold: true, Size: 12, Color: colourNavy}}}},
		XAxis:        excelize.ChartAxis{ReverseOrder: it.Chart.Kind == "bar", Font: excelize.Font{Size: 9, Color: colourInk}},
		YAxis:        excelize.ChartAxis{MajorGridLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: numFmt}, Font: excelize.Font{Size: 9, Color: colourInk}},
		PlotArea:     excelize.ChartPlotArea{},
		ShowBlanksAs: "gap",
		GapWidth:     &gap,
	}
	if ind.Kind == cell.Percentage {
		lo, hi := 0.0, 100.0
		ch.YAxis.Minimum, ch.YAxis.Maximum = &lo, &hi
	}
	if ind.Kind == cell.Mean {
		lo, hi := 0.0, 1.0
		ch.YAxis.Minimum, ch.YAxis.Maximum = &lo, &hi
	}
	return b.f.AddChart(itemTitle(it), cellName(1, anchor), ch)
}

// definitions writes every indicator of the catalogue.
func (b *book) definitions() error {
	sw, err := b.newSheet(SheetDefinitions)
	if err != nil {
		return err
	}
	widths := []float64{20, 34, 12, 72, 28, 26}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	headerRow := 5
	if b.r.Synthetic {
		headerRow++
	}
	if err := freeze(sw, 1, headerRow); err != nil {
		return err
	}
	w := &rows{sw: sw}
	if err := b.titleBlock(w, len(widths), sum(widths), "Definitions",
		"Every indicator of the catalogue (version 1), as its query file defines it. P0 and P1 are the first and last day of the period."); err != nil {
		return err
	}
	w.skip(headerRow - 1 - w.row)
	hdr := []any{}
	for _, h := range []string{"ID", "Name", "Kind", "Definition", "Breakdowns", "Sheet in this workbook"} {
		hdr = append(hdr, text(b.st.headerLeft, h))
	}
	if err := w.set(headerRow, hdr, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	for _, ind := range b.r.Catalogue {
		var dims []string
		for _, d := range ind.Disaggregations {
			dims = append(dims, layout.DimensionLabel(d))
		}
		sheet := ""
		if it := b.r.Layout.Lookup(ind.ID); it != nil && b.r.Layout.Sheets.Indicators {
			sheet = itemTitle(it)
		}
		h := math.Max(textHeight(ind.Definition, widths[3], 13.5), textHeight(ind.Name, widths[1], 13.5))
		h = math.Max(h, textHeight(strings.Join(dims, ", "), widths[4], 13.5))
		r := []any{
			text(b.st.text, ind.ID), text(b.st.textWrap, ind.Name), text(b.st.text, kindText(ind.Kind)),
			text(b.st.textWrap, ind.Definition), text(b.st.textWrap, strings.Join(dims, ", ")), text(b.st.text, sheet),
		}
		if err := w.next(r, excelize.RowOpts{Height: h + 4}); err != nil {
			return err
		}
	}
	if err := b.printTitles(SheetDefinitions, headerRow, headerRow); err != nil {
		return err
	}
	return sw.Flush()
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// dataQuality writes, per country snapshot, the rows read, loaded, merged
// and rejected per table, and the rejected rows counted by table, column
// and reason, from each snapshot's stored load summary.
func (b *book) dataQuality() error {
	sw, err := b.newSheet(SheetDataQuality)
	if err != nil {
		return err
	}
	widths := []float64{18, 28, 14, 12, 12, 12, 12, 14}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	w := &rows{sw: sw}
	if err := b.titleBlock(w, len(widths), sum(widths), "Data quality",
		"What became of each row of the country exports: loaded, merged (a duplicate need, earliest kept) or rejected (it broke a rule of the data contract and is left out of every indicator)."); err != nil {
		return err
	}
	w.skip(1)
	if err := w.next([]any{text(b.st.section, "Rows by table")}); err != nil {
		return err
	}
	hdr := []any{}
	for _, h := range []string{"Country", "Snapshot", "Table", "Rows read", "Loaded", "Merged", "Rejected", "Rejected (%)"} {
		st := b.st.header
		if h == "Country" || h == "Snapshot" || h == "Table" {
			st = b.st.headerLeft
		}
		hdr = append(hdr, text(st, h))
	}
	if err := w.next(hdr, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	for _, s := range b.r.Snapshots {
		country := countryHeader(s.Country)
		if s.Summary == nil {
			if err := w.next([]any{text(b.st.text, country), text(b.st.text, s.ID), text(b.st.text, "not recorded")}); err != nil {
				return err
			}
			continue
		}
		for _, t := range export.TableNames {
			tc := s.Summary.Tables.Get(t)
			pct := any(text(b.st.body.symbol, SymbolNoValue))
			if tc.RowsRead > 0 {
				pct = excelize.Cell{StyleID: b.st.body.pct, Value: math.Round(1000*float64(tc.Rejected)/float64(tc.RowsRead)) / 10}
			}
			r := []any{
				text(b.st.text, country), text(b.st.text, s.ID), text(b.st.text, t),
				excelize.Cell{StyleID: b.st.body.count, Value: tc.RowsRead},
				excelize.Cell{StyleID: b.st.body.count, Value: tc.Loaded},
				excelize.Cell{StyleID: b.st.body.count, Value: tc.Merged},
				excelize.Cell{StyleID: b.st.body.count, Value: tc.Rejected},
				pct,
			}
			if err := w.next(r); err != nil {
				return err
			}
		}
	}

	w.skip(1)
	if err := w.next([]any{text(b.st.section, "Rejected rows by reason")}); err != nil {
		return err
	}
	hdr = []any{}
	for _, h := range []string{"Country", "Reason", "Table", "Column", "Rows"} {
		st := b.st.headerLeft
		if h == "Rows" {
			st = b.st.header
		}
		hdr = append(hdr, text(st, h))
	}
	if err := w.next(hdr, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	found := false
	for _, s := range b.r.Snapshots {
		if s.Summary == nil {
			if err := w.next([]any{text(b.st.text, countryHeader(s.Country)), text(b.st.text, "not recorded")}); err != nil {
				return err
			}
			continue
		}
		for _, g := range groupRejects(s.Summary.Rejects) {
			found = true
			r := []any{
				text(b.st.text, countryHeader(s.Country)), text(b.st.textWrap, g.reason), text(b.st.text, g.table), text(b.st.text, g.column),
				excelize.Cell{StyleID: b.st.body.count, Value: g.n},
			}
			if err := w.next(r, excelize.RowOpts{Height: textHeight(g.reason, widths[1], 13.5) + 4}); err != nil {
				return err
			}
		}
	}
	if !found {
		if err := w.next([]any{text(b.st.meta, "No rejected rows.")}); err != nil {
			return err
		}
	}

	// Warnings may quote values of the export; only the analysis team sees
	// their text.
	var warns [][2]string
	for _, s := range b.r.Snapshots {
		if s.Summary == nil {
			continue
		}
		for _, wn := range s.Summary.Warnings {
			warns = append(warns, [2]string{countryHeader(s.Country), wn})
		}
	}
	if len(warns) > 0 {
		w.skip(1)
		if err := w.next([]any{text(b.st.section, "Warnings")}); err != nil {
			return err
		}
		if b.donor {
			if err := w.next([]any{text(b.st.meta, plural(len(warns), "warning was", "warnings were")+" recorded when loading (merged duplicate needs and similar); their text is kept for the analysis team.")}); err != nil {
				return err
			}
		} else {
			for _, wn := range warns {
				if err := w.next([]any{text(b.st.text, wn[0]), text(b.st.meta, wn[1])}); err != nil {
					return err
				}
			}
		}
	}
	return sw.Flush()
}

type rejectGroup struct {
	table, column, reason string
	n                     int64
}

// groupRejects counts rejected rows by table (contract order), column and
// reason.
func groupRejects(rs []export.Reject) []rejectGroup {
	m := map[[3]string]int64{}
	for _, r := range rs {
		m[[3]string{r.Table, r.Column, r.Reason}]++
	}
	order := map[string]int{}
	for i, t := range export.TableNames {
		order[t] = i
	}
	var out []rejectGroup
	for k, n := range m {
		out = append(out, rejectGroup{k[0], k[1], k[2], n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.table != b.table {
			oa, oka := order[a.table]
			ob, okb := order[b.table]
			if oka && okb {
				return oa < ob
			}
			return a.table < b.table
		}
		if a.n != b.n {
			return a.n > b.n
		}
		if a.column != b.column {
			return a.column < b.column
		}
		return a.reason < b.reason
	})
	return out
}

// about writes what the workbook is made from and how: period, audience,
// disclosure control, parameters, sources, generated-at, version, layout.
func (b *book) about() error {
	sw, err := b.newSheet(SheetAbout)
	if err != nil {
		return err
	}
	widths := []float64{26, 100}
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	w := &rows{sw: sw}
	if err := b.titleBlock(w, 2, sum(widths), "About this workbook",
		"How this workbook was made, from what, and for whom."); err != nil {
		return err
	}
	w.skip(1)
	r := b.r
	type kv struct{ k, v string }
	var list []kv
	list = append(list, kv{"Report", r.Layout.Title.In("en")})
	list = append(list, kv{"Period", b.periodText()})
	if b.donor {
		list = append(list,
			kv{"Audience", "Donor edition: disclosure control applied; may be shared outside the analysis team."},
			kv{"Disclosure control", fmt.Sprintf("Threshold k = %d. %s", r.K, r.SuppressionRule())},
			kv{"Symbols", fmt.Sprintf("%s = suppressed to protect small numbers (k = %d). %s = no value (nobody in the denominator). Blank = the category does not occur in that country.", SymbolSuppressed, r.K, SymbolNoValue)})
	} else {
		list = append(list,
			kv{"Audience", "Analyst edition: FOR INTERNAL USE OF THE ANALYSIS TEAM ONLY. Every cell is shown, including small numbers that could identify persons."},
			kv{"Disclosure control", "None applied. Share only the donor edition (rrstat report --audience donor) outside the analysis team."},
			kv{"Symbols", fmt.Sprintf("%s = no value (nobody in the denominator). Blank = the category does not occur in that country.", SymbolNoValue)})
	}
	wt := r.Params.Weights
	list = append(list, kv{"Parameters", fmt.Sprintf("Composite reintegration score = %s × economic + %s × social + %s × psychosocial; sustainable when the composite is at least %s.", wt.Economic, wt.Social, wt.Psychosocial, r.Params.Threshold)})
	if r.Synthetic {
		list = append(list, kv{"Data", syntheticNotice})
	} else {
		list = append(list, kv{"Data", "Anonymised case exports of the national programmes (one snapshot per country, below)."})
	}
	var countries []string
	for _, c := range r.Countries {
		countries = append(countries, fmt.Sprintf("%s (%s)", layout.CountryLabel(c), c))
	}
	list = append(list, kv{"Countries", strings.Join(countries, ", ")})
	for _, s := range r.Snapshots {
		cur := "current snapshot"
		if !s.Current {
			cur = "earlier snapshot"
		}
		v := fmt.Sprintf("%s\nSnapshot %s (%s), loaded %s\nContent SHA-256 %s",
			s.Source, s.ID, cur, formatTime(s.LoadedAt), s.ContentSHA256)
		list = append(list, kv{"Source: " + s.Country, v})
	}
	list = append(list,
		kv{"Indicators", fmt.Sprintf("%d indicators of the catalogue, computed by the queries in queries/*.sql (see Definitions).", len(r.Catalogue))},
		kv{"Layout", r.Layout.File},
		kv{"Generated at", formatTime(r.GeneratedAt)},
		kv{"Tool version", "rrstat " + r.ToolVersion},
	)
	for _, e := range list {
		h := textHeight(e.v, widths[1], 13.5) + 4
		if err := w.next([]any{text(b.st.keyLabel, e.k), text(b.st.keyValue, e.v)}, excelize.RowOpts{Height: h}); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// formatTime is how the workbook writes a time.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// plural writes n with the singular or plural phrase.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
