package view

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"rrstat/internal/cell"
	"rrstat/internal/export"
	"rrstat/internal/indicator"
	"rrstat/internal/labels"
	"rrstat/internal/layout"
	"rrstat/internal/period"
	"rrstat/internal/report"
	"rrstat/internal/target"
)

// Palette are the colours of the countries in every chart of both outputs:
// All countries first (navy), then one a country in report order.
var Palette = []string{"#1F3864", "#4E9BD5", "#E69F00", "#3BA27A", "#C0504D", "#8064A2", "#7F7F7F", "#B8860B", "#17BECF", "#D36CA0"}

// ErrReport is returned by Build for a report it cannot show.
var ErrReport = errors.New("report cannot be shown")

// builder holds what Build works with.
type builder struct {
	r     *report.Report
	l     *labels.Labels
	v     *View
	idx   []map[cell.Key]*cell.Cell // per period of r.Periods
	own   map[cell.Key]*cell.Cell
	codes []string // ALL first
	// used records the marks shown anywhere, for the symbol legend.
	used map[Mark]bool
}

// Build decides what the report shows, in the language of l. It returns an
// error wrapping ErrReport when the report has no layout, no cells, or two
// indicators whose sheets would have the same name.
func Build(r *report.Report, l *labels.Labels) (*View, error) {
	if r == nil || r.Layout == nil || r.Cells == nil || l == nil {
		return nil, fmt.Errorf("%w: no layout, cells or labels", ErrReport)
	}
	if len(r.Tables) == 0 {
		// A report of one period without a window (tests, older callers):
		// its own period is its window; the caller's report is left as it
		// is.
		one := *r
		one.Periods, one.Tables, one.Window = []period.Period{r.Period}, []*cell.Table{r.Cells}, 1
		r = &one
	}
	b := &builder{r: r, l: l, used: map[Mark]bool{}}
	b.own = index(r.Cells)
	for _, t := range r.Tables {
		b.idx = append(b.idx, index(t))
	}
	b.codes = append([]string{cell.AllCountries}, r.Countries...)
	if len(r.Countries) == 0 {
		b.codes = r.Cells.Countries()
	}
	v := &View{
		Lang:      l.Lang,
		Donor:     r.Audience == report.Donor,
		K:         r.K,
		Synthetic: r.Synthetic,
		Period:    r.Period.Label,
	}
	b.v = v
	v.Words = words(l)
	v.Sheets = r.Layout.Sheets
	if v.Donor {
		v.Sheets.About, v.Sheets.DataQuality = true, false
	}
	v.Audience, v.Layout, v.GeneratedAt, v.Version = string(r.Audience), r.Layout.File, r.GeneratedAt, r.ToolVersion
	v.Subject = l.T("report.subject")
	v.Title = r.Layout.Title.In(l.Lang)
	if v.Title == "" {
		v.Title = l.T("report.title")
	}
	v.PeriodText = b.periodText(r.Period)
	for _, p := range report.CompareWith(r.Period) {
		v.Compared = append(v.Compared, p.Label)
		v.CompareHeads = append(v.CompareHeads, l.T("words.change_since", "period", p.Label))
	}
	for _, p := range r.WindowPeriods() {
		v.Periods = append(v.Periods, p.Label)
	}
	if v.Donor {
		v.Notice = l.T("notice.donor", "k", strconv.Itoa(r.K), "x", string(Suppressed))
		v.Rule = l.T("rule.donor", "k", strconv.Itoa(r.K))
		v.PageHeader = l.T("page.donor", "k", strconv.Itoa(r.K))
	} else {
		v.Notice = l.T("notice.analyst")
		v.Rule = l.T("rule.analyst")
		v.PageHeader = l.T("page.analyst")
	}
	if r.Synthetic {
		v.SyntheticNotice = l.T("notice.synthetic")
		v.PageHeader = l.T("page.synthetic", "header", v.PageHeader)
	}
	v.Generated = l.T("summary.generated", "time", l.DateTime(r.GeneratedAt), "version", r.ToolVersion, "n", strconv.Itoa(len(r.Snapshots)))
	for i, code := range b.codes {
		v.Countries = append(v.Countries, Country{Code: code, Name: l.Country(code), Colour: Palette[i%len(Palette)], All: code == cell.AllCountries})
	}
	titles := map[string]string{}
	for _, it := range r.Layout.Items {
		ind := r.Catalogue.Lookup(it.ID)
		if ind == nil {
			return nil, fmt.Errorf("%w: indicator %s of the layout is not in the catalogue", ErrReport, it.ID)
		}
		p := b.panel(&it, ind)
		key := strings.ToLower(p.Title)
		if prev, dup := titles[key]; dup {
			return nil, fmt.Errorf("%w: %s and %s would both be the sheet %q in %s; give one a title in the layout", ErrReport, prev, it.ID, p.Title, l.Lang)
		}
		for _, fixed := range []string{v.Words.Summary, v.Words.Trends, v.Words.Definitions, v.Words.DataQuality, v.Words.About, v.Words.ChartSheet} {
			if strings.EqualFold(fixed, p.Title) {
				return nil, fmt.Errorf("%w: the sheet of %s would be named %q, like a fixed sheet; give it a title in the layout", ErrReport, it.ID, p.Title)
			}
		}
		titles[key] = it.ID
		v.Panels = append(v.Panels, p)
	}
	b.headline()
	b.trends()
	b.definitions()
	if v.Sheets.DataQuality {
		b.dataQuality()
	}
	b.about()
	b.contents()
	b.symbols()
	return v, nil
}

