// Package reporttest builds report models for the writers' tests: the
// real catalogue and layouts, the sample's expected cells and fake
// snapshots with load summaries. Only tests import it.
package reporttest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"rrstat/internal/cell"
	"rrstat/internal/disclosure"
	"rrstat/internal/export"
	"rrstat/internal/indicator"
	"rrstat/internal/layout"
	"rrstat/internal/period"
	"rrstat/internal/report"
	"rrstat/queries"
	"rrstat/reports"
)

// Root returns the top folder of the repository.
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Catalogue loads the real indicator catalogue.
func Catalogue(t testing.TB) indicator.Catalogue {
	t.Helper()
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatalf("load catalogue: %v", err)
	}
	return cat
}

// Cells reads one of the expected indicators.csv files of the sample
// (testdata/sample/expected at the top of the repository).
func Cells(t testing.TB, cat indicator.Catalogue, name string) *cell.Table {
	t.Helper()
	f, err := os.Open(filepath.Join(Root(t), "testdata", "sample", "expected", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := cell.ReadCSV(f, cat.Kinds())
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return tab
}

// Report builds a report of 2025Q3 from the golden cells of the
// audience, with the named built-in layout and fake snapshots: KZ and UZ
// with load summaries, TM without (an older store).
func Report(t testing.TB, aud report.Audience, layoutName string) *report.Report {
	t.Helper()
	cat := Catalogue(t)
	l, err := layout.Load(reports.FS, layoutName, cat)
	if err != nil {
		t.Fatal(err)
	}
	p, err := period.Parse("2025Q3")
	if err != nil {
		t.Fatal(err)
	}
	loaded := time.Date(2025, 10, 2, 9, 30, 0, 0, time.UTC)
	kz := &export.Summary{
		Path: "export-KZ", Country: "KZ", Status: export.StatusLoaded, SnapshotID: "snap-kz-1",
		Tables: export.Tables{
			Returnees: export.TableCounts{RowsRead: 93, Loaded: 91, Rejected: 2},
			Needs:     export.TableCounts{RowsRead: 330, Loaded: 317, Merged: 12, Rejected: 1},
			Services:  export.TableCounts{RowsRead: 700, Loaded: 700},
			Followups: export.TableCounts{RowsRead: 120, Loaded: 119, Rejected: 1},
		},
		Rejects: []export.Reject{
			{Table: "returnees", File: "returnees.csv", Line: 17, Column: "sex", Value: "X", Reason: "not one of F, M"},
			{Table: "returnees", File: "returnees.csv", Line: 40, Column: "sex", Value: "?", Reason: "not one of F, M"},
			{Table: "needs", File: "needs.csv", Line: 5, Column: "person_id", Value: "P-999", Reason: "person not in returnees"},
			{Table: "followups", File: "followups.csv", Line: 9, Column: "economic_score", Value: "1.2", Reason: "not a decimal from 0 to 1"},
		},
		Warnings: []string{"needs.csv: 12 duplicate needs merged (earliest identified_date kept)"},
	}
	uz := &export.Summary{
		Path: "export-UZ.zip", Country: "UZ", Status: export.StatusLoaded, SnapshotID: "snap-uz-3",
		Tables: export.Tables{
			Returnees: export.TableCounts{RowsRead: 62, Loaded: 62},
			Needs:     export.TableCounts{RowsRead: 200, Loaded: 200},
			Services:  export.TableCounts{RowsRead: 400, Loaded: 400},
			Followups: export.TableCounts{RowsRead: 90, Loaded: 90},
		},
	}
	cells := Cells(t, cat, "indicators-2025Q3-"+string(aud)+".csv")
	periods, tables := Window(t, cat, aud, cells)
	return &report.Report{
		Periods:   periods,
		Tables:    tables,
		Window:    len(periods),
		Period:    p,
		Audience:  aud,
		K:         5,
		Params:    report.DefaultParams,
		Catalogue: cat,
		Layout:    l,
		Cells:     cells,
		Countries: []string{"KZ", "TM", "UZ"},
		Snapshots: []report.Snapshot{
			{ID: "snap-kz-1", Country: "KZ", ContentSHA256: "9f2c0a7e5b1d4c3a8e6f0b2d4c6a8e0f1a3c5e7b9d1f3a5c7e9b1d3f5a7c9e1b", LoadedAt: loaded, Source: "export-KZ", Current: true, Summary: kz},
			{ID: "snap-tm-1", Country: "TM", ContentSHA256: "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c", LoadedAt: loaded.Add(time.Hour), Source: "export-TM", Current: true},
			{ID: "snap-uz-3", Country: "UZ", ContentSHA256: "5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d", LoadedAt: loaded.Add(2 * time.Hour), Source: "export-UZ.zip", Current: true, Summary: uz},
		},
		GeneratedAt: time.Date(2025, 10, 5, 12, 0, 0, 0, time.UTC),
		ToolVersion: "v1.0.0-test",
	}
}

// Window returns the trend window of 2025Q3 (8 quarters) from the sample's
// expected series.csv: total and sex of every indicator, each earlier
// period's table holding only those; the last table is own, the report's
// full table. For a donor report the earlier tables go through rules 1-2
// (on what they hold).
func Window(t testing.TB, cat indicator.Catalogue, aud report.Audience, own *cell.Table) ([]period.Period, []*cell.Table) {
	t.Helper()
	f, err := os.Open(filepath.Join(Root(t), "testdata", "sample", "expected", "series-2025Q3-analyst.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := cell.ReadCSVPeriods(f, cat.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := period.Parse("2025Q3")
	periods := period.Window(p, 8)
	var tables []*cell.Table
	for _, q := range periods[:len(periods)-1] {
		tab := all[q.Label]
		if tab == nil {
			t.Fatalf("series has no period %s", q.Label)
		}
		if aud == report.Donor {
			if _, err := disclosure.Apply(tab, disclosure.Options{K: 5, IsPartition: func(id, dim string) bool {
				return cat.Lookup(id).IsPartition(dim)
			}}); err != nil {
				t.Fatal(err)
			}
		}
		tables = append(tables, tab)
	}
	return periods, append(tables, own)
}
