package xlsx

import (
	"math"

	"github.com/xuri/excelize/v2"

	"rrstat/internal/view"
)

// summary draws the Summary sheet: for every headline figure a group of
// rows, one per country (All countries first), with the figure, its change
// against each compared period and, where the report's own period has
// targets, the target and the share achieved.
func (b *book) summary() error {
	v, st := b.v, b.st
	goals := false
	for _, c := range v.Headline {
		for _, e := range c.Entries {
			goals = goals || e.Goal != nil
		}
	}
	var names []string
	for _, c := range v.Countries {
		names = append(names, c.Name)
	}
	widths := []float64{labelWidth(24, 34, names...), 12}
	for range v.CompareHeads {
		widths = append(widths, 14)
	}
	if goals {
		widths = append(widths, 12, 13)
	}
	s, err := b.open(v.Words.Summary, widths, false)
	if err != nil {
		return err
	}
	lines := []string{v.PeriodText, v.Generated}
	header := b.titleRows(lines...) + 3 // a blank row and the section title
	if err := s.freeze(1, header); err != nil {
		return err
	}
	if err := s.titleBlock(v.Title, lines...); err != nil {
		return err
	}
	if err := s.set(header-1, []any{styled(st.section, v.Words.HeadlineTitle)}, 22); err != nil {
		return err
	}
	head := []any{styled(st.headerLeft, v.Words.Country), styled(st.header, v.Words.Value)}
	for _, h := range v.CompareHeads {
		head = append(head, styled(st.header, h))
	}
	if goals {
		head = append(head, styled(st.header, v.Words.Target), styled(st.header, v.Words.Achieved))
	}
	if err := s.set(header, head, 28); err != nil {
		return err
	}
	if err := s.repeat(header, header, 28); err != nil {
		return err
	}
	for _, c := range v.Headline {
		if err := s.keep(rowPx * float64(1+len(c.Entries))); err != nil {
			return err
		}
		if err := s.group(c.Name); err != nil {
			return err
		}
		for _, e := range c.Entries {
			total := e.Country.All
			row := []any{styled(st.row(total).label, e.Country.Name), b.figure(e.Value, total)}
			for i := range v.CompareHeads {
				ch := view.Change{Mark: view.NoValue, Text: string(view.NoValue)}
				if i < len(e.Changes) {
					ch = e.Changes[i]
				}
				row = append(row, b.change(ch, c.Kind, total))
			}
			if goals {
				if e.Goal != nil {
					row = append(row, b.figure(e.Goal.Target, total), b.figure(e.Goal.Achieved, total))
				} else {
					row = append(row, excelize.Cell{StyleID: st.row(total).blank}, excelize.Cell{StyleID: st.row(total).blank})
				}
			}
			if err := s.next(row, rowPt); err != nil {
				return err
			}
		}
	}
	s.skip(1)
	if err := s.notes(v.HeadlineNotes...); err != nil {
		return err
	}
	if err := b.contents(s); err != nil {
		return err
	}
	return s.sw.Flush()
}

// group writes a group heading across the sheet: an indicator on the
// Summary and Trends sheets, a breakdown in an indicator's table.
func (s *sheet) group(label string) error {
	vals := make([]any, s.width)
	for i := range vals {
		vals[i] = styled(s.b.st.group, "")
	}
	vals[0] = styled(s.b.st.group, label)
	if err := s.next(vals, 16); err != nil {
		return err
	}
	return s.sw.MergeCell(cellName(1, s.row), cellName(s.width, s.row))
}

