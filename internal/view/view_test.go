package view

import (
	"encoding/json"
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
