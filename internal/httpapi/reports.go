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
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/labels"
	"rrstat/internal/period"
	"rrstat/internal/publish"
	"rrstat/internal/report"
	"rrstat/reports"
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

// lookup returns the report id, also one made by another process since
// the service started.
func (x *reportIndex) lookup(id string) *reportMeta {
	if m := x.get(id); m != nil {
		return m
	}
	if m, err := x.readManifest(id); err == nil {
		x.add(m)
		return m
	}
	return nil
}

// remove takes report id out of the index and off the disk: its folder is
// first renamed to a hidden name, so that it disappears at once, whole.
func (x *reportIndex) remove(id string) error {
	x.mu.Lock()
	delete(x.byID, id)
	x.mu.Unlock()
	gone := deletingPrefix + id + "-" + newReportID()[:8]
	if err := x.root.Rename(id, gone); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return x.root.RemoveAll(gone)
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
	Period    string
	Audience  string
	Countries []string
	K         *int
	Window    int
	Lang      string
}

const reportBodyHelp = `the body must be one JSON object like {"period": "2025Q3", "audience": "donor", "countries": ["UZ"], "k": 5, "window": 8, "lang": "ru"}`

// labels returns the built-in labels of a language (English when none is
// asked for).
func (s *Server) labels(lang string) (*labels.Labels, error) {
	if lang == "" {
		lang = labels.Reference
	}
	return labels.Load(reports.FS, lang, s.cfg.Catalogue)
}

// problem is one thing wrong with a request, by field.
type problem struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// reportFields decode the fields of a report request, one function each:
// a new field is one more entry.
var reportFields = map[string]func(raw json.RawMessage, req *reportRequest) string{
	"period": func(raw json.RawMessage, req *reportRequest) string {
		return decodeField(raw, &req.Period, `a text like "2025Q3", "2025" or "2025-08"`)
	},
	"audience": func(raw json.RawMessage, req *reportRequest) string {
		return decodeField(raw, &req.Audience, `"analyst" or "donor"`)
	},
	"countries": func(raw json.RawMessage, req *reportRequest) string {
		return decodeField(raw, &req.Countries, `a list of two-letter country codes like ["UZ", "KZ"]`)
	},
	"k": func(raw json.RawMessage, req *reportRequest) string {
		var k int
		if msg := decodeField(raw, &k, "a whole number like 5"); msg != "" {
			return msg
		}
		req.K = &k
		return ""
	},
	"window": func(raw json.RawMessage, req *reportRequest) string {
		if msg := decodeField(raw, &req.Window, "a whole number of periods from 1 to 40"); msg != "" {
			return msg
		}
		if req.Window < period.MinWindow || req.Window > period.MaxWindow {
			return fmt.Sprintf("must be from %d to %d periods", period.MinWindow, period.MaxWindow)
		}
		return ""
	},
	"lang": func(raw json.RawMessage, req *reportRequest) string {
		if msg := decodeField(raw, &req.Lang, `"en", "ru" or "uz"`); msg != "" {
			return msg
		}
		if !slices.Contains(labels.Languages, req.Lang) {
			return fmt.Sprintf("must be one of %s", strings.Join(labels.Languages, ", "))
		}
		return ""
	},
}

// decodeField decodes one field's value into v, or says what it should be
// and what it was given.
func decodeField(raw json.RawMessage, v any, want string) string {
	if err := json.Unmarshal(raw, v); err != nil {
		got := "something else"
		switch t := strings.TrimSpace(string(raw)); {
		case strings.HasPrefix(t, `"`):
			got = "a text"
		case strings.HasPrefix(t, "["):
			got = "a list"
		case strings.HasPrefix(t, "{"):
			got = "an object"
		case t == "null":
			got = "null"
		case t == "true" || t == "false":
			got = "true or false"
		case len(t) > 0 && (t[0] == '-' || t[0] >= '0' && t[0] <= '9'):
			got = "a number that is not whole"
			if _, isNum := v.(*int); !isNum {
				got = "a number"
			}
		}
		return "must be " + want + ", not " + got
	}
	return ""
}

// decodeReportRequest reads the body of POST /api/reports and returns every
// problem of it at once: unknown fields, values of the wrong type.
func decodeReportRequest(body []byte) (reportRequest, []problem) {
	var req reportRequest
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return req, []problem{{Message: reportBodyHelp}}
	}
	if _, err := dec.Token(); err != io.EOF {
		return req, []problem{{Message: "more than one JSON value; " + reportBodyHelp}}
	}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	known := make([]string, 0, len(reportFields))
	for name := range reportFields {
		known = append(known, name)
	}
	sort.Strings(known)
	var probs []problem
	for _, name := range names {
		f := reportFields[name]
		if f == nil {
			probs = append(probs, problem{Field: fieldLabel(name), Message: fmt.Sprintf("unknown field %q; the fields are %s", fieldLabel(name), strings.Join(known, ", "))})
			continue
		}
		if msg := f(fields[name], &req); msg != "" {
			probs = append(probs, problem{Field: name, Message: fmt.Sprintf("%q %s", name, msg)})
		}
	}
	return req, probs
}