func index(t *cell.Table) map[cell.Key]*cell.Cell {
	m := make(map[cell.Key]*cell.Cell, len(t.Cells))
	for i := range t.Cells {
		c := &t.Cells[i]
		m[c.Key()] = c
	}
	return m
}

func (b *builder) periodText(p period.Period) string {
	if p.Start.IsZero() {
		return p.Label
	}
	return b.l.T("period.text", "period", p.Label, "start", b.l.Date(p.Start), "end", b.l.Date(p.End))
}

// lookup returns a cell of period i (an index into r.Periods), or nil.
func (b *builder) lookup(i int, id, country, dim, cat string) *cell.Cell {
	return b.idx[i][cell.Key{Indicator: id, Country: country, Dimension: dim, Category: cat}]
}

func (b *builder) total(i int, id, country string) *cell.Cell {
	return b.lookup(i, id, country, cell.TotalDimension, cell.TotalDimension)
}

// figure returns how a report shows a cell's value. This is the one place
// that decides it: a suppressed cell shows the symbol and has no number.
func (b *builder) figure(c *cell.Cell, kind cell.Kind) Figure {
	f := Figure{Kind: kind}
	switch {
	case c == nil:
		f.Mark = Absent
	case !c.Published():
		f.Mark, f.Text = Suppressed, string(Suppressed)
	case !c.HasValue():
		f.Mark, f.Text = NoValue, string(NoValue)
	default:
		f.Value = c.Value()
		f.Number, _ = strconv.ParseFloat(f.Value, 64)
		f.Text = b.l.Number(f.Value)
	}
	b.used[f.Mark] = true
	return f
}

// base returns how a report shows a cell's denominator (the base of a
// percentage, the persons a mean averages): a count, or the cell's mark.
func (b *builder) base(c *cell.Cell) Figure {
	f := Figure{Kind: cell.Count}
	switch {
	case c == nil:
		f.Mark = Absent
	case !c.Published():
		f.Mark, f.Text = Suppressed, string(Suppressed)
	default:
		f.Value = strconv.FormatInt(c.Fig.Denominator, 10)
		f.Number = float64(c.Fig.Denominator)
		f.Text = b.l.Int(c.Fig.Denominator)
	}
	b.used[f.Mark] = true
	return f
}

// change computes the change of a published value against an earlier one,
// exactly, from the values as published (series.md).
func (b *builder) change(kind cell.Kind, now, then Figure, against string) Change {
	ch := Change{Against: against, Mark: NoValue, Text: string(NoValue)}
	if !now.HasNumber() || !then.HasNumber() {
		ch.Caption = b.l.T("change.none", "period", against)
		return ch
	}
	a, _ := new(big.Rat).SetString(now.Value)
	z, _ := new(big.Rat).SetString(then.Value)
	d := new(big.Rat).Sub(a, z)
	places := 0
	switch kind {
	case cell.Percentage:
		places = 1
	case cell.Mean:
		places = 3
	}
	ch.Mark = Shown
	ch.Dir = d.Sign()
	ch.Number, _ = d.Float64()
	num := b.l.Rat(d, places)
	if d.Sign() > 0 {
		num = "+" + num
	}
	ch.Text = num
	if kind == cell.Percentage {
		ch.Text = b.l.T("change.points", "n", num)
	}
	arrow := map[int]string{1: "▲", -1: "▼", 0: "="}[ch.Dir]
	ch.Caption = b.l.T("change.caption", "arrow", arrow, "change", ch.Text, "period", against)
	return ch
}

