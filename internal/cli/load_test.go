package cli_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"

	"rrstat/internal/cli"
	"rrstat/internal/duckdb"
	"rrstat/internal/export"
)

// These tests run `rrstat load`, `validate` and `snapshots` end to end, as
// a user would, through cli.Run.

type result struct {
	code           int
	stdout, stderr string
}

func rrstat(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return result{code, out.String(), errb.String()}
}

type loadJSON struct {
	Exports []export.Summary `json:"exports"`
}

// loadOut parses `load --json` output and checks its counts add up.
func loadOut(t *testing.T, r result) loadJSON {
	t.Helper()
	var lj loadJSON
	if err := json.Unmarshal([]byte(r.stdout), &lj); err != nil {
		t.Fatalf("load --json printed %q (stderr %q): %v", r.stdout, r.stderr, err)
	}
	for _, s := range lj.Exports {
		for _, tn := range export.TableNames {
			c := s.Tables.Get(tn)
			if c.RowsRead != c.Loaded+c.Merged+c.Rejected {
				t.Errorf("%s: %s: rows_read %d != %d + %d + %d", s.Path, tn, c.RowsRead, c.Loaded, c.Merged, c.Rejected)
			}
		}
	}
	return lj
}

type snapshotJSON struct {
	ID            string `json:"snapshot_id"`
	Country       string `json:"country"`
	ContentSHA256 string `json:"content_sha256"`
	Persons       int64  `json:"persons"`
	Rows          int64  `json:"rows"`
	Current       bool   `json:"current"`
}

