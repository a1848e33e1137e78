package xlsx

import (
	"math"
	"strings"

	"github.com/xuri/excelize/v2"

	"rrstat/internal/view"
)

// Chart sizes in pixels, as drawn.
const (
	chartBandH = 210 // a band of charts side by side
	chartGap   = 8   // between two charts side by side
	// smallChart is the most categories a column chart of a breakdown may
	// have to stand in one band with the two trend charts.
	smallChart = 6
)

// panel draws the sheet of one indicator: its name, what it is and how it
// is defined, its table of breakdowns by country (with the bases of a
// percentage or mean) and footnotes; then the charts: the layout's
// breakdown comparing the countries, the trend window of the countries
// and, beside it, of All countries (so that the sum does not flatten the
// countries), the targets dashed; under the charts the tables of what they
// draw, with the marks, and the targets and share achieved of each period.
// A breakdown of few categories stands in one band with the two trend
// charts; a long one (horizontal bars) has a band of its own.
func (b *book) panel(p *view.Panel) error {
	v := b.v
	withBase := false
	for _, r := range p.Table.Rows {
		withBase = withBase || len(r.Bases) > 0
	}
	nc := len(v.Countries)
	tableCols := 1 + nc
	if withBase {
		tableCols += nc
	}
	var breakdown *plot
	if len(p.Charts) > 0 && len(p.Charts[0].Categories) > 0 {
		ch := &p.Charts[0]
		breakdown = &plot{ch: ch, series: ch.CountrySeries()}
	}
	var trends []plot
	for _, ch := range []*view.Chart{&p.Trend.Countries, &p.Trend.All} {
		if len(ch.Series) > 0 && len(ch.Categories) > 0 {
			trends = append(trends, plot{ch: ch, series: ch.Series})
		}
	}
	cols := max(tableCols, 1+len(p.Trend.Periods), 6)
	if breakdown != nil {
		cols = max(cols, 1+len(breakdown.series))
	}
	labels := []string{v.Words.Target, v.Words.Achieved, v.Words.Breakdown}
	for _, r := range p.Table.Rows {
		if !r.Group {
			labels = append(labels, r.Label)
		}
	}
	for _, c := range v.Countries {
		labels = append(labels, c.Name)
	}
	widths := []float64{labelWidth(22, 40, labels...)}
	for i := 1; i < cols; i++ {
		widths = append(widths, 11)
	}
	s, err := b.open(p.Title, widths, false)
	if err != nil {
		return err
	}
	headerFirst := b.titleRows(p.Meta, p.Definition) + 2
	headerLast := headerFirst
	if withBase {
		headerLast++
	}
	if err := s.freeze(1, headerLast); err != nil {
		return err
	}
	if err := b.panelTitle(s, p); err != nil {
		return err
	}
	if err := b.panelTable(s, p, headerFirst, tableCols, withBase); err != nil {
		return err
	}
	tables := []func() error{}
	var band []plot
	if breakdown != nil {
		bd := breakdown
		table := func() error { return b.breakdownTable(s, bd) }
		if bd.ch.Kind == "bar" || len(bd.ch.Categories) > smallChart {
			// A band of its own, as high as its bars need.
			h := max(chartBandH, 70+len(bd.ch.Categories)*(len(bd.series)*7+9))
			if err := b.band(s, p, []plot{*bd}, h, b.breakdownHeight(s, bd), table); err != nil {
				return err
			}
		} else {
			band = append(band, *bd)
			tables = append(tables, table)
		}
	}
	band = append(band, trends...)
	if len(trends) > 0 {
		tables = append(tables, func() error { return b.trendTable(s, p) })
	}
	if len(band) == 0 {
		return s.sw.Flush()
	}
	under := b.trendHeight(s, p)
	if len(band) > len(trends) {
		under += b.breakdownHeight(s, breakdown)
	}
	if err := b.band(s, p, band, chartBandH, under, tables...); err != nil {
		return err
	}
	return s.sw.Flush()
}

// plot is a chart as a band draws it: the view's chart and the series it
// draws.
type plot struct {
	ch     *view.Chart
	series []view.Series
}

