// Package publish makes a report folder (outputs.md): it computes the
// cells, applies disclosure control for donors, hands the finished report
// to the writers, records the provenance in manifest.json and puts the
// folder in place only when it is complete. The CLI and the HTTP service
// both make reports through Make.
package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"rrstat/internal/cell"
	"rrstat/internal/charts"
	"rrstat/internal/disclosure"
	"rrstat/internal/duckdb"
	"rrstat/internal/indicator"
	"rrstat/internal/labels"
	"rrstat/internal/layout"
	"rrstat/internal/period"
	"rrstat/internal/report"
	"rrstat/internal/target"
	"rrstat/internal/view"
	"rrstat/internal/xlsx"
	"rrstat/reports"
)

// The files of a report folder, in the order the manifest lists them.
const (
	FileIndicators = "indicators.csv"
	FileSeries     = "series.csv"
	FileWorkbook   = "report.xlsx"
	FileDashboard  = "dashboard.html"
	FileManifest   = "manifest.json"
)

// Files are the names a report folder holds; nothing else is ever served
// from one.
var Files = []string{FileIndicators, FileSeries, FileWorkbook, FileDashboard, FileManifest}

// Request says which report to make.
type Request struct {
	Period period.Period
	// Window is the number of periods of the trend window ending with
	// Period (series.md); 0 means period.DefaultWindow of its kind.
	Window  int
	Targets *target.Set // nil: none
	// Labels are the words of the report's language; nil means the
	// built-in English ones.
	Labels    *labels.Labels
	Audience  report.Audience
	K         int // disclosure threshold for a donor report
	Params    report.Params
	Selection duckdb.Selection
	Layout    *layout.Layout
	Out       string // the folder to write; replaced only when the new one is complete
	// Private makes the folder and its files readable by their owner only
	// (the service's reports; http.md).
	Private   bool
	Synthetic bool
	Version   string
	Now       time.Time // generated-at; zero means time.Now()
}

// Manifest is manifest.json: what the report is, from which data, made how,
// and the SHA-256 of every other file of the folder.
type Manifest struct {
	Tool        string     `json:"tool"`
	Version     string     `json:"version"`
	GeneratedAt time.Time  `json:"generated_at"`
	Period      PeriodInfo `json:"period"`
	Window      WindowInfo `json:"window"`
	// Release is the id of the donor report in the release ledger.
	Release     string          `json:"release_id,omitempty"`
	Audience    report.Audience `json:"audience"`
	Disclosure  DisclosureInfo  `json:"disclosure"`
	Parameters  report.Params   `json:"parameters"`
	Layout      string          `json:"layout"`
	Language    string          `json:"language"`
	Synthetic   bool            `json:"synthetic"`
	Countries   []string        `json:"countries"`
	Snapshots   []SnapshotInfo  `json:"snapshots"`
	Targets     *TargetsInfo    `json:"targets,omitempty"`
	Cells       CellCounts      `json:"cells"`
	SeriesCells CellCounts      `json:"series_cells"`
	Files       []FileInfo      `json:"files"`
	// Folder is where the report was written (not part of manifest.json).
	Folder string `json:"-"`
}

