package source

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"rrstat/internal/export"
)

const (
	retHeader = "person_id,household_id,country,region,sex,birth_year,return_date,return_from,household_role,unaccompanied_minor,legal_status,case_status,case_closed_date,closure_reason\n"
	retRow    = "P01,H1,UZ,Andijan,F,1985,2019-01-08,SY,head,false,none,open,,\n"
	needsCSV  = "person_id,need_type,identified_date\nP01,medical,2019-01-10\n"
)

func write(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func zipOf(t *testing.T, files map[string]string) string {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	zw.Close()
	path := filepath.Join(t.TempDir(), "export.zip")
	os.WriteFile(path, b.Bytes(), 0o644)
	return path
}

func sha(parts ...string) string {
	s := sha256.Sum256([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(s[:])
}

func TestOpenForms(t *testing.T) {
	ret := retHeader + retRow
	want := sha(ret, needsCSV) // table order, whatever the file order
	for _, tt := range []struct {
		name string
		path string
		opt  Options
	}{
		{"folder", write(t, t.TempDir(), map[string]string{"needs.csv": needsCSV, "Returnees.CSV": ret, "README.txt": "x"}), Options{}},
		{"zip at the root", zipOf(t, map[string]string{"needs.csv": needsCSV, "returnees.csv": ret}), Options{}},
		{"zip in one folder", zipOf(t, map[string]string{"x/needs.csv": needsCSV, "x/returnees.csv": ret, "__MACOSX/x/._returnees.csv": "junk", "x/.hidden.csv": "y"}), Options{}},
		{"zip with a folder and files at the root", zipOf(t, map[string]string{"needs.csv": needsCSV, "returnees.csv": ret, "old/returnees.csv": "z"}), Options{}},
		{"zip within limits", zipOf(t, map[string]string{"needs.csv": needsCSV, "returnees.csv": ret}), Options{Limits: Limits{MaxEntries: 2, MaxUnpackedBytes: int64(len(ret + needsCSV))}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Open(tt.path, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			if e.ContentSHA256 != want {
				t.Errorf("content hash %s, want %s", e.ContentSHA256, want)
			}
			if e.Tables[export.Returnees] == nil || e.Tables[export.Needs] == nil || e.Tables[export.Services] != nil {
				t.Errorf("tables %v", e.Tables)
			}
			if got := e.Tables[export.Returnees].Rows(); got != 1 {
				t.Errorf("returnees rows %d", got)
			}
		})
	}
}

func TestOpenWorkbookHash(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "returnees")
	for i, v := range strings.Split(strings.TrimSpace(retHeader), ",") {
		c, _ := excelize.CoordinatesToCellName(i+1, 1)
		f.SetCellStr("returnees", c, v)
	}
	path := filepath.Join(t.TempDir(), "export.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	e, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.ContentSHA256 != sha(string(b)) {
		t.Errorf("a workbook's content hash is not the hash of its bytes")
	}
	if e.Tables[export.Returnees].Rows() != 0 {
		t.Errorf("a header-only sheet is not an empty table")
	}
}

func TestOpenRefusals(t *testing.T) {
	ret := retHeader + retRow
	twoSheets := func() string {
		f := excelize.NewFile()
		f.SetSheetName("Sheet1", "Returnees")
		f.NewSheet("RETURNEES ")
		path := filepath.Join(t.TempDir(), "x.xlsx")
		f.SaveAs(path)
		return path
	}()
	for _, tt := range []struct {
		name    string
		path    string
		opt     Options
		want    string
		tooBig  bool
		refusal bool
	}{
		{name: "no such path", path: filepath.Join(t.TempDir(), "nothing"), want: "no such file", refusal: true},
		{name: "a CSV file", path: write(t, t.TempDir(), map[string]string{"r.csv": ret}) + "/r.csv", want: "not an export", refusal: true},
		{name: "unknown encoding", path: t.TempDir(), opt: Options{Encoding: "koi8-r"}, want: `unknown encoding "koi8-r"`},
		{name: "no returnees", path: write(t, t.TempDir(), map[string]string{"needs.csv": needsCSV}), want: "the returnees table is missing", refusal: true},
		{name: "empty returnees", path: write(t, t.TempDir(), map[string]string{"returnees.csv": ""}), want: "the returnees table is missing", refusal: true},
		{name: "CSV and Parquet", path: write(t, t.TempDir(), map[string]string{"returnees.csv": ret, "needs.csv": needsCSV, "needs.parquet": "x"}),
			want: "both needs.csv and needs.parquet hold the needs table; keep one", refusal: true},
		{name: "two sheets of one table", path: twoSheets, want: `sheets "Returnees" and "RETURNEES " both hold the returnees table`, refusal: true},
		{name: "zip with two folders", path: zipOf(t, map[string]string{"a/returnees.csv": ret, "b/returnees.csv": ret}),
			want: "the tables are in several folders (a, b)", refusal: true},
		{name: "zip without tables", path: zipOf(t, map[string]string{"readme.txt": "x"}), want: "returnees", refusal: true},
		{name: "zip with too many entries", path: zipOf(t, map[string]string{"returnees.csv": ret, "needs.csv": needsCSV}),
			opt: Options{Limits: Limits{MaxEntries: 1}}, want: "holds 2 entries", tooBig: true},
		{name: "zip too large", path: zipOf(t, map[string]string{"returnees.csv": ret}),
			opt: Options{Limits: Limits{MaxUnpackedBytes: 10}}, want: "more than the limit of 10 bytes", tooBig: true},
		{name: "not UTF-8", path: write(t, t.TempDir(), map[string]string{"returnees.csv": retHeader + "P01,H1,UZ,\xc0\xed\xe4,F\n"}),
			want: fmt.Sprintf("returnees.csv line 2 (byte %d): not valid UTF-8; if", len(retHeader)+len("P01,H1,UZ,")) + " the file is in another encoding, name it with --encoding windows-1251 or --encoding utf-16", refusal: true},
		{name: "UTF-16 without a byte-order mark", path: write(t, t.TempDir(), map[string]string{"returnees.csv": "\x00a\x00,\x00\xe9"}),
			opt: Options{Encoding: UTF16}, want: "--encoding utf-16 needs a file that starts with a byte-order mark", refusal: true},
		{name: "a bare carriage return", path: write(t, t.TempDir(), map[string]string{"returnees.csv": retHeader + "P01\r" + retRow}),
			want: "returnees.csv line 2: a carriage return (CR) inside the line", refusal: true},
		{name: "direct identifier in a child table", path: write(t, t.TempDir(), map[string]string{"returnees.csv": ret, "needs.csv": "person_id,need_type,identified_date,Mobile\n"}),
			want: `needs.csv: column "Mobile" looks like a direct identifier`, refusal: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Open(tt.path, tt.opt)
			if err == nil {
				e.Close()
				t.Fatal("opened")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if errors.Is(err, export.ErrRefused) != tt.refusal || errors.Is(err, ErrTooLarge) != tt.tooBig {
				t.Errorf("error %q: refused %v, too large %v", err, errors.Is(err, export.ErrRefused), errors.Is(err, ErrTooLarge))
			}
		})
	}
}

func TestOpenCleansUp(t *testing.T) {
	tmp := t.TempDir()
	path := zipOf(t, map[string]string{"returnees.csv": retHeader + retRow})
	e, err := Open(path, Options{TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 1 {
		t.Errorf("temporary files: %v", ents)
	}
	e.Close()
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("left after Close: %v", ents)
	}
	// a refused export leaves nothing either
	if _, err := Open(zipOf(t, map[string]string{"a/returnees.csv": "x", "b/returnees.csv": "y"}), Options{TempDir: tmp}); err == nil {
		t.Fatal("opened")
	}
	if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
		t.Errorf("left after a refusal: %v", ents)
	}
}
