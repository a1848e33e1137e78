// Package httpapi is the HTTP service of http.md: analysts upload exports
// and make reports, donors fetch donor reports and nothing else. Every
// /api/ request carries a bearer token (see Tokens); every request that
// changes something, fetches a report file, or is refused is written to the
// audit log (see Audit); errors reach the client as {"error": "…"} with a
// plain message and never with SQL, paths or stack traces, which go to the
// service's own log.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/indicator"
	"rrstat/internal/layout"
	"rrstat/internal/release"
	"rrstat/internal/report"
)

// Limits bound what one request may make the service do (http.md).
type Limits struct {
	MaxBodyBytes     int64 // request body of an upload
	MaxUnpackedBytes int64 // what an uploaded zip or xlsx may unpack to
	MaxEntries       int   // entries of an uploaded zip or xlsx
	MaxPartBytes     int64 // any one entry of it
	MaxRows          int64 // data rows of an upload, all tables together
	// MaxSheetBytes bounds what the cells of an uploaded workbook may take
	// in memory once read (see source.Limits).
	MaxSheetBytes int64
	// MaxRejects bounds the rejected (and merged) rows of an upload the
	// service holds and lists; an upload with more fails (422) as soon as
	// they are counted, listing a sample.
	MaxRejects int64
	// ReportsPerMinute is how many reports one token may make in any
	// minute (429 with Retry-After beyond).
	ReportsPerMinute int
}

// DefaultLimits are the limits of http.md: a body of 100 MiB that unpacks
// to at most 1 GiB and 10,000 entries, 256 MiB a part, 5,000,000 rows;
// the cells of a workbook may take 256 MiB in memory; 250,000 rejected rows
// are listed (5 % of 5,000,000, the most a load that succeeds can have at
// the default --max-reject); 20 reports a minute.
var DefaultLimits = Limits{MaxBodyBytes: 100 << 20, MaxUnpackedBytes: 1 << 30, MaxEntries: 10000,
	MaxPartBytes: 256 << 20, MaxRows: 5_000_000, MaxSheetBytes: 256 << 20, MaxRejects: 250_000, ReportsPerMinute: 20}

// withDefaults fills the limits left zero.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxBodyBytes != 0 {
		d.MaxBodyBytes = l.MaxBodyBytes
	}
	if l.MaxUnpackedBytes != 0 {
		d.MaxUnpackedBytes = l.MaxUnpackedBytes
	}
	if l.MaxEntries != 0 {
		d.MaxEntries = l.MaxEntries
	}
	if l.MaxPartBytes != 0 {
		d.MaxPartBytes = l.MaxPartBytes
	}
	if l.MaxRows != 0 {
		d.MaxRows = l.MaxRows
	}
	if l.MaxSheetBytes != 0 {
		d.MaxSheetBytes = l.MaxSheetBytes
	}
	if l.MaxRejects != 0 {
		d.MaxRejects = l.MaxRejects
	}
	if l.ReportsPerMinute != 0 {
		d.ReportsPerMinute = l.ReportsPerMinute
	}
	return d
}

// Timeouts bound how long a client may take (http.md: a client that is
// slow to send its request is cut off, with or without a token).
type Timeouts struct {
	Header time.Duration // the request line and headers (default 10 s)
	Body   time.Duration // a request body other than an upload, in all (default 1 min)
	Upload time.Duration // an upload's body, in all (default 30 min)
	// Stall is the longest wait for the next bytes of a body (default 30 s).
	Stall time.Duration
	Write time.Duration // sending an answer (default 10 min)
	Idle  time.Duration // a kept-alive connection waiting for its next request (default 2 min)
}

// DefaultTimeouts are the timeouts of the service.
var DefaultTimeouts = Timeouts{Header: 10 * time.Second, Body: time.Minute, Upload: 30 * time.Minute,
	Stall: 30 * time.Second, Write: 10 * time.Minute, Idle: 2 * time.Minute}