// contents lists the other sheets under the Summary's notes, each linked
// to its sheet.
func (b *book) contents(s *sheet) error {
	v := b.v
	var list []view.Entry
	for _, e := range v.Contents {
		if b.made[e.Key] {
			list = append(list, e)
		}
	}
	if len(list) == 0 {
		return nil
	}
	s.skip(1)
	if err := s.keep(rowPx * float64(2+min(len(list), 6))); err != nil {
		return err
	}
	if err := s.next([]any{styled(b.st.section, v.Words.Contents)}, 20); err != nil {
		return err
	}
	for _, e := range list {
		if err := s.next([]any{styled(b.st.link, e.Key), styled(b.st.metaLine, e.Value)}, rowPt); err != nil {
			return err
		}
		if err := b.f.SetCellHyperLink(s.name, cellName(1, s.row), sheetRef(e.Key)+"!A1", "Location"); err != nil {
			return err
		}
	}
	return nil
}

// trends draws the Trends sheet: every indicator, every country, the
// totals of the window; under a country with targets its target and the
// share achieved.
func (b *book) trends() error {
	v, st := b.v, b.st
	var labels []string
	for _, r := range v.Trends {
		labels = append(labels, r.Country.Name)
	}
	widths := []float64{labelWidth(24, 32, append(labels, v.Words.Achieved)...)}
	for range v.Periods {
		widths = append(widths, 10)
	}
	s, err := b.open(v.Words.Trends, widths, false)
	if err != nil {
		return err
	}
	header := b.titleRows() + 2
	if err := s.freeze(1, header); err != nil {
		return err
	}
	if err := s.titleBlock(v.Words.TrendsTitle); err != nil {
		return err
	}
	head := []any{styled(st.headerLeft, v.Words.Country)}
	for _, p := range v.Periods {
		head = append(head, styled(st.header, p))
	}
	if err := s.set(header, head, 20); err != nil {
		return err
	}
	if err := s.repeat(header, header, 20); err != nil {
		return err
	}
	for i := 0; i < len(v.Trends); {
		// One indicator: its rows are kept on one page.
		j, n := i+1, 1+len(goalRows(v.Trends[i].Goals))
		for j < len(v.Trends) && !v.Trends[j].First {
			n += 1 + len(goalRows(v.Trends[j].Goals))
			j++
		}
		if err := s.keep(rowPx * float64(1+n)); err != nil {
			return err
		}
		if err := s.group(v.Trends[i].Name); err != nil {
			return err
		}
		for _, r := range v.Trends[i:j] {
			if err := b.trendRow(s, r.Country, r.Values, r.Goals); err != nil {
				return err
			}
		}
		i = j
	}
	s.skip(1)
	if err := s.notes(v.TrendNotes...); err != nil {
		return err
	}
	return s.sw.Flush()
}

// goalRows are the rows drawn under a figure's row for its targets: none
// when it has none, else the target and the share achieved.
func goalRows(goals []*view.Goal) []int {
	for _, g := range goals {
		if g != nil {
			return []int{0, 1}
		}
	}
	return nil
}

// trendRow writes a country's figures over the window and, when it has
// targets, a row of targets and one of the share achieved.
func (b *book) trendRow(s *sheet, c view.Country, values []view.Figure, goals []*view.Goal) error {
	st := b.st
	total := c.All
	row := []any{styled(st.row(total).label, c.Name)}
	for _, f := range values {
		row = append(row, b.figure(f, total))
	}
	if err := s.next(row, rowPt); err != nil {
		return err
	}
	if goalRows(goals) == nil {
		return nil
	}
	target := []any{styled(st.sub.label, b.v.Words.Target)}
	achieved := []any{styled(st.sub.label, b.v.Words.Achieved)}
	for i := range values {
		var g *view.Goal
		if i < len(goals) {
			g = goals[i]
		}
		if g == nil {
			target = append(target, excelize.Cell{StyleID: st.sub.blank})
			achieved = append(achieved, excelize.Cell{StyleID: st.sub.blank})
			continue
		}
		target = append(target, b.sub(g.Target))
		achieved = append(achieved, b.sub(g.Achieved))
	}
	if err := s.next(target, rowPt); err != nil {
		return err
	}
	return s.next(achieved, rowPt)
}

