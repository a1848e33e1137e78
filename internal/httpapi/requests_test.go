package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestReportRequestErrors checks that a bad request names every field that
// is wrong, at once.
func TestReportRequestErrors(t *testing.T) {
	s := newService(t, serviceOptions{})
	s.mustLoad("UZ")
	cases := []struct {
		body   string
		status int
		fields []string
		says   []string
	}{
		{`{"period": "2025Q3", "audience": "analyst", "out": "/etc"}`, 400, []string{"out"}, []string{`unknown field "out"`, "the fields are audience, countries"}},
		{`{"period": "2025Q3", "audience": "donor", "k": "5"}`, 400, []string{"k"}, []string{`"k" must be a whole number like 5, not a text`}},
		{`{"period": "2025Q5"}`, 400, []string{"audience", "period"}, []string{"2 problems", `"audience" is required`, `"period"`}},
		{`{"period": 2025, "audience": "everyone", "countries": "UZ", "k": 2.5, "colour": "red"}`, 400, []string{"audience", "colour", "countries", "k", "period"}, []string{"5 problems"}},
		{`{"audience": "donor", "k": 1}`, 400, []string{"period", "k"}, []string{`"period" is required`, `at least 5`}},
		{`[1, 2]`, 400, nil, []string{"one JSON object"}},
		{`{"period": "2025Q3", "audience": "analyst"} {}`, 400, nil, []string{"more than one JSON value"}},
	}
	for _, c := range cases {
		r := s.do("POST", "/api/reports", s.analyst, strings.NewReader(c.body))
		if r.status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.body, r.status, c.status, r.body)
			continue
		}
		s.checkSafeError(c.body, r)
		var got struct {
			Error    string    `json:"error"`
			Problems []problem `json:"problems"`
		}
		r.json(t, &got)
		var fields []string
		for _, p := range got.Problems {
			if p.Field != "" {
				fields = append(fields, p.Field)
			}
		}
		slices.Sort(fields)
		want := slices.Clone(c.fields)
		slices.Sort(want)
		if diff := cmp.Diff(want, fields); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", c.body, diff)
		}
		for _, w := range c.says {
			if !strings.Contains(got.Error, w) {
				t.Errorf("%s: error %q does not say %q", c.body, got.Error, w)
			}
		}
	}
	// A donor asking for an analyst report is refused for its role first.
	if r := s.do("POST", "/api/reports", s.donor, strings.NewReader(`{"period": "x", "audience": "analyst"}`)); r.status != 403 {
		t.Errorf("donor analyst report with a bad period: %d", r.status)
	}
}

// TestWhoami tells the page its role.
func TestWhoami(t *testing.T) {
	s := newService(t, serviceOptions{})
	for token, want := range map[string]string{s.analyst: `{"name":"ana.lyst","role":"analyst"}`, s.donor: `{"name":"donor-1","role":"donor"}`} {
		r := s.do("GET", "/api/whoami", token, nil)
		var got map[string]string
		r.json(t, &got)
		b, _ := json.Marshal(got)
		if r.status != 200 || string(b) != want {
			t.Errorf("whoami: %d %s, want %s", r.status, b, want)
		}
	}
	if r := s.do("GET", "/api/whoami", "", nil); r.status != 401 {
		t.Errorf("whoami without a token: %d", r.status)
	}
	for _, e := range s.auditEntries() {
		if e.Action == "whoami" && e.Outcome == "ok" {
			t.Errorf("a whoami was audited: %+v", e)
		}
	}
}