// fieldLabel is a field name of a request as it may be repeated: at most
// 40 printable characters.
func fieldLabel(name string) string {
	r := []rune(name)
	if len(r) > 40 {
		r = append(r[:40], '…')
	}
	return strings.Map(func(c rune) rune {
		if c < ' ' || c == 0x7f {
			return '?'
		}
		return c
	}, string(r))
}

// writeProblems answers 400 with every problem of a request.
func writeProblems(w http.ResponseWriter, probs []problem) {
	msgs := make([]string, len(probs))
	for i, p := range probs {
		msgs[i] = p.Message
	}
	msg := msgs[0]
	if len(msgs) > 1 {
		msg = fmt.Sprintf("%d problems: %s", len(msgs), strings.Join(msgs, "; "))
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"error": msg, "problems": probs})
}

// handleCreateReport makes a report: analysts of either audience, donors
// of the donor audience only. A donor report needs k of at least MinK. A
// token makes at most Limits.ReportsPerMinute reports a minute.
func (s *Server) handleCreateReport(w http.ResponseWriter, r *http.Request, st *reqState) {
	st.audit = true
	body, err := io.ReadAll(http.MaxBytesReader(st.raw, r.Body, maxJSONBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			st.entry.Reason = "too_large"
			writeError(w, http.StatusRequestEntityTooLarge, "the request body is too large; "+reportBodyHelp)
			return
		}
		bodyError(w, st, err)
		return
	}
	req, probs := decodeReportRequest(body)
	if len(probs) == 1 && probs[0].Field == "" { // not one JSON object
		st.entry.Reason = "bad_request"
		writeProblems(w, probs)
		return
	}
	aud, audOK := report.ParseAudience(req.Audience)
	if audOK {
		st.entry.Audience = string(aud)
		if st.id.Role == RoleDonor && aud != report.Donor {
			st.entry.Reason = "role"
			writeError(w, http.StatusForbidden, "a donor token may make donor reports only")
			return
		}
	} else if _, given := fieldsGiven(probs, "audience"); !given {
		if req.Audience == "" {
			probs = append(probs, problem{Field: "audience", Message: `"audience" is required: "analyst" or "donor"`})
		} else {
			probs = append(probs, problem{Field: "audience", Message: `"audience" must be "analyst" or "donor"`})
		}
	}
	var p period.Period
	if _, bad := fieldsGiven(probs, "period"); !bad {
		if req.Period == "" {
			probs = append(probs, problem{Field: "period", Message: `"period" is required: a quarter "2025Q3", a year "2025" or a month "2025-08"`})
		} else if p, err = period.Parse(req.Period); err != nil {
			probs = append(probs, problem{Field: "period", Message: `"period": ` + err.Error()})
		} else {
			st.entry.Period = p.Label
		}
	}
	k := s.cfg.MinK
	if req.K != nil {
		k = *req.K
	}
	if aud == report.Donor {
		st.entry.K = k
	}
	switch {
	case k < 1:
		probs = append(probs, problem{Field: "k", Message: `"k" must be at least 1`})
	case aud == report.Donor && k < s.cfg.MinK:
		probs = append(probs, problem{Field: "k", Message: fmt.Sprintf(`"k" of a donor report must be at least %d (the service's least k)`, s.cfg.MinK)})
	case k > 1000:
		probs = append(probs, problem{Field: "k", Message: `"k" must be at most 1000`})
	}
	var countries []string
	for _, c := range req.Countries {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !reCountry.MatchString(c) {
			probs = append(probs, problem{Field: "countries", Message: `"countries" takes two-letter country codes like "UZ"`})
			countries = nil
			break
		}
		if !slices.Contains(countries, c) {
			countries = append(countries, c)
		}
	}
	if len(countries) > 300 {
		probs = append(probs, problem{Field: "countries", Message: `"countries" lists too many countries`})
		countries = nil
	}
	st.entry.Countries = countries
	if len(probs) > 0 {
		st.entry.Reason = "bad_request"
		if len(probs) == 1 {
			st.entry.Reason = map[string]string{"period": "bad_period", "k": "bad_k", "countries": "bad_country"}[probs[0].Field]
			if st.entry.Reason == "" {
				st.entry.Reason = "bad_request"
			}
		}
		writeProblems(w, probs)
		return
	}
	if wait, ok := s.quota.take(st.id.Name); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		st.entry.Reason = "rate_limit"
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("this token has made %d reports in the last minute, the most allowed; try again in %d seconds", s.cfg.Limits.ReportsPerMinute, secs))
		return
	}
	if !acquire(r.Context(), s.reportSem) {
		s.quota.giveBack(st.id.Name)
		writeError(w, http.StatusServiceUnavailable, "the request was cancelled")
		return
	}
	defer func() { <-s.reportSem }()
	id := newReportID()
	st.entry.ReportID = id
	s.auditStart(st)
	lab, err := s.labels(req.Lang)
	if err != nil {
		s.quota.giveBack(st.id.Name)
		internalError(w, st, err)
		return
	}
	m, err := s.makeReport(r.Context(), id, publish.Request{
		Period: p, Window: req.Window, Labels: lab, Audience: aud, K: k, Params: report.DefaultParams,
		Selection: duckdb.Selection{Countries: countries},
		Layout:    s.cfg.Layout,
		Version:   s.cfg.Version, Now: s.cfg.Now(),
	})
	if err != nil {
		s.quota.giveBack(st.id.Name)
		st.entry.ReportID = ""
		s.reportError(w, r, st, err)
		return
	}
	meta := metaOf(id, m)
	s.reports.add(meta)
	w.Header().Set("Location", "/api/reports/"+id+"/"+publish.FileManifest)
	writeJSON(w, http.StatusCreated, meta)
}

