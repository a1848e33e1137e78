package duckdb

import (
	"context"
	"testing"

	"rrstat/internal/export"
	"rrstat/internal/source"
)

// A load whose context is cancelled (a client gone, Ctrl-C) fails, leaves
// the store as it was, and leaves the store able to load again: no
// transaction may stay open on a pooled connection.
func TestLoadCancelled(t *testing.T) {
	s := openTemp(t)
	// one connection: the next load must get the cancelled load's one
	s.DB.SetMaxOpenConns(1)
	first := mustLoad(t, s, sampleDir("TM"), source.Options{}, LoadOptions{})
	for _, stage := range []string{"reading returnees.csv", "reading services.csv", "checking persons and keys"} {
		t.Run(stage, func(t *testing.T) {
			ex, err := source.Open(sampleDir("UZ"), source.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sum, err := s.Load(ctx, ex, LoadOptions{Now: loadAt, Progress: func(st string, done, total int64) {
				if st == stage {
					cancel()
				}
			}})
			if err == nil {
				t.Fatalf("a cancelled load succeeded: %+v", sum)
			}
			if sum.Status != export.StatusFailed {
				t.Errorf("status %s", sum.Status)
			}
			if n := snapshotTables(t, s.DB); len(n) != 4 {
				t.Errorf("snapshot tables after a cancelled load: %v", n)
			}
			var snaps int
			s.DB.QueryRow("SELECT count(*) FROM snapshots").Scan(&snaps)
			if snaps != 1 {
				t.Errorf("%d snapshots after a cancelled load", snaps)
			}
			// the store still loads
			ex2, err := source.Open(sampleDir("KZ"), source.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer ex2.Close()
			sum, err = s.Load(context.Background(), ex2, LoadOptions{Now: loadAt, DryRun: true})
			if err != nil || sum.Status != export.StatusValid {
				t.Fatalf("validate after a cancelled load: %v %+v", err, sum)
			}
		})
	}
	if got := snapOf(t, s, first.SnapshotID); got == 0 {
		t.Error("the first snapshot is gone")
	}
}
