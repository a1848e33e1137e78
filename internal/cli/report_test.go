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

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/publish"
	"rrstat/reports"
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
		{"donor k below 5", dir, []string{"report", "--period", "2025Q3", "--audience", "donor", "--k", "1"}, 2, "a donor report needs --k 5 or more (it is 1)"},
		{"donor k 4", dir, []string{"report", "--period", "2025Q3", "--audience", "donor", "--k", "4"}, 2, "a donor report needs --k 5 or more"},
		{"layout file missing", dir, []string{"report", "--period", "2025Q3", "--layout", "reports/donor-summary.yaml"}, 1,
			"--layout reports/donor-summary.yaml: no such file or directory; for the built-in layout write --layout donor-summary"},
		{"unknown layout name", dir, []string{"report", "--period", "2025Q3", "--layout", "summary"}, 1, "no built-in layout of that name (built in: donor-summary, quarterly)"},
		{"snapshot left out by --country", dir, []string{"report", "--period", "2025Q3", "--snapshot", "UZ-0001-ff086a05", "--country", "KZ"}, 1,
			"snapshot UZ-0001-ff086a05 is of UZ, which --country leaves out"},
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
	code, _, stderr = runCLI(t, dir, "report", "--period", "2025-08", "--snapshot", uz, "--country", "UZ", "--layout", absLayout, "--audience", "donor", "--out", "uz-aug")
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

// manifestOf runs a report with --json and returns its manifest.
func manifestOf(t *testing.T, dir string, args ...string) (publish.Manifest, string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, dir, append([]string{"report", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("report %v: exit %d\n%s", args, code, stderr)
	}
	var m publish.Manifest
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	return m, stderr
}

func snapshotIDs(m publish.Manifest) []string {
	var out []string
	for _, s := range m.Snapshots {
		out = append(out, s.Country+" "+s.SnapshotID)
	}
	return out
}

// TestReportSnapshotReplaces: --snapshot ID takes the place of the current
// snapshot of ID's country; the other countries keep theirs, and
// --country limits the countries as without it.
func TestReportSnapshotReplaces(t *testing.T) {
	dir := t.TempDir()
	loadSampleStore(t, dir)
	// A second UZ snapshot (one follow-up less) becomes the current one.
	uz2 := filepath.Join(dir, "uz2")
	os.MkdirAll(uz2, 0o755)
	for _, tn := range []string{"returnees", "needs", "services", "followups"} {
		b, _ := os.ReadFile(samplePath(t, filepath.Join("export-UZ", tn+".csv")))
		if tn == "followups" {
			b = b[:bytes.LastIndexByte(b[:len(b)-1], '\n')+1]
		}
		os.WriteFile(filepath.Join(uz2, tn+".csv"), b, 0o644)
	}
	if code, _, stderr := runCLI(t, dir, "load", uz2); code != 0 {
		t.Fatal(stderr)
	}
	const uz1, kz, tm, uz4 = "UZ-0001-ff086a05", "KZ-0002-2ceba96e", "TM-0003-e675a81b", "UZ-0004-"
	current, _ := manifestOf(t, dir, "--period", "2025Q3")
	if got := snapshotIDs(current); len(got) != 3 || got[0] != "KZ "+kz || got[1] != "TM "+tm || !strings.HasPrefix(got[2], "UZ "+uz4) {
		t.Fatalf("current snapshots: %v", got)
	}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"--snapshot", uz1}, []string{"KZ " + kz, "TM " + tm, "UZ " + uz1}},
		{[]string{"--snapshot", uz1, "--country", "UZ"}, []string{"UZ " + uz1}},
		{[]string{"--country", "uz", "--snapshot", uz1, "--country", "KZ"}, []string{"KZ " + kz, "UZ " + uz1}},
		{[]string{"--snapshot", uz1, "--snapshot", kz}, []string{"KZ " + kz, "TM " + tm, "UZ " + uz1}},
	} {
		m, _ := manifestOf(t, dir, append([]string{"--period", "2025Q3", "--out", "o"}, tt.args...)...)
		if diff := cmp.Diff(tt.want, snapshotIDs(m)); diff != "" {
			t.Errorf("%v: snapshots (-want +got):\n%s", tt.args, diff)
		}
	}
	// The old UZ snapshot reports what the sample's expected file says.
	runCLI(t, dir, "report", "--period", "2025Q3", "--snapshot", uz1, "--out", "old")
	got, _ := os.ReadFile(filepath.Join(dir, "old", publish.FileIndicators))
	want, _ := os.ReadFile(samplePath(t, filepath.Join("expected", "indicators-2025Q3-analyst.csv")))
	if !bytes.Equal(got, want) {
		t.Errorf("--snapshot %s: indicators.csv differs from the sample's", uz1)
	}
	// Two snapshots of one country are refused.
	code, _, stderr := runCLI(t, dir, "report", "--period", "2025Q3", "--snapshot", uz1, "--snapshot", current.Snapshots[2].SnapshotID)
	if code != 1 || !strings.Contains(stderr, "are both of UZ; a report takes one snapshot per country") {
		t.Errorf("two UZ snapshots: exit %d, %s", code, stderr)
	}
}

