package view

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"rrstat/internal/cell"
	"rrstat/internal/labels"
	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
	"rrstat/internal/target"
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

func TestBuildSmoke(t *testing.T) {
	r := reporttest.Report(t, report.Donor, "quarterly.yaml")
	v, err := Build(r, english(t))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(v.Headline[0], "", " ")
	t.Logf("%s", b)
	b, _ = json.MarshalIndent(v.Panels[0].Trend.All, "", " ")
	t.Logf("%s", b)
	_ = strings.Contains
	_ = cell.Count
	_ = target.Achieved
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
