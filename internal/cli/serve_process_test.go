package cli

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"context"

	"rrstat/internal/hostile"
	"rrstat/internal/synth"
)

// The tests of this file run rrstat serve as its own process (the binary,
// built once per test) beside the command line, kill it, and read its
// memory from /proc.

// buildRRStat builds bin/rrstat into a temporary folder.
func buildRRStat(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found to build rrstat")
	}
	bin := filepath.Join(t.TempDir(), "rrstat")
	build := exec.Command(goBin, "build", "-o", bin, "./cmd/rrstat")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProc is a running rrstat serve.
type serveProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *serveBuffer
	exited chan struct{}
	base   string
	db     string
}

var reListeningAny = regexp.MustCompile(`listening on (https?)://(127\.0\.0\.1:\d+)/`)

// startServe runs bin serve --db db on a free loopback port.
func startServe(t *testing.T, bin, db string, args ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, args...)...)
	p := &serveProc{t: t, cmd: cmd, stderr: &serveBuffer{}, exited: make(chan struct{}), db: db}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.kill)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := reListeningAny.FindStringSubmatch(p.stderr.String()); m != nil {
			p.base = m[1] + "://" + m[2]
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("rrstat serve exited:\n%s", p.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("rrstat serve did not start:\n%s", p.stderr.String())
		}
	}
}

// kill ends the service with SIGKILL (nothing of it runs after).
func (p *serveProc) kill() {
	select {
	case <-p.exited:
	default:
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.exited
	}
}

// peakRSS is the service's peak resident memory (VmHWM), in bytes.
func (p *serveProc) peakRSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	p.t.Fatal("no VmHWM")
	return 0
}

