package httpapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/period"
	"rrstat/internal/publish"
	"rrstat/internal/report"
)

// A report id is 24 lower-case base32 characters (120 random bits). Ids
// in requests are checked against reID before anything else, and a file
// name must be one of publish.Files: no text of a request becomes a path.
var reID = regexp.MustCompile(`^[a-z0-9]{20,32}$`)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func newReportID() string {
	var b [15]byte
	rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}

// reportMeta is what the service knows of a report, read from its manifest.
type reportMeta struct {
	ID          string          `json:"id"`
	Period      string          `json:"period"`
	Audience    report.Audience `json:"audience"`
	K           int             `json:"k,omitempty"`
	Countries   []string        `json:"countries"`
	GeneratedAt time.Time       `json:"generated_at"`
	Files       []string        `json:"files"`
}

func metaOf(id string, m *publish.Manifest) *reportMeta {
	files := []string{}
	for _, f := range m.Files {
		if slices.Contains(publish.Files, f.Name) {
			files = append(files, f.Name)
		}
	}
	files = append(files, publish.FileManifest)
	k := 0
	if m.Audience == report.Donor {
		k = m.Disclosure.K
	}
	countries := m.Countries
	if countries == nil {
		countries = []string{}
	}
	return &reportMeta{ID: id, Period: m.Period.Label, Audience: m.Audience, K: k,
		Countries: countries, GeneratedAt: m.GeneratedAt, Files: files}
}

// reportIndex knows the reports of the report folder. The folder is opened
// as an os.Root: a file is opened by id and name beneath it and can never
// resolve outside it, whatever links it holds.
type reportIndex struct {
	root *os.Root
	log  *slog.Logger
	mu   sync.RWMutex
	byID map[string]*reportMeta
}

func openReportIndex(dir string, log *slog.Logger) (*reportIndex, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("report folder: %w", err)
	}
	idx := &reportIndex{root: root, log: log, byID: map[string]*reportMeta{}}
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("report folder: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || !reID.MatchString(e.Name()) {
			continue // partial folders of publish start with "."
		}
		if m, err := idx.readManifest(e.Name()); err == nil {
			idx.byID[e.Name()] = m
		} else {
			log.Warn("report folder without a readable manifest is not served", "report_id", e.Name(), "err", err)
		}
	}
	return idx, nil
}

func (x *reportIndex) close() error { return x.root.Close() }

func (x *reportIndex) readManifest(id string) (*reportMeta, error) {
	f, err := x.root.Open(id + "/" + publish.FileManifest)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m publish.Manifest
	if err := json.NewDecoder(io.LimitReader(f, 16<<20)).Decode(&m); err != nil {
		return nil, err
	}
	if _, ok := report.ParseAudience(string(m.Audience)); !ok {
		return nil, fmt.Errorf("manifest names no audience")
	}
	return metaOf(id, &m), nil
}

func (x *reportIndex) add(m *reportMeta) {
	x.mu.Lock()
	x.byID[m.ID] = m
	x.mu.Unlock()
}

func (x *reportIndex) get(id string) *reportMeta {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.byID[id]
}