func snapshots(t *testing.T, db string) []snapshotJSON {
	t.Helper()
	r := rrstat(t, "snapshots", "--db", db, "--json")
	if r.code != 0 {
		t.Fatalf("snapshots: exit %d: %s", r.code, r.stderr)
	}
	var out struct {
		Snapshots []snapshotJSON `json:"snapshots"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	return out.Snapshots
}

// storeState describes everything a load may change: the snapshot list
// as `snapshots --json` prints it, and every table of the store with its
// row count.
func storeState(t *testing.T, db string) string {
	t.Helper()
	r := rrstat(t, "snapshots", "--db", db, "--json")
	if r.code != 0 {
		t.Fatalf("snapshots: exit %d: %s", r.code, r.stderr)
	}
	s, err := duckdb.Open(context.Background(), db, duckdb.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.DB.Query("SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	var b strings.Builder
	b.WriteString(r.stdout)
	for _, n := range names {
		var c int64
		if err := s.DB.QueryRow("SELECT count(*) FROM " + n).Scan(&c); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d\n", n, c)
	}
	return b.String()
}

func sample(country string) string {
	return filepath.Join("..", "..", "testdata", "sample", "export-"+country)
}

// copySample copies a sample export into a new folder, with edit applied
// to the content of each file (table name -> content).
func copySample(t *testing.T, country string, edit func(tn, content string) string) string {
	t.Helper()
	dir := t.TempDir()
	for _, tn := range export.TableNames {
		b, err := os.ReadFile(filepath.Join(sample(country), tn+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		content := string(b)
		if edit != nil {
			content = edit(tn, content)
		}
		if err := os.WriteFile(filepath.Join(dir, tn+".csv"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// addColumn adds a column to every line of a CSV text (header name, then
// the value of every record, with %d the record number).
func addColumn(content, name, value string) string {
	lines := strings.Split(strings.TrimSuffix(content, "\r\n"), "\r\n")
	lines[0] += "," + name
	for i := 1; i < len(lines); i++ {
		lines[i] += "," + fmt.Sprintf(value, i)
	}
	return strings.Join(lines, "\r\n") + "\r\n"
}

// storedStore loads the UZ sample into a new store and returns its path.
func storedStore(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "store.duckdb")
	r := rrstat(t, "load", "--db", db, sample("UZ"))
	if r.code != 0 {
		t.Fatalf("load UZ: exit %d: %s", r.code, r.stderr)
	}
	return db
}

func TestLoadRefusals(t *testing.T) {
	db := storedStore(t)
	before := storeState(t, db)

	// Windows-1251 text without --encoding
	cp := copySample(t, "UZ", func(tn, c string) string {
		if tn != export.Returnees {
			return c
		}
		c = strings.Replace(c, ",F,", ",ж,", 1)
		b, _ := charmap.Windows1251.NewEncoder().Bytes([]byte(c))
		return string(b)
	})
	cpBytes, _ := os.ReadFile(filepath.Join(cp, "returnees.csv"))
	offset := slices.IndexFunc(cpBytes, func(b byte) bool { return b >= 0x80 })
	line := 1 + bytes.Count(cpBytes[:offset], []byte("\n"))

	dropSex := copySample(t, "UZ", func(tn, c string) string {
		if tn != export.Returnees {
			return c
		}
		lines := strings.Split(c, "\n")
		for i, l := range lines {
			if l == "" {
				continue
			}
			f := strings.Split(l, ",")
			lines[i] = strings.Join(slices.Delete(f, 4, 5), ",")
		}
		return strings.Join(lines, "\n")
	})
	// two of the 70 persons have an unknown sex (2.9 %), six (8.6 %)
	badSex := func(n int) string {
		return copySample(t, "UZ", func(tn, c string) string {
			if tn == export.Returnees {
				return strings.Replace(c, ",F,", ",X,", n)
			}
			return c
		})
	}
	mixed := copySample(t, "UZ", func(tn, c string) string {
		if tn == export.Returnees {
			return strings.Replace(c, "UZ-0000003,UZH000001,UZ,", "UZ-0000003,UZH000001,KZ,", 1)
		}
		return c
	})
	nobody := copySample(t, "UZ", func(tn, c string) string {
		if tn == export.Returnees {
			c = strings.ReplaceAll(c, ",open,", ",x,")
			return strings.ReplaceAll(c, ",closed,", ",x,")
		}
		return c
	})
	headerOnly := copySample(t, "UZ", func(tn, c string) string {
		if tn == export.Returnees {
			return c[:strings.Index(c, "\n")+1]
		}
		return c
	})
	both := copySample(t, "UZ", nil)
	os.WriteFile(filepath.Join(both, "Returnees.parquet"), []byte("PAR1"), 0o644)
	dupCol := copySample(t, "UZ", func(tn, c string) string {
		if tn == export.Services {
			return addColumn(c, " Status", "delivered")
		}
		return c
	})
	// "\r" alone inside a line, as a line end of a joined file
	bareCR := copySample(t, "UZ", func(tn, c string) string {
		if tn == export.Needs {
			return strings.Replace(c, "\r\n", "\r", 3)
		}
		return c
	})
	noReturnees := copySample(t, "UZ", nil)
	os.Remove(filepath.Join(noReturnees, "returnees.csv"))

	for _, tt := range []struct {
		name string
		args []string
		want []string // parts of the error
	}{
		{"invalid UTF-8 without --encoding", []string{cp},
			[]string{fmt.Sprintf("returnees.csv line %d (byte %d): not valid UTF-8", line, offset), "--encoding windows-1251"}},
		{"missing required column", []string{dropSex}, []string{"returnees.csv", `required column "sex" missing`}},
		{"more rejects than --max-reject", []string{badSex(6)},
			[]string{"returnees.csv: 6 of 70 rows rejected (8.6 %), more than the 5 % allowed (--max-reject)"}},
		{"more rejects than --max-reject 1", []string{"--max-reject", "1", badSex(2)},
			[]string{"returnees.csv: 2 of 70 rows rejected (2.9 %), more than the 1 % allowed"}},
		{"mixed countries", []string{mixed}, []string{"the export mixes countries: UZ (69 persons), KZ (1 person)"}},
		{"no person loads", []string{"--max-reject", "100", nobody}, []string{"no person could be loaded"}},
		{"header-only returnees", []string{headerOnly}, []string{"no person could be loaded"}},
		{"CSV and Parquet for one table", []string{both}, []string{"returnees.csv", "Returnees.parquet", "keep one"}},
		{"duplicate column names", []string{dupCol}, []string{"services.csv", "duplicate column names", `"Status" (columns 6 and 7)`}},
		{"a bare carriage return", []string{bareCR}, []string{"needs.csv line 1: a carriage return (CR) inside the line"}},
		{"no returnees", []string{noReturnees}, []string{"the returnees table is missing"}},
		{"not an export", []string{filepath.Join(sample("UZ"), "needs.csv")}, []string{"not an export"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkRefused(t, db, before, tt.args, tt.want)
		})
	}

	// A direct identifier is refused unless dropped; dropped, none of its
	// values reaches the store.
	for _, col := range []string{"Full Name", "passport_no", "phone-number", "national id", "dob", "Home Address", "EMAIL"} {
		t.Run("identifier "+col, func(t *testing.T) {
			secret := "SECRET" + strings.Map(func(r rune) rune {
				if r == ' ' || r == '-' || r == '_' {
					return -1
				}
				return r
			}, col)
			dir := copySample(t, "UZ", func(tn, c string) string {
				if tn == export.Returnees || tn == export.Followups {
					return addColumn(c, col, secret+"%d")
				}
				return c
			})
			checkRefused(t, db, before, []string{dir}, []string{"returnees.csv", fmt.Sprintf("column %q looks like a direct identifier", col), "--drop-column"})
			other := filepath.Join(t.TempDir(), "other.duckdb")
			r := rrstat(t, "load", "--db", other, "--json", "--drop-column", strings.ToUpper(col), dir)
			if r.code != 0 {
				t.Fatalf("with --drop-column: exit %d: %s %s", r.code, r.stderr, r.stdout)
			}
			if strings.Contains(r.stdout, secret) {
				t.Errorf("the load's output holds a value of %s", col)
			}
			assertNowhere(t, other, secret)
		})
	}
}

// checkRefused runs load with args, expects exit 1 with every part of
// want in the error (stderr and the JSON), and the store unchanged.
func checkRefused(t *testing.T, db, before string, args, want []string) {
	t.Helper()
	r := rrstat(t, append([]string{"load", "--db", db, "--json"}, args...)...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	lj := loadOut(t, r)
	if len(lj.Exports) != 1 || lj.Exports[0].Status != export.StatusFailed {
		t.Fatalf("result %+v", lj.Exports)
	}
	for _, w := range want {
		if !strings.Contains(lj.Exports[0].Error, w) {
			t.Errorf("error %q does not say %q", lj.Exports[0].Error, w)
		}
	}
	if strings.Contains(lj.Exports[0].Error, "export refused") || strings.Contains(lj.Exports[0].Error, "load failed:") {
		t.Errorf("error %q carries a sentinel's text", lj.Exports[0].Error)
	}
	// the same without --json: the message on stderr, nothing on stdout
	r = rrstat(t, append([]string{"load", "--db", db}, args...)...)
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "FAILED: ") || !strings.Contains(r.stderr, want[0]) {
		t.Errorf("without --json: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if after := storeState(t, db); after != before {
		t.Errorf("the store changed:\n%s", cmp.Diff(before, after))
	}
}

// assertNowhere checks that no cell of any table of the store, and no byte
// of its files, holds s.
func assertNowhere(t *testing.T, db, s string) {
	t.Helper()
	st, err := duckdb.Open(context.Background(), db, duckdb.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.DB.Query("SELECT table_name FROM duckdb_tables() WHERE NOT temporary")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	if len(names) < 8 {
		t.Fatalf("the store holds only %v", names)
	}
	for _, n := range names {
		var c int64
		if err := st.DB.QueryRow(fmt.Sprintf("SELECT count(*) FROM %s AS t WHERE CAST(t AS VARCHAR) LIKE '%%' || ? || '%%'", n), s).Scan(&c); err != nil {
			t.Fatal(err)
		}
		if c > 0 {
			t.Errorf("%d rows of %s hold %q", c, n, s)
		}
	}
	st.Close()
	for _, f := range []string{db, db + ".wal"} {
		b, err := os.ReadFile(f)
		if err == nil && bytes.Contains(b, []byte(s)) {
			t.Errorf("%s holds %q", f, s)
		}
	}
}

func TestLoadMaxRejectAllows(t *testing.T) {
	db := filepath.Join(t.TempDir(), "store.duckdb")
	bad := copySample(t, "UZ", func(tn, c string) string {
		if tn == export.Returnees {
			return strings.Replace(c, ",F,", ",X,", 6)
		}
		return c
	})
	r := rrstat(t, "load", "--db", db, "--json", "--max-reject", "100", bad)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s := loadOut(t, r).Exports[0]
	if s.Status != export.StatusLoaded || s.Tables.Returnees.Rejected != 6 || len(s.Rejects) < 6 {
		t.Errorf("status %s, returnees %+v", s.Status, s.Tables.Returnees)
	}
	// the children of the rejected persons are rejected with them
	for _, rj := range s.Rejects {
		if rj.Table != export.Returnees && rj.Reason != export.ReasonRejectedPerson {
			t.Errorf("reject %+v", rj)
		}
	}
	// the human summary lists the rejects with file, line, column and value
	r = rrstat(t, "load", "--db", filepath.Join(t.TempDir(), "x.duckdb"), "--max-reject", "100", bad)
	if r.code != 0 || !strings.Contains(r.stderr, `returnees.csv line 2, column sex, value "X": `+export.ReasonSex) {
		t.Errorf("exit %d, stderr %s", r.code, r.stderr)
	}
}

func TestLoadParquetDropColumn(t *testing.T) {
	// A Parquet export with a direct identifier loads with --drop-column.
	dir := t.TempDir()
	s, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, _ := filepath.Abs(filepath.Join(sample("TM"), "returnees.csv"))
	q := fmt.Sprintf("COPY (SELECT *, 'SECRETNAME' || person_id AS \"Full Name\" FROM read_csv('%s', all_varchar = true)) TO '%s' (FORMAT parquet)",
		src, filepath.Join(dir, "returnees.parquet"))
	if _, err := s.DB.Exec(q); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := filepath.Join(t.TempDir(), "store.duckdb")
	r := rrstat(t, "load", "--db", db, "--json", dir)
	if r.code != 1 || !strings.Contains(r.stdout, `column \"Full Name\" looks like a direct identifier`) {
		t.Errorf("without --drop-column: exit %d, %s", r.code, r.stdout)
	}
	r = rrstat(t, "load", "--db", db, "--drop-column", "full_name", dir)
	if r.code != 0 {
		t.Fatalf("with --drop-column: exit %d: %s", r.code, r.stderr)
	}
	assertNowhere(t, db, "SECRETNAME")
}

