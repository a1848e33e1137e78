package xlsx

import (
	"bytes"
	"testing"

	"rrstat/internal/cell"
	"rrstat/internal/indicator"
	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
)

func testCatalogue(t testing.TB) indicator.Catalogue { return reporttest.Catalogue(t) }

func readCells(t testing.TB, cat indicator.Catalogue, name string) *cell.Table {
	return reporttest.Cells(t, cat, name)
}

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