// panelTitle writes the name, the identification, the definition for
// readers and the notices.
func (b *book) panelTitle(s *sheet, p *view.Panel) error {
	st := b.st
	if err := s.set(1, []any{styled(st.title, p.Name)}, 24); err != nil {
		return err
	}
	if err := s.wrapped(st.meta, p.Meta, 13); err != nil {
		return err
	}
	if err := s.wrapped(st.keyValue, p.Definition, 13.5); err != nil {
		return err
	}
	return s.notices()
}

// panelTable writes the table of the indicator's breakdowns by country:
// the value of each country, then (percentage, mean) the base of each.
func (b *book) panelTable(s *sheet, p *view.Panel, headerFirst, tableCols int, withBase bool) error {
	v, st := b.v, b.st
	nc := len(v.Countries)
	var countries []any
	for _, c := range v.Countries {
		countries = append(countries, styled(st.header, c.Name))
	}
	headH := 28.0
	if withBase {
		g := make([]any, tableCols)
		for i := range g {
			g[i] = styled(st.headerGroup, "")
		}
		g[1] = styled(st.headerGroup, p.Table.ValueHead)
		g[1+nc] = styled(st.headerGroup, p.Table.BaseHead)
		if err := s.set(headerFirst, g, 18); err != nil {
			return err
		}
		if err := s.sw.MergeCell(cellName(2, s.row), cellName(1+nc, s.row)); err != nil {
			return err
		}
		if err := s.sw.MergeCell(cellName(2+nc, s.row), cellName(1+2*nc, s.row)); err != nil {
			return err
		}
		h := append([]any{styled(st.headerLeft, v.Words.Breakdown)}, countries...)
		if err := s.next(append(h, countries...), 28); err != nil {
			return err
		}
		headH += 18
	} else {
		h := append([]any{styled(st.headerLeft, v.Words.Breakdown)}, countries...)
		if err := s.set(headerFirst, h, 28); err != nil {
			return err
		}
	}
	// A table longer than what is left of the page repeats its header.
	if s.pg.y+rowPx*float64(len(p.Table.Rows)) > s.pg.pageH {
		if err := s.repeat(headerFirst, s.row, headH); err != nil {
			return err
		}
	}
	for _, r := range p.Table.Rows {
		if r.Group {
			vals := make([]any, tableCols)
			for i := range vals {
				vals[i] = styled(st.group, "")
			}
			vals[0] = styled(st.group, r.Label)
			if err := s.next(vals, 16); err != nil {
				return err
			}
			continue
		}
		row := []any{styled(st.row(r.Total).label, r.Label)}
		for _, f := range r.Values {
			row = append(row, b.figure(f, r.Total))
		}
		for _, f := range r.Bases {
			row = append(row, b.figure(f, r.Total))
		}
		if err := s.next(row, rowPt); err != nil {
			return err
		}
	}
	s.skip(1)
	return s.notes(p.Table.Notes...)
}

// chartRows is how many plain rows a chart of h pixels covers.
func chartRows(h int) int { return int(math.Ceil(float64(h+8) / rowPx)) }

// anchorHeight is the height to ask excelize for a chart drawn h pixels
// high: excelize anchors it on rows of 18 pixels (its default row height),
// which the applications draw 20 pixels high.
func anchorHeight(h int) int { return h * excelizeRowPx / rowPx }

