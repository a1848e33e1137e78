package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rrstat/internal/export"
	"rrstat/internal/source"
)

// This file holds the helpers of the loader tests (issue #2). Every load in
// them goes through loadExport, which checks that nothing is lost silently:
// rows_read = loaded + merged + rejected for every table, the rejects
// listed match the counts, and a loaded snapshot's tables hold exactly the
// loaded rows.

// sampleDir is the folder of a sample export.
func sampleDir(country string) string {
	return filepath.Join("..", "..", "testdata", "sample", "export-"+country)
}

// loadExport opens the export at path and loads it with opt (Now defaults
// to loadAt). It returns the summary and the load's error; the summary's
// counts are checked whatever the outcome.
func loadExport(t *testing.T, s *Store, path string, sopt source.Options, opt LoadOptions) (*export.Summary, error) {
	t.Helper()
	if opt.Now.IsZero() {
		opt.Now = loadAt
	}
	ex, err := source.Open(path, sopt)
	if err != nil {
		return nil, err
	}
	defer ex.Close()
	sum, err := s.Load(context.Background(), ex, opt)
	if sum == nil {
		t.Fatalf("load %s: no summary (error %v)", path, err)
	}
	checkCounts(t, sum)
	if err == nil && sum.Status == export.StatusLoaded && !opt.DryRun {
		checkStored(t, s, sum)
	}
	return sum, err
}

// mustLoad loads an export that must load (status loaded or unchanged).
func mustLoad(t *testing.T, s *Store, path string, sopt source.Options, opt LoadOptions) *export.Summary {
	t.Helper()
	sum, err := loadExport(t, s, path, sopt, opt)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	return sum
}

// checkCounts asserts that the summary's counts add up and agree with its
// rejects: every input row is loaded, merged or rejected.
func checkCounts(t *testing.T, sum *export.Summary) {
	t.Helper()
	rejects := map[string]int64{}
	for _, r := range sum.Rejects {
		rejects[r.Table]++
		if r.Reason == "" || r.File == "" || r.Line < 1 {
			t.Errorf("%s: incomplete reject %+v", sum.Path, r)
		}
	}
	for _, tn := range export.TableNames {
		c := sum.Tables.Get(tn)
		if c.RowsRead != c.Loaded+c.Merged+c.Rejected {
			t.Errorf("%s: %s: rows_read %d != loaded %d + merged %d + rejected %d", sum.Path, tn, c.RowsRead, c.Loaded, c.Merged, c.Rejected)
		}
		if c.Loaded < 0 || c.Merged < 0 || c.Rejected < 0 {
			t.Errorf("%s: %s: negative count %+v", sum.Path, tn, *c)
		}
		if sum.Status != export.StatusFailed && rejects[tn] != c.Rejected {
			t.Errorf("%s: %s: %d rejects listed, %d counted", sum.Path, tn, rejects[tn], c.Rejected)
		}
	}
}

// checkStored asserts that a loaded snapshot's tables hold exactly the
// loaded rows, and that its record in snapshots agrees with the summary.
func checkStored(t *testing.T, s *Store, sum *export.Summary) {
	t.Helper()
	snap := snapOf(t, s, sum.SnapshotID)
	var persons, rowsLoaded int64
	if err := s.DB.QueryRow("SELECT persons, rows_loaded FROM snapshots WHERE snap = ?", snap).Scan(&persons, &rowsLoaded); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, tn := range export.TableNames {
		var n int64
		if err := s.DB.QueryRow("SELECT count(*) FROM " + snapTable(snap, tn)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := sum.Tables.Get(tn).Loaded; n != want {
			t.Errorf("%s: %s holds %d rows, the summary says %d loaded", sum.SnapshotID, snapTable(snap, tn), n, want)
		}
		total += n
	}
	if persons != sum.Tables.Returnees.Loaded || rowsLoaded != total {
		t.Errorf("%s: snapshots row says %d persons, %d rows; stored %d, %d", sum.SnapshotID, persons, rowsLoaded, sum.Tables.Returnees.Loaded, total)
	}
}

// openMemory opens an in-memory store (faster where many loads run).
func openMemory(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// snapOf returns the internal number of a snapshot.
func snapOf(t *testing.T, s *Store, id string) int64 {
	t.Helper()
	var snap int64
	if err := s.DB.QueryRow("SELECT snap FROM snapshots WHERE snapshot_id = ?", id).Scan(&snap); err != nil {
		t.Fatalf("snapshot %q: %v", id, err)
	}
	return snap
}

// storedRows returns the rows of a snapshot's tables as text (NULL as
// "<nil>"), every schema column but pk, in a stable order.
func storedRows(t *testing.T, db *sql.DB, snap int64) map[string][][]string {
	t.Helper()
	out := map[string][][]string{}
	for _, tab := range export.Schema {
		var cols []string
		for _, c := range tab.Columns {
			cols = append(cols, fmt.Sprintf("coalesce(CAST(%s AS VARCHAR), '<nil>')", c.Name))
		}
		q := fmt.Sprintf("SELECT %s FROM %s ORDER BY ALL", strings.Join(cols, ", "), snapTable(snap, tab.Name))
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out[tab.Name] = [][]string{}
		for rows.Next() {
			vals := make([]string, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[tab.Name] = append(out[tab.Name], vals)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// snapshotTables lists the tables named like a snapshot's (s<snap>_<table>).
func snapshotTables(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if reSnapTable.MatchString(n) {
			out = append(out, n)
		}
	}
	return out
}

// writeFiles writes files (name -> content) into a new folder and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// countLines returns the data records of a CSV file without quoted line
// breaks or blank lines: its lines less the header.
func countLines(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return int64(strings.Count(strings.TrimRight(string(b), "\n"), "\n"))
}