// sub returns the cell of a figure in a target row.
func (b *book) sub(f view.Figure) excelize.Cell {
	switch {
	case f.Mark == view.Absent:
		return excelize.Cell{StyleID: b.st.sub.blank}
	case !f.HasNumber():
		return excelize.Cell{StyleID: b.st.sub.mark, Value: f.Text}
	}
	return excelize.Cell{StyleID: b.st.sub.number(f.Kind), Value: number(f)}
}

// definitions draws every indicator of the catalogue: the definition for
// readers and, in an analyst report, the precise one of its query file.
func (b *book) definitions() error {
	v, st := b.v, b.st
	precise, sheets := false, false
	for _, d := range v.Definitions {
		precise = precise || d.Precise != ""
		sheets = sheets || d.Sheet != ""
	}
	type column struct {
		head  string
		width float64
		wrap  bool
		text  func(view.Definition) string
	}
	hd := v.Words.DefinitionsHead
	cols := []column{
		{hd[0], 19, false, func(d view.Definition) string { return d.ID }},
		{hd[1], 26, true, func(d view.Definition) string { return d.Name }},
		{hd[2], 11, false, func(d view.Definition) string { return d.Kind }},
		{hd[3], 56, true, func(d view.Definition) string { return d.Definition }},
	}
	if precise {
		cols[3].width = 44
		cols = append(cols, column{hd[4], 44, true, func(d view.Definition) string { return d.Precise }})
	}
	cols = append(cols, column{hd[5], 20, true, func(d view.Definition) string { return d.Breakdowns }})
	if sheets {
		cols = append(cols, column{hd[6], 18, true, func(d view.Definition) string { return d.Sheet }})
	}
	var widths []float64
	for _, c := range cols {
		widths = append(widths, c.width)
	}
	s, err := b.open(v.Words.Definitions, widths, true)
	if err != nil {
		return err
	}
	header := b.titleRows(v.Words.DefinitionsIntro) + 2
	if err := s.freeze(1, header); err != nil {
		return err
	}
	if err := s.titleBlock(v.Words.DefinitionsTitle, v.Words.DefinitionsIntro); err != nil {
		return err
	}
	var head []any
	for _, c := range cols {
		head = append(head, styled(st.headerLeft, c.head))
	}
	if err := s.set(header, head, 28); err != nil {
		return err
	}
	if err := s.repeat(header, header, 28); err != nil {
		return err
	}
	for _, d := range v.Definitions {
		var row []any
		h := rowPt
		for _, c := range cols {
			t := c.text(d)
			style := st.text
			if c.wrap {
				style = st.textWrap
				h = math.Max(h, textHeight(t, c.width, 13)+3)
			}
			row = append(row, styled(style, t))
		}
		if err := s.next(row, h); err != nil {
			return err
		}
	}
	return s.sw.Flush()
}