// goal returns the target of a cell and what was achieved, or nil.
func (b *builder) goal(kind cell.Kind, value Figure, t *target.Target) *Goal {
	if t == nil {
		return nil
	}
	g := &Goal{Target: Figure{Kind: kind, Value: t.Text}}
	g.Target.Number, _ = strconv.ParseFloat(t.Text, 64)
	g.Target.Text = b.l.Number(cell.FormatRat(t.Value, decimals(kind)))
	g.Achieved = Figure{Kind: cell.Percentage, Mark: NoValue, Text: string(NoValue)}
	if value.HasNumber() {
		if a := target.Achieved(value.Value, t); a != "" {
			g.Achieved = Figure{Kind: cell.Percentage, Value: a, Text: b.l.Number(a)}
			g.Achieved.Number, _ = strconv.ParseFloat(a, 64)
		}
	}
	b.used[g.Achieved.Mark] = true
	return g
}

func decimals(k cell.Kind) int {
	switch k {
	case cell.Percentage:
		return 1
	case cell.Mean:
		return 3
	}
	return 0
}

// unit is what follows a value: "%" for a percentage.
func unit(k cell.Kind) string {
	if k == cell.Percentage {
		return "%"
	}
	return ""
}

// headlineIDs are the layout's headline indicators, or every item.
func (b *builder) headlineIDs() []string {
	ids := b.r.Layout.Headline
	if len(ids) == 0 {
		for _, it := range b.r.Layout.Items {
			ids = append(ids, it.ID)
		}
	}
	return ids
}

func (b *builder) name(ind *indicator.Indicator) string {
	if s := b.l.Indicator(ind.ID, "name"); s != "" {
		return s
	}
	return ind.Name
}

func (b *builder) headline() {
	r, l := b.r, b.l
	own := len(r.Periods) - 1
	compare := report.CompareWith(r.Period)
	var kinds []cell.Kind
	for _, id := range b.headlineIDs() {
		ind := r.Catalogue.Lookup(id)
		if ind == nil {
			continue
		}
		kinds = append(kinds, ind.Kind)
		card := Card{Indicator: id, Name: b.name(ind), Kind: ind.Kind, Unit: unit(ind.Kind), UnitName: l.T("kinds." + string(ind.Kind) + ".unit")}
		if ind.Kind != cell.Count {
			card.BaseHead = l.T("kinds." + string(ind.Kind) + ".base_head")
		}
		for i, code := range b.codes {
			e := CardEntry{Country: b.v.Countries[i]}
			c := b.total(own, id, code)
			e.Value = b.figure(c, ind.Kind)
			if ind.Kind != cell.Count {
				e.Base = b.base(c)
			}
			for _, q := range compare {
				// A period that was not computed has no figure to compare
				// with: the change is absent, as for an empty cell.
				then := Figure{Kind: ind.Kind, Mark: Absent}
				if t := r.Table(q.Label); t != nil {
					then = b.figure(b.idx[slices.Index(r.Tables, t)][cell.Key{Indicator: id, Country: code, Dimension: cell.TotalDimension, Category: cell.TotalDimension}], ind.Kind)
				}
				e.Changes = append(e.Changes, b.change(ind.Kind, e.Value, then, q.Label))
			}
			e.Goal = b.goal(ind.Kind, e.Value, r.Targets.Lookup(id, code, r.Period.Label))
			card.Entries = append(card.Entries, e)
		}
		b.v.Headline = append(b.v.Headline, card)
	}
	where := l.T("summary.where_sheets")
	if !r.Layout.Sheets.Indicators {
		where = l.T("summary.where_dashboard")
	}
	b.v.HeadlineNotes = append([]string{l.T("summary.note", "where", where)}, b.notes(kinds...)...)
	b.v.HeadlineNotes = append(b.v.HeadlineNotes, l.T("summary.change_note", "periods", strings.Join(b.v.Compared, ", ")))
}