func (t Timeouts) withDefaults() Timeouts {
	d := DefaultTimeouts
	for _, p := range []struct{ v, d *time.Duration }{{&t.Header, &d.Header}, {&t.Body, &d.Body},
		{&t.Upload, &d.Upload}, {&t.Stall, &d.Stall}, {&t.Write, &d.Write}, {&t.Idle, &d.Idle}} {
		if *p.v > 0 {
			*p.d = *p.v
		}
	}
	return d
}

// DefaultMinK is the least disclosure threshold of a donor report made
// through the service (disclosure.md's default k).
const DefaultMinK = 5

// maxJSONBody bounds the body of POST /api/reports.
const maxJSONBody = 64 << 10

// Config is what the service runs with. Store, Catalogue, Layout, Tokens,
// UploadDir and ReportsDir are required.
type Config struct {
	// Store is the store, opened only while a request needs it. Its
	// Options should hold Lockdown with AllowedDirs []string{UploadDir}
	// (SQL then reads no file but the uploads) and the memory limit.
	Store     *duckdb.Access
	Catalogue indicator.Catalogue
	Layout    *layout.Layout
	Tokens    *Tokens
	Audit     *Audit       // nil: no audit log (tests only)
	Log       *slog.Logger // nil: discard
	// UploadDir is the service's private working folder: uploads are
	// written to and unpacked in one subfolder per request, removed when
	// it ends. Everything in it is removed when the service starts.
	UploadDir string
	// ReportsDir holds one folder per report, named by its id.
	ReportsDir string
	Limits     Limits
	Timeouts   Timeouts
	Guard      Guard
	// KeepFor is how long a report is kept; older ones are removed, at
	// start and every ExpireEvery (default 1 hour). Zero keeps them.
	KeepFor     time.Duration
	ExpireEvery time.Duration
	// MaxRejectPct is the load's --max-reject; nil means the default 5.
	MaxRejectPct *float64
	// MinK is the least k of a donor report (default DefaultMinK): a donor
	// report is visible to donors, so no one may make one with less.
	MinK int
	// MaxParallelReports bounds the reports made at once (default: the
	// number of CPUs, at least 2); more wait their turn.
	MaxParallelReports int
	// MaxParallelUploads bounds the uploads unpacked and loaded at once
	// (default 2); the loads themselves run one at a time.
	MaxParallelUploads int
	Version            string
	Now                func() time.Time // nil: time.Now
}

// Server is the HTTP service. It is an http.Handler; HTTPServer gives the
// http.Server to run it with.
type Server struct {
	cfg       Config
	mux       *http.ServeMux
	reports   *reportIndex
	reportSem chan struct{}
	uploadSem chan struct{}
	guard     *guard
	quota     *quota
	stop      chan struct{}
	bg        sync.WaitGroup
	closeOnce sync.Once
}

