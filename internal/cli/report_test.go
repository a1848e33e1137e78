package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rrstat/internal/publish"
)

// fixedNow is the clock of the CLI tests: after every date of the sample.
var fixedNow = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

// runCLI runs rrstat in process, in dir, and returns exit code, stdout and
// stderr.
func runCLI(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" }, now: func() time.Time { return fixedNow },
		isTerminal: func(io.Writer) bool { return false }}
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	code := e.dispatch(context.Background(), args)
	return code, out.String(), errb.String()
}

func samplePath(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "sample", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// loadSampleStore loads the three sample exports into dir/rrstat.duckdb.
func loadSampleStore(t *testing.T, dir string) {
	t.Helper()
	code, _, stderr := runCLI(t, dir, "load", samplePath(t, "export-UZ"), samplePath(t, "export-KZ"), samplePath(t, "export-TM"))
	if code != 0 {
		t.Fatalf("load: exit %d\n%s", code, stderr)
	}
}

func TestReportReproducesSample(t *testing.T) {
	dir := t.TempDir()
	loadSampleStore(t, dir)
	for _, per := range []string{"2025Q3", "2024"} {
		for _, aud := range []string{"analyst", "donor"} {
			code, stdout, stderr := runCLI(t, dir, "report", "--period", strings.ToLower(per), "--audience", aud, "--json")
			if code != 0 {
				t.Fatalf("report %s %s: exit %d\n%s", per, aud, code, stderr)
			}
			folder := filepath.Join(dir, "out", per+"-"+aud)
			got, err := os.ReadFile(filepath.Join(folder, publish.FileIndicators))
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(samplePath(t, filepath.Join("expected", "indicators-"+per+"-"+aud+".csv")))
			if err != nil {
				t.Fatal(err)
			}
			if aud == "analyst" && !bytes.Equal(got, want) {
				t.Errorf("%s %s: indicators.csv differs from the expected file", per, aud)
			}
			if aud == "donor" {
				// The expected donor files are what rules 1-2 give
				// (internal/disclosure's TestGolden); the series protection
				// (rule 9) may only suppress further cells, flagged
				// secondary, and changes nothing else.
				gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				if len(gl) != len(wl) {
					t.Fatalf("%s donor: %d lines, want %d", per, len(gl), len(wl))
				}
				added := 0
				for i := range gl {
					if gl[i] == wl[i] {
						continue
					}
					g, w := strings.Split(gl[i], ","), strings.Split(wl[i], ",")
					if len(g) != 9 || len(w) != 9 || strings.Join(g[:5], ",") != strings.Join(w[:5], ",") ||
						g[8] != "secondary" || w[8] != "" || g[5]+g[6]+g[7] != "" {
						t.Errorf("%s donor line %d: %q, want %q or the same cell suppressed (secondary)", per, i+1, gl[i], wl[i])
						continue
					}
					added++
					t.Logf("%s donor: rule 9 suppresses %s", per, strings.Join(g[:5], " "))
				}
				t.Logf("%s donor: %d cells suppressed by the series protection beyond rules 1-2", per, added)
			}
			series, err := os.ReadFile(filepath.Join(folder, publish.FileSeries))
			if err != nil {
				t.Fatal(err)
			}
			if aud == "analyst" {
				want, err := os.ReadFile(samplePath(t, filepath.Join("expected", "series-"+per+"-"+aud+".csv")))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(series, want) {
					t.Errorf("%s %s: series.csv differs from the expected file", per, aud)
				}
			}
			// The rows of the report's own period are byte for byte those
			// of indicators.csv (dimensions total and sex).
			own := map[string]bool{}
			for _, l := range strings.Split(string(got), "\n")[1:] {
				if f := strings.Split(l, ","); len(f) > 4 && (f[3] == "total" || f[3] == "sex") {
					own[l] = true
				}
			}
			n := 0
			for _, l := range strings.Split(string(series), "\n")[1:] {
				if f := strings.Split(l, ","); len(f) > 1 && f[1] == per {
					n++
					if !own[l] {
						t.Errorf("%s %s: series.csv row %q is not in indicators.csv", per, aud, l)
					}
				}
			}
			if n != len(own) || n == 0 {
				t.Errorf("%s %s: series.csv has %d rows of its own period, indicators.csv %d of total and sex", per, aud, n, len(own))
			}
			// The manifest printed is the one written, and every file's
			// SHA-256 matches it.
			m, err := publish.Verify(folder)
			if err != nil {
				t.Fatalf("%s %s: %v", per, aud, err)
			}
			var printed publish.Manifest
			if err := json.Unmarshal([]byte(stdout), &printed); err != nil {
				t.Fatal(err)
			}
			if printed.Files[0].SHA256 != m.Files[0].SHA256 || len(m.Files) != 4 {
				t.Errorf("--json manifest does not match the folder's")
			}
			if m.Period.Label != per || string(m.Audience) != aud || len(m.Snapshots) != 3 {
				t.Errorf("manifest: %+v", m)
			}
			if aud == "donor" && (!m.Disclosure.Applied || m.Disclosure.K != 5 || m.Disclosure.Rule == "" || m.Release == "") {
				t.Errorf("donor manifest does not state the rule, k and release: %+v %q", m.Disclosure, m.Release)
			}
		}
	}
}

// The donor reports of TestReportReproducesSample's kind are recorded in
// the ledger, and the audit of the store finds nothing exposed.
func TestReleasesAndAudit(t *testing.T) {
	dir := t.TempDir()
	loadSampleStore(t, dir)
	code, stdout, stderr := runCLI(t, dir, "releases")
	if code != 0 || !strings.Contains(stdout, "no donor release yet") {
		t.Fatalf("releases on an empty ledger: %d %q %q", code, stdout, stderr)
	}
	var ids []string
	for _, per := range []string{"2025Q3", "2025Q2", "2025"} {
		code, stdout, stderr := runCLI(t, dir, "report", "--period", per, "--audience", "donor", "--json", "--window", "4")
		if code != 0 {
			t.Fatalf("report %s: %d %s", per, code, stderr)
		}
		var m publish.Manifest
		if err := json.Unmarshal([]byte(stdout), &m); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.Release)
	}
	// An analyst report is no release.
	if code, _, stderr := runCLI(t, dir, "report", "--period", "2025Q1"); code != 0 {
		t.Fatal(stderr)
	}
	code, stdout, stderr = runCLI(t, dir, "releases", "--json")
	if code != 0 {
		t.Fatalf("releases: %d %s", code, stderr)
	}
	var list struct {
		Releases []struct {
			ID        string   `json:"id"`
			Period    string   `json:"period"`
			Window    int      `json:"window"`
			K         int      `json:"k"`
			Countries []string `json:"countries"`
			Published int      `json:"cells_published"`
		} `json:"releases"`
	}
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Releases) != 3 {
		t.Fatalf("releases: %s", stdout)
	}
	for i, r := range list.Releases {
		if r.ID != ids[i] || r.Window != 4 || r.K != 5 || len(r.Countries) != 3 || r.Published == 0 {
			t.Errorf("release %d: %+v, want id %s", i, r, ids[i])
		}
	}
	code, stdout, stderr = runCLI(t, dir, "audit")
	if code != 0 || !strings.Contains(stdout, "3 releases") || !strings.Contains(stdout, "0 exposed") {
		t.Errorf("audit: %d %q %q", code, stdout, stderr)
	}
}