// notes returns the footnotes of the marks used so far and of the kinds.
func (b *builder) notes(kinds ...cell.Kind) []string {
	l := b.l
	var out []string
	if b.used[Suppressed] {
		out = append(out, l.T("notes.suppressed", "x", string(Suppressed), "k", strconv.Itoa(b.r.K)))
	}
	if b.used[NoValue] {
		out = append(out, l.T("notes.no_value", "mark", string(NoValue)))
	}
	if b.used[Absent] {
		out = append(out, l.T("notes.absent"))
	}
	seen := map[cell.Kind]bool{}
	for _, k := range kinds {
		if seen[k] {
			continue
		}
		seen[k] = true
		switch k {
		case cell.Percentage:
			out = append(out, l.T("notes.percentage"))
		case cell.Mean:
			w := b.r.Params.Weights
			out = append(out, l.T("notes.mean", "economic", l.Number(w.Economic), "social", l.Number(w.Social), "psychosocial", l.Number(w.Psychosocial)))
		}
	}
	return out
}

// resetMarks starts a new table's footnotes.
func (b *builder) resetMarks() map[Mark]bool {
	saved := b.used
	b.used = map[Mark]bool{}
	return saved
}

// mergeMarks adds a table's marks back into the report's.
func (b *builder) mergeMarks(saved map[Mark]bool) {
	for m := range b.used {
		saved[m] = true
	}
	b.used = saved
}

// title is the sheet name of a layout item.
func (b *builder) title(it *layout.Item) string {
	if s := it.Title.In(b.l.Lang); s != "" {
		return s
	}
	if s := b.l.Indicator(it.ID, "title"); s != "" {
		return s
	}
	return it.ID
}

func (b *builder) panel(it *layout.Item, ind *indicator.Indicator) Panel {
	l, r := b.l, b.r
	own := len(r.Periods) - 1
	p := Panel{Indicator: ind.ID, Kind: ind.Kind, KindName: l.T("kinds." + string(ind.Kind) + ".name"), Title: b.title(it), Name: b.name(ind), Unit: unit(ind.Kind)}
	p.Definition = l.Indicator(ind.ID, "definition")
	if p.Definition == "" {
		p.Definition = ind.Definition
	}
	if !b.v.Donor {
		p.Precise = ind.Definition
	}
	p.Meta = l.T("panel.meta", "id", ind.ID, "kind", p.KindName, "period", b.v.PeriodText)

	saved := b.resetMarks()
	// The table: the total, then each breakdown.
	withBase := ind.Kind != cell.Count
	if withBase {
		p.Table.ValueHead = l.T("kinds." + string(ind.Kind) + ".value_head")
		p.Table.BaseHead = l.T("kinds." + string(ind.Kind) + ".base_head")
	}
	row := func(dim, cat string, total bool) Row {
		rw := Row{Label: l.Category(dim, cat), Total: total}
		for _, code := range b.codes {
			c := b.lookup(own, ind.ID, code, dim, cat)
			rw.Values = append(rw.Values, b.figure(c, ind.Kind))
			if withBase {
				rw.Bases = append(rw.Bases, b.base(c))
			}
		}
		return rw
	}
	p.Table.Rows = append(p.Table.Rows, row(cell.TotalDimension, cell.TotalDimension, true))
	for _, dim := range it.Tables {
		p.Table.Rows = append(p.Table.Rows, Row{Label: l.Dimension(dim), Group: true})
		for _, cat := range b.categories(ind.ID, dim) {
			p.Table.Rows = append(p.Table.Rows, row(dim, cat, false))
		}
	}
	p.Table.Notes = b.notes(ind.Kind)
	if withBase {
		p.Table.Notes = append(p.Table.Notes, l.T("notes.base"))
	}

	// The charts: the layout's chart dimension first, the other
	// breakdowns, the total by country.
	dims := []string{}
	if it.Chart.Dimension != cell.TotalDimension {
		dims = append(dims, it.Chart.Dimension)
	}
	for _, t := range it.Tables {
		if t != it.Chart.Dimension {
			dims = append(dims, t)
		}
	}
	for i, dim := range dims {
		kind := "column"
		if i == 0 {
			kind = it.Chart.Kind
		}
		cats := b.categories(ind.ID, dim)
		if kind == "column" && (len(cats) > 6 || dim == "region" || dim == "return_from") {
			kind = "bar"
		}
		p.Charts = append(p.Charts, b.breakdown(ind, dim, kind, cats))
	}
	p.Charts = append(p.Charts, b.byCountry(ind))
	p.Trend = b.trend(ind)
	p.Goals = b.goals(ind)
	b.mergeMarks(saved)
	return p
}

// categories returns the categories of a dimension in table order: ALL's
// first (ALL lists every category of any country), then any other; the
// unknown region last, wherever its code sorts among the names of the
// data (indicators.csv keeps byte order: "unknown" before Cyrillic names).
func (b *builder) categories(id, dim string) []string {
	if dim == cell.TotalDimension {
		return []string{cell.TotalDimension}
	}
	cats := b.r.Cells.Categories(id, dim, b.codes)
	if dim == "region" {
		if i := slices.Index(cats, export.UnknownRegion); i >= 0 {
			cats = append(slices.Delete(cats, i, i+1), export.UnknownRegion)
		}
	}
	return cats
}

