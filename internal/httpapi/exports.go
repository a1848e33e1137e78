package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/export"
	"rrstat/internal/source"
)

// uploadReadTimeout bounds how long an upload's body may take to arrive.
const uploadReadTimeout = 15 * time.Minute

// uploadPrefix names the per-request folders of the upload folder.
const uploadPrefix = "req-"

// cleanUploads removes request folders left by a service that was killed.
func cleanUploads(dir string, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), uploadPrefix) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				log.Warn("cannot remove an old upload", "err", err)
			}
		}
	}
}

// loadResult is the object of `rrstat load --json` (cli.md).
type loadResult struct {
	Exports []*export.Summary `json:"exports"`
}

var reLabel = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// sourceLabel is what the snapshot records as its source: "upload", or
// "upload:" and the name the client gave (?name=), reduced to safe
// characters. The name is a label only; nothing is opened by it.
func sourceLabel(name string) string {
	name = strings.Trim(reLabel.ReplaceAllString(name, "_"), "._")
	if len(name) > 80 {
		name = name[:80]
	}
	if name == "" {
		return "upload"
	}
	return "upload:" + name
}

// handleExport receives an export as the request body into a private
// folder, opens it by its content (never its name or Content-Type) with
// the unpacking limits, and loads it. It answers 200 with the load result,
// 422 with it when the export was refused or the load failed, 413 when a
// limit is broken; nothing is stored unless the load succeeds.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request, st *reqState) {
	st.audit = true
	q := r.URL.Query()
	enc, err := source.NormalizeEncoding(q.Get("encoding"))
	if err != nil {
		st.entry.Reason = "bad_encoding"
		writeError(w, http.StatusBadRequest, "unknown encoding: use utf-8, utf-16 or windows-1251 (cp1251)")
		return
	}
	lim := s.cfg.Limits
	if r.ContentLength > lim.MaxBodyBytes {
		st.entry.Reason = "too_large"
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the upload is larger than the limit of %s", bytesText(lim.MaxBodyBytes)))
		return
	}
	bodyRead := readDeadline(w, uploadReadTimeout)
	reqDir, err := os.MkdirTemp(s.cfg.UploadDir, uploadPrefix)
	if err != nil {
		internalError(w, st, err)
		return
	}
	defer os.RemoveAll(reqDir)
	path := filepath.Join(reqDir, "upload")
	n, err := receive(path, http.MaxBytesReader(st.raw, r.Body, lim.MaxBodyBytes))
	bodyRead()
	st.entry.Bytes = n
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		st.entry.Reason = "too_large"
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the upload is larger than the limit of %s", bytesText(lim.MaxBodyBytes)))
		return
	case errors.Is(err, errReceive):
		st.entry.Reason = "interrupted"
		writeError(w, http.StatusBadRequest, "the upload was interrupted")
		return
	case err != nil:
		internalError(w, st, err)
		return
	case n == 0:
		st.entry.Reason = "empty"
		writeError(w, http.StatusBadRequest, "the request body is empty: send one export, a .zip of CSV files or an .xlsx workbook")
		return
	}
	// Unpacking (up to MaxUnpackedBytes each) waits for one of a few slots;
	// the load itself takes the store's write lock.
	if !acquire(r.Context(), s.uploadSem) {
		st.entry.Reason = "cancelled"
		writeError(w, http.StatusServiceUnavailable, "the request was cancelled")
		return
	}
	defer func() { <-s.uploadSem }()
	label := sourceLabel(q.Get("name"))
	plain := func(err error) string { return s.plainLoadError(err, reqDir, label) }
	ex, err := source.Open(path, source.Options{Encoding: enc, TempDir: reqDir,
		Limits: source.Limits{MaxUnpackedBytes: lim.MaxUnpackedBytes, MaxEntries: lim.MaxEntries}})
	switch {
	case errors.Is(err, source.ErrTooLarge):
		st.entry.Reason = "too_large"
		writeError(w, http.StatusRequestEntityTooLarge, plain(err))
		return
	case errors.Is(err, export.ErrRefused):
		st.entry.Reason = "refused"
		st.entry.LoadStatus = export.StatusFailed
		writeJSON(w, http.StatusUnprocessableEntity, loadResult{[]*export.Summary{{
			Path: label, Status: export.StatusFailed, Error: plain(err),
			Rejects: []export.Reject{}, Warnings: []string{}}}})
		return
	case err != nil:
		internalError(w, st, err)
		return
	}
	defer ex.Close()
	ex.Path = label
	sum, err := s.cfg.Store.Load(r.Context(), ex, duckdb.LoadOptions{MaxRejectPct: s.cfg.MaxRejectPct, Now: s.cfg.Now()})
	st.entry.LoadStatus = sum.Status
	st.entry.Country = countryCode(sum.Country)
	if sum.Status == export.StatusLoaded || sum.Status == export.StatusUnchanged {
		st.entry.SnapshotID = sum.SnapshotID
	}
	sum.Path = label
	for i := range sum.Warnings {
		sum.Warnings[i] = s.scrub(sum.Warnings[i], reqDir, label)
	}
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, loadResult{[]*export.Summary{sum}})
	case errors.Is(err, export.ErrRefused) || errors.Is(err, duckdb.ErrLoadFailed):
		st.entry.Reason = "load_failed"
		sum.Error = plain(err)
		writeJSON(w, http.StatusUnprocessableEntity, loadResult{[]*export.Summary{sum}})
	case r.Context().Err() != nil:
		st.entry.Reason, st.err = "cancelled", err
		writeError(w, http.StatusServiceUnavailable, "the request was cancelled; nothing was loaded")
	default:
		internalError(w, st, err)
	}
}

