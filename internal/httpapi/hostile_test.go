package httpapi

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
)

var (
	bombOnce sync.Once
	bomb     []byte
)

// zipBomb is a zip of one entry, returnees.csv, of 2 GiB of zeros (about
// 2.6 MB deflated at flate.BestSpeed, which takes a quarter of the time of
// the default level), built once per test run by streaming zeros through
// zip.Writer.
func zipBomb(t testing.TB) []byte {
	bombOnce.Do(func() {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "returnees.csv", Method: zip.Deflate})
		if err != nil {
			panic(err)
		}
		zeros := make([]byte, 1<<20)
		for i := 0; i < 2048; i++ {
			if _, err := w.Write(zeros); err != nil {
				panic(err)
			}
		}
		if err := zw.Close(); err != nil {
			panic(err)
		}
		bomb = buf.Bytes()
	})
	if len(bomb) > 4<<20 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	return bomb
}

// lyingBomb is the bomb with its central directory claiming that the
// entry unpacks to 1000 bytes: the header check passes, and unpacking
// must stop on its own.
func lyingBomb(t testing.TB) []byte {
	b := bytes.Clone(zipBomb(t))
	i := bytes.LastIndex(b, []byte("PK\x01\x02"))
	if i < 0 {
		t.Fatal("no central directory")
	}
	binary.LittleEndian.PutUint32(b[i+24:], 1000)
	return b
}

// manyEntries is a zip of n tiny entries.
func manyEntries(t testing.TB, n int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < n; i++ {
		w, err := zw.Create(fmt.Sprintf("f%05d.txt", i))
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("x"))
	}
	zw.Close()
	return buf.Bytes()
}

// badWorkbook is a zip that looks like a workbook (xl/workbook.xml) and
// holds garbage.
func badWorkbook(t testing.TB) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<<<not xml at all \x00\xff"))
	}
	zw.Close()
	return buf.Bytes()
}