// axis is the value axis of an indicator's charts.
func (b *builder) axis(ind *indicator.Indicator) Axis {
	a := Axis{Decimals: decimals(ind.Kind)}
	if s := b.l.Indicator(ind.ID, "axis"); s != "" {
		a.Title = s
	} else {
		a.Title = b.l.T("kinds." + string(ind.Kind) + ".axis")
	}
	switch ind.Kind {
	case cell.Percentage:
		lo, hi := 0.0, 100.0
		a.Min, a.Max, a.Percent = &lo, &hi, true
	case cell.Mean:
		lo, hi := 0.0, 1.0
		a.Min, a.Max = &lo, &hi
	}
	return a
}

// marked returns a category label with the marks of its points: "0-4 (x)".
func (b *builder) marked(label string, marks ...Mark) string {
	var ms []string
	for _, m := range marks {
		if (m == Suppressed || m == NoValue) && !slices.Contains(ms, string(m)) {
			ms = append(ms, string(m))
		}
	}
	if len(ms) == 0 {
		return label
	}
	return b.l.T("marks.label", "label", label, "marks", strings.Join(ms, ", "))
}

// finish sets a chart's marked labels over the series a chart of every
// country draws (CountrySeries) and its note.
func (b *builder) finish(ch *Chart) {
	series := ch.CountrySeries()
	var any []Mark
	for i, cat := range ch.Categories {
		var marks []Mark
		for _, s := range series {
			if s.Dashed {
				continue
			}
			marks = append(marks, s.Points[i].Mark)
		}
		ch.Labels = append(ch.Labels, b.marked(cat, marks...))
		any = append(any, marks...)
	}
	var notes []string
	if slices.Contains(any, Suppressed) {
		notes = append(notes, b.l.T("notes.chart_suppressed", "x", string(Suppressed), "k", strconv.Itoa(b.r.K)))
	}
	if slices.Contains(any, NoValue) {
		notes = append(notes, b.l.T("notes.chart_no_value", "mark", string(NoValue)))
	}
	ch.Note = strings.Join(notes, " ")
}

// CountrySeries returns the series a chart comparing the countries draws.
// A breakdown chart has ALL's series first: it is left out when there are
// several countries (ALL would set the scale); other charts (by country,
// trend) hold no ALL series to leave out.
func (c *Chart) CountrySeries() []Series {
	if c.Dimension == "country" || c.Dimension == "period" || len(c.Series) <= 2 {
		return c.Series
	}
	return c.Series[1:]
}

func (b *builder) point(f Figure, label string) Point {
	return Point{Figure: f, Label: b.marked(label, f.Mark)}
}

// breakdown is the chart of one dimension: a series per country (ALL
// first), one point per category.
func (b *builder) breakdown(ind *indicator.Indicator, dim, kind string, cats []string) Chart {
	l := b.l
	own := len(b.r.Periods) - 1
	ch := Chart{ID: "c-" + ind.ID + "-" + dim, Kind: kind, Dimension: dim, Axis: b.axis(ind),
		Title: l.T("charts.by", "dimension", strings.ToLower(l.Dimension(dim)))}
	for _, cat := range cats {
		ch.Categories = append(ch.Categories, l.Category(dim, cat))
	}
	for i, code := range b.codes {
		s := Series{Name: l.Country(code), Colour: Palette[i%len(Palette)]}
		for j, cat := range cats {
			s.Points = append(s.Points, b.point(b.figure(b.lookup(own, ind.ID, code, dim, cat), ind.Kind), ch.Categories[j]))
		}
		ch.Series = append(ch.Series, s)
	}
	b.finish(&ch)
	return ch
}

// byCountry is the chart of the indicator's total by country: the
// reporting countries, without ALL (which would set the scale) unless
// there is only one.
func (b *builder) byCountry(ind *indicator.Indicator) Chart {
	l := b.l
	own := len(b.r.Periods) - 1
	ch := Chart{ID: "c-" + ind.ID + "-country", Kind: "bar", Dimension: "country", Axis: b.axis(ind), Title: l.T("charts.by_country")}
	s := Series{Name: l.T("categories.total.total"), Colour: Palette[0]}
	codes := b.codes
	if len(codes) > 2 {
		codes = codes[1:]
	}
	for _, code := range codes {
		name := l.Country(code)
		ch.Categories = append(ch.Categories, name)
		pt := b.point(b.figure(b.total(own, ind.ID, code), ind.Kind), name)
		pt.Colour = Palette[slices.Index(b.codes, code)%len(Palette)]
		s.Points = append(s.Points, pt)
	}
	ch.Series = []Series{s}
	b.finish(&ch)
	return ch
}