// band draws charts side by side in equal parts of the sheet's width, h
// pixels high, then the tables under them; the whole (under is the
// height of the tables) starts a new page unless it fits on this one.
func (b *book) band(s *sheet, p *view.Panel, plots []plot, h int, under float64, tables ...func() error) error {
	rows := chartRows(h)
	s.skip(1)
	if err := s.keep(rowPx*float64(rows) + under); err != nil {
		return err
	}
	anchor := s.row + 1
	for range rows {
		if err := s.next(nil, rowPt); err != nil {
			return err
		}
	}
	// Each part starts at the column nearest its share of the width.
	total := gridPx(s.geo.widths)
	starts := []int{0} // pixels
	cols := []int{1}
	x := 0
	for i, w := range s.geo.widths {
		if len(starts) < len(plots) && i > 0 && x >= total*len(starts)/len(plots) {
			starts, cols = append(starts, x), append(cols, i+1)
		}
		x += int(w*excelizeC + 0.5)
	}
	// The last chart ends short of the grid's end: one that reached it
	// exactly would be anchored in the next column, which would then print.
	starts = append(starts, total)
	for i, pl := range plots {
		if i+1 >= len(starts) {
			break
		}
		refs, err := b.data.add(p.Title, pl.ch, pl.series)
		if err != nil {
			return err
		}
		width := starts[i+1] - starts[i] - chartGap
		if err := b.addChart(s, cellName(cols[i], anchor), pl.ch, pl.series, refs, width, anchorHeight(h)); err != nil {
			return err
		}
	}
	for _, t := range tables {
		if err := t(); err != nil {
			return err
		}
	}
	return nil
}

// breakdownHeight is how high breakdownTable writes, in pixels.
func (b *book) breakdownHeight(s *sheet, pl *plot) float64 {
	return rowPx*float64(2+len(pl.ch.Categories)) + 20 + s.notesHeight(pl.ch.Note)
}

// breakdownTable writes the figures a breakdown chart draws, with their
// marks, and the chart's note on them.
func (b *book) breakdownTable(s *sheet, pl *plot) error {
	v, st := b.v, b.st
	ch := pl.ch
	if err := s.next([]any{styled(st.caption, v.Words.ChartData)}, rowPt); err != nil {
		return err
	}
	first := v.Words.Breakdown
	switch ch.Dimension {
	case "country":
		first = v.Words.Country
	case "period":
		first = v.Words.Period
	}
	head := []any{styled(st.headerLeft, first)}
	for _, se := range pl.series {
		head = append(head, styled(st.header, se.Name))
	}
	if err := s.next(head, 30); err != nil {
		return err
	}
	for i, c := range ch.Categories {
		row := []any{styled(st.body.label, c)}
		for _, se := range pl.series {
			row = append(row, b.figure(se.Points[i].Figure, false))
		}
		if err := s.next(row, rowPt); err != nil {
			return err
		}
	}
	return s.notes(ch.Note)
}

// trendLine is a row of a trend table: a country's figures over the
// window and its targets.
type trendLine struct {
	country view.Country
	values  []view.Figure
	goals   []*view.Goal
}

// trendLines are the rows of the trend table: All countries first, then
// each country, each with its targets (Panel.Goals).
func (b *book) trendLines(p *view.Panel) []trendLine {
	var lines []trendLine
	for _, ch := range []*view.Chart{&p.Trend.All, &p.Trend.Countries} {
		for _, se := range ch.Series {
			if se.Dashed {
				continue
			}
			l := trendLine{country: view.Country{Name: se.Name}}
			for _, c := range b.v.Countries {
				if c.Name == se.Name {
					l.country = c
				}
			}
			for _, pt := range se.Points {
				l.values = append(l.values, pt.Figure)
			}
			for _, g := range p.Goals {
				if l.country.Code != "" && g.Country.Code == l.country.Code {
					l.goals = g.Goals
				}
			}
			lines = append(lines, l)
		}
	}
	return lines
}

// trendHeight is how high trendTable writes, in pixels.
func (b *book) trendHeight(s *sheet, p *view.Panel) float64 {
	n := 0
	for _, l := range b.trendLines(p) {
		n += 1 + len(goalRows(l.goals))
	}
	return rowPx*float64(2+n) + 10 + s.notesHeight(uniq(p.Trend.Countries.Note, p.Trend.All.Note)...)
}

