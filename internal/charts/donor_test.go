package charts

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"rrstat/internal/cell"
	"rrstat/internal/report"
)

// tableFigures reads a table of an indicator's panel (the table of all
// figures, or the trend table): for each row label (with its breakdown)
// the text of each cell.
func tableFigures(t *testing.T, p *page, id, class string) map[[2]string][]string {
	t.Helper()
	secs := find(p.doc, func(n *html.Node) bool { return n.Data == "section" && attr(n, "id") == "ind-"+id })
	if len(secs) != 1 {
		t.Fatalf("no panel for %s", id)
	}
	tables := find(secs[0], func(n *html.Node) bool { return n.Data == "table" && hasClass(n, class) })
	if len(tables) != 1 {
		t.Fatalf("%s: %d tables of class %s", id, len(tables), class)
	}
	out := map[[2]string][]string{}
	group := ""
	for _, tr := range find(tables[0], func(n *html.Node) bool { return n.Data == "tr" && n.Parent.Data == "tbody" }) {
		var cells []string
		head := ""
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type != html.ElementNode:
			case c.Data == "th":
				head = text(c)
			case c.Data == "td":
				cells = append(cells, text(c))
			}
		}
		if hasClass(tr, "group") {
			group = head
			continue
		}
		out[[2]string{group, head}] = cells
	}
	return out
}

// drawnAt returns the value and text that a drawing shows for a category
// (its label, with or without marks), and whether it has it.
func drawnAt(t *testing.T, dr drawing, horizontal bool, series int, label string) (any, string, bool) {
	t.Helper()
	o := parseOption(t, dr.Option)
	for j, l := range o.categories(horizontal).Data {
		if l == label || strings.HasPrefix(l, label+" (") {
			return o.Series[series].Data[j].Value, dr.Texts[series][j], true
		}
	}
	return nil, "", false
}