// trend is the window of the indicator's totals: the countries on one
// chart, ALL on another, each with its targets as a dashed line.
func (b *builder) trend(ind *indicator.Indicator) Trend {
	l, r := b.l, b.r
	first := len(r.Periods) - r.Window
	tr := Trend{Periods: b.v.Periods}
	mk := func(id, title string, codes []string, offset int) Chart {
		ch := Chart{ID: id, Kind: "line", Dimension: "period", Axis: b.axis(ind), Title: title, Categories: tr.Periods}
		for n, code := range codes {
			colour := Palette[(n+offset)%len(Palette)]
			s := Series{Name: l.Country(code), Colour: colour}
			var goal Series
			hasGoal := false
			for j := range tr.Periods {
				i := first + j
				s.Points = append(s.Points, b.point(b.figure(b.total(i, ind.ID, code), ind.Kind), tr.Periods[j]))
				gp := Point{Figure: Figure{Kind: ind.Kind, Mark: Absent}, Label: tr.Periods[j]}
				if t := r.Targets.Lookup(ind.ID, code, r.Periods[i].Label); t != nil {
					g := b.goal(ind.Kind, s.Points[j].Figure, t)
					gp.Figure = g.Target
					hasGoal = true
				}
				goal.Points = append(goal.Points, gp)
			}
			ch.Series = append(ch.Series, s)
			if hasGoal {
				goal.Name = l.T("charts.target_of", "country", l.Country(code))
				goal.Colour, goal.Dashed = colour, true
				ch.Series = append(ch.Series, goal)
			}
		}
		b.finish(&ch)
		return ch
	}
	tr.All = mk("t-"+ind.ID+"-all", l.T("charts.trend_all", "n", strconv.Itoa(r.Window)), []string{cell.AllCountries}, 0)
	tr.Countries = mk("t-"+ind.ID+"-countries", l.T("charts.trend_countries", "n", strconv.Itoa(r.Window)), b.codes[1:], 1)
	return tr
}

// goals are an indicator's targets over the window, per country; nil when
// it has none.
func (b *builder) goals(ind *indicator.Indicator) []GoalRow {
	r := b.r
	if r.Targets.Len() == 0 {
		return nil
	}
	first := len(r.Periods) - r.Window
	var out []GoalRow
	for n, code := range b.codes {
		row := GoalRow{Country: b.v.Countries[n]}
		any := false
		for j := 0; j < r.Window; j++ {
			i := first + j
			t := r.Targets.Lookup(ind.ID, code, r.Periods[i].Label)
			g := b.goal(ind.Kind, b.figure(b.total(i, ind.ID, code), ind.Kind), t)
			any = any || g != nil
			row.Goals = append(row.Goals, g)
		}
		if any {
			out = append(out, row)
		}
	}
	return out
}

// trends are the rows of the Trends sheet: every indicator of the layout,
// every country, the totals of the window.
func (b *builder) trends() {
	r := b.r
	first := len(r.Periods) - r.Window
	saved := b.resetMarks()
	var kinds []cell.Kind
	for _, it := range r.Layout.Items {
		ind := r.Catalogue.Lookup(it.ID)
		kinds = append(kinds, ind.Kind)
		for n, code := range b.codes {
			row := TrendRow{Indicator: ind.ID, Name: b.name(ind), Kind: ind.Kind, Country: b.v.Countries[n], First: n == 0}
			any := false
			for j := 0; j < r.Window; j++ {
				i := first + j
				f := b.figure(b.total(i, ind.ID, code), ind.Kind)
				row.Values = append(row.Values, f)
				g := b.goal(ind.Kind, f, r.Targets.Lookup(ind.ID, code, r.Periods[i].Label))
				any = any || g != nil
				row.Goals = append(row.Goals, g)
			}
			if !any {
				row.Goals = nil
			}
			b.v.Trends = append(b.v.Trends, row)
		}
	}
	b.v.TrendNotes = append([]string{b.l.T("trends.note", "n", strconv.Itoa(r.Window))}, b.notes(kinds...)...)
	b.mergeMarks(saved)
}

