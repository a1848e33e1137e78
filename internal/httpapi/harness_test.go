package httpapi

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/indicator"
	"rrstat/internal/layout"
	"rrstat/queries"
	"rrstat/reports"
)

// sampleDir is a sample export of the repository.
func sampleDir(cc string) string {
	return filepath.Join("..", "..", "testdata", "sample", "export-"+cc)
}

// zipDir returns a zip of the files of dir, at the archive's root.
func zipDir(t testing.TB, dir string) []byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(e.Name())
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lockedBuffer is a bytes.Buffer safe for concurrent writers (the service log).
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// testService is a service on a loopback listener with its own store,
// folders, an analyst and a donor token.
type testService struct {
	t          testing.TB
	srv        *Server
	ts         *httptest.Server
	store      *duckdb.Access
	storePath  string
	dir        string
	uploadDir  string
	reportsDir string
	tokensPath string
	auditPath  string
	log        *lockedBuffer
	analyst    string
	donor      string
}

type serviceOptions struct {
	limits Limits
	// config, when set, changes the configuration before New.
	config func(*Config)
}

func newService(t testing.TB, opt serviceOptions) *testService {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s := &testService{t: t, dir: dir,
		uploadDir:  filepath.Join(dir, "uploads"),
		reportsDir: filepath.Join(dir, "reports"),
		tokensPath: filepath.Join(dir, "tokens.json"),
		auditPath:  filepath.Join(dir, "audit.jsonl"),
		log:        &lockedBuffer{},
	}
	var err error
	if s.analyst, err = CreateToken(s.tokensPath, RoleAnalyst, "ana.lyst", time.Now()); err != nil {
		t.Fatal(err)
	}
	if s.donor, err = CreateToken(s.tokensPath, RoleDonor, "donor-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(s.uploadDir, 0o700); err != nil {
		t.Fatal(err)
	}
	s.storePath = filepath.Join(dir, "store.duckdb")
	s.store = &duckdb.Access{Path: s.storePath, Options: duckdb.Options{Lockdown: true, AllowedDirs: []string{s.uploadDir},
		MemoryLimit: "400MB", TempDirectory: filepath.Join(s.uploadDir, "duckdb.tmp")}}
	if err := s.store.Write(ctx, func(*duckdb.Store) error { return nil }); err != nil {
		t.Fatal(err)
	}
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	lay, err := layout.Load(reports.FS, reports.Default, cat)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := OpenTokens(s.tokensPath)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := OpenAudit(s.auditPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Store: s.store, Catalogue: cat, Layout: lay, Tokens: tok, Audit: audit,
		Log:       slog.New(slog.NewTextHandler(s.log, nil)),
		UploadDir: s.uploadDir, ReportsDir: s.reportsDir, Limits: opt.limits, Version: "test",
	}
	// The guard slows clients after a few bad tokens; the tests that are
	// not about it send many on purpose.
	cfg.Guard = Guard{Slow: 1e6, Block: 1e6, LogBurst: 1e6}
	if opt.config != nil {
		opt.config(&cfg)
	}
	s.srv, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.ts = httptest.NewUnstartedServer(s.srv)
	s.ts.Config = s.srv.HTTPServer()
	s.ts.Start()
	t.Cleanup(func() {
		s.ts.Close()
		s.srv.Close()
		audit.Close()
	})
	return s
}

// response is an answer of the service.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("answer is not JSON (%v): %.300s", err, r.body)
	}
}

// do sends a request; token "" sends none.
func (s *testService) do(method, path, token string, body io.Reader, header ...string) response {
	s.t.Helper()
	req, err := http.NewRequest(method, s.ts.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return s.send(req)
}

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       2 * time.Minute,
}

func (s *testService) send(req *http.Request) response {
	s.t.Helper()
	res, err := noRedirect.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, b}
}

func (s *testService) upload(token string, body []byte) response {
	s.t.Helper()
	return s.do("POST", "/api/exports?encoding=utf-8", token, bytes.NewReader(body), "Content-Type", "application/zip")
}

type createdReport struct {
	ID        string   `json:"id"`
	Period    string   `json:"period"`
	Audience  string   `json:"audience"`
	K         int      `json:"k"`
	Countries []string `json:"countries"`
	Files     []string `json:"files"`
}

// makeReport asks for a report and requires 201.
func (s *testService) makeReport(token, body string) createdReport {
	s.t.Helper()
	r := s.do("POST", "/api/reports", token, strings.NewReader(body), "Content-Type", "application/json")
	if r.status != http.StatusCreated {
		s.t.Fatalf("POST /api/reports %s: %d %s", body, r.status, r.body)
	}
	var c createdReport
	r.json(s.t, &c)
	return c
}

// snapshotsJSON returns GET /api/snapshots as an analyst.
func (s *testService) snapshotsJSON() string {
	s.t.Helper()
	r := s.do("GET", "/api/snapshots", s.analyst, nil)
	if r.status != http.StatusOK {
		s.t.Fatalf("GET /api/snapshots: %d %s", r.status, r.body)
	}
	return string(r.body)
}

// mustLoad uploads a sample export as an analyst and requires 200.
func (s *testService) mustLoad(cc string) {
	s.t.Helper()
	r := s.upload(s.analyst, zipDir(s.t, sampleDir(cc)))
	if r.status != http.StatusOK {
		s.t.Fatalf("upload %s: %d %s", cc, r.status, r.body)
	}
}

// auditEntries reads the audit log.
func (s *testService) auditEntries() []AuditEntry {
	s.t.Helper()
	b, err := os.ReadFile(s.auditPath)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []AuditEntry
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var e AuditEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			s.t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, e)
	}
	return out
}

// checkSafeError requires an error answer to be {"error": "..."} with no
// path of the service, no SQL and no stack in it.
func (s *testService) checkSafeError(what string, r response) {
	s.t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		s.t.Errorf("%s: Content-Type %q, want JSON", what, ct)
		return
	}
	var body map[string]any
	if err := json.Unmarshal(r.body, &body); err != nil {
		s.t.Errorf("%s: answer is not JSON: %.200s", what, r.body)
		return
	}
	text := string(r.body)
	for _, bad := range []string{s.dir, s.uploadDir, "/tmp/", "SELECT", "read_csv", "goroutine ", ".go:", "Binder Error", "IO Error"} {
		if strings.Contains(text, bad) {
			s.t.Errorf("%s: answer carries %q: %s", what, bad, text)
		}
	}
	if _, ok := body["error"]; !ok {
		if _, ok := body["exports"]; !ok {
			s.t.Errorf(`%s: answer has no "error": %s`, what, text)
		}
	}
}

// slogTo is a text logger writing to w.
func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