// TestHostile sends what a hostile or careless client might: each request
// is refused with its code, and after each the service still answers and
// the store is unchanged.
func TestHostile(t *testing.T) {
	s := newService(t, serviceOptions{limits: Limits{MaxBodyBytes: 8 << 20, MaxUnpackedBytes: 16 << 20, MaxEntries: 50}})
	s.mustLoad("UZ")
	donorRep := s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "donor"}`)
	analystRep := s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "analyst"}`)
	before := s.snapshotsJSON()
	sample := zipDir(t, sampleDir("UZ"))
	big := bytes.Repeat([]byte("x"), 9<<20)

	type req struct {
		name, method, path, token string
		body                      func() io.Reader
		header                    []string
		chunked                   bool
		want                      int
	}
	reader := func(b []byte) func() io.Reader { return func() io.Reader { return bytes.NewReader(b) } }
	text := func(s string) func() io.Reader { return func() io.Reader { return strings.NewReader(s) } }
	a, d := s.analyst, s.donor
	id, aid := donorRep.ID, analystRep.ID
	cases := []req{
		{name: "no token", method: "GET", path: "/api/reports", want: 401},
		{name: "wrong token", method: "GET", path: "/api/reports", token: "rrs_wrong", want: 401},
		{name: "token of another scheme", method: "GET", path: "/api/reports", header: []string{"Authorization", "Basic " + a}, want: 401},
		{name: "empty bearer", method: "GET", path: "/api/reports", header: []string{"Authorization", "Bearer "}, want: 401},
		{name: "token in the query", method: "GET", path: "/api/reports?token=" + a, want: 401},
		{name: "donor upload", method: "POST", path: "/api/exports", token: d, body: reader(sample), want: 403},
		{name: "donor snapshots", method: "GET", path: "/api/snapshots", token: d, want: 403},
		{name: "donor analyst report", method: "POST", path: "/api/reports", token: d, body: text(`{"period": "2025Q3", "audience": "analyst"}`), want: 403},
		{name: "donor analyst manifest", method: "GET", path: "/api/reports/" + aid + "/manifest.json", token: d, want: 403},
		{name: "donor analyst csv", method: "GET", path: "/api/reports/" + aid + "/indicators.csv", token: d, want: 403},
		{name: "dotdot id", method: "GET", path: "/api/reports/../" + id + "/manifest.json", token: a, want: 400},
		{name: "dotdot file", method: "GET", path: "/api/reports/" + id + "/../../../store.duckdb", token: a, want: 400},
		{name: "encoded dotdot file", method: "GET", path: "/api/reports/" + id + "/%2e%2e", token: a, want: 400},
		{name: "encoded dotdot id", method: "GET", path: "/api/reports/%2e%2e/manifest.json", token: a, want: 400},
		{name: "encoded slash file", method: "GET", path: "/api/reports/" + id + "/..%2F..%2Fstore.duckdb", token: a, want: 400},
		{name: "encoded slash id", method: "GET", path: "/api/reports/" + id + "%2F..%2F" + aid + "/manifest.json", token: d, want: 400},
		{name: "encoded slash no dots", method: "GET", path: "/api/reports/" + id + "%2Fx/manifest.json", token: a, want: 404},
		{name: "short id", method: "GET", path: "/api/reports/abc/manifest.json", token: a, want: 404},
		{name: "upper-case id", method: "GET", path: "/api/reports/" + strings.ToUpper(id) + "/manifest.json", token: a, want: 404},
		{name: "unknown id", method: "GET", path: "/api/reports/" + strings.Repeat("a", 24) + "/manifest.json", token: a, want: 404},
		{name: "file not of a report", method: "GET", path: "/api/reports/" + id + "/store.duckdb", token: a, want: 404},
		{name: "partial folder", method: "GET", path: "/api/reports/." + id + ".partial-1/manifest.json", token: a, want: 404},
		{name: "zip bomb", method: "POST", path: "/api/exports", token: a, body: reader(zipBomb(t)), want: 413},
		{name: "zip bomb with a lying header", method: "POST", path: "/api/exports", token: a, body: reader(lyingBomb(t)), want: 422},
		{name: "too many entries", method: "POST", path: "/api/exports", token: a, body: reader(manyEntries(t, 51)), want: 413},
		{name: "oversized body", method: "POST", path: "/api/exports", token: a, body: reader(big), want: 413},
		{name: "oversized body, chunked", method: "POST", path: "/api/exports", token: a, body: reader(big), chunked: true, want: 413},
		{name: "malformed xlsx", method: "POST", path: "/api/exports", token: a, body: reader(badWorkbook(t)), want: 422},
		{name: "not an export", method: "POST", path: "/api/exports", token: a, body: text("person_id,sex\nUZ-1,F\n"), want: 422},
		{name: "zip without tables", method: "POST", path: "/api/exports", token: a, body: reader(manyEntries(t, 3)), want: 422},
		{name: "empty upload", method: "POST", path: "/api/exports", token: a, body: text(""), want: 400},
		{name: "bad encoding", method: "POST", path: "/api/exports?encoding=ebcdic", token: a, body: reader(sample), want: 400},
		{name: "bad period", method: "POST", path: "/api/reports", token: a, body: text(`{"period": "2025Q5", "audience": "analyst"}`), want: 400},
		{name: "period as SQL", method: "POST", path: "/api/reports", token: a, body: text(`{"period": "2025'; DROP TABLE snapshots; --", "audience": "analyst"}`), want: 400},
		{name: "unknown country", method: "POST", path: "/api/reports", token: a, body: text(`{"period": "2025Q3", "audience": "analyst", "countries": ["FR"]}`), want: 404},
		{name: "country as path", method: "POST", path: "/api/reports", token: a, body: text(`{"period": "2025Q3", "audience": "analyst", "countries": ["../UZ"]}`), want: 400},
		{name: "donor k below the least", method: "POST", path: "/api/reports", token: d, body: text(`{"period": "2025Q3", "audience": "donor", "k": 2}`), want: 400},
		{name: "analyst donor k below the least", method: "POST", path: "/api/reports", token: a, body: text(`{"period": "2025Q3", "audience": "donor", "k": 1}`), want: 400},
		{name: "no audience", method: "POST", path: "/api/reports", token: a, body: text(`{"period": "2025Q3"}`), want: 400},
		{name: "unknown field", method: "POST", path: "/api/reports", token: a, body: text(`{"period": "2025Q3", "audience": "analyst", "out": "/etc"}`), want: 400},
		{name: "not JSON", method: "POST", path: "/api/reports", token: a, body: text(`period=2025Q3`), want: 400},
		{name: "two JSON values", method: "POST", path: "/api/reports", token: a, body: text(`{"period": "2025Q3", "audience": "analyst"} {}`), want: 400},
		{name: "huge JSON", method: "POST", path: "/api/reports", token: a, body: text(`{"period": "` + strings.Repeat("9", 100<<10) + `", "audience": "analyst"}`), want: 413},
		{name: "wrong method", method: "PUT", path: "/api/exports", token: a, body: reader(sample), want: 405},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader
			if c.body != nil {
				body = c.body()
			}
			r, err := http.NewRequest(c.method, s.ts.URL+c.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if c.chunked {
				r.ContentLength = -1
				r.Body = io.NopCloser(body)
			}
			if c.token != "" {
				r.Header.Set("Authorization", "Bearer "+c.token)
			}
			for i := 0; i+1 < len(c.header); i += 2 {
				r.Header.Set(c.header[i], c.header[i+1])
			}
			res := s.send(r)
			if res.status != c.want {
				t.Errorf("status %d, want %d: %.300s", res.status, c.want, res.body)
			}
			s.checkSafeError(c.name, res)
			if h := s.do("GET", "/healthz", "", nil); h.status != 200 {
				t.Fatalf("healthz after %s: %d", c.name, h.status)
			}
			if after := s.snapshotsJSON(); after != before {
				t.Fatalf("the store changed:\nbefore %s\nafter %s", before, after)
			}
		})
	}
	// Nothing of the uploads is left behind.
	if left, _ := os.ReadDir(s.uploadDir); len(left) != 0 {
		t.Errorf("upload folder holds %d entries after the requests", len(left))
	}
	// A refused export answers with the load object, saying why.
	r := s.upload(a, badWorkbook(t))
	var lr struct {
		Exports []struct{ Path, Status, Error string }
	}
	r.json(t, &lr)
	if len(lr.Exports) != 1 || lr.Exports[0].Status != "failed" || !strings.Contains(lr.Exports[0].Error, "not a readable workbook") || lr.Exports[0].Path != "upload" {
		t.Errorf("malformed xlsx answer: %s", r.body)
	}
}