func (b *builder) definitions() {
	l, r := b.l, b.r
	for _, ind := range r.Catalogue {
		var dims []string
		for _, d := range ind.Disaggregations {
			dims = append(dims, l.Dimension(d))
		}
		sheet := ""
		if r.Layout.Sheets.Indicators {
			for _, p := range b.v.Panels {
				if p.Indicator == ind.ID {
					sheet = p.Title
				}
			}
		}
		d := Definition{ID: ind.ID, Name: b.name(ind), Kind: l.T("kinds." + string(ind.Kind) + ".name"),
			Definition: l.Indicator(ind.ID, "definition"), Breakdowns: strings.Join(dims, ", "), Sheet: sheet}
		if d.Definition == "" {
			d.Definition = ind.Definition
		}
		if !b.v.Donor {
			d.Precise = ind.Definition
		}
		b.v.Definitions = append(b.v.Definitions, d)
	}
}

// reasonKeys translate the loader's reject reasons (export.Reason*).
var reasonKeys = map[string]string{
	export.ReasonMissing: "missing", export.ReasonPersonID: "person_id", export.ReasonCountry: "country",
	export.ReasonSex: "sex", export.ReasonInteger: "integer", export.ReasonBirthYear: "birth_year",
	export.ReasonDate: "date", export.ReasonFuture: "future", export.ReasonBeforeReturn: "before_return",
	export.ReasonDecimal: "decimal", export.ReasonRange01: "range01", export.ReasonBool: "bool",
	export.ReasonClosedDate: "closed_date", export.ReasonOpenDate: "open_date", export.ReasonClosedBefore: "closed_before",
	export.ReasonUnknownPerson:  "unknown_person",
	export.ReasonRejectedPerson: "rejected_person", export.ReasonDuplicatePerson: "duplicate_person",
	export.ReasonDuplicateSvc: "duplicate_service", export.ReasonDuplicateFup: "duplicate_followup",
	export.ReasonMalformed: "malformed",
}

// reason returns a reject reason in the report's language.
func (b *builder) reason(s string) string {
	if k, ok := reasonKeys[s]; ok {
		return b.l.T("reasons." + k)
	}
	if codes, ok := strings.CutPrefix(s, "must be one of "); ok {
		return b.l.T("reasons.code_list", "codes", codes)
	}
	return s
}

func (b *builder) dataQuality() {
	l, r := b.l, b.r
	dq := &DataQuality{
		Intro:      l.T("quality.intro"),
		TableHead:  []string{l.T("quality.country"), l.T("quality.snapshot"), l.T("quality.table"), l.T("quality.rows_read"), l.T("quality.loaded"), l.T("quality.merged"), l.T("quality.rejected"), l.T("quality.rejected_pct")},
		RejectHead: []string{l.T("quality.country"), l.T("quality.reason"), l.T("quality.table"), l.T("quality.column"), l.T("quality.rows")},
		NoRejects:  l.T("quality.no_rejects"),
	}
	for _, s := range r.Snapshots {
		country := l.Country(s.Country)
		if s.Summary == nil {
			dq.Tables = append(dq.Tables, QualityRow{Country: country, Snapshot: s.ID, Table: l.T("quality.not_recorded")})
			continue
		}
		for _, t := range export.TableNames {
			tc := s.Summary.Tables.Get(t)
			row := QualityRow{Country: country, Snapshot: s.ID, Table: t, Recorded: true,
				RowsRead: tc.RowsRead, Loaded: tc.Loaded, Merged: tc.Merged, Rejected: tc.Rejected}
			row.RejectedPct = Figure{Kind: cell.Percentage, Mark: NoValue, Text: string(NoValue)}
			if tc.RowsRead > 0 {
				v := cell.FormatRat(big.NewRat(100*tc.Rejected, tc.RowsRead), 1)
				row.RejectedPct = Figure{Kind: cell.Percentage, Value: v, Text: l.Number(v)}
				row.RejectedPct.Number, _ = strconv.ParseFloat(v, 64)
			}
			dq.Tables = append(dq.Tables, row)
		}
		for _, g := range groupRejects(s.Summary.Rejects) {
			dq.Rejects = append(dq.Rejects, RejectRow{Country: country, Reason: b.reason(g.reason), Table: g.table, Column: g.column, Rows: g.n})
		}
		for _, w := range s.Summary.Warnings {
			dq.Warnings = append(dq.Warnings, [2]string{country, w})
		}
	}
	b.v.DataQuality = dq
}