// TestWriteDonorHidesSuppressed checks, cell by cell of the donor report
// (its own period and every period of its trend window), that a
// suppressed cell shows the symbol and never a figure in its own place:
// the table of all figures (no base either), the trend table, the
// headline cards, and the chart data (a gap, "-", with the mark as its
// text) of the breakdowns for its country, the breakdowns of every
// country at once, the total by country and the trend charts. It also
// checks that the page states the rule and k.
func TestWriteDonorHidesSuppressed(t *testing.T) {
	analyst := testReport(t, report.Analyst, "quarterly.yaml")
	donor := testReport(t, report.Donor, "quarterly.yaml")
	l := english(t)
	v := testView(t, donor)
	p := parsePage(t, writeView(t, v))
	ci := map[string]int{}
	for i, c := range v.Countries {
		ci[c.Code] = i
	}
	analystValue := func(period int, c cell.Cell) string {
		for _, a := range analyst.Tables[period].Cells {
			if a.Key() == c.Key() {
				return a.Value()
			}
		}
		return ""
	}
	hidden := func(where string, value any, text, want string) {
		t.Helper()
		if value != "-" || text != "x" {
			t.Errorf("%s shows %v (text %q), want a gap marked x; the analyst's figure is %s", where, value, text, want)
		}
	}
	own := len(donor.Tables) - 1
	first := len(donor.Tables) - donor.Window
	suppressed, inCharts := 0, 0
	for _, it := range donor.Layout.Items {
		figs := tableFigures(t, p, it.ID, "table-of-figures")
		trends := tableFigures(t, p, it.ID, "trend-table")
		for pi := first; pi <= own; pi++ {
			period := donor.Periods[pi].Label
			for _, c := range donor.Tables[pi].Cells {
				if c.Indicator != it.ID || c.Published() {
					continue
				}
				suppressed++
				was := analystValue(pi, c)
				where := it.ID + " " + c.Country + " " + c.Dimension + "=" + c.Category + " " + period
				if c.Dimension == cell.TotalDimension {
					row := trends[[2]string{"", l.Country(c.Country)}]
					if got := row[pi-first]; got != "x" {
						t.Errorf("%s: the trend table shows %q", where, got)
					}
					name := l.Country(c.Country)
					trend := p.chart(t, "t-"+it.ID+"-countries")
					series := ci[c.Country] - 1
					if c.Country == cell.AllCountries {
						trend, series = p.chart(t, "t-"+it.ID+"-all"), 0
					}
					val, txt, ok := drawnAt(t, *trend.Chart, false, series, period)
					if !ok {
						t.Fatalf("%s: not in the trend chart", where)
					}
					hidden(where+" (trend chart)", val, txt, was)
					inCharts++
					if pi == own && c.Country != cell.AllCountries {
						bc := p.chart(t, "c-"+it.ID+"-country")
						val, txt, ok := drawnAt(t, *bc.Chart, true, 0, name)
						if !ok {
							t.Fatalf("%s: not in the chart by country", where)
						}
						hidden(where+" (chart by country)", val, txt, was)
					}
				}
				if pi != own {
					continue
				}
				group := ""
				if c.Dimension != cell.TotalDimension {
					group = l.Dimension(c.Dimension)
				}
				row := figs[[2]string{group, l.Category(c.Dimension, c.Category)}]
				if len(row) != len(v.Countries) {
					t.Fatalf("%s: table row has %d cells", where, len(row))
				}
				if got := row[ci[c.Country]]; got != "x" {
					t.Errorf("%s: the table shows %q, want x (the analyst's figure is %s)", where, got, was)
				}
				if c.Dimension == cell.TotalDimension {
					continue
				}
				bd := p.chart(t, "c-"+it.ID+"-"+c.Dimension)
				label := l.Category(c.Dimension, c.Category)
				val, txt, ok := drawnAt(t, bd.Countries[ci[c.Country]], bd.Horizontal, 0, label)
				if !ok {
					t.Fatalf("%s: not in the breakdown of its country", where)
				}
				hidden(where+" (breakdown)", val, txt, was)
				if c.Country != cell.AllCountries {
					val, txt, ok := drawnAt(t, *bd.Print, bd.Horizontal, ci[c.Country]-1, label)
					if !ok {
						t.Fatalf("%s: not in the print of every country", where)
					}
					hidden(where+" (print)", val, txt, was)
				}
				inCharts++
			}
		}
	}
	if suppressed == 0 || inCharts == 0 {
		t.Fatalf("%d suppressed cells, %d of them in charts: the donor fixture should have some", suppressed, inCharts)
	}
	t.Logf("%d suppressed cells checked, %d of them in charts", suppressed, inCharts)
	// Every number in the chart data is a point that has one: no drawing
	// has a value where its text is a mark.
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
			for i, s := range o.Series {
				for j, d := range s.Data {
					if d.Value != "-" && (dr.Texts[i][j] == "x" || dr.Texts[i][j] == "–" || dr.Texts[i][j] == "") {
						t.Errorf("%s %s: value %v where the text is %q", dc.ID, s.Name, d.Value, dr.Texts[i][j])
					}
				}
			}
		}
	}
	// The page says the rule and k, and has no HTML comment or data
	// attribute that could hold a figure.
	for _, want := range []string{"k = 5", v.Rule} {
		if !strings.Contains(text(p.doc), want) {
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
	// Headline cards: Turkmenistan's persons returned to date is
	// suppressed and shows the symbol.
	cards := find(p.doc, func(n *html.Node) bool { return n.Data == "article" && hasClass(n, "card") })
	var tm string
	for _, li := range find(cards[1], func(n *html.Node) bool { return n.Data == "li" }) {
		if strings.Contains(text(li), "Turkmenistan") {
			tm = strings.Join(strings.Fields(text(find(li, func(n *html.Node) bool { return hasClass(n, "fig") })[0])), "")
		}
	}
	if tm != "x" {
		t.Errorf("Turkmenistan's persons returned to date show %q, want x", tm)
	}
}