// TestDeleteAndExpire removes a report by hand and old ones by age.
func TestDeleteAndExpire(t *testing.T) {
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newService(t, serviceOptions{config: func(c *Config) {
		c.Now = clock
		c.KeepFor = 90 * 24 * time.Hour
		c.ExpireEvery = time.Hour
	}})
	s.mustLoad("UZ")
	old := s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "donor"}`)
	gone := s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "analyst"}`)
	if r := s.do("DELETE", "/api/reports/"+gone.ID, s.donor, nil); r.status != http.StatusForbidden {
		t.Errorf("donor delete: %d", r.status)
	}
	if r := s.do("DELETE", "/api/reports/"+gone.ID, s.analyst, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if _, err := os.Stat(filepath.Join(s.reportsDir, gone.ID)); !os.IsNotExist(err) {
		t.Errorf("the folder is still there: %v", err)
	}
	if r := s.do("GET", "/api/reports/"+gone.ID+"/manifest.json", s.analyst, nil); r.status != 404 {
		t.Errorf("file of a deleted report: %d", r.status)
	}
	if r := s.do("DELETE", "/api/reports/"+gone.ID, s.analyst, nil); r.status != 404 {
		t.Errorf("second delete: %d", r.status)
	}
	if r := s.do("DELETE", "/api/reports/..", s.analyst, nil); r.status != 400 {
		t.Errorf("delete ..: %d", r.status)
	}

	mu.Lock()
	now = now.Add(60 * 24 * time.Hour)
	mu.Unlock()
	young := s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "donor"}`)
	mu.Lock()
	now = now.Add(31 * 24 * time.Hour) // the first report is 91 days old, the other 31
	mu.Unlock()
	s.srv.expireReports()
	if _, err := os.Stat(filepath.Join(s.reportsDir, old.ID)); !os.IsNotExist(err) {
		t.Errorf("a report older than 90 days is kept: %v", err)
	}
	if _, err := os.Stat(filepath.Join(s.reportsDir, young.ID)); err != nil {
		t.Errorf("a young report was removed: %v", err)
	}
	var list struct {
		Reports []createdReport `json:"reports"`
	}
	s.do("GET", "/api/reports", s.analyst, nil).json(t, &list)
	if len(list.Reports) != 1 || list.Reports[0].ID != young.ID {
		t.Errorf("listed: %+v", list.Reports)
	}
	var actions []string
	for _, e := range s.auditEntries() {
		if e.Action == "delete_report" || e.Action == "expire_report" {
			actions = append(actions, e.Action+" "+e.Outcome+" "+e.ReportID[:min(4, len(e.ReportID))])
		}
	}
	want := []string{"delete_report denied ", "delete_report started " + gone.ID[:4], "delete_report ok " + gone.ID[:4],
		"delete_report refused " + gone.ID[:4], "expire_report ok " + old.ID[:4]}
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Errorf("audit (-want +got):\n%s", diff)
	}
	if entries, _ := os.ReadDir(s.reportsDir); len(entries) != 1 {
		t.Errorf("the report folder holds %d entries, want 1", len(entries))
	}
}

// TestUploadName records the file name a client gives its upload.
func TestUploadName(t *testing.T) {
	s := newService(t, serviceOptions{})
	sample := zipDir(t, sampleDir("UZ"))
	r := s.do("POST", "/api/exports", s.analyst, bytes.NewReader(sample), "Content-Disposition", `attachment; filename="UZ export 2025-10.zip"`)
	if r.status != 200 || !strings.Contains(string(r.body), `"path": "upload:UZ_export_2025-10.zip"`) {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	r = s.do("POST", "/api/exports?name=../../etc/KZ.zip", s.analyst, bytes.NewReader(zipDir(t, sampleDir("KZ"))))
	if r.status != 200 || !strings.Contains(string(r.body), `"path": "upload:KZ.zip"`) {
		t.Fatalf("upload with ?name=: %d %s", r.status, r.body)
	}
	snaps := s.snapshotsJSON()
	for _, want := range []string{`"source": "upload:UZ_export_2025-10.zip"`, `"source": "upload:KZ.zip"`} {
		if !strings.Contains(snaps, want) {
			t.Errorf("snapshots lack %s: %s", want, snaps)
		}
	}
}

// TestPrivateFiles checks the modes of what the service writes: the
// store, report folders and files, its folders, the audit log.
func TestPrivateFiles(t *testing.T) {
	s := newService(t, serviceOptions{})
	s.mustLoad("UZ")
	rep := s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "donor"}`)
	check := func(path string, want os.FileMode) {
		t.Helper()
		st, err := os.Stat(path)
		if err != nil {
			t.Error(err)
			return
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", strings.TrimPrefix(path, s.dir), got, want)
		}
	}
	check(s.storePath, 0o600)
	if _, err := os.Stat(s.storePath + ".wal"); err == nil {
		check(s.storePath+".wal", 0o600)
	}
	check(s.reportsDir, 0o700)
	check(s.uploadDir, 0o700)
	check(filepath.Join(s.reportsDir, rep.ID), 0o700)
	for _, f := range rep.Files {
		check(filepath.Join(s.reportsDir, rep.ID, f), 0o600)
	}
	check(s.auditPath, 0o600)
	check(s.tokensPath, 0o600)
}

// TestStartCleansUp starts a service over what a killed one left: uploads,
// temporary files, unfinished and half-removed reports.
func TestStartCleansUp(t *testing.T) {
	s := newService(t, serviceOptions{})
	s.mustLoad("UZ")
	rep := s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "donor"}`)
	left := []string{
		filepath.Join(s.uploadDir, "req-123", "upload"),
		filepath.Join(s.uploadDir, "req-123", "rrstat-export-9", "excelize-77"),
		filepath.Join(s.uploadDir, "tmp", "excelize-12"),
		filepath.Join(s.uploadDir, "duckdb.tmp", "duckdb_temp_storage-0.tmp"),
		filepath.Join(s.reportsDir, ".abcdefghijklmnopqrstuvwx.partial-123", "report.xlsx"),
		filepath.Join(s.reportsDir, "."+rep.ID+".old-5", "report.xlsx"),
		filepath.Join(s.reportsDir, ".deleting-abcdefghijklmnopqrstuvwx-1", "report.xlsx"),
	}
	for _, p := range left {
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte("left over"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := New(s.srv.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, p := range left {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s is still there", strings.TrimPrefix(p, s.dir))
		}
	}
	if _, err := os.Stat(filepath.Join(s.reportsDir, rep.ID, "report.xlsx")); err != nil {
		t.Errorf("a complete report was removed: %v", err)
	}
}
