package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rrstat/queries"
)

func TestUsageAndExitCodes(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{}, 2, "Usage: rrstat COMMAND", ""},
		{[]string{"--help"}, 0, "Usage: rrstat COMMAND", ""},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"load", "--help"}, 0, "Usage: rrstat load", ""},
		{[]string{"report", "--help"}, 0, "--period", ""},
		{[]string{"load"}, 2, "", "give at least one EXPORT"},
		{[]string{"load", "--no-such-flag", "x"}, 2, "", "unknown flag --no-such-flag\n"},
		// a mistyped flag or command names the closest one
		{[]string{"report", "--perod", "2025Q3"}, 2, "", "unknown flag --perod; did you mean --period?"},
		{[]string{"report", "-perod=2025Q3"}, 2, "", "unknown flag --perod; did you mean --period?"},
		{[]string{"report", "--countyr", "UZ"}, 2, "", "did you mean --country?"},
		{[]string{"load", "--Encoding", "cp1251", "x"}, 2, "", "did you mean --encoding?"},
		{[]string{"report", "--period"}, 2, "", "flag needs an argument: --period"},
		{[]string{"report", "--k", "five"}, 2, "", `invalid value "five" for flag --k`},
		{[]string{"reprot"}, 2, "", `unknown command "reprot"; did you mean report?`},
		{[]string{"snapshot"}, 2, "", "did you mean snapshots?"},
		{[]string{"token", "crate"}, 2, "", `unknown subcommand "crate"; did you mean create?`},
		{[]string{"--period", "2025Q3"}, 2, "", "--period is not a command; options go after the command"},
		// the period given without --period
		{[]string{"report", "2025Q3"}, 2, "", "give the period with --period: rrstat report --period 2025Q3"},
		{[]string{"report", "--period", "2025Q3", "2025Q4"}, 2, "", `unexpected argument "2025Q4"`},
		{[]string{"load", "--encoding", "latin1", "x"}, 2, "", `unknown encoding "latin1"`},
		{[]string{"snapshots"}, 1, "", "does not exist; load an export first"},
		{[]string{"version"}, 0, "rrstat " + Version + "\n", ""},
		{[]string{"--version"}, 0, "rrstat " + Version + "\n", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, dir, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d\nstdout %q\nstderr %q\nwant exit %d, stdout with %q, stderr with %q", code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

func TestIndicatorsCommand(t *testing.T) {
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, dir, "indicators", "--json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var got struct {
		Indicators []struct {
			ID, Kind        string
			Disaggregations []string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Indicators) != 16 || got.Indicators[0].ID != "RET_ARRIVED" || got.Indicators[15].ID != "FOLLOWUP_COVERAGE" {
		t.Errorf("catalogue: %+v", got.Indicators)
	}
	// Another query folder: a broken header is reported with file:line.
	qdir := filepath.Join(dir, "q")
	os.MkdirAll(qdir, 0o755)
	b, _ := queries.FS.ReadFile("ret_uam.sql")
	os.WriteFile(filepath.Join(qdir, "ret_uam.sql"), bytes.Replace(b, []byte("-- kind: count"), []byte("-- knd: count"), 1), 0o644)
	code, _, stderr = runCLI(t, dir, "indicators", "--queries", qdir)
	if code != 1 || !strings.Contains(stderr, `ret_uam.sql:3: unknown key "knd"`) || !strings.Contains(stderr, `missing key "kind"`) {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
	// A good copy of one file works as a catalogue of one.
	os.WriteFile(filepath.Join(qdir, "ret_uam.sql"), b, 0o644)
	code, stdout, _ = runCLI(t, dir, "indicators", "--queries", qdir)
	if code != 0 || !strings.Contains(stdout, "RET_UAM") || strings.Contains(stdout, "RET_ARRIVED") {
		t.Errorf("exit %d, stdout %s", code, stdout)
	}
}

// TestProgress: a bar appears on a terminal only after about a second.
func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	e := &env{stderr: &buf, isTerminal: func(io.Writer) bool { return true }}
	p := newProgress(e)
	p.update("reading services.csv", 10, 100)
	time.Sleep(300 * time.Millisecond)
	if buf.Len() != 0 {
		t.Errorf("a bar before a second: %q", buf.String())
	}
	time.Sleep(1200 * time.Millisecond)
	p.finish()
	if !strings.Contains(buf.String(), "reading services.csv") {
		t.Errorf("no bar after a second: %q", buf.String())
	}
	// Not a terminal: nothing, ever.
	buf.Reset()
	e.isTerminal = func(io.Writer) bool { return false }
	p = newProgress(e)
	p.update("x", 1, 2)
	time.Sleep(1300 * time.Millisecond)
	p.finish()
	if buf.Len() != 0 {
		t.Errorf("a bar without a terminal: %q", buf.String())
	}
}

// TestMaxRejectZero: --max-reject 0 allows no reject at all (zero is not
// "the default").
func TestMaxRejectZero(t *testing.T) {
	dir := t.TempDir()
	exp := filepath.Join(dir, "exp")
	os.MkdirAll(exp, 0o755)
	os.WriteFile(filepath.Join(exp, "returnees.csv"), []byte("person_id,country,sex,birth_year,return_date,return_from,case_status\n"+
		"A,UZ,F,1990,2020-01-01,SY,open\nB,UZ,F,1990,2020-01-01,SY,opne\n"), 0o644)
	code, _, stderr := runCLI(t, dir, "load", "--max-reject", "0", exp)
	if code != 1 || !strings.Contains(stderr, "more than the 0 % allowed") {
		t.Errorf("--max-reject 0: exit %d, %s", code, stderr)
	}
	code, _, stderr = runCLI(t, dir, "load", "--max-reject", "50", exp)
	if code != 0 {
		t.Errorf("--max-reject 50: exit %d, %s", code, stderr)
	}
}

// TestHelpRequiredFirst: --help lists the required flags first, in the
// order of the synopsis, then the others.
func TestHelpRequiredFirst(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		args     []string
		required []string
		first    string // the first of the other options
	}{
		{[]string{"report", "--help"}, []string{"--period P"}, "--audience"},
		{[]string{"token", "create", "--help"}, []string{"--role", "--name"}, "--db"},
		{[]string{"token", "revoke", "--help"}, []string{"--name"}, "--db"},
	} {
		code, stdout, _ := runCLI(t, dir, tt.args...)
		req, opt := strings.Index(stdout, "\nRequired:\n"), strings.Index(stdout, "\nOptions:\n")
		if code != 0 || req < 0 || opt < req {
			t.Errorf("%v: exit %d, no Required: before Options:\n%s", tt.args, code, stdout)
			continue
		}
		at := req
		for _, f := range tt.required {
			i := strings.Index(stdout, "\n  "+f)
			if i < at || i > opt {
				t.Errorf("%v: %s not in order among the required flags:\n%s", tt.args, f, stdout)
			}
			at = i
		}
		if i := strings.Index(stdout[opt:], "\n  --"); i < 0 || !strings.HasPrefix(stdout[opt+i+len("\n  "):], tt.first) {
			t.Errorf("%v: the options do not start with %s:\n%s", tt.args, tt.first, stdout)
		}
	}
	// A command without required flags has only Options.
	if _, stdout, _ := runCLI(t, dir, "snapshots", "--help"); strings.Contains(stdout, "Required:") || !strings.Contains(stdout, "Options:") {
		t.Errorf("snapshots --help:\n%s", stdout)
	}
}

func TestClosest(t *testing.T) {
	names := []string{"period", "audience", "k", "country", "snapshot", "layout", "out", "json", "db"}
	for _, tt := range []struct{ word, want string }{
		{"perod", "period"}, {"peroid", "period"}, {"Period", "period"}, {"countrys", "country"}, {"contry", "country"},
		{"snap", "snapshot"}, {"lay", "layout"}, {"jsn", "json"}, {"K", "k"},
		{"x", ""}, {"zzzzzz", ""}, {"o", ""}, {"audit", ""},
	} {
		if got := closest(tt.word, names); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
