package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"rrstat/internal/publish"
)

type loadAnswer struct {
	Exports []struct {
		Path       string `json:"path"`
		Country    string `json:"country"`
		Status     string `json:"status"`
		SnapshotID string `json:"snapshot_id"`
		Error      string `json:"error"`
		Tables     map[string]struct {
			RowsRead int64 `json:"rows_read"`
			Loaded   int64 `json:"loaded"`
		} `json:"tables"`
	} `json:"exports"`
}

// TestUpload loads the UZ sample through the API: loaded, then unchanged;
// a donor may not upload.
func TestUpload(t *testing.T) {
	s := newService(t, serviceOptions{})
	sample := zipDir(t, sampleDir("UZ"))
	var got loadAnswer
	r := s.do("POST", "/api/exports?encoding=utf-8&name=export-UZ.zip", s.analyst, bytes.NewReader(sample), "Content-Type", "application/zip")
	if r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	r.json(t, &got)
	if len(got.Exports) != 1 || got.Exports[0].Status != "loaded" || got.Exports[0].Country != "UZ" || got.Exports[0].SnapshotID == "" {
		t.Fatalf("upload answer: %s", r.body)
	}
	if e := got.Exports[0]; e.Path != "upload:export-UZ.zip" || e.Tables["returnees"].Loaded != 70 {
		t.Errorf("path %q, returnees %+v", e.Path, e.Tables["returnees"])
	}
	first := got.Exports[0].SnapshotID

	// The same export again (declared as something else: the type is sniffed).
	r = s.do("POST", "/api/exports", s.analyst, bytes.NewReader(sample), "Content-Type", "text/plain")
	if r.status != 200 {
		t.Fatalf("second upload: %d %s", r.status, r.body)
	}
	got = loadAnswer{}
	r.json(t, &got)
	if got.Exports[0].Status != "unchanged" || got.Exports[0].SnapshotID != first {
		t.Errorf("second upload: %s", r.body)
	}
	if r := s.upload(s.donor, sample); r.status != http.StatusForbidden {
		t.Errorf("donor upload: %d", r.status)
	}
	if snaps := s.snapshotsJSON(); strings.Count(snaps, `"snapshot_id"`) != 1 || !strings.Contains(snaps, `"source": "upload:export-UZ.zip"`) {
		t.Errorf("snapshots: %s", snaps)
	}
	if left, _ := os.ReadDir(s.uploadDir); len(left) != 0 {
		t.Errorf("upload folder holds %d entries", len(left))
	}
}