// New checks the configuration, prepares the working and report folders
// (removing what an earlier run that was killed left there: uploads,
// temporary files, unfinished reports) and returns the service. Close
// stops its background work.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Catalogue == nil || cfg.Layout == nil || cfg.Tokens == nil {
		return nil, errors.New("httpapi: store, catalogue, layout and tokens are required")
	}
	if cfg.UploadDir == "" || cfg.ReportsDir == "" {
		return nil, errors.New("httpapi: upload and report folders are required")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Limits = cfg.Limits.withDefaults()
	cfg.Timeouts = cfg.Timeouts.withDefaults()
	if cfg.Limits.MaxBodyBytes < 0 || cfg.Limits.MaxUnpackedBytes < 0 || cfg.Limits.MaxEntries < 0 ||
		cfg.Limits.MaxPartBytes < 0 || cfg.Limits.MaxRows < 0 || cfg.Limits.MaxSheetBytes < 0 || cfg.Limits.MaxRejects < 0 || cfg.Limits.ReportsPerMinute < 0 {
		return nil, errors.New("httpapi: every limit must be positive")
	}
	if cfg.MinK == 0 {
		cfg.MinK = DefaultMinK
	}
	if cfg.MinK < 1 {
		return nil, errors.New("httpapi: the least k must be at least 1")
	}
	if cfg.MaxParallelReports <= 0 {
		cfg.MaxParallelReports = max(2, runtime.NumCPU())
	}
	if cfg.MaxParallelUploads <= 0 {
		cfg.MaxParallelUploads = 2
	}
	if cfg.ExpireEvery <= 0 {
		cfg.ExpireEvery = time.Hour
	}
	var err error
	if cfg.UploadDir, err = filepath.Abs(cfg.UploadDir); err != nil {
		return nil, err
	}
	if cfg.ReportsDir, err = filepath.Abs(cfg.ReportsDir); err != nil {
		return nil, err
	}
	for _, d := range []string{cfg.UploadDir, cfg.ReportsDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("service folder: %w", err)
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return nil, fmt.Errorf("service folder: %w", err)
		}
	}
	cleanWorkDir(cfg.UploadDir, cfg.Log)
	cleanReportsDir(cfg.ReportsDir, cfg.Log)
	idx, err := openReportIndex(cfg.ReportsDir, cfg.Log)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, mux: http.NewServeMux(), reports: idx,
		reportSem: make(chan struct{}, cfg.MaxParallelReports),
		uploadSem: make(chan struct{}, cfg.MaxParallelUploads),
		guard:     newGuard(cfg.Guard, cfg.Now),
		quota:     newQuota(cfg.Limits.ReportsPerMinute, time.Minute, cfg.Now),
		stop:      make(chan struct{}),
	}
	s.routes()
	s.background()
	return s, nil
}

// HTTPServer returns an http.Server that runs the service with its
// timeouts. Its ReadTimeout is a backstop; each request's body is timed
// by the service itself (Timeouts.Body, Upload and Stall).
func (s *Server) HTTPServer() *http.Server {
	t := s.cfg.Timeouts
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: t.Header,
		ReadTimeout:       t.Header + t.Body,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(&serverErrors{log: s.cfg.Log, now: s.cfg.Now, burst: s.guard.LogBurst, every: s.guard.LogEvery}, "", 0),
	}
}

// serverErrors takes the http.Server's own messages (TLS handshakes that
// fail, connections that break) into the service log: a burst of them per
// LogEvery line by line, the rest counted, so that a flood of bad
// connections does not flood the log.
type serverErrors struct {
	log   *slog.Logger
	now   func() time.Time
	burst int
	every time.Duration
	mu    sync.Mutex
	start time.Time
	n     int
}

func (e *serverErrors) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if now.Sub(e.start) >= e.every {
		if e.n > e.burst {
			e.log.Warn("more connection errors, counted", "count", e.n-e.burst, "since", e.start.UTC().Format(time.RFC3339))
		}
		e.start, e.n = now, 0
	}
	e.n++
	if e.n <= e.burst {
		e.log.Warn("connection error", "msg", strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// Close stops the background work (removal of old reports, flood
// summaries, writing the last one) and closes the report folder handle.
// The store, the token file and the audit log belong to the caller.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.bg.Wait()
		s.flushFloods()
	})
	return s.reports.close()
}

// background removes old reports and writes flood summaries until Close.
func (s *Server) background() {
	if s.cfg.KeepFor > 0 {
		s.expireReports()
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		expire := time.NewTicker(s.cfg.ExpireEvery)
		defer expire.Stop()
		flood := time.NewTicker(s.guard.LogEvery)
		defer flood.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-expire.C:
				if s.cfg.KeepFor > 0 {
					s.expireReports()
				}
			case <-flood.C:
				s.flushFloods()
			}
		}
	}()
}

