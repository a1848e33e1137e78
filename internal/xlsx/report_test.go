package xlsx

import (
	"bytes"
	"testing"

	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
)

func testReport(t testing.TB, aud report.Audience, layoutName string) *report.Report {
	return reporttest.Report(t, aud, layoutName)
}

// writeBook writes r and returns the workbook's bytes.
func writeBook(t testing.TB, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}