func TestSnapshotsAcrossLoads(t *testing.T) {
	db := filepath.Join(t.TempDir(), "store.duckdb")
	a := sample("UZ")
	b := copySample(t, "UZ", func(tn, c string) string {
		if tn == export.Followups {
			lines := strings.SplitAfter(c, "\n")
			return strings.Join(lines[:len(lines)-2], "") // one follow-up less
		}
		return c
	})
	load := func(args ...string) (result, loadJSON) {
		t.Helper()
		r := rrstat(t, append([]string{"load", "--db", db, "--json"}, args...)...)
		return r, loadOut(t, r)
	}
	r, la := load(a)
	if r.code != 0 || la.Exports[0].Status != export.StatusLoaded {
		t.Fatalf("first load: %d %+v", r.code, la)
	}
	hashA := la.Exports[0].ContentSHA256

	// the same content again: unchanged, nothing written
	before := storeState(t, db)
	r, again := load(a)
	if r.code != 0 || again.Exports[0].Status != export.StatusUnchanged || again.Exports[0].SnapshotID != la.Exports[0].SnapshotID {
		t.Errorf("second load: exit %d, %+v", r.code, again.Exports[0])
	}
	if diff := cmp.Diff(la.Exports[0].Tables, again.Exports[0].Tables); diff != "" {
		t.Errorf("unchanged counts (-first +again):\n%s", diff)
	}
	if after := storeState(t, db); after != before {
		t.Errorf("an unchanged load changed the store:\n%s", cmp.Diff(before, after))
	}
	// Said in one line, without the stored snapshot's counts ("loaded
	// 70" beside "nothing was loaded").
	r = rrstat(t, "load", "--db", db, a)
	if want := fmt.Sprintf("%s: unchanged: identical to the current UZ snapshot %s; nothing was loaded\n", a, la.Exports[0].SnapshotID); r.code != 0 || r.stderr != want {
		t.Errorf("unchanged load: exit %d, stderr %q, want %q", r.code, r.stderr, want)
	}
	// a copy of the same files elsewhere, or a zip of them, is the same
	// content
	r, copied := load(copySample(t, "UZ", nil))
	if r.code != 0 || copied.Exports[0].Status != export.StatusUnchanged {
		t.Errorf("copy: %+v", copied.Exports[0])
	}
	r, zipped := load(zipDir(t, a))
	if r.code != 0 || zipped.Exports[0].Status != export.StatusUnchanged {
		t.Errorf("zip: %+v", zipped.Exports[0])
	}
	if got := len(snapshots(t, db)); got != 1 {
		t.Errorf("%d snapshots after loading the same content four times", got)
	}

	// A, B, A: A becomes current again as a new snapshot
	r, lb := load(b)
	if r.code != 0 || lb.Exports[0].Status != export.StatusLoaded || lb.Exports[0].Tables.Followups.RowsRead != 417 {
		t.Fatalf("load B: %+v", lb.Exports[0])
	}
	r, la2 := load(a)
	if r.code != 0 || la2.Exports[0].Status != export.StatusLoaded || la2.Exports[0].SnapshotID == la.Exports[0].SnapshotID {
		t.Fatalf("load A again: %+v", la2.Exports[0])
	}
	got := snapshots(t, db)
	want := []snapshotJSON{
		{ID: la.Exports[0].SnapshotID, Country: "UZ", ContentSHA256: hashA, Persons: 70, Rows: 70 + 226 + 442 + 418},
		{ID: lb.Exports[0].SnapshotID, Country: "UZ", ContentSHA256: lb.Exports[0].ContentSHA256, Persons: 70, Rows: 70 + 226 + 442 + 417},
		{ID: la2.Exports[0].SnapshotID, Country: "UZ", ContentSHA256: hashA, Persons: 70, Rows: 70 + 226 + 442 + 418, Current: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("snapshots (-want +got):\n%s", diff)
	}

	// several exports in one command: in order, each on its own; exit 1
	// because one failed, the others stored
	bad := copySample(t, "KZ", func(tn, c string) string {
		if tn == export.Returnees {
			return strings.ReplaceAll(c, ",SY,", ",ZZ,")
		}
		return c
	})
	r, many := load(sample("KZ"), bad, sample("TM"))
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	var statuses []string
	for _, e := range many.Exports {
		statuses = append(statuses, e.Path+" "+e.Status)
	}
	if diff := cmp.Diff([]string{sample("KZ") + " loaded", bad + " failed", sample("TM") + " loaded"}, statuses); diff != "" {
		t.Fatalf("statuses (-want +got):\n%s", diff)
	}
	got = snapshots(t, db)
	if len(got) != 5 {
		t.Fatalf("%d snapshots, want 5", len(got))
	}
	var ids, current []string
	for _, s := range got {
		ids = append(ids, s.ID)
		if s.Current {
			current = append(current, s.ID)
		}
	}
	if got[3].ID != many.Exports[0].SnapshotID || got[4].ID != many.Exports[2].SnapshotID {
		t.Errorf("snapshots %v: KZ and TM not stored in argument order", ids)
	}
	sort.Strings(current)
	wantCurrent := []string{many.Exports[0].SnapshotID, many.Exports[2].SnapshotID, la2.Exports[0].SnapshotID}
	sort.Strings(wantCurrent)
	if diff := cmp.Diff(wantCurrent, current); diff != "" {
		t.Errorf("current snapshots (-want +got):\n%s", diff)
	}
	// the human list marks the current ones
	r = rrstat(t, "snapshots", "--db", db)
	if r.code != 0 || strings.Count(r.stdout, "current") != 3 {
		t.Errorf("snapshots: %d %s", r.code, r.stdout)
	}
}

// zipDir writes the files of dir into a zip, in one folder.
func zipDir(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		w, _ := zw.Create("export/" + e.Name())
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func TestValidate(t *testing.T) {
	uz, err := filepath.Abs(sample("UZ"))
	if err != nil {
		t.Fatal(err)
	}
	bad := copySample(t, "UZ", func(tn, c string) string {
		if tn == export.Returnees {
			return strings.Replace(c, ",F,", ",X,", 10)
		}
		return c
	})
	loaded := rrstat(t, "load", "--json", "--db", filepath.Join(t.TempDir(), "s.duckdb"), uz)
	if loaded.code != 0 {
		t.Fatalf("load: %d %s", loaded.code, loaded.stderr)
	}

	// validate touches no store: not the default one, not $RRSTAT_DB
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("RRSTAT_DB", filepath.Join(dir, "env.duckdb"))
	if r := rrstat(t, "validate", "--db", "x.duckdb", uz); r.code != 2 || !strings.Contains(r.stderr, "-db") {
		t.Errorf("validate --db: exit %d, %q", r.code, r.stderr)
	}
	r := rrstat(t, "validate", "--json", uz)
	if r.code != 0 {
		t.Fatalf("validate: exit %d: %s", r.code, r.stderr)
	}
	v := loadOut(t, r)
	if s := v.Exports[0]; s.Status != export.StatusValid || s.SnapshotID != "" || s.Country != "UZ" || s.Tables.Needs.Merged != 1 {
		t.Errorf("validate: %+v", s)
	}
	// the same shape as load's output
	if diff := cmp.Diff(shape(t, loaded.stdout), shape(t, r.stdout)); diff != "" {
		t.Errorf("validate --json differs in shape from load --json (-load +validate):\n%s", diff)
	}
	r = rrstat(t, "validate", "--json", bad, uz)
	if r.code != 1 {
		t.Errorf("validate of a bad export: exit %d", r.code)
	}
	v = loadOut(t, r)
	if len(v.Exports) != 2 || v.Exports[0].Status != export.StatusFailed || v.Exports[1].Status != export.StatusValid ||
		!strings.Contains(v.Exports[0].Error, "10 of 70 rows rejected") || len(v.Exports[0].Rejects) != 10+countChildren(t, bad) {
		t.Errorf("validate: %+v", v.Exports)
	}
	if r.stderr != "" {
		t.Errorf("validate --json wrote to stderr: %q", r.stderr)
	}
	if r := rrstat(t, "validate", uz); r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, uz+" (UZ): valid; nothing was stored\n") {
		t.Errorf("validate: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// An export that would load with rejected rows says how many.
	r = rrstat(t, "validate", "--max-reject", "100", bad)
	if want := fmt.Sprintf("%s (UZ): valid, %d rows would be rejected; nothing was stored\n", bad, 10+countChildren(t, bad)); r.code != 0 || !strings.HasPrefix(r.stderr, want) {
		t.Errorf("validate with rejects: exit %d, stderr %q, want it to start with %q", r.code, r.stderr, want)
	}
	// A refusal of validate says what load would do.
	r = rrstat(t, "validate", bad)
	if r.code != 1 || !strings.Contains(r.stderr, "rrstat load would refuse this export and leave the store as it was") {
		t.Errorf("validate of a bad export: exit %d, stderr %q", r.code, r.stderr)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("validate left files: %v", ents)
	}
}

// countChildren counts the child rows of the persons whose sex is X.
func countChildren(t *testing.T, dir string) int {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dir, "returnees.csv"))
	bad := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Split(l, ","); len(f) > 4 && f[4] == "X" {
			bad[f[0]] = true
		}
	}
	n := 0
	for _, tn := range export.TableNames[1:] {
		b, _ := os.ReadFile(filepath.Join(dir, tn+".csv"))
		for _, l := range strings.Split(string(b), "\n") {
			for _, f := range strings.Split(l, ",") {
				if bad[f] {
					n++
					break
				}
			}
		}
	}
	return n
}

// shape returns the JSON document with every value replaced by its kind
// (arrays by the shape of their first element).
func shape(t *testing.T, doc string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				out[k] = walk(e)
			}
			return out
		case []any:
			if len(x) == 0 {
				return "array"
			}
			return []any{walk(x[0])}
		case string:
			return "string"
		case float64:
			return "number"
		case bool:
			return "bool"
		}
		return "null"
	}
	return walk(v)
}

// TestLoadMissingPath: a path that does not exist is named once.
func TestLoadMissingPath(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "exports", "UZ-2025-10.zip")
	for _, args := range [][]string{
		{"load", "--db", filepath.Join(dir, "s.duckdb"), missing},
		{"validate", missing},
	} {
		r := rrstat(t, args...)
		if r.code != 1 || strings.Count(r.stderr, missing) != 1 || !strings.Contains(r.stderr, missing+": FAILED: no such file or folder\n") {
			t.Errorf("%s: exit %d, stderr %q", args[0], r.code, r.stderr)
		}
	}
}