// flushFloods writes one line to the service log and one entry to the
// audit log for each address and status whose refused requests were
// counted rather than logged.
func (s *Server) flushFloods() {
	for _, f := range s.guard.flush() {
		s.cfg.Log.Warn("refused requests without a valid token, counted", "remote", f.addr, "status", f.status,
			"count", f.n, "since", f.since.UTC().Format(time.RFC3339))
		if s.cfg.Audit != nil {
			since := f.since.UTC()
			e := AuditEntry{Time: s.cfg.Now().UTC(), Action: "refused_requests", Outcome: outcome(f.status),
				Status: f.status, Remote: f.addr, Reason: "flood", Count: f.n, Since: &since}
			if err := s.cfg.Audit.Write(e); err != nil {
				s.cfg.Log.Error("audit log write failed", "err", err)
			}
		}
	}
}

// access says who may call an endpoint.
type access int

const (
	public       access = iota // no token
	analystOnly                // analyst
	analystDonor               // analyst or donor (the handler may refuse more)
)

// The route patterns; the audit log names the action.
func (s *Server) routes() {
	s.handle("GET /healthz", "health", public, s.handleHealth)
	s.handle("GET /{$}", "page", public, s.handlePage)
	s.handle("GET /app.js", "page", public, s.handleAsset)
	s.handle("GET /app.css", "page", public, s.handleAsset)
	s.handle("GET /favicon.ico", "page", public, func(w http.ResponseWriter, r *http.Request, st *reqState) {
		w.WriteHeader(http.StatusNoContent)
	})
	s.handle("GET /api/whoami", "whoami", analystDonor, s.handleWhoami)
	s.handle("POST /api/exports", "upload_export", analystOnly, s.handleExport)
	s.handle("GET /api/snapshots", "list_snapshots", analystOnly, s.handleSnapshots)
	s.handle("GET /api/indicators", "list_indicators", analystDonor, s.handleIndicators)
	s.handle("GET /api/releases", "list_releases", analystOnly, s.handleReleases)
	s.handle("GET /api/audit", "audit", analystOnly, s.handleAudit)
	s.handle("POST /api/reports", "create_report", analystDonor, s.handleCreateReport)
	s.handle("GET /api/reports", "list_reports", analystDonor, s.handleListReports)
	s.handle("DELETE /api/reports/{id}", "delete_report", analystOnly, s.handleDeleteReport)
	s.handle("GET /api/reports/{id}/{file}", "download_report_file", analystDonor, s.handleReportFile)
	// Anything else under /api/ still needs a token, so that the answer
	// (404 or 405) tells an unauthenticated client nothing.
	s.handle("/api/", "unknown", analystDonor, s.handleAPINotFound)
	s.handle("/", "unknown", public, func(w http.ResponseWriter, r *http.Request, st *reqState) {
		writeError(w, http.StatusNotFound, "not found")
	})
}

// reqState is what one request's handlers and the audit log share.
type reqState struct {
	raw   http.ResponseWriter // the server's writer (for http.MaxBytesReader)
	rc    *http.ResponseController
	body  *bodyTimer // nil for a request without a body
	h1    bool       // HTTP/1.x: a connection carries one request at a time
	id    Identity
	entry AuditEntry
	// audit is set by handlers whose requests are always audited (changes
	// and downloads); refused requests are audited regardless.
	audit bool
	// counted: a refused request of a flood, counted by the guard rather
	// than logged on its own.
	counted bool
	// audited: the entry was written (before the answer was sent).
	audited bool
	// err is an internal error: logged, never sent.
	err error
}

type stateKey struct{}

func (s *Server) handle(pattern, action string, acc access, h func(http.ResponseWriter, *http.Request, *reqState)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		st := r.Context().Value(stateKey{}).(*reqState)
		st.entry.Action = action
		if acc != public && !s.authenticate(w, r, st) {
			return
		}
		if acc == analystOnly && st.id.Role != RoleAnalyst {
			st.entry.Reason = "role"
			writeError(w, http.StatusForbidden, "this token's role may not do this")
			return
		}
		h(w, r, st)
	})
}