// fieldsGiven reports whether probs already name field (its value was of
// the wrong type).
func fieldsGiven(probs []problem, field string) (int, bool) {
	for i, p := range probs {
		if p.Field == field {
			return i, true
		}
	}
	return -1, false
}

// makeReport is the one place the service makes a report: publish.Make
// with the store open for reading, into the folder of id, which is then
// made private to the service's user.
func (s *Server) makeReport(ctx context.Context, id string, req publish.Request) (*publish.Manifest, error) {
	req.Out = filepath.Join(s.cfg.ReportsDir, id)
	// The folder and its files are readable by the service's owner only
	// from the moment they exist (http.md).
	req.Private = true
	return publish.Make(ctx, s.cfg.Store, s.cfg.Catalogue, req)
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
	m := s.reports.lookup(id)
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

// handleDeleteReport removes a report folder (analysts only): 204, or 404
// for an id the service does not know.
func (s *Server) handleDeleteReport(w http.ResponseWriter, r *http.Request, st *reqState) {
	st.audit = true
	id := r.PathValue("id")
	if !reID.MatchString(id) {
		st.entry.Reason = "not_found"
		writeError(w, http.StatusNotFound, "no such report")
		return
	}
	st.entry.ReportID = id
	if m := s.reports.lookup(id); m == nil {
		st.entry.Reason = "not_found"
		writeError(w, http.StatusNotFound, "no such report")
		return
	} else {
		st.entry.Audience, st.entry.Period = string(m.Audience), m.Period
	}
	s.auditStart(st)
	if err := s.reports.remove(id); err != nil {
		internalError(w, st, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// expireReports removes the reports made more than KeepFor ago, each with
// an entry in the audit log.
func (s *Server) expireReports() {
	cutoff := s.cfg.Now().Add(-s.cfg.KeepFor)
	for _, m := range s.reports.list(RoleAnalyst) {
		if !m.GeneratedAt.Before(cutoff) {
			continue
		}
		e := AuditEntry{Time: s.cfg.Now().UTC(), Action: "expire_report", ReportID: m.ID,
			Audience: string(m.Audience), Period: m.Period, Outcome: "ok"}
		if err := s.reports.remove(m.ID); err != nil {
			s.cfg.Log.Error("cannot remove an old report", "report_id", m.ID, "err", err)
			e.Outcome = "error"
		} else {
			s.cfg.Log.Info("removed a report older than the service keeps them", "report_id", m.ID, "generated_at", m.GeneratedAt)
		}
		if s.cfg.Audit != nil {
			if err := s.cfg.Audit.Write(e); err != nil {
				s.cfg.Log.Error("audit log write failed", "err", err)
			}
		}
	}
}

// The hidden folders of the report folder: a report being written
// (publish's ".<id>.partial-"), an old report being swapped out
// (".<id>.old-"), a report being removed (".deleting-").
const deletingPrefix = ".deleting-"

// cleanReportsDir removes the hidden folders a service that was killed
// left in the report folder: unfinished reports and reports half removed.
func cleanReportsDir(dir string, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, ".") || n == "." || n == ".." {
			continue
		}
		if strings.Contains(n, ".partial-") || strings.Contains(n, ".old-") || strings.HasPrefix(n, deletingPrefix) {
			if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
				log.Warn("cannot remove an unfinished report", "err", err)
			}
		}
	}
}