// do sends a request and returns the status and body.
func (p *serveProc) do(client *http.Client, method, path, token string, body []byte) (int, []byte) {
	p.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, p.base+path, r)
	if err != nil {
		p.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	res, err := client.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// newToken creates a token with the binary.
func newToken(t *testing.T, bin, db, role, name string) string {
	t.Helper()
	out, err := exec.Command(bin, "token", "create", "--db", db, "--role", role, "--name", name).Output()
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// runBin runs the binary and returns its exit code, stdout and stderr.
func runBin(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// auditHas waits until the audit log holds a line with every one of parts.
func auditHas(t *testing.T, path string, timeout time.Duration, parts ...string) bool {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(path)
		for _, l := range strings.Split(string(b), "\n") {
			all := l != ""
			for _, p := range parts {
				all = all && strings.Contains(l, p)
			}
			if all {
				return true
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

var bigCache struct {
	once sync.Once
	zip  []byte
	err  error
}

// bigExport is a zip of a synthetic export of 100,000 persons of KZ, whose
// load takes seconds; made once per test run.
func bigExport(t *testing.T) []byte {
	t.Helper()
	bigCache.once.Do(func() { bigCache.zip, bigCache.err = makeBigExport() })
	if bigCache.err != nil {
		t.Fatal(bigCache.err)
	}
	return bigCache.zip
}

func makeBigExport() ([]byte, error) {
	dir, err := os.MkdirTemp("", "rrstat-big-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if _, err := synth.Generate(dir, synth.Options{Seed: 3, Persons: 100000, Countries: []string{"KZ"}}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	src := filepath.Join(dir, "export-KZ")
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".csv") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return nil, err
		}
		w, _ := zw.Create(e.Name())
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// TestServeBesideCommandLine runs the service and the command line's read
// commands on one store at once; while the service loads, the command line
// waits for it, says so once, and then succeeds.
func TestServeBesideCommandLine(t *testing.T) {
	bin := buildRRStat(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "store.duckdb")
	analyst := newToken(t, bin, db, "analyst", "a")
	bigZip := bigExport(t)
	srv := startServe(t, bin, db)
	if code, body := srv.do(nil, "POST", "/api/exports?name=UZ.zip", analyst, serveZipSample(t, "UZ")); code != 200 {
		t.Fatalf("upload: %d %s", code, body)
	}

	// Idle, the service holds nothing: the command line reads at once,
	// while the service makes a report of its own.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if code, body := srv.do(nil, "POST", "/api/reports", analyst, []byte(`{"period": "2025Q3", "audience": "analyst"}`)); code != 201 {
			t.Errorf("report by the service: %d %s", code, body)
		}
	}()
	code, out, errOut := runBin(t, bin, "snapshots", "--db", db, "--json")
	if code != 0 || !strings.Contains(out, `"country": "UZ"`) || strings.Contains(errOut, "waiting") {
		t.Errorf("snapshots beside the service: %d %s %s", code, out, errOut)
	}
	code, _, errOut = runBin(t, bin, "report", "--db", db, "--period", "2025Q3", "--out", filepath.Join(dir, "out"))
	if code != 0 {
		t.Errorf("report beside the service: %d %s", code, errOut)
	}
	wg.Wait()

	// While the service loads, the command line waits for it.
	loaded := make(chan int, 1)
	go func() {
		code, body := srv.do(nil, "POST", "/api/exports?name=KZ.zip", analyst, bigZip)
		if code != 200 {
			t.Errorf("big upload: %d %.300s", code, body)
		}
		loaded <- code
	}()
	if !auditHas(t, db+".audit.jsonl", time.Minute, `"action":"upload_export"`, `"outcome":"started"`, `"bytes":`+strconv.Itoa(len(bigZip))) {
		t.Fatal("the big upload never started loading")
	}
	time.Sleep(300 * time.Millisecond) // the load takes seconds; it holds the store now
	// A load of the command line waits as well.
	wg.Add(1)
	go func() {
		defer wg.Done()
		code, _, errOut := runBin(t, bin, "load", "--db", db, filepath.Join("..", "..", "testdata", "sample", "export-TM"))
		if code != 0 || strings.Count(errOut, "rrstat load: waiting for the store") != 1 {
			t.Errorf("load during the service's load: %d %s", code, errOut)
		}
	}()
	code, out, errOut = runBin(t, bin, "snapshots", "--db", db)
	select {
	case <-loaded:
	default:
		t.Error("snapshots finished before the load")
	}
	wantWait := fmt.Sprintf("rrstat snapshots: waiting for the store %s, in use by rrstat (PID %d)", db, srv.cmd.Process.Pid)
	if code != 0 || !strings.Contains(out, "KZ") || strings.Count(errOut, "waiting") != 1 || !strings.Contains(errOut, wantWait) {
		t.Errorf("snapshots during a load: %d\nstdout %s\nstderr %s\nwant %q", code, out, errOut, wantWait)
	}
	wg.Wait()
	if code, out, _ := runBin(t, bin, "snapshots", "--db", db); code != 0 || !strings.Contains(out, "TM") {
		t.Errorf("after both loads: %d %s", code, out)
	}
}

// TestServeKilled kills the service with SIGKILL while it makes a report
// and while it loads, then starts it again: every change under way is in
// the audit log, nothing half-made is left, and the store works.
func TestServeKilled(t *testing.T) {
	bin := buildRRStat(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "store.duckdb")
	audit := db + ".audit.jsonl"
	analyst := newToken(t, bin, db, "analyst", "a")
	srv := startServe(t, bin, db)
	if code, body := srv.do(nil, "POST", "/api/exports", analyst, serveZipSample(t, "UZ")); code != 200 {
		t.Fatalf("upload: %d %s", code, body)
	}
	go func() {
		req, _ := http.NewRequest("POST", srv.base+"/api/reports", strings.NewReader(`{"period": "2025", "audience": "analyst"}`))
		req.Header.Set("Authorization", "Bearer "+analyst)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	if !auditHas(t, audit, time.Minute, `"action":"create_report"`, `"outcome":"started"`) {
		t.Fatal("the report never started")
	}
	srv.kill()
	// What a kill in the middle of writing leaves, should this one have
	// come too early or too late.
	reports := db + ".reports"
	os.MkdirAll(filepath.Join(reports, ".aaaaaaaaaaaaaaaaaaaaaaaa.partial-42"), 0o700)
	os.WriteFile(filepath.Join(reports, ".aaaaaaaaaaaaaaaaaaaaaaaa.partial-42", "report.xlsx"), []byte("half"), 0o600)

	srv = startServe(t, bin, db)
	bigZip := bigExport(t)
	go func() {
		req, _ := http.NewRequest("POST", srv.base+"/api/exports", bytes.NewReader(bigZip))
		req.Header.Set("Authorization", "Bearer "+analyst)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	if !auditHas(t, audit, time.Minute, `"action":"upload_export"`, `"outcome":"started"`, `"bytes":`+strconv.Itoa(len(bigZip))) {
		t.Fatal("the big upload never started loading")
	}
	time.Sleep(500 * time.Millisecond)
	srv.kill()
	if st, err := os.Stat(db + ".wal"); err == nil && st.Mode().Perm() != 0o600 {
		t.Errorf("the WAL of the killed load: mode %v, want 0600", st.Mode().Perm())
	} else if err == nil {
		t.Log("the killed load left a WAL, mode 0600")
	}
	uploads := db + ".uploads"
	if entries, _ := os.ReadDir(uploads); len(entries) < 2 {
		t.Logf("the killed load left %d entries in the working folder", len(entries))
	}

	srv = startServe(t, bin, db)
	entries, _ := os.ReadDir(reports)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("the report folder still holds %s", e.Name())
		}
	}
	entries, _ = os.ReadDir(uploads)
	for _, e := range entries {
		if e.Name() != "tmp" {
			t.Errorf("the working folder still holds %s", e.Name())
		}
	}
	if code, body := srv.do(nil, "GET", "/api/snapshots", analyst, nil); code != 200 || !strings.Contains(string(body), `"country": "UZ"`) {
		t.Errorf("snapshots after the kills: %d %s", code, body)
	}
	if code, body := srv.do(nil, "POST", "/api/reports", analyst, []byte(`{"period": "2025Q3", "audience": "donor"}`)); code != 201 {
		t.Errorf("report after the kills: %d %s", code, body)
	}
	for _, mode := range []struct {
		path string
		want os.FileMode
	}{{db, 0o600}, {reports, 0o700}, {uploads, 0o700}, {audit, 0o600}, {db + ".tokens.json", 0o600}} {
		if st, err := os.Stat(mode.path); err != nil || st.Mode().Perm() != mode.want {
			t.Errorf("%s: %v %v, want %v", filepath.Base(mode.path), st.Mode().Perm(), err, mode.want)
		}
	}
}

// TestServeMemoryUnderBombs sends a running service (default limits and
// memory) uploads that are small on the wire and huge once unpacked or
// read, and reads its peak memory from /proc: each is refused with 413 and
// the service stays under its 1 GiB.
func TestServeMemoryUnderBombs(t *testing.T) {
	bin := buildRRStat(t)
	db := filepath.Join(t.TempDir(), "store.duckdb")
	analyst := newToken(t, bin, db, "analyst", "a")
	srv := startServe(t, bin, db)
	bombs := []struct {
		name string
		make func() ([]byte, error)
	}{
		{"zip of 2 GiB of zeros", func() ([]byte, error) { return hostile.Zeros(2 << 30) }},
		{"workbook of 12,000,000 shared strings (200 MB)", func() ([]byte, error) { return hostile.SharedStrings(12_000_000) }},
		{"workbook of 10,000,000 nested elements", func() ([]byte, error) { return hostile.Nested(10_000_000) }},
		{"Parquet of 5,000,001 rows", func() ([]byte, error) { return hostile.ParquetRows(5_000_001) }},
		{"CSV of 5,000,000 rows, every one rejected", func() ([]byte, error) { return hostile.BadRows(5_000_000) }},
	}
	for _, b := range bombs {
		body, err := b.make()
		if err != nil {
			t.Fatal(err)
		}
		code, answer := srv.do(nil, "POST", "/api/exports", analyst, body)
		if strings.Contains(b.name, "rejected") {
			if code != http.StatusUnprocessableEntity || !bytes.Contains(answer, []byte("more than 250000 rows of the export are rejected")) || len(answer) > 64<<20 {
				t.Errorf("%s: %d, %d bytes: %.300s", b.name, code, len(answer), answer)
			}
		} else if code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: %d %.300s", b.name, code, answer)
		}
		t.Logf("%s (%d KB): %d, peak RSS so far %d MB", b.name, len(body)>>10, code, srv.peakRSS()>>20)
	}
	if peak := srv.peakRSS(); peak >= 1<<30 {
		t.Errorf("peak RSS %d MB, more than 1 GiB", peak>>20)
	}
	if code, _ := srv.do(nil, "GET", "/healthz", "", nil); code != 200 {
		t.Errorf("healthz after the bombs: %d", code)
	}
}

// TestTokenCreatesAtOnce runs eight rrstat token create at once on one
// token file: all eight tokens are kept.
func TestTokenCreatesAtOnce(t *testing.T) {
	bin := buildRRStat(t)
	path := filepath.Join(t.TempDir(), "tokens.json")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, _, errOut := runBin(t, bin, "token", "create", "--tokens", path, "--role", "donor", "--name", fmt.Sprintf("donor-%d", i)); code != 0 {
				t.Errorf("create %d: %s", i, errOut)
			}
		}()
	}
	wg.Wait()
	code, out, _ := runBin(t, bin, "token", "list", "--tokens", path, "--json")
	var list struct {
		Tokens []struct{ Name string } `json:"tokens"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Tokens) != 8 {
		t.Errorf("after 8 creates at once: %d %s", code, out)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("the folder holds %d entries", len(entries))
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool that trusts it.
func selfSigned(t *testing.T) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "rrstat test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certPath, keyPath, pool
}

// TestServeTLS serves HTTPS with --tls-cert and --tls-key: HTTP/2, and
// the API answers through it.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "store.duckdb")
	code, tok, errOut := serveRun(t, "token", "create", "--db", db, "--role", "donor", "--name", "d")
	if code != ExitOK {
		t.Fatal(errOut)
	}
	tok = strings.TrimSpace(tok)
	certPath, keyPath, pool := selfSigned(t)
	if code, _, errOut := serveRun(t, "serve", "--db", db, "--tls-cert", certPath); code != ExitUsage || !strings.Contains(errOut, "go together") {
		t.Errorf("--tls-cert alone: %d %s", code, errOut)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr serveBuffer
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		Run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--tls-cert", certPath, "--tls-key", keyPath}, strings.NewReader(""), io.Discard, &stderr)
	}()
	var base string
	deadline := time.Now().Add(30 * time.Second)
	for base == "" {
		if m := reListeningAny.FindStringSubmatch(stderr.String()); m != nil {
			if m[1] != "https" {
				t.Fatalf("listening on %s", m[0])
			}
			base = "https://" + m[2]
		} else if time.Now().After(deadline) {
			t.Fatalf("no start:\n%s", stderr.String())
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	for _, c := range []struct {
		path, token string
		want        int
	}{{"/healthz", "", 200}, {"/api/whoami", tok, 200}, {"/api/reports", "", 401}} {
		req, _ := http.NewRequest("GET", base+c.path, nil)
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != c.want || res.Proto != "HTTP/2.0" {
			t.Errorf("%s: %d %s, want %d over HTTP/2.0", c.path, res.StatusCode, res.Proto, c.want)
		}
	}
	// Plain HTTP to the TLS port gets no service.
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "https://"))
	if err == nil {
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		if strings.Contains(line, "200") {
			t.Errorf("plain HTTP answered: %q", line)
		}
		c.Close()
	}
	cancel()
	<-exited
}
