package duckdb

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"rrstat/internal/export"
	"rrstat/internal/source"
	"rrstat/internal/synth"
)

// The crash tests run a load (or an open store) in a child process, the
// test binary itself run again with RRSTAT_TEST_HELPER set, and kill it.

const helperEnv = "RRSTAT_TEST_HELPER"

// TestHelperProcess is the child: not a test of its own.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("the child process of the crash tests")
	}
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv("RRSTAT_TEST_STORE"), Options{ReadOnly: os.Getenv("RRSTAT_TEST_READONLY") == "1"})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	switch mode {
	case "hold": // keep the store open (read-only with RRSTAT_TEST_READONLY=1) until stdin closes
		fmt.Println("open")
		io.Copy(io.Discard, os.Stdin)
	case "load":
		ex, err := source.Open(os.Getenv("RRSTAT_TEST_EXPORT"), source.Options{})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("loading")
		last := ""
		sum, err := s.Load(ctx, ex, LoadOptions{Now: loadAt, Progress: func(stage string, done, total int64) {
			if stage != last {
				fmt.Println("stage", stage)
				last = stage
			}
		}})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("loaded", sum.SnapshotID)
	}
	s.Close()
	os.Exit(0)
}

// child starts the helper process in mode and returns it with a channel
// of the lines it prints.
func child(t *testing.T, mode string, env ...string) (*exec.Cmd, io.WriteCloser, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+mode), env...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return cmd, stdin, lines
}

// waitFor reads lines until one starts with prefix; it returns the lines
// read and whether it was found.
func waitFor(lines <-chan string, prefix string, timeout time.Duration) ([]string, bool) {
	var seen []string
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return seen, false
			}
			seen = append(seen, l)
			if strings.HasPrefix(l, prefix) {
				return seen, true
			}
		case <-deadline:
			return seen, false
		}
	}
}

// checkConsistent opens the store for writing (which drops the tables of
// unfinished loads) and checks that every snapshot's tables are readable
// and hold what its summary says, that no orphan table remains, and that
// the current UZ snapshot is want (or, when anyNewer is set, a snapshot
// newer than want: a load that committed just before it was killed).
func checkConsistent(t *testing.T, path, want string, anyNewer bool) string {
	t.Helper()
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	rows, err := s.DB.Query("SELECT snap, snapshot_id, persons, rows_loaded, summary::VARCHAR FROM snapshots ORDER BY snap")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	type snapRow struct {
		snap            int64
		id              string
		persons, loaded int64
		summary         string
	}
	var snaps []snapRow
	for rows.Next() {
		var r snapRow
		if err := rows.Scan(&r.snap, &r.id, &r.persons, &r.loaded, &r.summary); err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, r)
	}
	rows.Close()
	for _, r := range snaps {
		var sum export.Summary
		if err := json.Unmarshal([]byte(r.summary), &sum); err != nil {
			t.Fatalf("%s: summary: %v", r.id, err)
		}
		checkCounts(t, &sum)
		var total int64
		for _, tn := range export.TableNames {
			known[snapTable(r.snap, tn)] = true
			var n int64
			if err := s.DB.QueryRow("SELECT count(*) FROM " + snapTable(r.snap, tn)).Scan(&n); err != nil {
				t.Fatalf("%s: %s unreadable: %v", r.id, tn, err)
			}
			if n != sum.Tables.Get(tn).Loaded {
				t.Errorf("%s: %s holds %d rows, its summary says %d", r.id, tn, n, sum.Tables.Get(tn).Loaded)
			}
			total += n
		}
		if r.persons != sum.Tables.Returnees.Loaded || r.loaded != total {
			t.Errorf("%s: persons %d, rows %d; stored %d, %d", r.id, r.persons, r.loaded, sum.Tables.Returnees.Loaded, total)
		}
	}
	for _, n := range snapshotTables(t, s.DB) {
		if !known[n] {
			t.Errorf("orphan table %s after a writable open", n)
		}
	}
	var current string
	if err := s.DB.QueryRow("SELECT s.snapshot_id FROM current_snapshots c JOIN snapshots s USING (snap) WHERE c.country = 'UZ'").Scan(&current); err != nil {
		t.Fatal(err)
	}
	newest := snaps[len(snaps)-1].id
	if current != want && !(anyNewer && current == newest && newest != want) {
		t.Errorf("current UZ snapshot %s, want %s", current, want)
	}
	return current
}

// orphanTables opens the store read-only and lists the snapshot tables of
// no snapshot.
func orphanTables(t *testing.T, path string) []string {
	t.Helper()
	s, err := Open(context.Background(), path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open after the crash: %v", err)
	}
	defer s.Close()
	known := map[string]bool{}
	rows, err := s.DB.Query("SELECT snap FROM snapshots")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n int64
		rows.Scan(&n)
		for _, tn := range export.TableNames {
			known[snapTable(n, tn)] = true
		}
	}
	rows.Close()
	var out []string
	for _, n := range snapshotTables(t, s.DB) {
		if !known[n] {
			out = append(out, n)
		}
	}
	return out
}

func TestCrashDuringLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and loads a large export")
	}
	dir := t.TempDir()
	if _, err := synth.Generate(dir, synth.Options{Seed: 1, Persons: 100000, Countries: []string{"UZ"}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "store.duckdb")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	prev := mustLoad(t, s, sampleDir("UZ"), source.Options{}, LoadOptions{}).SnapshotID
	sampleID := prev
	s.Close()

	env := []string{"RRSTAT_TEST_STORE=" + path, "RRSTAT_TEST_EXPORT=" + filepath.Join(dir, "export-UZ")}
	// A kill that lands after the commit leaves the export loaded; the
	// last load is then "unchanged", with that snapshot's id.
	committed := false
	for _, kill := range []struct {
		after string        // the line after which to wait
		delay time.Duration // then wait this long
	}{
		{"loading", 200 * time.Millisecond},
		{"loading", time.Second},
		{"stage reading services.csv", 0},
		{"stage checking persons and keys", 0}, // the rows are committed, the snapshot is not
		{"stage checking persons and keys", 300 * time.Millisecond},
		{"loading", 2 * time.Second},
	} {
		t.Run(fmt.Sprintf("%s+%v", kill.after, kill.delay), func(t *testing.T) {
			cmd, _, lines := child(t, "load", env...)
			seen, ok := waitFor(lines, kill.after, time.Minute)
			if !ok {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("the child never printed %q: %q", kill.after, seen)
			}
			time.Sleep(kill.delay)
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			rest, _ := waitFor(lines, "\x00", 5*time.Second) // what it printed before dying
			seen = append(seen, rest...)
			finished := ""
			for _, l := range seen {
				if id, ok := strings.CutPrefix(l, "loaded "); ok {
					finished = id
				}
				if strings.HasPrefix(l, "error") {
					t.Fatalf("child: %s", l)
				}
			}
			t.Logf("killed after %q", seen[len(seen)-1])
			// Between the two transactions the rows are committed in
			// tables of no snapshot: a read-only open still sees them,
			// the writable open of checkConsistent drops them.
			orphans := orphanTables(t, path)
			if finished != "" {
				// the load committed before the kill: it is current
				prev = checkConsistent(t, path, finished, false)
				committed = true
				return
			}
			// The kill may land between COMMIT and the child's print.
			cur := checkConsistent(t, path, prev, true)
			if cur != prev {
				t.Logf("the load committed just before the kill: %s", cur)
				prev = cur
				committed = true
			} else if strings.HasPrefix(kill.after, "stage checking") && len(orphans) == 0 {
				t.Errorf("killed between the two transactions, but no orphan table was left to clean up")
			}
		})
	}

	// The store still takes a load, which becomes current: of the export
	// that is not current (a kill may have come after a load committed,
	// and loading the current content again changes nothing).
	if prev != sampleID {
		env = []string{"RRSTAT_TEST_STORE=" + path, "RRSTAT_TEST_EXPORT=" + sampleDir("UZ")}
	}
	cmd, _, lines := child(t, "load", env...)
	seen, ok := waitFor(lines, "loaded ", time.Minute)
	cmd.Wait()
	if !ok {
		t.Fatalf("load after the crashes: %q", seen)
	}
	id := strings.TrimPrefix(seen[len(seen)-1], "loaded ")
	if id == prev && !committed {
		t.Fatalf("the load after the crashes did nothing")
	}
	checkConsistent(t, path, id, false)
}

func TestStoreInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "store.duckdb")
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	cmd, stdin, lines := child(t, "hold", "RRSTAT_TEST_STORE="+path)
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	if seen, ok := waitFor(lines, "open", time.Minute); !ok {
		t.Fatalf("the child did not open the store: %q", seen)
	}
	for _, opt := range []Options{{}, {ReadOnly: true}} {
		s, err := Open(context.Background(), path, opt)
		if err == nil {
			s.Close()
			t.Fatalf("open %+v while another process holds the store: no error", opt)
		}
		if !errors.Is(err, ErrInUse) {
			t.Errorf("open %+v: %v does not wrap ErrInUse", opt, err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "(PID") || !strings.Contains(msg, path) {
			t.Errorf("open %+v: %q does not say the store is in use", opt, msg)
		}
		for _, internal := range []string{"IO Error", "Conflicting lock", "\n"} {
			if strings.Contains(msg, internal) {
				t.Errorf("open %+v: %q shows DuckDB's text %q", opt, msg, internal)
			}
		}
	}
	stdin.Close()
	cmd.Wait()
	s, err = Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("open after the other process ended: %v", err)
	}
	s.Close()
}
