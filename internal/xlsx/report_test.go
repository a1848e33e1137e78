package xlsx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"rrstat/internal/labels"
	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
	"rrstat/internal/target"
	"rrstat/internal/view"
	"rrstat/reports"
)

func testReport(t testing.TB, aud report.Audience, layoutName string) *report.Report {
	return reporttest.Report(t, aud, layoutName)
}

// withTargets gives a report the example targets of reports/.
func withTargets(t testing.TB, r *report.Report) *report.Report {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(reporttest.Root(t), "reports", "targets-example.csv"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := target.Parse("targets-example.csv", src, r.Catalogue)
	if err != nil {
		t.Fatal(err)
	}
	r.Targets = set
	return r
}

// english returns the built-in English labels.
func english(t testing.TB, r *report.Report) *labels.Labels {
	t.Helper()
	l, err := labels.Load(reports.FS, "en", r.Catalogue)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// build builds the view of r in the language of l (English when nil).
func build(t testing.TB, r *report.Report, l *labels.Labels) *view.View {
	t.Helper()
	if l == nil {
		l = english(t, r)
	}
	v, err := view.Build(r, l)
	if err != nil {
		t.Fatalf("view.Build: %v", err)
	}
	return v
}

// writeBook draws v and returns the workbook's bytes.
func writeBook(t testing.TB, v *view.View) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, v); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}
