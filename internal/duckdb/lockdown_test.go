package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestLockdown checks the service's DuckDB: SQL reads files only in the
// allowed folder, on every connection of the pool, and cannot undo it.
func TestLockdown(t *testing.T) {
	t.Setenv("TZ", "America/New_York") // dates must not shift with the machine's zone
	ctx := context.Background()
	dir := t.TempDir()
	allowed := filepath.Join(dir, "uploads")
	os.MkdirAll(allowed, 0o700)
	for _, p := range []string{filepath.Join(allowed, "a.csv"), filepath.Join(dir, "secret.csv")} {
		if err := os.WriteFile(p, []byte("x\n1\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(ctx, filepath.Join(dir, "store.duckdb"), Options{Lockdown: true, AllowedDirs: []string{allowed}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ { // several connections at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := s.DB.Conn(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			defer conn.Close()
			var n int
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM read_csv('"+filepath.Join(allowed, "a.csv")+"')").Scan(&n); err != nil || n != 1 {
				t.Errorf("allowed file: n=%d err=%v", n, err)
			}
			err = conn.QueryRowContext(ctx, "SELECT count(*) FROM read_csv('"+filepath.Join(dir, "secret.csv")+"')").Scan(&n)
			if err == nil || !strings.Contains(err.Error(), "disabled") && !strings.Contains(err.Error(), "ermission") {
				t.Errorf("file outside the allowed folder read: err=%v", err)
			}
			if _, err := conn.ExecContext(ctx, "SET enable_external_access = true"); err == nil {
				t.Error("configuration not locked")
			}
			var tz string
			if err := conn.QueryRowContext(ctx, "SELECT current_setting('TimeZone')").Scan(&tz); err != nil || tz != "UTC" {
				t.Errorf("TimeZone = %q, %v", tz, err)
			}
		}()
	}
	wg.Wait()
}