// authenticate finds the request's identity, or answers 401 at once,
// without waiting for a body. An address that keeps sending bad tokens is
// slowed, then answered 429 (see Guard); a valid token is never refused.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, st *reqState) bool {
	token, ok := bearer(r)
	found := false
	if ok {
		var id Identity
		var err error
		id, found, err = s.cfg.Tokens.Lookup(token)
		if err != nil {
			s.cfg.Log.Error("token file unreadable: accepting no token", "err", err)
		}
		if found {
			st.id = id
			st.entry.TokenName, st.entry.Role = id.Name, id.Role
			return true
		}
	}
	st.entry.Reason = "unknown_token"
	if !ok {
		st.entry.Reason = "no_token"
	}
	delay, retry := s.guard.fail(st.entry.Remote)
	if retry > 0 {
		st.entry.Reason = "too_many_bad_tokens"
		w.Header().Set("Retry-After", strconv.Itoa(int(retry/time.Second)))
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("too many requests without a valid token from this address; try again in %d seconds", int(retry/time.Second)))
		return false
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rrstat"`)
		writeError(w, http.StatusUnauthorized, "a token is required: send Authorization: Bearer <token>")
		return false
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="rrstat", error="invalid_token"`)
	writeError(w, http.StatusUnauthorized, "unknown or revoked token")
	return false
}

// identify notes who sent a request that is refused before its route
// would authenticate it (for the audit log only).
func (s *Server) identify(r *http.Request, st *reqState) {
	if token, ok := bearer(r); ok {
		if id, found, _ := s.cfg.Tokens.Lookup(token); found {
			st.id = id
			st.entry.TokenName, st.entry.Role = id.Name, id.Role
		}
	}
}

// bearer returns the token of an Authorization: Bearer header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// handleAPINotFound answers an authenticated request for an unknown API
// path (404) or method (405).
func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request, st *reqState) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pat := s.mux.Handler(r2); pat != "" && pat != "/api/" && pat != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 && !slices.Contains(allow, r.Method) {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	writeError(w, http.StatusNotFound, "not found")
}

// Security headers of every response. The API's own policy forbids
// everything: a JSON answer or a file is never a document that runs.
const apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", apiCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
	h.Set("Cache-Control", "no-store")
}

// ServeHTTP times the request's body, sets the security headers, runs the
// route, recovers a panic as a plain 500, writes the audit log before the
// answer leaves, and the service log after.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	setSecurityHeaders(w.Header())
	st := &reqState{raw: w, rc: http.NewResponseController(w), h1: r.ProtoMajor == 1}
	st.entry.Remote = remoteIP(r)
	// A copy: the server looks at its own request's body after the
	// handler (whether it was read, closed early ...).
	r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
	if r.Body != nil && r.Body != http.NoBody {
		st.body = &bodyTimer{r: r.Body, rc: st.rc, stall: s.cfg.Timeouts.Stall}
		st.body.limit(s.cfg.Timeouts.Body)
		r.Body = st.body
	} else {
		// The server's own read deadline (ReadTimeout) would end a long
		// request: its watch for a closed connection would time out.
		st.rc.SetReadDeadline(time.Time{})
	}
	rw := &statusWriter{ResponseWriter: w, s: s, st: st}
	func() {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				buf := make([]byte, 8<<10)
				buf = buf[:runtime.Stack(buf, false)]
				st.err = fmt.Errorf("panic: %v\n%s", v, buf)
				if rw.status == 0 {
					writeError(rw, http.StatusInternalServerError, "internal error")
				}
			}
		}()
		if !isCleanPath(r.URL.Path) {
			// A path with "." or ".." segments or empty ones is refused
			// here rather than redirected to its clean form.
			st.entry.Action, st.entry.Reason = "unknown", "unclean_path"
			s.identify(r, st)
			writeError(rw, http.StatusBadRequest, "bad path")
			return
		}
		s.mux.ServeHTTP(rw, r)
	}()
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if st.body != nil && !st.body.done() {
		// The answer is sent and the connection closes after it (see
		// statusWriter.WriteHeader); the server may still read what is
		// left of a small body, for a moment only: long enough for a
		// client that sends its whole request before it reads the answer,
		// too short for one that sends a byte now and then.
		st.rc.SetReadDeadline(time.Now().Add(min(time.Second, s.cfg.Timeouts.Stall)))
	}
	if st.counted {
		return
	}
	// The service log: the route pattern, never the raw path or query.
	attrs := []any{"method", r.Method, "route", routeOf(r, st), "status", rw.status,
		"ms", time.Since(start).Milliseconds(), "token_name", st.id.Name}
	switch {
	case st.err != nil:
		s.cfg.Log.Error("request failed", append(attrs, "err", st.err)...)
	case rw.status >= 400:
		s.cfg.Log.Warn("request refused", append(attrs, "remote", st.entry.Remote)...)
	default:
		s.cfg.Log.Info("request", attrs...)
	}
}

// writeAudit writes the request's audit entry, when it is audited, before
// its answer is sent: the entry is on disk when the client learns the
// outcome.
func (s *Server) writeAudit(st *reqState, status int) {
	if st.audited {
		return
	}
	st.audited = true
	if status >= 400 && st.id.Name == "" && !s.guard.log(st.entry.Remote, status) {
		st.counted = true
		return
	}
	if s.cfg.Audit == nil || !(st.audit || status >= 400) {
		return
	}
	e := st.entry
	e.Time = s.cfg.Now().UTC()
	e.Status = status
	e.Outcome = outcome(status)
	if e.Action == "" {
		e.Action = "unknown"
	}
	if err := s.cfg.Audit.Write(e); err != nil {
		s.cfg.Log.Error("audit log write failed", "err", err)
	}
}

// auditStart records that a request which changes something starts the
// change: should the service die before answering, the log still says it
// was under way.
func (s *Server) auditStart(st *reqState) {
	if s.cfg.Audit == nil {
		return
	}
	e := st.entry
	e.Time = s.cfg.Now().UTC()
	e.Outcome = "started"
	if err := s.cfg.Audit.Write(e); err != nil {
		s.cfg.Log.Error("audit log write failed", "err", err)
	}
}

// isCleanPath reports whether p is absolute and has no empty, "." or ".."
// segment (decoded: %2e%2e is "..").
func isCleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		if seg == "." || seg == ".." || (seg == "" && i != len(segs)-1) {
			return false
		}
	}
	return true
}

func routeOf(r *http.Request, st *reqState) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return st.entry.Action
}

func outcome(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "denied"
	case status >= 500:
		return "error"
	case status >= 400:
		return "refused"
	}
	return "ok"
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.String()
	}
	return ""
}

// bodyTimer times a request body: each read must bring bytes within the
// stall timeout, and the whole body must arrive by its deadline. When the
// body is read to its end the connection's read deadline is lifted (the
// server watches an idle connection with a read, and one that times out
// while the handler works would cancel the request).
type bodyTimer struct {
	r        io.ReadCloser
	rc       *http.ResponseController
	stall    time.Duration
	deadline time.Time
	mu       sync.Mutex
	eof      bool
	timedOut bool
}

// limit sets the time the whole body may take from now.
func (b *bodyTimer) limit(d time.Duration) {
	b.mu.Lock()
	b.deadline = time.Now().Add(d)
	b.mu.Unlock()
}

func (b *bodyTimer) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.eof {
		b.mu.Unlock()
		return 0, io.EOF
	}
	d := time.Now().Add(b.stall)
	if d.After(b.deadline) {
		d = b.deadline
	}
	b.mu.Unlock()
	b.rc.SetReadDeadline(d)
	n, err := b.r.Read(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == io.EOF {
		b.eof = true
		b.rc.SetReadDeadline(time.Time{})
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		b.timedOut = true
	}
	return n, err
}

func (b *bodyTimer) Close() error { return b.r.Close() }

func (b *bodyTimer) done() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.eof
}

// late reports whether a read of the body timed out.
func (b *bodyTimer) late() bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.timedOut
}

// statusWriter remembers the status code of a response, and before the
// first byte leaves: writes the audit entry, bounds the time the answer
// may take to send, and closes the connection after the answer when the
// request's body was not read to its end (the server would otherwise
// wait for the rest of it before answering).
type statusWriter struct {
	http.ResponseWriter
	s      *Server
	st     *reqState
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if w.st.h1 && w.st.body != nil && !w.st.body.done() {
			// (HTTP/2 streams need no such thing, and there the header
			// would end every stream of the connection.)
			w.Header().Set("Connection", "close")
		}
		w.st.rc.SetWriteDeadline(time.Now().Add(w.s.cfg.Timeouts.Write))
		w.s.writeAudit(w.st, code)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error": "internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError answers {"error": msg}; msg is always a plain message made
// here, never an internal error's text.
func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// bodyError answers a request whose body could not be read: 408 when it
// came too slowly, 400 when the client broke it off.
func bodyError(w http.ResponseWriter, st *reqState, err error) {
	if st.body.late() {
		st.entry.Reason = "timeout"
		writeError(w, http.StatusRequestTimeout, "the request body did not arrive in time")
		return
	}
	st.entry.Reason = "interrupted"
	writeError(w, http.StatusBadRequest, "the request body was interrupted")
}

// internalError logs err and answers a bare 500.
func internalError(w http.ResponseWriter, st *reqState, err error) {
	st.err = err
	writeError(w, http.StatusInternalServerError, "internal error")
}

// handleHealth answers 200 when the store answers: when this service is
// writing it, or a read finds it within 5 s.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request, st *reqState) {
	if s.cfg.Store.Writing() {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "store": "writing"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	err := s.cfg.Store.Read(ctx, func(db *duckdb.Store) error { return db.DB.PingContext(ctx) })
	if err != nil {
		st.err = err
		writeError(w, http.StatusServiceUnavailable, "the store is not answering")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleWhoami tells the page whose token it holds.
func (s *Server) handleWhoami(w http.ResponseWriter, r *http.Request, st *reqState) {
	writeJSON(w, http.StatusOK, map[string]string{"name": st.id.Name, "role": string(st.id.Role)})
}

func (s *Server) handleSnapshots(w http.ResponseWriter, r *http.Request, st *reqState) {
	var snaps []report.Snapshot
	err := s.cfg.Store.Read(r.Context(), func(db *duckdb.Store) error {
		var err error
		snaps, err = db.Snapshots(r.Context())
		return err
	})
	if err != nil {
		internalError(w, st, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"snapshots": snaps})
}

// ledger reads the release ledger.
func (s *Server) ledger(ctx context.Context) ([]*release.Release, error) {
	var rels []*release.Release
	err := s.cfg.Store.Read(ctx, func(db *duckdb.Store) error {
		var err error
		rels, err = db.Releases(ctx)
		return err
	})
	return rels, err
}

// handleReleases lists the release ledger, as rrstat releases --json; the
// folders are the service's own and are left out.
func (s *Server) handleReleases(w http.ResponseWriter, r *http.Request, st *reqState) {
	rels, err := s.ledger(r.Context())
	if err != nil {
		internalError(w, st, err)
		return
	}
	list := []release.Listing{}
	for _, rel := range rels {
		l := rel.List()
		l.Folder = ""
		list = append(list, l)
	}
	writeJSON(w, http.StatusOK, map[string]any{"releases": list})
}

// handleAudit checks the ledger, as rrstat audit --json.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, st *reqState) {
	rels, err := s.ledger(r.Context())
	if err != nil {
		internalError(w, st, err)
		return
	}
	writeJSON(w, http.StatusOK, release.Audit(s.cfg.Catalogue, rels))
}

func (s *Server) handleIndicators(w http.ResponseWriter, r *http.Request, st *reqState) {
	writeJSON(w, http.StatusOK, map[string]any{"indicators": s.cfg.Catalogue.Entries()})
}

// acquire takes a slot of sem, waiting until one is free or ctx ends.
func acquire(ctx context.Context, sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}