// dataQuality draws what became of the rows of each country's export:
// counts by table, rejected rows by reason, and the loader's warnings.
func (b *book) dataQuality() error {
	v, st := b.v, b.st
	dq := v.DataQuality
	// Both tables share the columns: each column is as wide as the
	// longest text of either (column names such as case_closed_date are
	// never cut).
	widths := make([]float64, max(len(dq.TableHead), len(dq.RejectHead)))
	fit := func(i int, s string, hi float64) {
		widths[i] = math.Max(widths[i], math.Min(float64(len([]rune(s)))*1.1+3, hi))
	}
	for i, h := range dq.TableHead {
		fit(i, h, 16)
	}
	for i, h := range dq.RejectHead {
		fit(i, h, 16)
	}
	for _, r := range dq.Tables {
		for i, t := range []string{r.Country, r.Snapshot, r.Table} {
			fit(i, t, 40)
		}
	}
	for _, r := range dq.Rejects {
		for i, t := range []string{r.Country, r.Reason, r.Table, r.Column} {
			hi := 40.0
			if i == 1 {
				hi = 34 // a reason wraps
			}
			fit(i, t, hi)
		}
	}
	for i := range widths {
		widths[i] = math.Max(widths[i], 10)
	}
	s, err := b.open(v.Words.DataQuality, widths, false)
	if err != nil {
		return err
	}
	if err := s.titleBlock(v.Words.QualityTitle, dq.Intro); err != nil {
		return err
	}
	s.skip(1)
	if err := s.next([]any{styled(st.section, v.Words.QualityRows)}, 20); err != nil {
		return err
	}
	if err := s.next(b.head(dq.TableHead, 3), 30); err != nil {
		return err
	}
	for _, r := range dq.Tables {
		row := []any{styled(st.text, r.Country), styled(st.text, r.Snapshot), styled(st.text, r.Table)}
		if r.Recorded {
			for _, n := range []int64{r.RowsRead, r.Loaded, r.Merged, r.Rejected} {
				row = append(row, excelize.Cell{StyleID: st.body.count, Value: n})
			}
			row = append(row, b.figure(r.RejectedPct, false))
		}
		if err := s.next(row, rowPt); err != nil {
			return err
		}
	}
	s.skip(1)
	if err := s.keep(rowPx * float64(3+min(len(dq.Rejects), 5))); err != nil {
		return err
	}
	if err := s.next([]any{styled(st.section, v.Words.QualityRejects)}, 20); err != nil {
		return err
	}
	if err := s.next(b.head(dq.RejectHead, 4), 30); err != nil {
		return err
	}
	for _, r := range dq.Rejects {
		row := []any{styled(st.text, r.Country), styled(st.textWrap, r.Reason), styled(st.text, r.Table), styled(st.text, r.Column),
			excelize.Cell{StyleID: st.body.count, Value: r.Rows}}
		if err := s.next(row, math.Max(rowPt, textHeight(r.Reason, widths[1], 13)+3)); err != nil {
			return err
		}
	}
	if len(dq.Rejects) == 0 {
		if err := s.next([]any{styled(st.metaLine, dq.NoRejects)}, rowPt); err != nil {
			return err
		}
	}
	if len(dq.Warnings) > 0 {
		s.skip(1)
		if err := s.next([]any{styled(st.section, v.Words.QualityWarnings)}, 20); err != nil {
			return err
		}
		for _, w := range dq.Warnings {
			if err := s.next([]any{styled(st.text, w[0]), styled(st.metaLine, w[1])}, rowPt); err != nil {
				return err
			}
		}
	}
	return s.sw.Flush()
}

// head returns a header row: the first left columns aligned left (text),
// the others centred (numbers).
func (b *book) head(titles []string, left int) []any {
	var out []any
	for i, t := range titles {
		style := b.st.header
		if i < left {
			style = b.st.headerLeft
		}
		out = append(out, styled(style, t))
	}
	return out
}

// about draws how the workbook was made, from what and for whom, and what
// its symbols mean.
func (b *book) about() error {
	v, st := b.v, b.st
	widths := []float64{24, 84}
	s, err := b.open(v.Words.About, widths, false)
	if err != nil {
		return err
	}
	if err := s.titleBlock(v.Words.AboutTitle, v.Words.AboutIntro); err != nil {
		return err
	}
	s.skip(1)
	for _, e := range v.About {
		h := math.Max(rowPt, textHeight(e.Value, widths[1], 13)+3)
		if err := s.next([]any{styled(st.keyLabel, e.Key), styled(st.keyValue, e.Value)}, h); err != nil {
			return err
		}
	}
	if len(v.Symbols) > 0 {
		s.skip(1)
		if err := s.next([]any{styled(st.section, v.Words.Symbols)}, 20); err != nil {
			return err
		}
		for _, sym := range v.Symbols {
			if err := s.next([]any{styled(st.keyLabel, string(sym.Mark)), styled(st.keyValue, sym.Meaning)}, rowPt); err != nil {
				return err
			}
		}
	}
	return s.sw.Flush()
}