// PeriodInfo is the reporting period with its inclusive bounds.
type PeriodInfo struct {
	Label string `json:"label"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// WindowInfo is the trend window of series.csv.
type WindowInfo struct {
	Periods int    `json:"periods"`
	First   string `json:"first"`
	Last    string `json:"last"`
}

// TargetsInfo names the targets file a report showed.
type TargetsInfo struct {
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
	Targets int    `json:"targets"`
}

// DisclosureInfo states the disclosure control applied.
type DisclosureInfo struct {
	Applied bool   `json:"applied"`
	K       int    `json:"k,omitempty"`
	Rule    string `json:"rule"`
	// The cells of the release suppressed by rule 1, by rule 2 and by the
	// protection of the series of releases (rule 9), over every cell it
	// published: indicators.csv, series.csv and the figures a change
	// compares with.
	Primary   int `json:"suppressed_rule1,omitempty"`
	Secondary int `json:"suppressed_rule2,omitempty"`
	Series    int `json:"suppressed_series,omitempty"`
	// SeriesOwn counts those of Series in the report's own period
	// (indicators.csv).
	SeriesOwn int `json:"suppressed_series_own_period,omitempty"`
	// Unprotectable counts suppressed figures of earlier releases (or of
	// this one) that the earlier releases alone already give away: this
	// report cannot hide them again (rrstat audit lists them).
	Unprotectable int `json:"unprotectable,omitempty"`
}

// SnapshotInfo is one country's snapshot a report used.
type SnapshotInfo struct {
	Country       string    `json:"country"`
	SnapshotID    string    `json:"snapshot_id"`
	ContentSHA256 string    `json:"content_sha256"`
	LoadedAt      time.Time `json:"loaded_at"`
}

// CellCounts counts the cells of indicators.csv (or series.csv).
type CellCounts struct {
	Total      int `json:"total"`
	Suppressed int `json:"suppressed"`
	Secondary  int `json:"secondary"`
}

// FileInfo is one file of the folder with its SHA-256.
type FileInfo struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// analystRule is what an analyst report states instead of a rule.
const analystRule = "none: analyst report with every cell; for internal use of the analysis team only, not to be shared"

// Store is how a report reaches the store (duckdb.Access): reads to
// compute the cells, and for a donor report one write, alone, to check it
// against the release ledger and record it.
type Store interface {
	Read(ctx context.Context, fn func(*duckdb.Store) error) error
	Write(ctx context.Context, fn func(*duckdb.Store) error) error
}

// Make computes the report and writes its folder. Errors before anything is
// written (bad selection, empty store) leave no folder; a failure while
// writing removes the partial folder and keeps any older complete one.
//
// A donor report goes through disclosure control: rules 1-2 on every
// period computed, then, holding the store for writing, the protection of
// the series against the release ledger (rule 9); it is recorded in the
// ledger as a release atomically with its folder: recorded pending before
// the folder is put in place and marked published after, so that a crash
// between the two leaves a release the next read of the ledger settles by
// the folder (duckdb.Releases).
func Make(ctx context.Context, st Store, cat indicator.Catalogue, req Request) (*Manifest, error) {
	if req.Now.IsZero() {
		req.Now = time.Now()
	}
	req.Now = req.Now.UTC().Truncate(time.Second)
	if req.Layout == nil {
		return nil, errors.New("publish: no layout")
	}
	if req.Audience == report.Donor && req.K < 1 {
		return nil, fmt.Errorf("k must be at least 1 (got %d)", req.K)
	}
	n := req.Window
	if n == 0 {
		n = period.DefaultWindow(req.Period.Kind)
	}
	if n < period.MinWindow || n > period.MaxWindow {
		return nil, fmt.Errorf("the window must be from %d to %d periods (got %d)", period.MinWindow, period.MaxWindow, n)
	}
	lab := req.Labels
	if lab == nil {
		var err error
		if lab, err = labels.Load(reports.FS, labels.Reference, cat); err != nil {
			return nil, err
		}
	}
	// The change of a headline figure needs the previous period and the
	// same period a year earlier: they are computed with the window (and
	// published only through that change) when it does not reach them.
	span := n
	for _, q := range report.CompareWith(req.Period) {
		span = max(span, req.Period.Ordinal()-q.Ordinal()+1)
	}
	periods := period.Window(req.Period, span)
	var comp *duckdb.Computed
	if err := st.Read(ctx, func(s *duckdb.Store) error {
		var err error
		comp, err = s.Compute(ctx, cat, periods, req.Params, req.Selection)
		return err
	}); err != nil {
		return nil, err
	}
	r := &report.Report{
		Period: req.Period, Periods: periods, Tables: comp.Window, Window: n, Targets: req.Targets,
		Audience: req.Audience, K: req.K, Params: req.Params,
		Catalogue: cat, Layout: req.Layout, Cells: comp.Cells, Countries: comp.Countries,
		Snapshots: comp.Snapshots, GeneratedAt: req.Now, ToolVersion: req.Version, Synthetic: req.Synthetic,
	}
	m := &Manifest{
		Tool: "rrstat", Version: req.Version, GeneratedAt: req.Now,
		Period:     PeriodInfo{req.Period.Label, period.ISO(req.Period.Start), period.ISO(req.Period.End)},
		Window:     WindowInfo{Periods: n, First: periods[span-n].Label, Last: req.Period.Label},
		Audience:   req.Audience,
		Disclosure: DisclosureInfo{Rule: analystRule},
		Parameters: req.Params, Layout: filepath.Base(req.Layout.File), Synthetic: req.Synthetic,
		Countries: comp.Countries, Language: lab.Lang,
	}
	for _, sn := range comp.Snapshots {
		m.Snapshots = append(m.Snapshots, SnapshotInfo{sn.Country, sn.ID, sn.ContentSHA256, sn.LoadedAt})
	}
	if req.Targets != nil {
		m.Targets = &TargetsInfo{File: filepath.Base(req.Targets.File), SHA256: req.Targets.SHA256, Targets: req.Targets.Len()}
	}
	if req.Audience != report.Donor {
		if err := finish(ctx, req, r, lab, m, nil); err != nil {
			return nil, err
		}
		return m, nil
	}
	// The ledger keeps the figures a release hid; take them before rules
	// 1-2 remove them from the cells.
	d := newDonor(r, cat)
	// Disclosure control runs once, on the cells of every period computed
	// (each as a report of that period alone would publish it), before any
	// writer sees them: the writers never receive a suppressed number.
	opt := disclosure.Options{K: req.K, IsPartition: func(id, dim string) bool {
		ind := cat.Lookup(id)
		return ind != nil && ind.IsPartition(dim)
	}}
	for _, t := range r.Tables {
		if _, err := disclosure.Apply(t, opt); err != nil {
			return nil, err
		}
	}
	m.Disclosure = DisclosureInfo{Applied: true, K: req.K, Rule: r.SuppressionRule()}
	// A donor report says nothing the cells do not: not which file an
	// export came from, and no row counts of the load summaries (the Data
	// quality sheet would tell that a country's export holds one person,
	// say). Data quality is for the analysts' edition.
	lay := *r.Layout
	lay.Sheets.DataQuality = false
	r.Layout = &lay
	for i := range r.Snapshots {
		r.Snapshots[i].Source = ""
		r.Snapshots[i].Summary = nil
		r.Snapshots[i].Persons, r.Snapshots[i].Rows = 0, 0
	}
	if err := st.Write(ctx, func(s *duckdb.Store) error {
		return d.release(ctx, s, req, r, lab, m)
	}); err != nil {
		return nil, err
	}
	return m, nil
}

// finish counts the cells, builds the view and writes the folder; record,
// when not nil, runs between writing the folder's files and putting the
// folder in place, and drop when that fails.
func finish(ctx context.Context, req Request, r *report.Report, lab *labels.Labels, m *Manifest, rec *recorder) error {
	out := req.Out
	m.Cells = countCells([]*cell.Table{r.Cells}, nil)
	m.SeriesCells = countCells(r.WindowTables(), cell.SeriesDimensions)
	v, err := view.Build(r, lab)
	if err != nil {
		return err
	}
	if err := writeFolder(ctx, out, req.Private, r, v, m, rec); err != nil {
		return err
	}
	m.Folder = out
	return nil
}

// stage marks the moments of a donor report a crash test kills it at.
var stage = func(string) {}

// recorder records a release around the moment its folder is put in
// place.
type recorder struct {
	record  func() error // before: the release is recorded pending
	publish func() error // after: it is marked published
	drop    func() error // when the folder could not be put in place
}

// countCells counts the cells of the tables in the given dimensions (all
// when dims is nil) and how many disclosure control removed.
func countCells(tables []*cell.Table, dims []string) CellCounts {
	var n CellCounts
	for _, t := range tables {
		for i := range t.Cells {
			c := &t.Cells[i]
			if dims != nil && !slices.Contains(dims, c.Dimension) {
				continue
			}
			n.Total++
			switch c.Flag {
			case cell.Suppressed:
				n.Suppressed++
			case cell.Secondary:
				n.Secondary++
			}
		}
	}
	return n
}

// writeFolder writes the files into a hidden sibling of out and swaps it
// into place.
func writeFolder(ctx context.Context, out string, private bool, r *report.Report, v *view.View, m *Manifest, rec *recorder) (err error) {
	out = filepath.Clean(out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	cleanStale(parent, filepath.Base(out))
	tmp, err := os.MkdirTemp(parent, partialPrefix(filepath.Base(out)))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	writers := []struct {
		name  string
		write func(io.Writer) error
	}{
		{FileIndicators, func(w io.Writer) error { return cell.WriteCSV(w, r.Cells) }},
		{FileSeries, func(w io.Writer) error { return cell.WriteSeriesCSV(w, r.WindowTables()) }},
		{FileWorkbook, func(w io.Writer) error { return xlsx.Write(w, v) }},
		{FileDashboard, func(w io.Writer) error { return charts.Write(w, v) }},
	}
	for _, wr := range writers {
		if err := ctx.Err(); err != nil {
			return err
		}
		info, err := writeFile(filepath.Join(tmp, wr.name), private, wr.write)
		if err != nil {
			return fmt.Errorf("write %s: %w", wr.name, err)
		}
		m.Files = append(m.Files, info)
	}
	if _, err := writeFile(filepath.Join(tmp, FileManifest), private, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	}); err != nil {
		return fmt.Errorf("write %s: %w", FileManifest, err)
	}
	mode := os.FileMode(0o755)
	if private {
		mode = 0o700
	}
	if err := os.Chmod(tmp, mode); err != nil { // MkdirTemp makes it private
		return err
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if rec == nil {
		return swapInto(tmp, out)
	}
	if err := rec.record(); err != nil {
		return err
	}
	stage("recorded")
	if err := swapInto(tmp, out); err != nil {
		if derr := rec.drop(); derr != nil {
			return fmt.Errorf("%w (and the pending release could not be dropped: %v; the next report settles it)", err, derr)
		}
		return err
	}
	stage("swapped")
	// A failure here leaves the release pending while its folder names
	// it: the next read of the ledger marks it published.
	return rec.publish()
}

func partialPrefix(base string) string { return "." + base + ".partial-" }

// cleanStale removes partial folders left by a report that was killed.
func cleanStale(parent, base string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && (strings.HasPrefix(e.Name(), partialPrefix(base)) || strings.HasPrefix(e.Name(), "."+base+".old-")) {
			if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Minute {
				os.RemoveAll(filepath.Join(parent, e.Name()))
			}
		}
	}
}

func writeFile(path string, private bool, write func(io.Writer) error) (FileInfo, error) {
	mode := os.FileMode(0o644)
	if private {
		mode = 0o600
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return FileInfo{}, err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(f, h)}
	if err := write(cw); err != nil {
		f.Close()
		return FileInfo{}, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return FileInfo{}, err
	}
	if err := f.Close(); err != nil {
		return FileInfo{}, err
	}
	return FileInfo{Name: filepath.Base(path), Bytes: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Verify checks a report folder against its manifest: every listed file
// exists with its size and SHA-256, and the folder holds nothing else.
func Verify(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, FileManifest))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", FileManifest, err)
	}
	listed := map[string]bool{FileManifest: true}
	for _, f := range m.Files {
		listed[f.Name] = true
		data, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(data)) != f.Bytes {
			return nil, fmt.Errorf("%s does not match the manifest", f.Name)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var extra []string
	for _, e := range entries {
		if !listed[e.Name()] {
			extra = append(extra, e.Name())
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return nil, fmt.Errorf("files not in the manifest: %s", strings.Join(extra, ", "))
	}
	return &m, nil
}
