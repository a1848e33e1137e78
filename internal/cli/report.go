package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
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

// loadLayout reads a layout: the built-in default when arg is empty, a
// built-in one when arg is a bare name (donor-summary), else the file arg.
func loadLayout(arg string, cat indicator.Catalogue) (*layout.Layout, error) {
	if arg == "" {
		return layout.Load(reports.FS, reports.Default, cat)
	}
	if isLayoutName(arg) {
		if _, err := fs.Stat(reports.FS, arg+".yaml"); err != nil {
			return nil, fmt.Errorf("--layout %s: no built-in layout of that name (%s) and, for a file, give its path with .yaml", arg, builtinLayouts())
		}
		return layout.Load(reports.FS, arg+".yaml", cat)
	}
	src, err := os.ReadFile(arg)
	if err != nil {
		msg := fmt.Sprintf("--layout %s: %v", arg, errors.Unwrap(err))
		if name := strings.TrimSuffix(filepath.Base(arg), ".yaml"); errors.Is(err, fs.ErrNotExist) && builtinLayout(name) {
			msg += fmt.Sprintf("; for the built-in layout write --layout %s", name)
		}
		return nil, errors.New(msg)
	}
	return layout.Parse(arg, src, cat)
}

// isLayoutName reports whether a --layout value names a built-in layout
// rather than a file: no folder and no extension.
func isLayoutName(arg string) bool {
	return !strings.ContainsAny(arg, `/\.`)
}

func builtinLayout(name string) bool {
	_, err := fs.Stat(reports.FS, name+".yaml")
	return isLayoutName(name) && err == nil
}

// builtinLayouts lists the names of the built-in layouts, for messages.
func builtinLayouts() string {
	matches, _ := fs.Glob(reports.FS, "*.yaml")
	for i, m := range matches {
		matches[i] = strings.TrimSuffix(m, ".yaml")
	}
	return "built in: " + strings.Join(matches, ", ")
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
	fs := newFlags(e, "report", "[--db PATH] --period P [--audience analyst|donor] [--k N] [--country CC]... [--snapshot ID]... [--layout NAME|FILE] [--window N] [--targets FILE] [--lang en|ru|uz] [--labels FILE] [--out DIR] [--json]",
		"Writes one report folder for the period: indicators.csv, series.csv (the trend window),\n"+
			"report.xlsx, dashboard.html and manifest.json. P is a quarter (2025Q3), a year (2025) or a\n"+
			"month (2025-08). An existing folder is replaced only when the new report is complete. A\n"+
			"donor report is recorded in the store's release ledger and protected against it.")
	db := fs.String("db", "", "the store file (default $RRSTAT_DB, else rrstat.duckdb)")
	per := fs.String("period", "", "the reporting period `P`: 2025Q3, 2025 or 2025-08")
	aud := fs.String("audience", "analyst", "analyst (every cell, internal use) or donor (disclosure control applied)")
	k := fs.Int("k", minDonorK, "the disclosure threshold `N` of a donor report (at least 5)")
	var countries, snaps listFlag
	fs.Var(&countries, "country", "report only on country `CC` (repeatable; default: every country with a current snapshot)")
	fs.Var(&snaps, "snapshot", "report on snapshot `ID` instead of the current one of its country (repeatable)")
	lay := fs.String("layout", "", "a built-in layout by name (quarterly, donor-summary) or a layout `FILE` (default quarterly)")
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
		if _, err := period.Parse(pos[0]); err == nil && *per == "" {
			return usageError(e, "report", "give the period with --period: rrstat report --period %s", pos[0])
		}
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
	if audience == report.Donor && *k < minDonorK {
		return usageError(e, "report", "a donor report needs --k %d or more (it is %d): smaller cells could identify persons; an analyst report (the default audience) shows every cell, for internal use", minDonorK, *k)
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
	acc := e.storeAccess("report", e.dbPath(*db))
	sel := duckdb.Selection{SnapshotIDs: snaps, Countries: ccs}
	var cov *duckdb.Coverage
	if err := acc.Read(ctx, func(store *duckdb.Store) error {
		var err error
		cov, err = store.Coverage(ctx, sel, p)
		return err
	}); err != nil {
		return failf(e, "report", "%v", err)
	}
	warnCoverage(e, cov, p, audience, *k)
	m, err := publish.Make(ctx, acc, cat, publish.Request{
		Period: p, Window: *window, Targets: targets, Labels: lab, Audience: audience, K: *k, Params: params,
		Selection: sel,
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

// minDonorK is the least threshold of a donor report (cli.md).
const minDonorK = 5

// warnCoverage says on stderr, before a report is made, when its period
// holds no data at all and when a country is too small for k: a donor
// report suppresses that country's figures, and to protect them cells of
// the other countries and of ALL.
func warnCoverage(e *env, c *duckdb.Coverage, p period.Period, audience report.Audience, k int) {
	if c.InPeriod == 0 {
		span := "they hold no dated record at all"
		if !c.First.IsZero() {
			span = fmt.Sprintf("their records run from %s to %s", period.ISO(c.First), period.ISO(c.Last))
		}
		fmt.Fprintf(e.stderr, "warning: no return, need, service, follow-up or case closure of the snapshots reported on is dated within %s (%s to %s); %s. Check --period.\n",
			p.Label, period.ISO(p.Start), period.ISO(p.End), span)
	}
	var small, others []string
	for _, sn := range c.Snapshots {
		if sn.Persons < int64(k) {
			small = append(small, fmt.Sprintf("%s (%d %s)", sn.Country, sn.Persons, plural(sn.Persons, "person", "persons")))
		} else {
			others = append(others, "--country "+sn.Country)
		}
	}
	if len(small) == 0 {
		return
	}
	n := int64(len(small))
	what := fmt.Sprintf("the %s of %s %s fewer than", plural(n, "snapshot", "snapshots"), joinAnd(small), plural(n, "holds", "hold"))
	its, it := plural(n, "its", "their"), plural(n, "it", "them")
	leaveOut := "no country is large enough to leave the others"
	if len(others) > 0 {
		leaveOut = fmt.Sprintf("to leave %s out, name the others: %s", it, strings.Join(others, " "))
	}
	if audience == report.Donor {
		fmt.Fprintf(e.stderr, "warning: %s k = %d persons: %s figures will be suppressed, and will force the suppression of further cells in the other countries and ALL; %s\n",
			what, k, its, leaveOut)
		return
	}
	fmt.Fprintf(e.stderr, "warning: %s %d persons: a donor report would suppress %s figures and, to protect them, further cells in the other countries and ALL; %s\n",
		what, k, its, leaveOut)
}

// joinAnd joins words as a sentence does: "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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
