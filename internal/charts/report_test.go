package charts

import (
	"bytes"
	"io/fs"
	"os"
	"testing"
	"testing/fstest"

	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
)

func testReport(t testing.TB, aud report.Audience, layoutName string) *report.Report {
	return reporttest.Report(t, aud, layoutName)
}

// writePage writes r and returns the dashboard.
func writePage(t testing.TB, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
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