// TestReportWarnings: a period without data, and a country smaller than
// k, are said on stderr; the report is still written (exit 0).
func TestReportWarnings(t *testing.T) {
	dir := t.TempDir()
	loadSampleStore(t, dir)
	const noData = "warning: no return, need, service, follow-up or case closure of the snapshots reported on is dated within"
	const small = "warning: the snapshot of TM (1 person) holds fewer than"
	for _, tt := range []struct {
		args    []string
		want    []string
		notWant []string
	}{
		{[]string{"--period", "2030Q1"}, []string{noData + " 2030Q1 (2030-01-01 to 2030-03-31); their records run from 2019-", "Check --period."}, nil},
		{[]string{"--period", "2010", "--audience", "donor"}, []string{noData + " 2010 (2010-01-01 to 2010-12-31)"}, nil},
		{[]string{"--period", "2025Q3", "--audience", "donor"},
			[]string{small + " k = 5 persons: its figures will be suppressed, and will force the suppression of further cells in the other countries and ALL; to leave it out, name the others: --country KZ --country UZ\n"},
			[]string{noData}},
		{[]string{"--period", "2025Q3"}, []string{small + " 5 persons: a donor report would suppress its figures"}, []string{noData}},
		{[]string{"--period", "2025Q3", "--audience", "donor", "--k", "80"},
			[]string{"warning: the snapshots of TM (1 person) and UZ (70 persons) hold fewer than k = 80 persons: their figures will be suppressed", "to leave them out, name the others: --country KZ\n"}, nil},
		{[]string{"--period", "2025Q3", "--audience", "donor", "--country", "KZ", "--country", "UZ"}, nil, []string{"warning"}},
		{[]string{"--period", "2025Q3", "--audience", "donor", "--country", "TM"}, []string{"no country is large enough to leave the others"}, nil},
	} {
		m, stderr := manifestOf(t, dir, append(tt.args, "--out", "o")...)
		for _, w := range tt.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: stderr %q\nwants %q", tt.args, stderr, w)
			}
		}
		for _, w := range tt.notWant {
			if strings.Contains(stderr, w) {
				t.Errorf("%v: stderr %q\nshould not say %q", tt.args, stderr, w)
			}
		}
		if len(m.Files) != len(publish.Files)-1 { // the manifest lists every file but itself
			t.Errorf("%v: no complete report", tt.args)
		}
	}
}

// TestReportLayoutByName: the built-in layouts are chosen by name from
// any folder; a file path still works.
func TestReportLayoutByName(t *testing.T) {
	dir := t.TempDir()
	loadSampleStore(t, dir)
	for _, tt := range []struct{ layout, want string }{
		{"donor-summary", "donor-summary.yaml"},
		{"quarterly", "quarterly.yaml"},
		{"", "quarterly.yaml"},
	} {
		args := []string{"--period", "2025Q3", "--audience", "donor", "--out", "o"}
		if tt.layout != "" {
			args = append(args, "--layout", tt.layout)
		}
		m, _ := manifestOf(t, dir, args...)
		if m.Layout != tt.want {
			t.Errorf("--layout %q: manifest layout %q, want %q", tt.layout, m.Layout, tt.want)
		}
	}
	// A file in the current folder, by a relative path.
	b, _ := reports.FS.ReadFile("donor-summary.yaml")
	os.WriteFile(filepath.Join(dir, "mine.yaml"), b, 0o644)
	if m, _ := manifestOf(t, dir, "--period", "2025Q3", "--layout", "mine.yaml", "--out", "o"); m.Layout != "mine.yaml" {
		t.Errorf("--layout mine.yaml: manifest layout %q", m.Layout)
	}
}
