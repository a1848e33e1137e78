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
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/indicator"
	"rrstat/internal/layout"
)

// Limits bound what one request may make the service do (http.md).
type Limits struct {
	MaxBodyBytes     int64 // request body of an upload
	MaxUnpackedBytes int64 // what an uploaded zip or xlsx may unpack to
	MaxEntries       int   // entries of an uploaded zip or xlsx
}

// DefaultLimits are the limits of http.md: a body of 100 MiB that unpacks
// to at most 1 GiB and 10,000 entries.
var DefaultLimits = Limits{MaxBodyBytes: 100 << 20, MaxUnpackedBytes: 1 << 30, MaxEntries: 10000}

// DefaultMinK is the least disclosure threshold of a donor report made
// through the service (disclosure.md's default k).
const DefaultMinK = 5

// maxJSONBody bounds the body of POST /api/reports.
const maxJSONBody = 64 << 10

// Config is what the service runs with. Store, Catalogue, Layout, Tokens,
// UploadDir and ReportsDir are required.
type Config struct {
	// Store should be opened with duckdb.Options{Lockdown: true,
	// AllowedDirs: []string{UploadDir}}: SQL then reads no file but the
	// uploads.
	Store     *duckdb.Store
	Catalogue indicator.Catalogue
	Layout    *layout.Layout
	Tokens    *Tokens
	Audit     *Audit       // nil: no audit log (tests only)
	Log       *slog.Logger // nil: discard
	// UploadDir is a private folder that uploads are written to and
	// unpacked in, one subfolder per request, removed when it ends.
	UploadDir string
	// ReportsDir holds one folder per report, named by its id.
	ReportsDir string
	Limits     Limits
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

// Server is the HTTP service. It is an http.Handler.
type Server struct {
	cfg       Config
	mux       *http.ServeMux
	reports   *reportIndex
	reportSem chan struct{}
	uploadSem chan struct{}
}

// New checks the configuration, prepares the upload and report folders
// (removing uploads left by an earlier run that was killed) and returns the
// service.
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
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits
	}
	if cfg.Limits.MaxBodyBytes <= 0 || cfg.Limits.MaxUnpackedBytes <= 0 || cfg.Limits.MaxEntries <= 0 {
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
	var err error
	if cfg.UploadDir, err = filepath.Abs(cfg.UploadDir); err != nil {
		return nil, err
	}
	if cfg.ReportsDir, err = filepath.Abs(cfg.ReportsDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.UploadDir, 0o700); err != nil {
		return nil, fmt.Errorf("upload folder: %w", err)
	}
	if err := os.Chmod(cfg.UploadDir, 0o700); err != nil {
		return nil, fmt.Errorf("upload folder: %w", err)
	}
	if err := os.MkdirAll(cfg.ReportsDir, 0o750); err != nil {
		return nil, fmt.Errorf("report folder: %w", err)
	}
	cleanUploads(cfg.UploadDir, cfg.Log)
	idx, err := openReportIndex(cfg.ReportsDir, cfg.Log)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, mux: http.NewServeMux(), reports: idx,
		reportSem: make(chan struct{}, cfg.MaxParallelReports),
		uploadSem: make(chan struct{}, cfg.MaxParallelUploads),
	}
	s.routes()
	return s, nil
}

// Close closes the report folder handle. The store, the token file and the
// audit log belong to the caller.
func (s *Server) Close() error { return s.reports.close() }

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
	s.handle("POST /api/exports", "upload_export", analystOnly, s.handleExport)
	s.handle("GET /api/snapshots", "list_snapshots", analystOnly, s.handleSnapshots)
	s.handle("GET /api/indicators", "list_indicators", analystDonor, s.handleIndicators)
	s.handle("POST /api/reports", "create_report", analystDonor, s.handleCreateReport)
	s.handle("GET /api/reports", "list_reports", analystDonor, s.handleListReports)
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
	id    Identity
	entry AuditEntry
	// audit is set by handlers whose requests are always audited (changes
	// and downloads); refused requests are audited regardless.
	audit bool
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

// authenticate finds the request's identity, or answers 401.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, st *reqState) bool {
	token, ok := bearer(r)
	if !ok {
		st.entry.Reason = "no_token"
		w.Header().Set("WWW-Authenticate", `Bearer realm="rrstat"`)
		writeError(w, http.StatusUnauthorized, "a token is required: send Authorization: Bearer <token>")
		return false
	}
	id, found, err := s.cfg.Tokens.Lookup(token)
	if err != nil {
		s.cfg.Log.Error("token file unreadable: accepting no token", "err", err)
	}
	if !found {
		st.entry.Reason = "unknown_token"
		w.Header().Set("WWW-Authenticate", `Bearer realm="rrstat", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "unknown or revoked token")
		return false
	}
	st.id = id
	st.entry.TokenName, st.entry.Role = id.Name, id.Role
	return true
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
	for _, m := range []string{http.MethodGet, http.MethodPost} {
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

// ServeHTTP sets the security headers, runs the route, recovers a panic as
// a plain 500, and writes the service log and the audit log.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	setSecurityHeaders(w.Header())
	rw := &statusWriter{ResponseWriter: w}
	st := &reqState{raw: w}
	st.entry.Remote = remoteIP(r)
	r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
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
		rw.status = http.StatusOK
	}
	// The service log: the route pattern, never the raw path or query.
	attrs := []any{"method", r.Method, "route", routeOf(r, st), "status", rw.status,
		"ms", time.Since(start).Milliseconds(), "token_name", st.id.Name}
	switch {
	case st.err != nil:
		s.cfg.Log.Error("request failed", append(attrs, "err", st.err)...)
	case rw.status >= 400:
		s.cfg.Log.Warn("request refused", attrs...)
	default:
		s.cfg.Log.Info("request", attrs...)
	}
	if s.cfg.Audit != nil && (st.audit || rw.status >= 400) {
		e := st.entry
		e.Time = s.cfg.Now().UTC()
		e.Status = rw.status
		e.Outcome = outcome(rw.status)
		if e.Action == "" {
			e.Action = "unknown"
		}
		if err := s.cfg.Audit.Write(e); err != nil {
			s.cfg.Log.Error("audit log write failed", "err", err)
		}
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

// statusWriter remembers the status code of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
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

// internalError logs err and answers a bare 500.
func internalError(w http.ResponseWriter, st *reqState, err error) {
	st.err = err
	writeError(w, http.StatusInternalServerError, "internal error")
}

// handleHealth answers 200 when the store answers.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request, st *reqState) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if err := s.cfg.Store.DB.PingContext(ctx); err != nil {
		st.err = err
		writeError(w, http.StatusServiceUnavailable, "the store is not answering")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleSnapshots(w http.ResponseWriter, r *http.Request, st *reqState) {
	snaps, err := s.cfg.Store.Snapshots(r.Context())
	if err != nil {
		internalError(w, st, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"snapshots": snaps})
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