// list returns the reports the role may see, newest first.
func (x *reportIndex) list(role Role) []*reportMeta {
	x.mu.RLock()
	out := []*reportMeta{}
	for _, m := range x.byID {
		if mayRead(role, m) {
			out = append(out, m)
		}
	}
	x.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].GeneratedAt.Equal(out[j].GeneratedAt) {
			return out[i].GeneratedAt.After(out[j].GeneratedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// mayRead says whether role may see report m: analysts every report,
// donors donor reports only.
func mayRead(role Role, m *reportMeta) bool {
	return role == RoleAnalyst || (role == RoleDonor && m.Audience == report.Donor)
}

// reportRequest is the body of POST /api/reports.
type reportRequest struct {
	Period    string   `json:"period"`
	Audience  string   `json:"audience"`
	Countries []string `json:"countries"`
	K         *int     `json:"k"`
}

const reportBodyHelp = `the body must be one JSON object like {"period": "2025Q3", "audience": "donor", "countries": ["UZ"], "k": 5}`

// handleCreateReport makes a report: analysts of either audience, donors
// of the donor audience only. A donor report needs k of at least MinK.
func (s *Server) handleCreateReport(w http.ResponseWriter, r *http.Request, st *reqState) {
	st.audit = true
	var req reportRequest
	bodyRead := readDeadline(w, time.Minute)
	dec := json.NewDecoder(http.MaxBytesReader(st.raw, r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	if err == nil && dec.Decode(&struct{}{}) != io.EOF {
		err = errors.New("more than one JSON value")
	}
	bodyRead()
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			st.entry.Reason = "too_large"
			writeError(w, http.StatusRequestEntityTooLarge, "the request body is too large; "+reportBodyHelp)
			return
		}
		st.entry.Reason = "bad_request"
		writeError(w, http.StatusBadRequest, reportBodyHelp)
		return
	}
	if req.Audience == "" {
		st.entry.Reason = "bad_request"
		writeError(w, http.StatusBadRequest, `"audience" is required: "analyst" or "donor"`)
		return
	}
	aud, ok := report.ParseAudience(req.Audience)
	if !ok {
		st.entry.Reason = "bad_request"
		writeError(w, http.StatusBadRequest, `"audience" must be "analyst" or "donor"`)
		return
	}
	st.entry.Audience = string(aud)
	if st.id.Role == RoleDonor && aud != report.Donor {
		st.entry.Reason = "role"
		writeError(w, http.StatusForbidden, "a donor token may make donor reports only")
		return
	}
	p, err := period.Parse(req.Period)
	if err != nil {
		st.entry.Reason = "bad_period"
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	st.entry.Period = p.Label
	k := s.cfg.MinK
	if req.K != nil {
		k = *req.K
	}
	if aud == report.Donor {
		st.entry.K = k
	}
	switch {
	case k < 1:
		st.entry.Reason = "bad_k"
		writeError(w, http.StatusBadRequest, `"k" must be at least 1`)
		return
	case aud == report.Donor && k < s.cfg.MinK:
		st.entry.Reason = "bad_k"
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`"k" of a donor report must be at least %d (the service's least k)`, s.cfg.MinK))
		return
	case k > 1000:
		st.entry.Reason = "bad_k"
		writeError(w, http.StatusBadRequest, `"k" must be at most 1000`)
		return
	}
	var countries []string
	for _, c := range req.Countries {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !reCountry.MatchString(c) {
			st.entry.Reason = "bad_country"
			writeError(w, http.StatusBadRequest, `"countries" takes two-letter country codes like "UZ"`)
			return
		}
		if !slices.Contains(countries, c) {
			countries = append(countries, c)
		}
	}
	if len(countries) > 300 {
		st.entry.Reason = "bad_country"
		writeError(w, http.StatusBadRequest, `"countries" lists too many countries`)
		return
	}
	st.entry.Countries = countries
	if !acquire(r.Context(), s.reportSem) {
		writeError(w, http.StatusServiceUnavailable, "the request was cancelled")
		return
	}
	defer func() { <-s.reportSem }()
	id := newReportID()
	st.entry.ReportID = id
	m, err := publish.Make(r.Context(), duckdb.Held{Store: s.cfg.Store}, s.cfg.Catalogue, publish.Request{
		Period: p, Audience: aud, K: k, Params: report.DefaultParams,
		Selection: duckdb.Selection{Countries: countries},
		Layout:    s.cfg.Layout, Out: filepath.Join(s.cfg.ReportsDir, id),
		Version: s.cfg.Version, Now: s.cfg.Now(),
	})
	if err != nil {
		st.entry.ReportID = ""
		s.reportError(w, r, st, err)
		return
	}
	meta := metaOf(id, m)
	s.reports.add(meta)
	w.Header().Set("Location", "/api/reports/"+id+"/"+publish.FileManifest)
	writeJSON(w, http.StatusCreated, meta)
}

// reportError maps the errors a report can meet to plain answers: the
// known kinds carry messages made by rrstat from the request and the
// store's snapshot list; anything else is an internal error.
func (s *Server) reportError(w http.ResponseWriter, r *http.Request, st *reqState, err error) {
	switch {
	case errors.Is(err, period.ErrBadPeriod):
		st.entry.Reason = "bad_period"
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, duckdb.ErrUnknownCountry):
		st.entry.Reason = "unknown_country"
		writeError(w, http.StatusNotFound, unknownCountryMessage(st.entry.Countries, err))
	case errors.Is(err, duckdb.ErrEmptyStore):
		st.entry.Reason = "empty_store"
		writeError(w, http.StatusConflict, "the store holds no snapshot to report on yet; upload an export first")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		st.entry.Reason = "cancelled"
		st.err = err
		writeError(w, http.StatusServiceUnavailable, "the request was cancelled; no report was made")
	default:
		internalError(w, st, err)
	}
}

