package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"rrstat/internal/duckdb"
	"rrstat/internal/export"
	"rrstat/internal/source"
)

// uploadPrefix names the per-request folders of the upload folder.
const uploadPrefix = "req-"

// cleanWorkDir empties the service's working folder: what a service that
// was killed left there (uploads, unpacked exports, temporary files of the
// workbook reader and of DuckDB).
func cleanWorkDir(dir string, log *slog.Logger) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			log.Warn("cannot remove what an earlier run left in the working folder", "err", err)
		}
	}
}

// loadResult is the object of `rrstat load --json` (cli.md).
type loadResult struct {
	Exports []*export.Summary `json:"exports"`
}

var reLabel = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// sourceLabel is what the snapshot records as its source: "upload", or
// "upload:" and the name the client gave, reduced to safe characters. The
// name is a label only; nothing is opened by it.
func sourceLabel(name string) string {
	name = strings.Trim(reLabel.ReplaceAllString(filepath.Base(strings.ReplaceAll(name, `\`, "/")), "_"), "._")
	if len(name) > 80 {
		name = name[:80]
	}
	if name == "" {
		return "upload"
	}
	return "upload:" + name
}

// uploadName is the file name a client gave its upload: ?name=, else the
// filename of a Content-Disposition header (curl -H 'Content-Disposition:
// attachment; filename="UZ.zip"').
func uploadName(r *http.Request) string {
	if n := r.URL.Query().Get("name"); n != "" {
		return n
	}
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
		return params["filename"]
	}
	return ""
}

// handleExport receives an export as the request body into a private
// folder, opens it by its content (never its name or Content-Type) with
// the unpacking limits, and loads it with the store's write lock. It
// answers 200 with the load result, 422 with it when the export was
// refused or the load failed, 413 when a limit is broken, 408 when the
// body came too slowly; nothing is stored unless the load succeeds.
func (s *Server) handleExport(w http.ResponseWriter, r *http.Request, st *reqState) {
	st.audit = true
	q := r.URL.Query()
	enc, err := source.NormalizeEncoding(q.Get("encoding"))
	if err != nil {
		st.entry.Reason = "bad_encoding"
		writeError(w, http.StatusBadRequest, `unknown encoding: use "utf-8", "utf-16" or "windows-1251" (encoding=cp1251 works too)`)
		return
	}
	lim := s.cfg.Limits
	if r.ContentLength > lim.MaxBodyBytes {
		st.entry.Reason = "too_large"
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the upload is larger than the limit of %s", source.SizeText(lim.MaxBodyBytes)))
		return
	}
	if st.body != nil {
		st.body.limit(s.cfg.Timeouts.Upload)
	}
	reqDir, err := os.MkdirTemp(s.cfg.UploadDir, uploadPrefix)
	if err != nil {
		internalError(w, st, err)
		return
	}
	defer os.RemoveAll(reqDir)
	path := filepath.Join(reqDir, "upload")
	n, err := receive(path, http.MaxBytesReader(st.raw, r.Body, lim.MaxBodyBytes))
	st.entry.Bytes = n
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		st.entry.Reason = "too_large"
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the upload is larger than the limit of %s", source.SizeText(lim.MaxBodyBytes)))
		return
	case errors.Is(err, errReceive):
		bodyError(w, st, err)
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
	label := sourceLabel(uploadName(r))
	plain := func(err error) string { return s.plainLoadError(err, reqDir, label) }
	ex, err := source.Open(path, source.Options{Encoding: enc, TempDir: reqDir,
		Limits: source.Limits{MaxUnpackedBytes: lim.MaxUnpackedBytes, MaxEntries: lim.MaxEntries,
			MaxPartBytes: lim.MaxPartBytes, MaxRows: lim.MaxRows, MaxSheetBytes: lim.MaxSheetBytes}})
	switch {
	case errors.Is(err, source.ErrTooLarge):
		st.entry.Reason = "too_large"
		writeError(w, http.StatusRequestEntityTooLarge, plain(err)+"; nothing was loaded")
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
	s.auditStart(st)
	var sum *export.Summary
	err = s.cfg.Store.Write(r.Context(), func(db *duckdb.Store) error {
		var err error
		sum, err = db.Load(r.Context(), ex, duckdb.LoadOptions{MaxRejectPct: s.cfg.MaxRejectPct, Now: s.cfg.Now(), MaxRows: lim.MaxRows, MaxRejects: lim.MaxRejects})
		return err
	})
	if sum == nil { // the store could not be opened
		if r.Context().Err() != nil {
			st.entry.Reason, st.err = "cancelled", err
			writeError(w, http.StatusServiceUnavailable, "the request was cancelled; nothing was loaded")
			return
		}
		internalError(w, st, err)
		return
	}
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
	case errors.Is(err, source.ErrTooLarge):
		st.entry.Reason = "too_large"
		writeError(w, http.StatusRequestEntityTooLarge, plain(err)+"; nothing was loaded")
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
// the client: the sentinel prefixes dropped, every path of the service
// replaced by the upload's label, and advice given in the service's terms.
func (s *Server) plainLoadError(err error, reqDir, label string) string {
	msg := err.Error()
	for _, p := range []error{export.ErrRefused, duckdb.ErrLoadFailed, source.ErrTooLarge} {
		msg = strings.ReplaceAll(msg, p.Error()+": ", "")
	}
	return serviceTerms(s.scrub(msg, reqDir, label))
}

var (
	reEncodingAdvice = regexp.MustCompile(`name it with --encoding windows-1251 or --encoding utf-16`)
	reEncodingFlag   = regexp.MustCompile(`--encoding ([a-z0-9-]+)`)
	reDropAdvice     = regexp.MustCompile(`,? or load without (?:it|them) with (?:--drop-column (?:"[^"]*"|'[^']*'|\S+)\s*)+`)
	reMaxReject      = regexp.MustCompile(`\(--max-reject\)`)
	reDropNote       = regexp.MustCompile(`\(--drop-column\)`)
)

// serviceTerms rewrites the command line's advice in a message (options
// to type) into what a person does with the page or the API.
func serviceTerms(msg string) string {
	msg = reEncodingAdvice.ReplaceAllString(msg, `choose Windows-1251 (or UTF-16) in "Encoding" and upload it again (API: ?encoding=windows-1251)`)
	msg = reEncodingFlag.ReplaceAllString(msg, `the encoding $1 ("Encoding" on the page, ?encoding=$1 in the API)`)
	msg = reDropAdvice.ReplaceAllString(msg, "")
	msg = reMaxReject.ReplaceAllString(msg, "(the service's limit)")
	msg = reDropNote.ReplaceAllString(msg, "")
	return msg
}

// scrub replaces the service's folders in msg: the upload's own path by
// its label, anything else under the upload folder by "upload"; any other
// absolute path by "a file of the service".
func (s *Server) scrub(msg, reqDir, label string) string {
	msg = strings.ReplaceAll(msg, filepath.Join(reqDir, "upload"), label)
	msg = strings.ReplaceAll(msg, reqDir+string(filepath.Separator), "")
	msg = strings.ReplaceAll(msg, reqDir, "upload")
	msg = strings.ReplaceAll(msg, s.cfg.UploadDir, "upload")
	msg = reTempName.ReplaceAllString(msg, "")
	return msg
}

// reTempName matches the temporary folders of an opened export in a path.
var reTempName = regexp.MustCompile(`rrstat-export-[0-9]+/(unzipped/)?`)

var reCountry = regexp.MustCompile(`^[A-Z]{2}$`)

// countryCode returns c when it is a two-letter code, else "" (the audit
// log takes no other text).
func countryCode(c string) string {
	if reCountry.MatchString(c) {
		return c
	}
	return ""
}