// personIDs returns the person_ids of a sample export.
func personIDs(t *testing.T, cc string) []string {
	f, err := os.Open(filepath.Join(sampleDir(cc), "returnees.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, rec := range recs[1:] {
		out = append(out, rec[0])
	}
	return out
}

// TestAudit checks the audit log of a load, a report, a download and
// refused requests, and that it holds no token and no person id.
func TestAudit(t *testing.T) {
	s := newService(t, serviceOptions{})
	s.mustLoad("UZ")
	rep := s.makeReport(s.donor, `{"period": "2025Q3", "audience": "donor", "countries": ["UZ"], "k": 6}`)
	s.do("GET", "/api/reports/"+rep.ID+"/report.xlsx", s.donor, nil)
	s.do("GET", "/api/snapshots", s.donor, nil)                                   // refused: role
	s.do("GET", "/api/reports", "rrs_"+strings.Repeat("x", 43), nil)              // refused: unknown token
	s.do("GET", "/api/reports/"+rep.ID+"/..%2f..%2fstore.duckdb", s.analyst, nil) // refused: path
	// A person id in places a careless or hostile client might put one.
	pid := personIDs(t, "UZ")[0]
	s.do("POST", "/api/reports", s.analyst, strings.NewReader(`{"period": "`+pid+`", "audience": "analyst"}`))
	s.do("POST", "/api/reports", s.analyst, strings.NewReader(`{"period": "2025Q3", "audience": "analyst", "countries": ["`+pid+`"]}`))
	s.do("GET", "/api/reports/"+pid+"/manifest.json", s.analyst, nil)
	s.do("POST", "/api/exports?name="+pid, s.donor, strings.NewReader(pid))
	s.do("GET", "/api/"+pid, s.analyst, nil)
	// A failed load whose rejects carry values of the export.
	bad := zipWith(t, sampleDir("UZ"), "returnees.csv", func(b []byte) []byte {
		return bytes.ReplaceAll(b, []byte(",F,"), []byte(",female-"+pid+","))
	})
	if r := s.upload(s.analyst, bad); r.status != http.StatusUnprocessableEntity || !bytes.Contains(r.body, []byte(pid)) {
		t.Errorf("bad load: %d (the analyst should see the rejected values) %.300s", r.status, r.body)
	}

	entries := s.auditEntries()
	find := func(action, outcome string, status int) *AuditEntry {
		for i := range entries {
			if e := &entries[i]; e.Action == action && e.Outcome == outcome && e.Status == status {
				return e
			}
		}
		t.Errorf("no audit entry %s %s %d in:\n%+v", action, outcome, status, entries)
		return &AuditEntry{}
	}
	if e := find("upload_export", "ok", 200); e.TokenName != "ana.lyst" || e.Role != RoleAnalyst || e.Country != "UZ" || e.SnapshotID == "" || e.LoadStatus != "loaded" || e.Time.IsZero() {
		t.Errorf("load entry: %+v", e)
	}
	if e := find("create_report", "ok", 201); e.TokenName != "donor-1" || e.ReportID != rep.ID || e.Period != "2025Q3" || e.Audience != "donor" || e.K != 6 || strings.Join(e.Countries, ",") != "UZ" {
		t.Errorf("report entry: %+v", e)
	}
	if e := find("download_report_file", "ok", 200); e.ReportID != rep.ID || e.File != "report.xlsx" {
		t.Errorf("download entry: %+v", e)
	}
	if e := find("list_snapshots", "denied", 403); e.TokenName != "donor-1" || e.Reason != "role" {
		t.Errorf("refused entry: %+v", e)
	}
	if e := find("list_reports", "denied", 401); e.TokenName != "" || e.Reason != "unknown_token" {
		t.Errorf("unknown token entry: %+v", e)
	}
	find("unknown", "refused", 400)
	if e := find("upload_export", "refused", 422); e.LoadStatus != "failed" || e.Reason != "load_failed" {
		t.Errorf("failed load entry: %+v", e)
	}
	// Reads that succeed and change nothing are not audited.
	for _, e := range entries {
		if e.Outcome == "ok" && (e.Action == "list_reports" || e.Action == "list_snapshots" || e.Action == "health") {
			t.Errorf("a read was audited: %+v", e)
		}
	}

	raw, err := os.ReadFile(s.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	logText := s.log.String()
	for _, secret := range []string{s.analyst, s.donor, "rrs_"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the audit log holds a token")
		}
		if strings.Contains(logText, secret) {
			t.Errorf("the service log holds a token")
		}
	}
	for _, cc := range []string{"UZ", "KZ", "TM"} {
		for _, id := range personIDs(t, cc) {
			if bytes.Contains(raw, []byte(id)) {
				t.Fatalf("the audit log holds person_id %s:\n%s", id, raw)
			}
		}
	}
	if bytes.Contains(raw, []byte("female-")) {
		t.Errorf("the audit log holds a rejected value")
	}
	if st, err := os.Stat(s.auditPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode %v, %v", st.Mode(), err)
	}
}

// zipWith zips a sample export with one file changed.
func zipWith(t *testing.T, dir, name string, change func([]byte) []byte) []byte {
	tmp := t.TempDir()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == name {
			b = change(b)
		}
		os.WriteFile(filepath.Join(tmp, e.Name()), b, 0o600)
	}
	return zipDir(t, tmp)
}