func (b *builder) about() {
	l, r := b.l, b.r
	v := b.v
	var list []Entry
	list = append(list, Entry{l.T("about.report"), v.Title}, Entry{l.T("about.period"), v.PeriodText},
		Entry{l.T("about.window"), l.T("about.window_text", "n", strconv.Itoa(r.Window), "first", v.Periods[0], "last", v.Period)})
	if v.Donor {
		list = append(list,
			Entry{l.T("about.audience"), l.T("about.audience_donor")},
			Entry{l.T("about.disclosure"), l.T("about.disclosure_donor", "k", strconv.Itoa(r.K), "rule", v.Rule)})
		if r.Protection != nil {
			list = append(list, Entry{l.T("about.protection"), l.T("about.protection_text",
				"primary", strconv.Itoa(r.Protection.Primary), "secondary", strconv.Itoa(r.Protection.Secondary),
				"series", strconv.Itoa(r.Protection.Series), "release", r.Protection.Release)})
		}
	} else {
		list = append(list,
			Entry{l.T("about.audience"), l.T("about.audience_analyst")},
			Entry{l.T("about.disclosure"), l.T("about.disclosure_analyst")})
	}
	wt := r.Params.Weights
	list = append(list, Entry{l.T("about.parameters"), l.T("about.parameters_text", "economic", l.Number(wt.Economic), "social", l.Number(wt.Social),
		"psychosocial", l.Number(wt.Psychosocial), "threshold", l.Number(r.Params.Threshold))})
	if r.Synthetic {
		list = append(list, Entry{l.T("about.data"), v.SyntheticNotice})
	} else {
		list = append(list, Entry{l.T("about.data"), l.T("about.data_real")})
	}
	var countries []string
	for _, c := range r.Countries {
		countries = append(countries, l.T("about.country", "name", l.Country(c), "code", c))
	}
	list = append(list, Entry{l.T("about.countries"), strings.Join(countries, ", ")})
	for _, s := range r.Snapshots {
		cur := l.T("about.current")
		if !s.Current {
			cur = l.T("about.earlier")
		}
		text := l.T("about.snapshot", "id", s.ID, "current", cur, "loaded", l.DateTime(s.LoadedAt), "sha", s.ContentSHA256)
		if s.Source != "" {
			text = s.Source + "\n" + text
		}
		list = append(list, Entry{l.T("about.source", "country", s.Country), text})
	}
	if r.Targets != nil {
		list = append(list, Entry{l.T("about.targets"), l.T("about.targets_text", "file", r.Targets.File, "n", strconv.Itoa(r.Targets.Len()), "sha", r.Targets.SHA256)})
	}
	list = append(list,
		Entry{l.T("about.indicators"), l.T("about.indicators_text", "n", strconv.Itoa(len(r.Catalogue)))},
		Entry{l.T("about.layout"), r.Layout.File},
		Entry{l.T("about.language"), l.T("language.name")},
		Entry{l.T("about.generated"), l.DateTime(r.GeneratedAt)},
		Entry{l.T("about.version"), "rrstat " + r.ToolVersion},
	)
	v.About = list
}

func (b *builder) contents() {
	l, v := b.l, b.v
	lay := struct{ Sheets layout.Sheets }{v.Sheets}
	if lay.Sheets.Trends {
		v.Contents = append(v.Contents, Entry{v.Words.Trends, l.T("contents.trends", "n", strconv.Itoa(b.r.Window))})
	}
	if lay.Sheets.Indicators {
		for _, p := range v.Panels {
			v.Contents = append(v.Contents, Entry{p.Title, p.Name})
		}
	}
	if lay.Sheets.Definitions {
		v.Contents = append(v.Contents, Entry{v.Words.Definitions, l.T("contents.definitions")})
	}
	if v.DataQuality != nil {
		v.Contents = append(v.Contents, Entry{v.Words.DataQuality, l.T("contents.data_quality")})
	}
	if lay.Sheets.About {
		v.Contents = append(v.Contents, Entry{v.Words.About, l.T("contents.about")})
	}
}

func (b *builder) symbols() {
	l := b.l
	if b.v.Donor {
		b.v.Symbols = append(b.v.Symbols, Symbol{Suppressed, l.T("symbols.suppressed", "k", strconv.Itoa(b.r.K))})
	}
	b.v.Symbols = append(b.v.Symbols, Symbol{NoValue, l.T("symbols.no_value")}, Symbol{Absent, l.T("symbols.absent")})
}