// trendTable writes the figures the trend charts draw, with their marks,
// and under each country with targets its targets and share achieved.
func (b *book) trendTable(s *sheet, p *view.Panel) error {
	v, st := b.v, b.st
	if err := s.next([]any{styled(st.caption, v.Words.TrendData)}, rowPt); err != nil {
		return err
	}
	head := []any{styled(st.headerLeft, v.Words.Country)}
	for _, per := range p.Trend.Periods {
		head = append(head, styled(st.header, per))
	}
	if err := s.next(head, 20); err != nil {
		return err
	}
	for _, l := range b.trendLines(p) {
		if err := b.trendRow(s, l.country, l.values, l.goals); err != nil {
			return err
		}
	}
	return s.notes(uniq(p.Trend.Countries.Note, p.Trend.All.Note)...)
}

// uniq returns the non-empty texts, each once.
func uniq(texts ...string) []string {
	var out []string
	for _, t := range texts {
		if t == "" {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == t
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}

// gridPx is the width of the columns in excelize's pixels, on which it
// anchors a chart.
func gridPx(widths []float64) int {
	px := 0
	for _, w := range widths {
		px += int(w*excelizeC + 0.5)
	}
	return px
}

// chartTypes are the excelize chart types of the view's chart kinds: a bar
// is horizontal, a column vertical.
var chartTypes = map[string]excelize.ChartType{"bar": excelize.Bar, "column": excelize.Col, "line": excelize.Line}

// addChart adds a native chart of the view's chart at anchor, drawing the
// series from their ranges on the hidden data sheet.
func (b *book) addChart(s *sheet, anchor string, ch *view.Chart, series []view.Series, refs []seriesRef, width, height int) error {
	typ, ok := chartTypes[ch.Kind]
	if !ok {
		typ = excelize.Col
	}
	var out []excelize.ChartSeries
	for i, se := range series {
		colour := strings.TrimPrefix(se.Colour, "#")
		solid := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}}
		cs := excelize.ChartSeries{Name: refs[i].name, Categories: refs[i].categories, Values: refs[i].values, Fill: solid}
		if typ == excelize.Line {
			cs.Line = excelize.LineOptions{Width: 2.25, Fill: solid}
			cs.Marker = excelize.ChartMarker{Symbol: "circle", Size: 5, Fill: solid, Border: excelize.LineOptions{Fill: solid}}
			if se.Dashed {
				cs.Line = excelize.LineOptions{Width: 1.5, Fill: solid, Dash: excelize.LineDashDash}
				cs.Marker = excelize.ChartMarker{Symbol: "dash", Size: 9, Fill: solid, Border: excelize.LineOptions{Fill: solid}}
			}
		}
		out = append(out, cs)
	}
	axisFont := excelize.Font{Size: 9, Color: colourInk}
	labels := ch.Labels
	if len(labels) == 0 {
		labels = ch.Categories
	}
	x := excelize.ChartAxis{Font: axisFont, ReverseOrder: typ == excelize.Bar}
	if typ != excelize.Bar && crowded(labels, width) {
		x.Alignment = excelize.Alignment{TextRotation: -45}
	}
	y := excelize.ChartAxis{
		MajorGridLines: true,
		Font:           axisFont,
		NumFmt:         excelize.ChartNumFmt{CustomNumFmt: axisFormat(ch.Axis)},
		Title:          excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: ch.Axis.Title, Font: &excelize.Font{Size: 9, Color: colourGrey}}}},
	}
	if ch.Axis.Min != nil {
		lo := *ch.Axis.Min
		if ch.Axis.Percent {
			lo /= 100
		}
		y.Minimum = &lo
	}
	if ch.Axis.Max != nil {
		hi := *ch.Axis.Max
		if ch.Axis.Percent {
			hi /= 100
		}
		y.Maximum = &hi
	} else if ch.Axis.Decimals == 0 && !ch.Axis.Percent && top(series) < 5 {
		// Counts below 5 (or none at all): whole steps, not 0, 1, 1.
		lo, hi := 0.0, 5.0
		y.Minimum, y.Maximum, y.MajorUnit = &lo, &hi, 1
	}
	gap := uint(60)
	vary := false
	c := &excelize.Chart{
		Type:         typ,
		Series:       out,
		VaryColors:   &vary,
		Format:       excelize.GraphicOptions{AltText: ch.Title, OffsetX: 2, OffsetY: 4},
		Dimension:    excelize.ChartDimension{Width: uint(width), Height: uint(height)},
		Legend:       excelize.ChartLegend{Position: "bottom", Font: &excelize.Font{Size: 9, Color: colourInk}},
		Title:        excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: ch.Title, Font: &excelize.Font{Bold: true, Size: 11, Color: colourNavy}}}},
		XAxis:        x,
		YAxis:        y,
		ShowBlanksAs: "gap",
		GapWidth:     &gap,
	}
	return b.f.AddChart(s.name, anchor, c)
}

