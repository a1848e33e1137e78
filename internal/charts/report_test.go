package charts

import (
	"bytes"
	"io/fs"
	"os"
	"testing"
	"testing/fstest"

	"rrstat/internal/labels"
	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
	"rrstat/internal/view"
	"rrstat/reports"
)

func testReport(t testing.TB, aud report.Audience, layoutName string) *report.Report {
	return reporttest.Report(t, aud, layoutName)
}

// english returns the built-in English labels.
func english(t testing.TB) *labels.Labels {
	t.Helper()
	l, err := labels.Load(reports.FS, labels.Reference, reporttest.Catalogue(t))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testView builds the view of r in English.
func testView(t testing.TB, r *report.Report) *view.View {
	t.Helper()
	return viewIn(t, r, english(t))
}

// viewIn builds the view of r with the labels l.
func viewIn(t testing.TB, r *report.Report, l *labels.Labels) *view.View {
	t.Helper()
	v, err := view.Build(r, l)
	if err != nil {
		t.Fatalf("view.Build: %v", err)
	}
	return v
}

// writePage writes the view of r in English and returns the dashboard.
func writePage(t testing.TB, r *report.Report) []byte {
	t.Helper()
	return writeView(t, testView(t, r))
}

// writeView writes v and returns the dashboard.
func writeView(t testing.TB, v *view.View) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, v); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// realScript reports whether ECharts was fetched (`make assets`). Without
// it the tests that do not run a browser use a stand-in script, and the
// browser test is skipped (or fails with RRSTAT_REQUIRE_TOOLS=1).
var realScript = true

// stubScript stands in for ECharts when it was not fetched.
const stubScript = `window.echarts={init:function(){return {setOption:function(){},resize:function(){}};}};`

func TestMain(m *testing.M) {
	if _, err := fs.Stat(assets, scriptPath); err != nil {
		realScript = false
		scriptFS = fstest.MapFS{scriptPath: {Data: []byte(stubScript)}}
	}
	os.Exit(m.Run())
}
