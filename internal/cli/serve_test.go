package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"rrstat/internal/duckdb"
)

// serveBuffer is a buffer safe for the service's concurrent writers.
type serveBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *serveBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *serveBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var reListening = regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+)/`)

// serveWaitAddr waits until the service says where it listens.
func serveWaitAddr(t *testing.T, stderr *serveBuffer, exited <-chan struct{}) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if m := reListening.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case <-exited:
			t.Fatalf("rrstat serve exited:\n%s", stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("rrstat serve did not start:\n%s", stderr.String())
	return ""
}

// serveZipSample zips testdata/sample/export-CC.
func serveZipSample(t *testing.T, cc string) []byte {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "sample", "export-"+cc)
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
		w, _ := zw.Create(e.Name())
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// serveRun runs the command line in-process.
func serveRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tokens.json")
	code, out, errOut := serveRun(t, "token", "create", "--tokens", path, "--role", "analyst", "--name", "alice")
	if code != ExitOK {
		t.Fatalf("create: %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	token := lines[len(lines)-1]
	if len(lines) != 1 || !regexp.MustCompile(`^rrs_[A-Za-z0-9_-]{43}$`).MatchString(token) {
		t.Errorf("stdout %q: want the token alone", out)
	}
	if strings.Contains(errOut, token) {
		t.Error("the token is on stderr too")
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", st.Mode(), err)
	}
	if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(token)) {
		t.Error("the token file holds the token")
	}
	cases := []struct {
		args []string
		want int
		msg  string
	}{
		{[]string{"token", "create", "--tokens", path, "--role", "donor", "--name", "alice"}, ExitFailed, "already in use"},
		{[]string{"token", "create", "--tokens", path, "--role", "admin", "--name", "bob"}, ExitUsage, "--role must be analyst or donor"},
		{[]string{"token", "create", "--tokens", path, "--role", "donor"}, ExitUsage, "--name is required"},
		{[]string{"token", "create", "--tokens", path, "--role", "donor", "--name", "b b"}, ExitUsage, "bad token name"},
		{[]string{"token", "revoke", "--tokens", path, "--name", "nobody"}, ExitFailed, "no token of that name"},
		{[]string{"token", "frobnicate"}, ExitUsage, "unknown subcommand"},
		{[]string{"token", "create", "--tokens", path, "--role", "donor", "--name", "fund"}, ExitOK, "created donor token"},
		{[]string{"token", "revoke", "--tokens", path, "--name", "alice"}, ExitOK, "revoked"},
	}
	for _, c := range cases {
		code, _, errOut := serveRun(t, c.args...)
		if code != c.want || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: %d %q, want %d and %q", c.args, code, errOut, c.want, c.msg)
		}
	}
	code, out, _ = serveRun(t, "token", "list", "--tokens", path, "--json")
	var list struct {
		Tokens []struct{ Name, Role string } `json:"tokens"`
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &list) != nil || len(list.Tokens) != 1 || list.Tokens[0].Name != "fund" || list.Tokens[0].Role != "donor" {
		t.Errorf("list: %d %s", code, out)
	}
	// The default token file sits next to the store.
	db := filepath.Join(dir, "x.duckdb")
	if code, _, errOut := serveRun(t, "token", "create", "--db", db, "--role", "donor", "--name", "d"); code != ExitOK {
		t.Fatalf("create by --db: %s", errOut)
	}
	if _, err := os.Stat(db + ".tokens.json"); err != nil {
		t.Error(err)
	}
	for _, args := range [][]string{{"serve", "--help"}, {"token", "create", "--help"}, {"token", "--help"}} {
		if code, out, _ := serveRun(t, args...); code != ExitOK || !strings.Contains(out, "Usage: rrstat") {
			t.Errorf("%v: %d %s", args, code, out)
		}
	}
	if code, _, errOut := serveRun(t, "serve", "--max-body", "lots"); code != ExitUsage || !strings.Contains(errOut, "not a size") {
		t.Errorf("bad --max-body: %d %s", code, errOut)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"100": 100, "100MiB": 100 << 20, "1 GiB": 1 << 30, "64kib": 64 << 10, "2MB": 2e6} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "1.5GiB", "GiB", "9999999999GiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// TestServeGraceful stops the in-process service while an upload is half
// sent: the upload still finishes and is loaded, and the service returns 0
// with the store closed.
func TestServeGraceful(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "store.duckdb")
	code, tok, errOut := serveRun(t, "token", "create", "--db", db, "--role", "analyst", "--name", "a")
	if code != ExitOK {
		t.Fatal(errOut)
	}
	tok = strings.TrimSpace(tok)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr serveBuffer
	exited := make(chan struct{})
	var exitCode int
	go func() {
		defer close(exited)
		exitCode = Run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, strings.NewReader(""), io.Discard, &stderr)
	}()
	addr := serveWaitAddr(t, &stderr, exited)

	sample := serveZipSample(t, "UZ")
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/exports", pr)
	req.ContentLength = int64(len(sample))
	req.Header.Set("Authorization", "Bearer "+tok)
	type result struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan result, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		done <- result{status: res.StatusCode, body: b}
	}()
	half := len(sample) / 2
	if _, err := pw.Write(sample[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the service is reading the body
	cancel()                           // SIGINT/SIGTERM in main
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "stopping") {
		if time.Now().After(deadline) {
			t.Fatalf("no stop:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	select {
	case <-exited:
		t.Fatalf("the service exited with a request under way:\n%s", stderr.String())
	default:
	}
	if _, err := pw.Write(sample[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-done
	if r.err != nil || r.status != 200 || !bytes.Contains(r.body, []byte(`"status": "loaded"`)) {
		t.Fatalf("the upload under way: %v %d %s\n%s", r.err, r.status, r.body, stderr.String())
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not stop")
	}
	if exitCode != ExitOK || !strings.Contains(stderr.String(), "the store is closed") {
		t.Fatalf("exit %d:\n%s", exitCode, stderr.String())
	}
	serveCheckStore(t, db, 1)
}

// serveCheckStore opens the store as another process would and counts
// its snapshots.
func serveCheckStore(t *testing.T, db string, want int) {
	t.Helper()
	s, err := duckdb.Open(context.Background(), db, duckdb.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the store does not open after the service: %v", err)
	}
	defer s.Close()
	snaps, err := s.Snapshots(context.Background())
	if err != nil || len(snaps) != want {
		t.Errorf("snapshots: %d, %v; want %d", len(snaps), err, want)
	}
}

// TestServeCurl builds rrstat, runs rrstat serve as its own process on a
// free loopback port, drives it with curl as a user would, stops it with
// SIGTERM and checks it exits 0 and leaves a store that opens.
func TestServeCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("RRSTAT_REQUIRE_TOOLS") == "1" {
			t.Fatal("curl not found and RRSTAT_REQUIRE_TOOLS=1")
		}
		t.Skip("curl not found")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found to build rrstat")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "rrstat")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/rrstat")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "store.duckdb")
	tokens := map[string]string{}
	for _, role := range []string{"analyst", "donor"} {
		out, err := exec.Command(bin, "token", "create", "--tokens", db+".tokens.json", "--role", role, "--name", role+"-1").Output()
		if err != nil {
			t.Fatalf("token create: %v", err)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		tokens[role] = lines[len(lines)-1]
	}

	srv := exec.Command(bin, "serve", "--db", db, "--addr", "127.0.0.1:0")
	var stderr serveBuffer
	srv.Stderr = &stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = srv.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			srv.Process.Kill()
			<-exited
		}
	}()
	addr := serveWaitAddr(t, &stderr, exited)
	base := "http://" + addr

	zipPath := filepath.Join(dir, "export-UZ.zip")
	os.WriteFile(zipPath, serveZipSample(t, "UZ"), 0o600)
	// curlDo runs curl and returns the status code and body.
	curlDo := func(args ...string) (int, []byte) {
		t.Helper()
		bodyFile := filepath.Join(dir, fmt.Sprintf("body-%d", time.Now().UnixNano()))
		out, err := exec.Command(curl, append([]string{"-sS", "-o", bodyFile, "-w", "%{http_code}"}, args...)...).Output()
		if err != nil {
			t.Fatalf("curl %v: %v", args, err)
		}
		var code int
		fmt.Sscan(string(out), &code)
		body, _ := os.ReadFile(bodyFile)
		return code, body
	}
	auth := func(role string) string { return "Authorization: Bearer " + tokens[role] }

	if code, _ := curlDo(base + "/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	code, body := curlDo("-H", auth("analyst"), "-H", "Content-Type: application/zip", "--data-binary", "@"+zipPath, base+"/api/exports?encoding=utf-8")
	if code != 200 || !bytes.Contains(body, []byte(`"status": "loaded"`)) {
		t.Fatalf("upload: %d %s", code, body)
	}
	if code, _ := curlDo("-H", auth("donor"), "--data-binary", "@"+zipPath, base+"/api/exports"); code != 403 {
		t.Errorf("donor upload: %d", code)
	}
	code, body = curlDo("-H", auth("donor"), "-H", "Content-Type: application/json",
		"-d", `{"period": "2025Q3", "audience": "donor", "countries": ["UZ"], "k": 5}`, base+"/api/reports")
	if code != 201 {
		t.Fatalf("report: %d %s", code, body)
	}
	var rep struct {
		ID    string   `json:"id"`
		Files []string `json:"files"`
	}
	if err := json.Unmarshal(body, &rep); err != nil || len(rep.Files) != 5 {
		t.Fatalf("report answer %s: %v", body, err)
	}
	headers := filepath.Join(dir, "headers")
	code, body = curlDo("-D", headers, "-H", auth("donor"), base+"/api/reports/"+rep.ID+"/report.xlsx")
	if code != 200 {
		t.Fatalf("download: %d %s", code, body)
	}
	onDisk, err := os.ReadFile(filepath.Join(db+".reports", rep.ID, "report.xlsx"))
	if err != nil || !bytes.Equal(body, onDisk) {
		t.Errorf("the downloaded workbook differs from the report's (%v)", err)
	}
	h, _ := os.ReadFile(headers)
	if !bytes.Contains(h, []byte(`Content-Disposition: attachment; filename="2025Q3-donor-`)) || !bytes.Contains(h, []byte("X-Content-Type-Options: nosniff")) {
		t.Errorf("download headers:\n%s", h)
	}
	if code, _ := curlDo("-H", "Authorization: Bearer rrs_nope", base+"/api/reports"); code != 401 {
		t.Errorf("unknown token: %d", code)
	}

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("rrstat serve did not stop on SIGTERM:\n%s", stderr.String())
	}
	if waitErr != nil {
		t.Fatalf("rrstat serve exited with %v:\n%s", waitErr, stderr.String())
	}
	if !strings.Contains(stderr.String(), "the store is closed") {
		t.Errorf("no clean stop in:\n%s", stderr.String())
	}
	serveCheckStore(t, db, 1)
	audit, err := os.ReadFile(db + ".audit.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"action":"upload_export","outcome":"ok"`, `"action":"create_report","outcome":"ok"`, `"outcome":"denied","status":403`} {
		if !bytes.Contains(audit, []byte(want)) {
			t.Errorf("audit log lacks %s:\n%s", want, audit)
		}
	}
	for _, tok := range tokens {
		if bytes.Contains(audit, []byte(tok)) || strings.Contains(stderr.String(), tok) {
			t.Error("a token is in the audit log or the service log")
		}
	}
}