// top is the largest number the series draw (0 when none).
func top(series []view.Series) float64 {
	m := 0.0
	for _, se := range series {
		for _, p := range se.Points {
			if p.HasNumber() {
				m = math.Max(m, p.Number)
			}
		}
	}
	return m
}

// axisFormat is the number format of a value axis: per cent without
// decimals (the data are fractions), a score with one, a count grouped.
func axisFormat(a view.Axis) string {
	switch {
	case a.Percent:
		return "0%"
	case a.Decimals > 0:
		return "0.0"
	}
	return "#,##0"
}

// crowded reports whether category labels written level would overlap on
// a chart width pixels wide (at about 7.5 pixels a character of 9 points,
// with room to spare: LibreOffice wraps a label that nearly fits).
func crowded(labels []string, width int) bool {
	if len(labels) == 0 {
		return false
	}
	longest := 0
	for _, l := range labels {
		longest = max(longest, len([]rune(l)))
	}
	slot := float64(width-100) / float64(len(labels))
	return float64(longest)*7.5 > slot*0.9
}

// seriesRef are the ranges of one chart series on the data sheet.
type seriesRef struct {
	name, categories, values string
}

// dataSheet is the hidden sheet the charts draw from: for each chart its
// marked category labels, its series names and its values, a number or a
// truly empty cell (a suppressed or empty point), never a text.
type dataSheet struct {
	b    *book
	name string
	sw   *excelize.StreamWriter
	row  int
}

func (b *book) newDataSheet(name string) (*dataSheet, error) {
	if _, err := b.f.NewSheet(name); err != nil {
		return nil, err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	if err := sw.SetColWidth(2, 2, 14); err != nil {
		return nil, err
	}
	if err := sw.SetColWidth(1, 1, 36); err != nil {
		return nil, err
	}
	return &dataSheet{b: b, name: name, sw: sw}, nil
}

// add writes a chart's data, its sheet and title above it, and returns
// the ranges of its series.
func (d *dataSheet) add(sheet string, ch *view.Chart, series []view.Series) ([]seriesRef, error) {
	st := d.b.st
	top := d.row + 1
	if err := d.sw.SetRow(cellName(1, top), []any{styled(st.caption, sheet), styled(st.caption, ch.Title)}); err != nil {
		return nil, err
	}
	head := []any{styled(st.data, "")}
	for _, se := range series {
		head = append(head, styled(st.caption, se.Name))
	}
	if err := d.sw.SetRow(cellName(1, top+1), head); err != nil {
		return nil, err
	}
	first := top + 2
	for i, c := range ch.Categories {
		label := c
		if i < len(ch.Labels) {
			label = ch.Labels[i]
		}
		row := []any{styled(st.data, label)}
		for _, se := range series {
			f := se.Points[i].Figure
			if !f.HasNumber() {
				row = append(row, nil) // a gap, not a zero
				continue
			}
			row = append(row, excelize.Cell{StyleID: d.b.st.body.number(f.Kind), Value: number(f)})
		}
		if err := d.sw.SetRow(cellName(1, first+i), row); err != nil {
			return nil, err
		}
	}
	last := first + len(ch.Categories) - 1
	d.row = last + 1
	var refs []seriesRef
	for j := range series {
		col := 2 + j
		refs = append(refs, seriesRef{
			name:       absRange(d.name, col, top+1, col, top+1),
			categories: absRange(d.name, 1, first, 1, last),
			values:     absRange(d.name, col, first, col, last),
		})
	}
	return refs, nil
}
