package duckdb

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAccessInProcess checks the sharing within one process: reads at once
// share one handle, a write waits for them and runs alone, and nothing is
// held while idle.
func TestAccessInProcess(t *testing.T) {
	ctx := context.Background()
	a := &Access{Path: filepath.Join(t.TempDir(), "store.duckdb")}
	if err := a.Read(ctx, func(*Store) error { return nil }); !errors.Is(err, ErrNoStore) {
		t.Fatalf("read before any write: %v", err)
	}
	if err := a.Write(ctx, func(s *Store) error {
		_, err := s.DB.Exec("INSERT INTO meta VALUES ('probe', '1')")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{a.Path, a.Path + ".wal"} {
		if st, err := os.Stat(p); err == nil && st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}

	var inRead, maxRead, inWrite atomic.Int32
	handles := sync.Map{}
	var wg sync.WaitGroup
	for i := 0; i < 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%4 == 3 {
				err := a.Write(ctx, func(s *Store) error {
					if inRead.Load() != 0 || inWrite.Add(1) != 1 {
						t.Error("a write runs beside a read or a write")
					}
					defer inWrite.Add(-1)
					time.Sleep(20 * time.Millisecond)
					_, err := s.DB.Exec("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS VARCHAR) WHERE key = 'probe'")
					return err
				})
				if err != nil {
					t.Error(err)
				}
				return
			}
			err := a.Read(ctx, func(s *Store) error {
				if inWrite.Load() != 0 {
					t.Error("a read runs beside a write")
				}
				n := inRead.Add(1)
				defer inRead.Add(-1)
				for m := maxRead.Load(); n > m && !maxRead.CompareAndSwap(m, n); m = maxRead.Load() {
				}
				handles.Store(s, true)
				time.Sleep(30 * time.Millisecond)
				var v string
				return s.DB.QueryRow("SELECT value FROM meta WHERE key = 'probe'").Scan(&v)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if maxRead.Load() < 2 {
		t.Errorf("reads never ran at once (at most %d)", maxRead.Load())
	}
	var v string
	a.Read(ctx, func(s *Store) error { return s.DB.QueryRow("SELECT value FROM meta WHERE key = 'probe'").Scan(&v) })
	if v != "4" {
		t.Errorf("probe = %s after 3 writes, want 4", v)
	}
	a.mu.Lock()
	idle := a.ro == nil && a.readers == 0 && !a.writing && a.wantWrite == 0
	a.mu.Unlock()
	if !idle {
		t.Error("the store is held while idle")
	}
	// Idle, the store opens read-write elsewhere (here: a plain Open).
	s, err := Open(ctx, a.Path, Options{})
	if err != nil {
		t.Fatalf("open while the access is idle: %v", err)
	}
	s.Close()

	// A cancelled wait gives up and leaves the access usable.
	block := make(chan struct{})
	started := make(chan struct{})
	go a.Read(ctx, func(*Store) error { close(started); <-block; return nil })
	<-started
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	err = a.Write(cctx, func(*Store) error { return nil })
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("write waiting for a read past its deadline: %v", err)
	}
	close(block)
	if err := a.Write(ctx, func(*Store) error { return nil }); err != nil {
		t.Errorf("write after the read: %v", err)
	}
}

// TestAccessTwoProcesses holds the store in another process: a read waits
// for a writer there and says so once; a write waits for a reader there;
// reads run beside a reader there.
func TestAccessTwoProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "store.duckdb")
	a := &Access{Path: path, PollMax: 50 * time.Millisecond}
	if err := a.Write(ctx, func(*Store) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		readOnly bool // the other process's handle
		write    bool // ours
		waits    bool
	}{
		{"read beside a writer", false, false, true},
		{"write beside a writer", false, true, true},
		{"write beside a reader", true, true, true},
		{"read beside a reader", true, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := []string{"RRSTAT_TEST_STORE=" + path}
			if c.readOnly {
				env = append(env, "RRSTAT_TEST_READONLY=1")
			}
			cmd, stdin, lines := child(t, "hold", env...)
			defer cmd.Wait()
			defer stdin.Close()
			if seen, ok := waitFor(lines, "open", 30*time.Second); !ok {
				t.Fatalf("helper: %v (we are PID %d, helper %d)", seen, os.Getpid(), cmd.Process.Pid)
			}
			var waits []string
			var mu sync.Mutex
			a.Wait = func(holder string) {
				mu.Lock()
				waits = append(waits, holder)
				mu.Unlock()
			}
			done := make(chan error, 1)
			go func() {
				fn := func(s *Store) error { var n int; return s.DB.QueryRow("SELECT 1").Scan(&n) }
				if c.write {
					done <- a.Write(ctx, fn)
				} else {
					done <- a.Read(ctx, fn)
				}
			}()
			if !c.waits {
				select {
				case err := <-done:
					if err != nil || len(waits) != 0 {
						t.Errorf("read beside a reader: %v, waited for %v", err, waits)
					}
				case <-time.After(30 * time.Second):
					t.Fatal("a read waited for a reader")
				}
				return
			}
			select {
			case err := <-done:
				t.Fatalf("did not wait for the other process: %v", err)
			case <-time.After(400 * time.Millisecond):
			}
			stdin.Close() // the other process lets go
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("still waiting after the other process closed the store")
			}
			mu.Lock()
			defer mu.Unlock()
			if len(waits) != 1 || !strings.Contains(waits[0], "PID") {
				t.Errorf("Wait called with %q, want once with the holder's PID", waits)
			}
		})
	}
}

// TestAccessOpenCost logs what a handle costs to open, query and close on a
// store of three snapshots, the way the service opens one (memory limit and
// lockdown). It asserts nothing about speed.
func TestAccessOpenCost(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "store.duckdb")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	loadSample(t, s, "UZ", "KZ", "TM")
	s.Close()
	opt := Options{MemoryLimit: "400MB", Lockdown: true, AllowedDirs: []string{dir}}
	a := &Access{Path: path, Options: opt}
	const n = 10
	for _, write := range []bool{false, true} {
		start := time.Now()
		for i := 0; i < n; i++ {
			fn := func(s *Store) error { _, err := s.Snapshots(ctx); return err }
			if write {
				err = a.Write(ctx, fn)
			} else {
				err = a.Read(ctx, fn)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("open, list snapshots, close (write=%v): %v each", write, time.Since(start)/n)
	}
}
