package view

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
)

// TestBuildWithoutEarlierPeriods builds a report of one period alone (no
// window, no earlier tables): every change of a headline figure is "no
// comparison", not a change against a figure that was never computed.
func TestBuildWithoutEarlierPeriods(t *testing.T) {
	r := reporttest.Report(t, report.Analyst, "quarterly.yaml")
	r.Periods, r.Tables, r.Window = nil, nil, 0
	v, err := Build(r, english(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range v.Headline {
		for _, e := range c.Entries {
			var got []string
			for _, ch := range e.Changes {
				if ch.HasNumber() || ch.Text != string(NoValue) {
					t.Errorf("%s %s: change against %s is %q, want %q", c.Indicator, e.Country.Code, ch.Against, ch.Text, NoValue)
				}
				got = append(got, ch.Caption)
			}
			want := []string{"no comparison with 2025Q2", "no comparison with 2024Q3"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %s captions (-want +got):\n%s", c.Indicator, e.Country.Code, diff)
			}
		}
	}
}