// TestConcurrent downloads 50 files and makes 5 reports at once.
func TestConcurrent(t *testing.T) {
	s := newService(t, serviceOptions{})
	s.mustLoad("UZ")
	s.mustLoad("KZ")
	reps := []createdReport{
		s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "donor"}`),
		s.makeReport(s.analyst, `{"period": "2024", "audience": "analyst"}`),
	}
	// The expected SHA-256 of every file, from the manifests on disk.
	want := map[string]string{}
	for _, rep := range reps {
		m, err := publish.Verify(filepath.Join(s.reportsDir, rep.ID))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m.Files {
			want[rep.ID+"/"+f.Name] = f.SHA256
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	files := []string{"indicators.csv", "report.xlsx", "dashboard.html"}
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := reps[i%2].ID + "/" + files[i%3]
			token := s.analyst
			if i%2 == 0 {
				token = s.donor
			}
			req, _ := http.NewRequest("GET", s.ts.URL+"/api/reports/"+key, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer res.Body.Close()
			h := sha256.New()
			io.Copy(h, res.Body)
			if res.StatusCode != 200 || hex.EncodeToString(h.Sum(nil)) != want[key] {
				errs <- fmt.Errorf("download %d %s: status %d, sha256 differs: %v", i, key, res.StatusCode, hex.EncodeToString(h.Sum(nil)) != want[key])
			}
		}()
	}
	ids := make(chan string, 5)
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := []string{
				`{"period": "2025Q3", "audience": "donor", "countries": ["UZ"]}`,
				`{"period": "2025Q3", "audience": "analyst"}`,
				`{"period": "2024", "audience": "donor", "k": 5}`,
				`{"period": "2025-08", "audience": "analyst", "countries": ["KZ"]}`,
				`{"period": "2025Q3", "audience": "donor", "countries": ["KZ", "UZ"]}`,
			}[i]
			token := s.analyst
			if i%2 == 0 {
				token = s.donor
			}
			req, _ := http.NewRequest("POST", s.ts.URL+"/api/reports", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != 201 {
				errs <- fmt.Errorf("create %d: %d %s", i, res.StatusCode, b)
				return
			}
			var c createdReport
			if err := json.Unmarshal(b, &c); err != nil {
				errs <- err
				return
			}
			ids <- c.ID
		}()
	}
	wg.Wait()
	close(errs)
	close(ids)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %s twice", id)
		}
		seen[id] = true
		if _, err := publish.Verify(filepath.Join(s.reportsDir, id)); err != nil {
			t.Errorf("report %s: %v", id, err)
		}
	}
	if len(seen) != 5 {
		t.Errorf("%d reports made, want 5", len(seen))
	}
	// Every report is listed.
	var list struct {
		Reports []createdReport `json:"reports"`
	}
	s.do("GET", "/api/reports", s.analyst, nil).json(t, &list)
	if len(list.Reports) != 7 {
		t.Errorf("%d reports listed, want 7", len(list.Reports))
	}
	// The four donor reports, three of them made at once, are all in the
	// release ledger, each protected against the others: the audit of the
	// ledger is clean.
	var rels struct {
		Releases []struct {
			ID     string `json:"id"`
			Folder string `json:"folder"`
		} `json:"releases"`
	}
	s.do("GET", "/api/releases", s.analyst, nil).json(t, &rels)
	if len(rels.Releases) != 4 {
		t.Errorf("%d releases in the ledger, want 4 (the donor reports)", len(rels.Releases))
	}
	for _, r := range rels.Releases {
		if r.Folder != "" {
			t.Errorf("release %s shows the service's folder %q", r.ID, r.Folder)
		}
	}
	var audit struct {
		Releases int               `json:"releases"`
		Checked  int               `json:"checked"`
		Exposed  []json.RawMessage `json:"exposed"`
	}
	s.do("GET", "/api/audit", s.analyst, nil).json(t, &audit)
	if audit.Releases != 4 || audit.Checked == 0 || len(audit.Exposed) != 0 {
		t.Errorf("audit: %d releases, %d figures checked, %d exposed: %s", audit.Releases, audit.Checked, len(audit.Exposed), audit.Exposed)
	}
	if r := s.do("GET", "/api/audit", s.donor, nil); r.status != http.StatusForbidden {
		t.Errorf("a donor asked for the audit: %d", r.status)
	}
}

// TestReportWindowAndLanguage makes a report with its own window and
// language through the service: the manifest says so, series.csv holds
// the window's periods, and a bad window or language is refused naming
// the field.
func TestReportWindowAndLanguage(t *testing.T) {
	s := newService(t, serviceOptions{})
	s.mustLoad("UZ")
	rep := s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "analyst", "window": 3, "lang": "uz"}`)
	if !slices.Contains(rep.Files, "series.csv") {
		t.Errorf("files %v: no series.csv", rep.Files)
	}
	var m struct {
		Window struct {
			Periods int    `json:"periods"`
			First   string `json:"first"`
		} `json:"window"`
		Language string `json:"language"`
	}
	s.do("GET", "/api/reports/"+rep.ID+"/manifest.json", s.analyst, nil).json(t, &m)
	if m.Window.Periods != 3 || m.Window.First != "2025Q1" || m.Language != "uz" {
		t.Errorf("manifest: %+v", m)
	}
	series := string(s.do("GET", "/api/reports/"+rep.ID+"/series.csv", s.analyst, nil).body)
	if !strings.Contains(series, "RET_ARRIVED,2025Q1,UZ,total,total,") || strings.Contains(series, ",2024Q4,") {
		t.Errorf("series.csv does not hold 2025Q1-2025Q3 only:\n%.300s", series)
	}
	for body, field := range map[string]string{
		`{"period": "2025Q3", "audience": "analyst", "window": 41}`:  "window",
		`{"period": "2025Q3", "audience": "analyst", "window": "8"}`: "window",
		`{"period": "2025Q3", "audience": "analyst", "lang": "fr"}`:  "lang",
	} {
		r := s.do("POST", "/api/reports", s.analyst, strings.NewReader(body), "Content-Type", "application/json")
		if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `"field": "`+field+`"`) {
			t.Errorf("%s: %d %s", body, r.status, r.body)
		}
	}
}

// TestEmptyStore asks for a report before any load, and reads the
// catalogue.
func TestEmptyStore(t *testing.T) {
	s := newService(t, serviceOptions{})
	r := s.do("POST", "/api/reports", s.analyst, strings.NewReader(`{"period": "2025Q3", "audience": "analyst"}`))
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), "no snapshot") {
		t.Errorf("report on an empty store: %d %s", r.status, r.body)
	}
	s.checkSafeError("empty store", r)
	if entries, _ := os.ReadDir(s.reportsDir); len(entries) != 0 {
		t.Errorf("the report folder holds %d entries", len(entries))
	}
	var cat struct {
		Indicators []struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
		} `json:"indicators"`
	}
	s.do("GET", "/api/indicators", s.donor, nil).json(t, &cat)
	if len(cat.Indicators) != len(s.srv.cfg.Catalogue) || cat.Indicators[0].ID == "" {
		t.Errorf("catalogue: %+v", cat)
	}
	var snaps struct {
		Snapshots []any `json:"snapshots"`
	}
	s.do("GET", "/api/snapshots", s.analyst, nil).json(t, &snaps)
	if snaps.Snapshots == nil || len(snaps.Snapshots) != 0 {
		t.Errorf("snapshots of an empty store: %v", snaps.Snapshots)
	}
}