// unknownCountryMessage names the requested country the store lacks.
func unknownCountryMessage(asked []string, err error) string {
	for _, c := range asked {
		if strings.Contains(err.Error(), " "+c+":") {
			return fmt.Sprintf("the store has no current snapshot of %s", c)
		}
	}
	return "the store has no current snapshot of a country asked for"
}

// handleListReports lists the reports the token's role may see.
func (s *Server) handleListReports(w http.ResponseWriter, r *http.Request, st *reqState) {
	writeJSON(w, http.StatusOK, map[string]any{"reports": s.reports.list(st.id.Role)})
}

// contentTypes are the types of the files a report folder holds.
var contentTypes = map[string]string{
	publish.FileIndicators: "text/csv; charset=utf-8",
	publish.FileWorkbook:   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	publish.FileDashboard:  "text/html; charset=utf-8",
	publish.FileManifest:   "application/json; charset=utf-8",
}

// dashboardCSP is the policy dashboard.html is served with. The file is
// served as an attachment, so a browser saves it rather than showing it;
// should one show it anyway, "sandbox" without allow-same-origin puts it in
// an opaque origin: its script (allowed to run so the charts draw) cannot
// read the page's sessionStorage, where the token is, nor call the API as
// the service's origin. The dashboard's own meta policy (script hashes)
// applies on top.
const dashboardCSP = "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// handleReportFile serves one file of a report, by id and a fixed name.
func (s *Server) handleReportFile(w http.ResponseWriter, r *http.Request, st *reqState) {
	st.audit = true
	id, name := r.PathValue("id"), r.PathValue("file")
	if !reID.MatchString(id) || !slices.Contains(publish.Files, name) {
		st.entry.Reason = "not_found"
		writeError(w, http.StatusNotFound, "no such report file")
		return
	}
	st.entry.ReportID, st.entry.File = id, name
	m := s.reports.get(id)
	if m == nil {
		// A report made by another process since the service started.
		if mm, err := s.reports.readManifest(id); err == nil {
			m = mm
			s.reports.add(m)
		}
	}
	if m == nil {
		st.entry.Reason = "not_found"
		writeError(w, http.StatusNotFound, "no such report file")
		return
	}
	st.entry.Audience, st.entry.Period = string(m.Audience), m.Period
	if !mayRead(st.id.Role, m) {
		st.entry.Reason = "role"
		writeError(w, http.StatusForbidden, "a donor token may fetch donor reports only")
		return
	}
	f, err := s.reports.root.Open(id + "/" + name)
	if errors.Is(err, fs.ErrNotExist) {
		st.entry.Reason = "not_found"
		writeError(w, http.StatusNotFound, "no such report file")
		return
	}
	if err != nil {
		internalError(w, st, err)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		internalError(w, st, fmt.Errorf("report %s: %s is not a regular file (%v)", id, name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentTypes[name])
	// The name is made of checked parts only ([A-Za-z0-9.-]), so it
	// needs no escaping inside the quotes.
	h.Set("Content-Disposition", `attachment; filename="`+downloadName(m, name)+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	if name == publish.FileDashboard {
		h.Set("Content-Security-Policy", dashboardCSP)
	}
	st.entry.Bytes = fi.Size()
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

// downloadName is the file name offered to the browser: the period,
// audience and report id in front of the fixed name, all of them checked
// against closed patterns.
func downloadName(m *reportMeta, name string) string {
	var b bytes.Buffer
	if _, err := period.Parse(m.Period); err == nil {
		b.WriteString(m.Period + "-")
	}
	b.WriteString(string(m.Audience) + "-" + m.ID[:8] + "-" + name)
	return b.String()
}