var errReceive = errors.New("receive upload")

// readDeadline bounds the time the request's body may take to arrive (a
// slow or stalled client gives up its connection) and returns the function
// that lifts the bound once the body is read: the server watches an idle
// connection with reads, and a read that times out while the handler is
// still working would cancel the request.
func readDeadline(w http.ResponseWriter, d time.Duration) func() {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(d))
	return func() { rc.SetReadDeadline(time.Time{}) }
}

// receive copies the body to a new private file.
func receive(path string, body io.Reader) (int64, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, body)
	if cerr := f.Close(); err == nil && cerr != nil {
		return n, cerr
	}
	var tooBig *http.MaxBytesError
	if err != nil && !errors.As(err, &tooBig) {
		return n, fmt.Errorf("%w: %v", errReceive, err)
	}
	return n, err
}

// plainLoadError is the message of a refused export or failed load for
// the client: the sentinel prefixes dropped and every path of the
// service replaced by the upload's label.
func (s *Server) plainLoadError(err error, reqDir, label string) string {
	msg := err.Error()
	for _, p := range []error{export.ErrRefused, duckdb.ErrLoadFailed} {
		msg = strings.ReplaceAll(msg, p.Error()+": ", "")
	}
	return s.scrub(msg, reqDir, label)
}

// scrub replaces the service's folders in msg: the upload's own path by
// its label, anything else under the upload folder by "upload".
func (s *Server) scrub(msg, reqDir, label string) string {
	msg = strings.ReplaceAll(msg, filepath.Join(reqDir, "upload"), label)
	msg = strings.ReplaceAll(msg, reqDir+string(filepath.Separator), "")
	msg = strings.ReplaceAll(msg, reqDir, "upload")
	msg = strings.ReplaceAll(msg, s.cfg.UploadDir, "upload")
	return msg
}

var reCountry = regexp.MustCompile(`^[A-Z]{2}$`)

// countryCode returns c when it is a two-letter code, else "" (the audit
// log takes no other text).
func countryCode(c string) string {
	if reCountry.MatchString(c) {
		return c
	}
	return ""
}

// bytesText says a size in the largest binary unit that divides it.
func bytesText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
