package view

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
)

// TestBuildDashboardNeeds checks what the dashboard draws besides the
// tables: the base heading of a card, the unit of a panel, the colour of
// each country's bar in the chart by country, and the number separators
// of the language.
func TestBuildDashboardNeeds(t *testing.T) {
	r := reporttest.Report(t, report.Donor, "quarterly.yaml")
	v, err := Build(r, english(t))
	if err != nil {
		t.Fatal(err)
	}
	heads := map[string]string{}
	for _, c := range v.Headline {
		heads[c.Indicator] = c.BaseHead
	}
	want := map[string]string{
		"RET_ARRIVED": "", "RET_CUMULATIVE": "", "RET_CHILD_SHARE": "Base (number of persons)", "SVC_REACHED": "",
		"NEED_MET": "Base (number of persons)", "PSS_30D": "Base (number of persons)", "OUT_SUSTAINABLE": "Base (number of persons)", "CASE_OPEN": "",
	}
	if diff := cmp.Diff(want, heads); diff != "" {
		t.Errorf("card base headings (-want +got):\n%s", diff)
	}
	for _, p := range v.Panels {
		want := ""
		if p.Kind == "percentage" {
			want = "%"
		}
		if p.Unit != want {
			t.Errorf("%s (%s): unit %q, want %q", p.Indicator, p.Kind, p.Unit, want)
		}
	}
	colour := map[string]string{}
	for _, c := range v.Countries {
		colour[c.Name] = c.Colour
	}
	for _, p := range v.Panels {
		ch := p.Charts[len(p.Charts)-1]
		if ch.Dimension != "country" {
			t.Fatalf("%s: the last chart is by %s, want country", p.Indicator, ch.Dimension)
		}
		for i, pt := range ch.Series[0].Points {
			if pt.Colour == "" || pt.Colour != colour[ch.Categories[i]] {
				t.Errorf("%s: the bar of %s has colour %q, want the country's %q", p.Indicator, ch.Categories[i], pt.Colour, colour[ch.Categories[i]])
			}
		}
		for _, c := range p.Charts[:len(p.Charts)-1] {
			for _, s := range c.Series {
				for _, pt := range s.Points {
					if pt.Colour != "" {
						t.Errorf("%s %s: a point of %s has its own colour", p.Indicator, c.ID, s.Name)
					}
				}
			}
		}
	}
	if v.Words.Decimal != "." || v.Words.Group != "," {
		t.Errorf("separators %q %q, want . and ,", v.Words.Decimal, v.Words.Group)
	}
}
