package cli

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"rrstat/internal/duckdb"
	"rrstat/internal/indicator"
	"rrstat/internal/labels"
	"rrstat/internal/layout"
	"rrstat/internal/period"
	"rrstat/internal/publish"
	"rrstat/internal/report"
	"rrstat/internal/target"
	"rrstat/queries"
	"rrstat/reports"
)

// loadCatalogue reads the embedded query files, or those of dir.
func loadCatalogue(dir string) (indicator.Catalogue, error) {
	if dir == "" {
		return indicator.Load(queries.FS, "queries")
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--queries %s: not a folder", dir)
	}
	return indicator.Load(os.DirFS(dir), dir)
}

// loadLayout reads the built-in layout, or the file given.
func loadLayout(file string, cat indicator.Catalogue) (*layout.Layout, error) {
	if file == "" {
		return layout.Load(reports.FS, reports.Default, cat)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--layout: %w", err)
	}
	return layout.Parse(file, src, cat)
}

var reDecimal = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,6})?$`)

// parseParams reads --weights and --threshold: decimals with at most six
// places; the weights must add up to exactly 1 so that the composite stays
// on the 0-1 scale the threshold is set on.
func parseParams(weights, threshold string) (report.Params, error) {
	p := report.DefaultParams
	if weights != "" {
		parts := strings.Split(weights, ",")
		if len(parts) != 3 {
			return p, fmt.Errorf("--weights takes three decimals, economic,social,psychosocial (like 0.40,0.30,0.30)")
		}
		sum := new(big.Rat)
		for i, s := range parts {
			s = strings.TrimSpace(s)
			if !reDecimal.MatchString(s) {
				return p, fmt.Errorf("--weights: %q is not a decimal from 0 to 1 with at most six places", s)
			}
			r, _ := new(big.Rat).SetString(s)
			if r.Cmp(big.NewRat(1, 1)) > 0 {
				return p, fmt.Errorf("--weights: %s is more than 1", s)
			}
			sum.Add(sum, r)
			parts[i] = s
		}
		if sum.Cmp(big.NewRat(1, 1)) != 0 {
			return p, fmt.Errorf("--weights must add up to exactly 1 (they add up to %s)", sum.FloatString(6))
		}
		p.Weights = report.Weights{Economic: parts[0], Social: parts[1], Psychosocial: parts[2]}
	}
	if threshold != "" {
		r, ok := new(big.Rat).SetString(threshold)
		if !reDecimal.MatchString(threshold) || !ok || r.Cmp(big.NewRat(1, 1)) > 0 {
			return p, fmt.Errorf("--threshold: %q is not a decimal from 0 to 1 with at most six places", threshold)
		}
		p.Threshold = threshold
	}
	return p, nil
}

func runReport(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "report", "[--db PATH] --period P [--audience analyst|donor] [--k N] [--country CC]... [--snapshot ID]... [--layout FILE] [--window N] [--targets FILE] [--lang en|ru|uz] [--labels FILE] [--out DIR] [--json]",
		"Writes one report folder for the period: indicators.csv, series.csv (the trend window),\n"+
			"report.xlsx, dashboard.html and manifest.json. P is a quarter (2025Q3), a year (2025) or a\n"+
			"month (2025-08). An existing folder is replaced only when the new report is complete.")
	db := fs.String("db", "", "the store file (default $RRSTAT_DB, else rrstat.duckdb)")
	per := fs.String("period", "", "the reporting period: 2025Q3, 2025 or 2025-08")
	aud := fs.String("audience", "analyst", "analyst (every cell, internal use) or donor (disclosure control applied)")
	k := fs.Int("k", 5, "the disclosure threshold of a donor report")
	var countries, snaps listFlag
	fs.Var(&countries, "country", "report only on country `CC` (repeatable; default: every country with a current snapshot)")
	fs.Var(&snaps, "snapshot", "report on snapshot `ID` instead of the current one of its country (repeatable)")
	lay := fs.String("layout", "", "a report layout `FILE` (default: the built-in reports/quarterly.yaml)")
	window := fs.Int("window", 0, "the number of periods of the trend window, ending with the period, from 1 to 40 (default 8 quarters, 12 months or 5 years)")
	targetsFile := fs.String("targets", "", "a targets `FILE` (CSV: indicator_id,country,period,target) to report achievement against")
	lang := fs.String("lang", "en", "the language of the workbook and the dashboard: en, ru or uz (Uzbek in Latin script); the CSV files stay in codes")
	labelsFile := fs.String("labels", "", "a labels `FILE` for --lang to use instead of the built-in reports/labels/<lang>.yaml (a corrected copy)")
	out := fs.String("out", "", "the report folder (default out/<period>-<audience>)")
	qdir := fs.String("queries", "", "a folder of indicator query files to use instead of the built-in ones")
	weights := fs.String("weights", "", "composite score weights economic,social,psychosocial (default 0.40,0.30,0.30)")
	threshold := fs.String("threshold", "", "the composite score from which reintegration counts as sustainable (default 0.66)")
	asJSON := fs.Bool("json", false, "print the manifest as JSON on stdout")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "report", "unexpected argument %q", pos[0])
	}
	if *per == "" {
		return usageError(e, "report", "--period is required (a quarter 2025Q3, a year 2025 or a month 2025-08)")
	}
	audience, okAud := report.ParseAudience(*aud)
	if !okAud {
		return usageError(e, "report", "--audience must be analyst or donor, not %q", *aud)
	}
	if *k < 1 {
		return usageError(e, "report", "--k must be at least 1")
	}
	if *window != 0 && (*window < period.MinWindow || *window > period.MaxWindow) {
		return usageError(e, "report", "--window must be from %d to %d periods, not %d", period.MinWindow, period.MaxWindow, *window)
	}
	p, err := period.Parse(*per)
	if err != nil {
		return failf(e, "report", "%v", err)
	}
	params, err := parseParams(*weights, *threshold)
	if err != nil {
		return usageError(e, "report", "%v", err)
	}
	var ccs []string
	for _, c := range countries {
		ccs = append(ccs, strings.ToUpper(strings.TrimSpace(c)))
	}
	cat, err := loadCatalogue(*qdir)
	if err != nil {
		return failf(e, "report", "%v", err)
	}
	l, err := loadLayout(*lay, cat)
	if err != nil {
		return failf(e, "report", "%v", err)
	}
	if !slices.Contains(labels.Languages, *lang) {
		return usageError(e, "report", "--lang must be one of %s, not %q", strings.Join(labels.Languages, ", "), *lang)
	}
	var lab *labels.Labels
	if *labelsFile != "" {
		src, err := os.ReadFile(*labelsFile)
		if err != nil {
			return failf(e, "report", "--labels: %v", err)
		}
		lab, err = labels.LoadFile(reports.FS, *lang, *labelsFile, src, cat)
		if err != nil {
			return failf(e, "report", "%v", err)
		}
	} else if lab, err = labels.Load(reports.FS, *lang, cat); err != nil {
		return failf(e, "report", "%v", err)
	}
	var targets *target.Set
	if *targetsFile != "" {
		src, err := os.ReadFile(*targetsFile)
		if err != nil {
			return failf(e, "report", "--targets: %v", err)
		}
		if targets, err = target.Parse(*targetsFile, src, cat); err != nil {
			return failf(e, "report", "%v; no report was written", err)
		}
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", p.Label+"-"+string(audience))
	}
	m, err := publish.Make(ctx, e.storeAccess("report", e.dbPath(*db)), cat, publish.Request{
		Period: p, Window: *window, Targets: targets, Labels: lab, Audience: audience, K: *k, Params: params,
		Selection: duckdb.Selection{SnapshotIDs: snaps, Countries: ccs},
		Layout:    l, Out: dir, Version: Version, Now: e.now(),
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return failf(e, "report", "interrupted; no report folder was written")
		}
		return failf(e, "report", "%v", err)
	}
	if *asJSON {
		if err := e.writeJSON(m); err != nil {
			return failf(e, "report", "%v", err)
		}
		return ExitOK
	}
	fmt.Fprintf(e.stderr, "wrote %s report for %s (%s) to %s/\n", audience, p.Label, strings.Join(m.Countries, ", "), dir)
	for _, f := range m.Files {
		fmt.Fprintf(e.stderr, "  %s\n", filepath.Join(dir, f.Name))
	}
	fmt.Fprintf(e.stderr, "  %s\n", filepath.Join(dir, publish.FileManifest))
	if audience == report.Donor {
		d := m.Disclosure
		fmt.Fprintf(e.stderr, "disclosure control (k = %d): in indicators.csv %d cells suppressed as small, %d more to protect them (%d of those by the protection of the series of releases)\n",
			*k, m.Cells.Suppressed, m.Cells.Secondary, d.SeriesOwn)
		fmt.Fprintf(e.stderr, "recorded as release %s: %d cells suppressed by rules 1-2 and %d by the series protection over everything it publishes (rrstat releases)\n",
			m.Release, d.Primary+d.Secondary, d.Series)
		if d.Unprotectable > 0 {
			fmt.Fprintf(e.stderr, "warning: %d suppressed figures were already given away by earlier donor releases (made with a smaller k, or before the ledger knew them); this report cannot hide them again: run rrstat audit\n", d.Unprotectable)
		}
	} else {
		fmt.Fprintln(e.stderr, "analyst report: every cell shown, for internal use only; make a --audience donor report to share")
	}
	return ExitOK
}

func runIndicators(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "indicators", "[--queries DIR] [--json]", "Lists the indicator catalogue from the query files.")
	qdir := fs.String("queries", "", "a folder of indicator query files to use instead of the built-in ones")
	asJSON := fs.Bool("json", false, "print the catalogue as JSON on stdout")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "indicators", "unexpected argument %q", pos[0])
	}
	cat, err := loadCatalogue(*qdir)
	if err != nil {
		return failf(e, "indicators", "%v", err)
	}
	if *asJSON {
		if err := e.writeJSON(struct {
			Indicators []indicator.Entry `json:"indicators"`
		}{cat.Entries()}); err != nil {
			return failf(e, "indicators", "%v", err)
		}
		return ExitOK
	}
	for _, ind := range cat {
		fmt.Fprintf(e.stdout, "%-18s %-10s %s\n", ind.ID, ind.Kind, ind.Name)
		fmt.Fprintf(e.stdout, "%-18s %-10s by %s\n", "", "", strings.Join(ind.Dimensions(), ", "))
	}
	return ExitOK
}
