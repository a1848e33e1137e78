package duckdb

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/export"
	"rrstat/internal/source"
)

// TestSampleLoadCounts loads the three sample exports and checks their
// exact counts: no rejects, one merged need in UZ (UZ-E01 education).
func TestSampleLoadCounts(t *testing.T) {
	s := openTemp(t)
	tc := func(read, loaded, merged int64) export.TableCounts {
		return export.TableCounts{RowsRead: read, Loaded: loaded, Merged: merged}
	}
	for _, tt := range []struct {
		country string
		want    export.Tables
	}{
		{"UZ", export.Tables{Returnees: tc(70, 70, 0), Needs: tc(227, 226, 1), Services: tc(442, 442, 0), Followups: tc(418, 418, 0)}},
		{"KZ", export.Tables{Returnees: tc(91, 91, 0), Needs: tc(317, 317, 0), Services: tc(597, 597, 0), Followups: tc(613, 613, 0)}},
		{"TM", export.Tables{Returnees: tc(1, 1, 0), Needs: tc(6, 6, 0), Services: tc(7, 7, 0), Followups: tc(6, 6, 0)}},
	} {
		t.Run(tt.country, func(t *testing.T) {
			dir := sampleDir(tt.country)
			// The files have no blank lines or quoted line breaks: rows
			// read are their lines less the header.
			for _, tn := range export.TableNames {
				if got, want := countLines(t, filepath.Join(dir, tn+".csv")), tt.want.Get(tn).RowsRead; got != want {
					t.Fatalf("%s.csv has %d data lines, the test expects %d", tn, got, want)
				}
			}
			sum := mustLoad(t, s, dir, source.Options{}, LoadOptions{})
			// the content hash is the SHA-256 of the table files' bytes in
			// table order
			h := sha256.New()
			for _, tn := range export.TableNames {
				b, err := os.ReadFile(filepath.Join(dir, tn+".csv"))
				if err != nil {
					t.Fatal(err)
				}
				h.Write(b)
			}
			if want := hex.EncodeToString(h.Sum(nil)); sum.ContentSHA256 != want {
				t.Errorf("content_sha256 %s, want %s", sum.ContentSHA256, want)
			}
			if sum.Status != export.StatusLoaded || sum.Country != tt.country {
				t.Errorf("status %s, country %s", sum.Status, sum.Country)
			}
			if diff := cmp.Diff(tt.want, sum.Tables); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			if len(sum.Rejects) != 0 {
				t.Errorf("rejects: %+v", sum.Rejects)
			}
			if !strings.HasPrefix(sum.SnapshotID, tt.country+"-") {
				t.Errorf("snapshot id %q", sum.SnapshotID)
			}
		})
	}
	// The merged need keeps the earliest identified_date, and the merge is
	// recorded with the snapshot.
	var snap int64
	if err := s.DB.QueryRow("SELECT snap FROM current_snapshots WHERE country = 'UZ'").Scan(&snap); err != nil {
		t.Fatal(err)
	}
	var n int
	var date string
	if err := s.DB.QueryRow("SELECT count(*), min(identified_date)::VARCHAR FROM "+snapTable(snap, "needs")+" WHERE person_id = 'UZ-E01' AND need_type = 'education'").Scan(&n, &date); err != nil {
		t.Fatal(err)
	}
	if n != 1 || date != "2025-08-31" {
		t.Errorf("UZ-E01 education stored %d times, identified_date %s; want once, 2025-08-31 (line 226)", n, date)
	}
	var kind, tbl string
	var line int64
	if err := s.DB.QueryRow("SELECT kind, tbl, line FROM rejects WHERE snap = ?", snap).Scan(&kind, &tbl, &line); err != nil {
		t.Fatal(err)
	}
	if kind != "merged" || tbl != "needs" || line != 225 {
		t.Errorf("recorded merge: %s %s line %d, want merged needs line 225", kind, tbl, line)
	}
}