func TestReportRefusals(t *testing.T) {
	dir := t.TempDir()
	loadSampleStore(t, dir)
	empty := t.TempDir()
	tests := []struct {
		name string
		dir  string
		args []string
		code int
		msg  string
	}{
		{"bad period", dir, []string{"report", "--period", "2025Q5"}, 1, `bad period "2025Q5"`},
		{"bad month", dir, []string{"report", "--period", "2025-13"}, 1, "month 13 does not exist"},
		{"year out of range", dir, []string{"report", "--period", "2101"}, 1, "from 1900 to 2100"},
		{"unknown country", dir, []string{"report", "--period", "2025Q3", "--country", "KG"}, 1, "unknown country KG"},
		{"unknown snapshot", dir, []string{"report", "--period", "2025Q3", "--snapshot", "XX-9"}, 1, "unknown snapshot"},
		{"empty store", empty, []string{"report", "--period", "2025Q3"}, 1, "load an export first"},
		{"no period", dir, []string{"report"}, 2, "--period is required"},
		{"bad audience", dir, []string{"report", "--period", "2025Q3", "--audience", "public"}, 2, "analyst or donor"},
		{"bad k", dir, []string{"report", "--period", "2025Q3", "--k", "0"}, 2, "at least 1"},
		{"weights not adding to 1", dir, []string{"report", "--period", "2025Q3", "--weights", "0.5,0.3,0.3"}, 2, "add up to exactly 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.RemoveAll(filepath.Join(tt.dir, "out"))
			code, _, stderr := runCLI(t, tt.dir, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.msg)
			}
			if _, err := os.Stat(filepath.Join(tt.dir, "out")); err == nil {
				t.Errorf("a report folder was written")
			}
		})
	}
}

func TestReportOptions(t *testing.T) {
	dir := t.TempDir()
	loadSampleStore(t, dir)
	// One country, an earlier-snapshot selection by id, another layout, a
	// month; the folder holds exactly the four files.
	code, stdout, stderr := runCLI(t, dir, "snapshots", "--json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var snaps struct {
		Snapshots []struct {
			ID      string `json:"snapshot_id"`
			Country string `json:"country"`
		} `json:"snapshots"`
	}
	if err := json.Unmarshal([]byte(stdout), &snaps); err != nil || len(snaps.Snapshots) != 3 {
		t.Fatalf("snapshots: %v %s", err, stdout)
	}
	uz := ""
	for _, s := range snaps.Snapshots {
		if s.Country == "UZ" {
			uz = s.ID
		}
	}
	layout := filepath.Join("..", "..", "reports", "donor-summary.yaml")
	absLayout, _ := filepath.Abs(layout)
	code, _, stderr = runCLI(t, dir, "report", "--period", "2025-08", "--snapshot", uz, "--layout", absLayout, "--audience", "donor", "--out", "uz-aug")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m, err := publish.Verify(filepath.Join(dir, "uz-aug"))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Countries) != 1 || m.Countries[0] != "UZ" || m.Layout != "donor-summary.yaml" || m.Period.Start != "2025-08-01" || m.Period.End != "2025-08-31" {
		t.Errorf("manifest: %+v", m)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "uz-aug", publish.FileIndicators))
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		if f := strings.Split(line, ","); f[2] != "ALL" && f[2] != "UZ" {
			t.Fatalf("a country outside the selection: %s", line)
		}
	}
}
