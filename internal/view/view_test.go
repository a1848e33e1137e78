package view

import (
	"slices"
	"testing"

	"rrstat/internal/cell"
	"rrstat/internal/labels"
	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
	"rrstat/reports"
)

func english(t *testing.T) *labels.Labels {
	t.Helper()
	l, err := labels.Load(reports.FS, "en", reporttest.Catalogue(t))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// In a donor view every figure drawn from a suppressed cell shows the
// symbol and carries no number, wherever it is drawn (cards, tables,
// charts, trends), and a card's change is the published value minus the
// earlier published one, or absent when either is suppressed.
func TestBuildSuppressedCarryNoNumber(t *testing.T) {
	r := reporttest.Report(t, report.Donor, "quarterly.yaml")
	v, err := Build(r, english(t))
	if err != nil {
		t.Fatal(err)
	}
	var figs []Figure
	for _, c := range v.Headline {
		for _, e := range c.Entries {
			figs = append(figs, e.Value, e.Base)
		}
	}
	for _, p := range v.Panels {
		for _, row := range p.Table.Rows {
			figs = append(figs, row.Values...)
			figs = append(figs, row.Bases...)
		}
		for _, ch := range append(p.Charts, p.Trend.Countries, p.Trend.All) {
			for _, s := range ch.Series {
				for _, pt := range s.Points {
					figs = append(figs, pt.Figure)
				}
			}
		}
	}
	for _, row := range v.Trends {
		figs = append(figs, row.Values...)
	}
	suppressed := 0
	for _, f := range figs {
		if f.Mark != Suppressed {
			continue
		}
		suppressed++
		if f.Text != "x" || f.Value != "" || f.Number != 0 {
			t.Fatalf("a suppressed figure carries %+v", f)
		}
	}
	if suppressed == 0 {
		t.Fatal("the donor view shows no suppressed figure at all")
	}
	// The change of RET_CUMULATIVE for every country against the previous
	// period, worked out from the report's own tables.
	prev := r.Table(r.Period.Shift(-1).Label)
	for _, c := range v.Headline {
		if c.Indicator != "RET_CUMULATIVE" {
			continue
		}
		for _, e := range c.Entries {
			now := r.Cells.Index()[cell.Key{Indicator: c.Indicator, Country: e.Country.Code, Dimension: "total", Category: "total"}]
			then := prev.Index()[cell.Key{Indicator: c.Indicator, Country: e.Country.Code, Dimension: "total", Category: "total"}]
			a, z := &r.Cells.Cells[now], &prev.Cells[then]
			ch := e.Changes[0]
			if !a.Published() || !z.Published() {
				if ch.HasNumber() {
					t.Errorf("%s: a change %q beside a suppressed figure", e.Country.Code, ch.Text)
				}
				continue
			}
			if want := a.Fig.Numerator - z.Fig.Numerator; ch.Number != float64(want) || ch.Against != prev.Period {
				t.Errorf("%s: change %v against %s, want %d against %s", e.Country.Code, ch.Number, ch.Against, want, prev.Period)
			}
		}
	}
}

// A report whose earlier periods were not computed (a window of one, no
// extra periods) shows every change as absent, and says so, rather than
// comparing with a figure it does not have.
func TestBuildChangeWithoutEarlierPeriods(t *testing.T) {
	r := reporttest.Report(t, report.Analyst, "quarterly.yaml")
	r.Tables, r.Periods, r.Window = nil, nil, 0
	v, err := Build(r, english(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, card := range v.Headline {
		for _, e := range card.Entries {
			if len(e.Changes) != 2 {
				t.Fatalf("%s %s: %d changes, want 2", card.Indicator, e.Country.Code, len(e.Changes))
			}
			for _, ch := range e.Changes {
				if ch.HasNumber() || ch.Text != string(NoValue) {
					t.Errorf("%s %s against %s: %+v, want no change", card.Indicator, e.Country.Code, ch.Against, ch)
				}
			}
		}
	}
}

// The headings of the change columns name the period compared with, in
// the words of the labels.
func TestBuildCompareHeads(t *testing.T) {
	v, err := Build(reporttest.Report(t, report.Analyst, "quarterly.yaml"), english(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Change since 2025Q2", "Change since 2024Q3"}
	if !slices.Equal(v.CompareHeads, want) || !slices.Equal(v.Compared, []string{"2025Q2", "2024Q3"}) {
		t.Errorf("CompareHeads %q, Compared %q; want %q", v.CompareHeads, v.Compared, want)
	}
	if v.Words.PageOf != "Page {page} of {pages}" || v.Words.ChartSheet != "Chart data" {
		t.Errorf("PageOf %q, ChartSheet %q", v.Words.PageOf, v.Words.ChartSheet)
	}
}