// TestZipBombDefaultLimits sends the bomb to a service with the limits of
// http.md (1 GiB unpacked).
func TestZipBombDefaultLimits(t *testing.T) {
	s := newService(t, serviceOptions{})
	s.mustLoad("UZ")
	before := s.snapshotsJSON()
	r := s.upload(s.analyst, zipBomb(t))
	if r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413: %s", r.status, r.body)
	}
	s.checkSafeError("bomb", r)
	if !strings.Contains(string(r.body), "limit") {
		t.Errorf("answer does not name the limit: %s", r.body)
	}
	if h := s.do("GET", "/healthz", "", nil); h.status != 200 {
		t.Fatalf("healthz: %d", h.status)
	}
	if after := s.snapshotsJSON(); after != before {
		t.Fatalf("the store changed")
	}
	if l := DefaultLimits; l.MaxBodyBytes != 100<<20 || l.MaxUnpackedBytes != 1<<30 || l.MaxEntries != 10000 || l.MaxPartBytes != 256<<20 || l.MaxRows != 5_000_000 || l.ReportsPerMinute != 20 {
		t.Errorf("DefaultLimits = %+v, not those of http.md", DefaultLimits)
	}
}

// TestInternalErrorIsPlain breaks the store under the service: the client
// gets a bare 500, the log gets the details.
func TestInternalErrorIsPlain(t *testing.T) {
	s := newService(t, serviceOptions{})
	if err := os.WriteFile(s.storePath, []byte("not a store any more\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := s.do("GET", "/api/snapshots", s.analyst, nil)
	if r.status != 500 || strings.TrimSpace(string(r.body)) != "{\n  \"error\": \"internal error\"\n}" {
		t.Errorf("got %d %s, want 500 internal error", r.status, r.body)
	}
	if h := s.do("GET", "/healthz", "", nil); h.status != http.StatusServiceUnavailable {
		t.Errorf("healthz with a broken store: %d", h.status)
	}
	if !strings.Contains(s.log.String(), "not an rrstat store") {
		t.Errorf("the log lacks the details:\n%s", s.log.String())
	}
}
