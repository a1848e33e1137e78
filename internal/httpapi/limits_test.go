package httpapi

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"

	"rrstat/internal/hostile"
)

// TestUploadBounds sends uploads that are small on the wire and large
// once unpacked or read: each is refused with 413 (or 422 for a damaged
// file, in plain words), the store is unchanged, nothing is left in the
// working folder and no temporary file appears in the system's.
func TestUploadBounds(t *testing.T) {
	s := newService(t, serviceOptions{limits: Limits{MaxRows: 5000, MaxSheetBytes: 8 << 20, MaxPartBytes: 32 << 20}})
	s.mustLoad("UZ")
	before := s.snapshotsJSON()
	// The system's temporary folder, for this process: a file the service
	// wrote there would show.
	t.Setenv("TMPDIR", t.TempDir())
	sysTmp := func() []string {
		entries, _ := os.ReadDir(os.TempDir())
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	tmpBefore := len(sysTmp())
	gen := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name   string
		body   []byte
		status int
		says   string
	}{
		{"shared strings", gen(hostile.SharedStrings(1_000_000)), 413, "different texts"},
		{"shared strings beyond a part", gen(hostile.SharedStrings(3_000_000)), 413, "for one part"},
		{"nested elements", gen(hostile.Nested(1_000_000)), 413, "nests elements"},
		{"sheet rows", gen(hostile.ManyRows(6000)), 413, "rows"},
		{"parquet rows", gen(hostile.ParquetRows(5001)), 413, "rows"},
		{"broken parquet", gen(hostile.BrokenParquet()), 422, "not a readable Parquet file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do("POST", "/api/exports", s.analyst, bytes.NewReader(c.body), "Content-Type", "application/zip")
			if r.status != c.status || !strings.Contains(string(r.body), c.says) {
				t.Errorf("%d bytes: status %d, want %d saying %q: %.400s", len(c.body), r.status, c.status, c.says, r.body)
			}
			s.checkSafeError(c.name, r)
			for _, internal := range []string{"rrstat-export-", "Error:", "unzipped", "'"} {
				if strings.Contains(string(r.body), internal) {
					t.Errorf("the answer shows %q: %s", internal, r.body)
				}
			}
			if after := s.snapshotsJSON(); after != before {
				t.Fatal("the store changed")
			}
			if left, _ := os.ReadDir(s.uploadDir); len(left) > 0 {
				var names []string
				for _, e := range left {
					names = append(names, e.Name())
				}
				if !(len(names) == 1 && names[0] == "duckdb.tmp") {
					t.Errorf("the working folder holds %v", names)
				}
			}
		})
	}
	if n := len(sysTmp()); n > tmpBefore {
		t.Errorf("%d temporary files appeared in %s", n-tmpBefore, os.TempDir())
	}
	// A workbook large enough for the reader's temporary files (a sheet of
	// more than 4 MiB) is read, and leaves none behind.
	s2 := newService(t, serviceOptions{})
	big := gen(hostile.ManyRows(120_000))
	r := s2.do("POST", "/api/exports", s2.analyst, bytes.NewReader(big))
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "required column") {
		t.Errorf("a sheet without the required columns: %d %.300s", r.status, r.body)
	}
	if n := len(sysTmp()); n > tmpBefore {
		t.Errorf("%d temporary files appeared in %s", n-tmpBefore, os.TempDir())
	}
	if left, _ := os.ReadDir(s2.uploadDir); len(left) > 0 {
		t.Errorf("the working folder holds %d entries", len(left))
	}
}
