package publish_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/period"
	"rrstat/internal/publish"
	"rrstat/internal/report"
)

const crashEnv = "RRSTAT_PUBLISH_CRASH"

// TestCrashChild is the child process of TestLedgerSurvivesCrash: it makes
// a donor report of the store RRSTAT_STORE into RRSTAT_OUT and stops for
// good at the stage RRSTAT_PUBLISH_CRASH names, after saying so.
func TestCrashChild(t *testing.T) {
	at := os.Getenv(crashEnv)
	if at == "" {
		t.Skip("the child process of TestLedgerSurvivesCrash")
	}
	publish.AtStage(func(s string) {
		if s == at {
			fmt.Println("stage", s)
			select {} // wait to be killed
		}
	})
	f := openFixture(t, os.Getenv("RRSTAT_STORE"))
	p, _ := period.Parse("2025Q3")
	_, err := publish.Make(context.Background(), duckdb.Held{Store: f.store}, f.cat, publish.Request{Period: p, Audience: report.Donor, K: 5,
		Params: report.DefaultParams, Layout: f.lay, Out: os.Getenv("RRSTAT_OUT"), Version: "test", Now: loadAt})
	fmt.Println("done", err)
}

// A donor report is recorded in the ledger atomically with its folder:
// killed after its release is recorded but before its folder is in place,
// it leaves no folder and no release; killed after the folder is in place
// but before the release is marked published, both stand.
func TestLedgerSurvivesCrash(t *testing.T) {
	for _, tt := range []struct {
		stage  string
		folder bool
	}{
		{"recorded", false},
		{"swapped", true},
	} {
		t.Run(tt.stage, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "store.duckdb")
			f := sampleStoreAt(t, db)
			f.store.Close()
			out := filepath.Join(dir, "out", "2025Q3-donor")
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashEnv+"="+tt.stage, "RRSTAT_STORE="+db, "RRSTAT_OUT="+out)
			cmd.Stderr = os.Stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string)
			go func() {
				sc := bufio.NewScanner(stdout)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			select {
			case l := <-lines:
				if l != "stage "+tt.stage {
					cmd.Process.Kill()
					t.Fatalf("child said %q", l)
				}
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				t.Fatal("the child did not reach the stage")
			}
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()

			_, statErr := os.Stat(filepath.Join(out, publish.FileManifest))
			if got := statErr == nil; got != tt.folder {
				t.Fatalf("folder in place: %v, want %v", got, tt.folder)
			}
			// Read-only, the ledger reads as settled; a writer records it.
			for _, readOnly := range []bool{true, false, true} {
				s, err := duckdb.Open(context.Background(), db, duckdb.Options{ReadOnly: readOnly})
				if err != nil {
					t.Fatal(err)
				}
				rels, err := s.Releases(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				var states []string
				rows, _ := s.DB.Query("SELECT state FROM releases")
				for rows.Next() {
					var st string
					rows.Scan(&st)
					states = append(states, st)
				}
				rows.Close()
				s.Close()
				if tt.folder {
					if len(rels) != 1 || len(rels[0].Cells) == 0 {
						t.Fatalf("read-only %v: %d releases, want the one whose folder is in place", readOnly, len(rels))
					}
					m, err := publish.Verify(out)
					if err != nil || m.Release != rels[0].ID {
						t.Fatalf("the folder names release %q, the ledger has %s (%v)", m.Release, rels[0].ID, err)
					}
				} else if len(rels) != 0 {
					t.Fatalf("read-only %v: %d releases, want none (the folder never came into place)", readOnly, len(rels))
				}
				// After the writer settled it, the store records exactly
				// that.
				if !readOnly {
					want := ""
					if tt.folder {
						want = duckdb.StatePublished
					}
					if strings.Join(states, ",") != want && !(want == "" && len(states) == 0) {
						t.Fatalf("states after a writer read the ledger: %v, want %q", states, want)
					}
				}
			}
			entries, _ := os.ReadDir(filepath.Dir(out))
			for _, e := range entries {
				if tt.folder && e.Name() == filepath.Base(out) {
					continue
				}
				if !strings.HasPrefix(e.Name(), ".") {
					t.Errorf("unexpected %s beside the report", e.Name())
				}
			}
		})
	}
}
