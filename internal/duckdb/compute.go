package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"rrstat/internal/cell"
	"rrstat/internal/export"
	"rrstat/internal/indicator"
	"rrstat/internal/period"
	"rrstat/internal/report"
)

// Selection says which snapshots a report covers.
type Selection struct {
	SnapshotIDs []string // by id, each in place of the current snapshot of its country
	Countries   []string // limit to these countries; empty = all
}

// Computed is the result of running the catalogue.
type Computed struct {
	Cells *cell.Table
	// Window holds one table per period of the window, oldest first; the
	// last is Cells.
	Window    []*cell.Table
	Snapshots []report.Snapshot // in country order
	Countries []string          // alphabetical
	// Timings holds how long each indicator's query took (for benchmarks).
	Timings map[string]float64
}

// viewColumns are the columns the query files see, per table; the
// reporting country is added to every row and a missing region shows as
// "unknown".
var viewColumns = map[string]string{
	"returnees": `pk, person_id, household_id, coalesce(region, 'unknown') AS region, sex, birth_year,
	    return_date, return_from, household_role, unaccompanied_minor, legal_status, case_status,
	    case_closed_date, closure_reason`,
	"needs":    `pk, person_id, need_type, identified_date`,
	"services": `pk, service_id, person_id, service_type, service_date, provider_type, status`,
	"followups": `pk, person_id, followup_date, economic_score, social_score, psychosocial_score,
	    in_education, employed, has_civil_documents`,
}

var reCountry = regexp.MustCompile(`^[A-Z]{2}$`)

// reportViews returns the statements that expose the selected snapshots to
// the query files under the names of the data contract's tables. The
// temporary views shadow nothing: a snapshot's rows live in its own tables
// (s<snap>_returnees ...), qualified here with the store's catalog db.
func reportViews(db string, snaps []selected) ([]string, error) {
	var out []string
	for _, tn := range export.TableNames {
		var parts []string
		for _, sn := range snaps {
			if !reCountry.MatchString(sn.Country) {
				return nil, fmt.Errorf("snapshot %s has a bad country %q", sn.ID, sn.Country)
			}
			parts = append(parts, fmt.Sprintf("SELECT '%s' AS country, %s FROM %s.main.%s", sn.Country, viewColumns[tn], db, snapTable(sn.snap, tn)))
		}
		out = append(out, fmt.Sprintf("CREATE OR REPLACE TEMP VIEW %s AS %s", tn, strings.Join(parts, "\nUNION ALL\n")))
	}
	out = append(out, `CREATE OR REPLACE TEMP MACRO age_group(age) AS CASE
	     WHEN age < 5 THEN '0-4' WHEN age < 12 THEN '5-11' WHEN age < 18 THEN '12-17'
	     WHEN age < 60 THEN '18-59' ELSE '60+' END`)
	return out, nil
}

var reParam = regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*)`)

// windowSetup returns the statements that give the query files the
// report's window: the table periods (i, period, p0, p1), oldest first from
// i = 0, and the macros window_index(d), the index of the first period of
// the window whose last day is on or after d (0 for a day before the
// window, window_length() for a day after it, NULL for no day), and
// window_length(), the number of periods. A query counts what holds "to
// date" from window_index of its day on, and what holds until a day (a
// case closed) in the periods before window_index of that day. The window
// is contiguous and of one kind, so the index is arithmetic on the date.
func windowSetup(window []period.Period) []string {
	first, last := window[0], window[len(window)-1]
	var ord string
	switch first.Kind {
	case period.Quarter:
		ord = "(year(d) * 4 + quarter(d) - 1)"
	case period.Month:
		ord = "(year(d) * 12 + month(d) - 1)"
	default:
		ord = "year(d)"
	}
	var rows []string
	for i, p := range window {
		rows = append(rows, fmt.Sprintf("(%d, '%s', DATE '%s', DATE '%s')", i, p.Label, period.ISO(p.Start), period.ISO(p.End)))
	}
	n := len(window)
	return []string{
		"CREATE OR REPLACE TEMP TABLE periods (i INTEGER, period VARCHAR, p0 DATE, p1 DATE)",
		"INSERT INTO periods VALUES " + strings.Join(rows, ", "),
		fmt.Sprintf("CREATE OR REPLACE TEMP MACRO window_length() AS %d", n),
		fmt.Sprintf(`CREATE OR REPLACE TEMP MACRO window_index(d) AS CASE
	     WHEN d < DATE '%s' THEN 0 WHEN d > DATE '%s' THEN %d
	     ELSE CAST(%s - %d AS INTEGER) END`, period.ISO(first.Start), period.ISO(last.End), n, ord, first.Ordinal()),
	}
}

// Compute runs every query of the catalogue for every period of the window
// (oldest first, all of one kind, contiguous: period.Window) on the
// selected snapshots, and returns one table per period, each in
// indicators.csv order and each exactly as a report of that period alone
// would compute it. Categories are listed as indicators.md says: every code
// of a code list (zero where empty), and for return_from and region every
// value of the country's returnees (for ALL, of any selected country's).
//
// A query file computes the whole window at once: it reads the periods
// from the table periods and returns a column period (see windowSetup). A
// query written for one period, with the parameters $p0 and $p1, is run
// once per period instead.
func (s *Store) Compute(ctx context.Context, cat indicator.Catalogue, window []period.Period, params report.Params, sel Selection) (*Computed, error) {
	if len(window) == 0 {
		return nil, errors.New("compute: no period")
	}
	for i := 1; i < len(window); i++ {
		if window[i].Kind != window[0].Kind || window[i].Ordinal() != window[i-1].Ordinal()+1 {
			return nil, fmt.Errorf("compute: the periods %s and %s do not follow each other", window[i-1].Label, window[i].Label)
		}
	}
	snaps, err := s.selectSnapshots(ctx, sel.SnapshotIDs, sel.Countries)
	if err != nil {
		return nil, err
	}
	if len(snaps) == 0 {
		return nil, fmt.Errorf("%w: there is no snapshot to report on; load an export first (rrstat load)", ErrEmptyStore)
	}
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	out := &Computed{Timings: map[string]float64{}}
	for _, sn := range snaps {
		out.Snapshots = append(out.Snapshots, sn.Snapshot)
		out.Countries = append(out.Countries, sn.Country)
	}
	var dbName string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&dbName); err != nil {
		return nil, err
	}
	views, err := reportViews(quoteIdent(dbName), snaps)
	if err != nil {
		return nil, err
	}
	views = append(views, windowSetup(window)...)
	for _, v := range views {
		if _, err := conn.ExecContext(ctx, v); err != nil {
			return nil, fmt.Errorf("prepare report views: %w", err)
		}
	}
	// Person keys are unique within a snapshot (checked at load); check
	// that they are across the snapshots reported on together.
	var keys, persons int64
	if err := conn.QueryRowContext(ctx, "SELECT count(DISTINCT pk), count(*) FROM returnees").Scan(&keys, &persons); err != nil {
		return nil, err
	}
	if keys != persons {
		return nil, fmt.Errorf("two persons of different snapshots share an internal key; report on them separately (--country) and please report it")
	}
	open, err := openCategories(ctx, conn)
	if err != nil {
		return nil, err
	}
	bind := map[string]any{
		"w_economic": params.Weights.Economic, "w_social": params.Weights.Social, "w_psychosocial": params.Weights.Psychosocial,
		"threshold": params.Threshold,
	}
	countries := append([]string{cell.AllCountries}, out.Countries...)
	// The queries run on QueryWorkers connections at once: DuckDB spreads
	// each query over the cores, but small queries leave them idle.
	conns := []*sql.Conn{conn}
	for len(conns) < max(1, s.QueryWorkers) && len(conns) < len(cat) {
		c, err := s.DB.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		for _, v := range views {
			if _, err := c.ExecContext(ctx, v); err != nil {
				return nil, fmt.Errorf("prepare report views: %w", err)
			}
		}
		conns = append(conns, c)
	}
	// results[i][j] holds indicator i's cells of period j.
	results := make([][][]cell.Cell, len(cat))
	errs := make([]error, len(cat))
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int)
	for _, c := range conns {
		wg.Add(1)
		go func(c *sql.Conn) {
			defer wg.Done()
			for i := range next {
				ind := cat[i]
				start := time.Now()
				got, err := runQuery(ctx, c, ind, window, bind)
				if err == nil {
					results[i] = make([][]cell.Cell, len(window))
					for j, p := range window {
						if results[i][j], err = frame(ind, countries, open, got[p.Label]); err != nil {
							break
						}
					}
				}
				errs[i] = err
				mu.Lock()
				out.Timings[ind.ID] = time.Since(start).Seconds()
				mu.Unlock()
			}
		}(c)
	}
	for i := range cat {
		next <- i
	}
	close(next)
	wg.Wait()
	for i := range cat {
		if errs[i] != nil {
			return nil, errs[i]
		}
	}
	for j, p := range window {
		t := &cell.Table{Period: p.Label}
		for i := range cat {
			t.Cells = append(t.Cells, results[i][j]...)
		}
		out.Window = append(out.Window, t)
	}
	out.Cells = out.Window[len(out.Window)-1]
	return out, nil
}

// openCategories returns, per country and for ALL, the categories of the
// open dimensions: every value found in the returnees, byte order.
func openCategories(ctx context.Context, conn *sql.Conn) (map[string]map[string][]string, error) {
	out := map[string]map[string][]string{}
	for _, dim := range []string{"return_from", "region"} {
		rows, err := conn.QueryContext(ctx, fmt.Sprintf("SELECT DISTINCT country, %s FROM returnees WHERE %s IS NOT NULL", dim, dim))
		if err != nil {
			return nil, err
		}
		all := map[string]bool{}
		for rows.Next() {
			var c, v string
			if err := rows.Scan(&c, &v); err != nil {
				rows.Close()
				return nil, err
			}
			if out[c] == nil {
				out[c] = map[string][]string{}
			}
			out[c][dim] = append(out[c][dim], v)
			all[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if out[cell.AllCountries] == nil {
			out[cell.AllCountries] = map[string][]string{}
		}
		for v := range all {
			out[cell.AllCountries][dim] = append(out[cell.AllCountries][dim], v)
		}
	}
	for _, dims := range out {
		for _, vs := range dims {
			sort.Strings(vs) // byte order of the UTF-8 text
		}
	}
	return out, nil
}

type figures struct {
	num, den string
}

// runQuery runs one indicator's SQL with its parameters bound and returns
// its rows by period label and key. A query with $p0 or $p1 is run once per
// period of the window; any other returns the period as its first column.
func runQuery(ctx context.Context, conn *sql.Conn, ind *indicator.Indicator, window []period.Period, bind map[string]any) (map[string]map[cell.Key]figures, error) {
	var names []string
	perPeriod := false
	seen := map[string]bool{}
	for _, m := range reParam.FindAllStringSubmatch(ind.SQL, -1) {
		name := m[1]
		if seen[name] {
			continue
		}
		seen[name] = true
		if name == "p0" || name == "p1" {
			perPeriod = true
		} else if _, ok := bind[name]; !ok {
			return nil, fmt.Errorf("queries/%s: unknown parameter $%s (known: $w_economic, $w_social, $w_psychosocial, $threshold; a query for one period may use $p0 and $p1)", ind.File, name)
		}
		names = append(names, name)
	}
	body := strings.TrimRight(strings.TrimSpace(ind.SQL), ";")
	got := map[string]map[cell.Key]figures{}
	for _, p := range window {
		got[p.Label] = map[cell.Key]figures{}
	}
	run := func(q string, fixed string, args []any) error {
		rows, err := conn.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("queries/%s: %s", ind.File, firstLine(err.Error()))
		}
		defer rows.Close()
		for rows.Next() {
			var per, country, dim, cat, num, den sql.NullString
			if err := rows.Scan(&per, &country, &dim, &cat, &num, &den); err != nil {
				return fmt.Errorf("queries/%s: %w", ind.File, err)
			}
			if fixed != "" {
				per = sql.NullString{String: fixed, Valid: true}
			}
			k := cell.Key{Indicator: ind.ID, Country: country.String, Dimension: dim.String, Category: cat.String}
			if !per.Valid || !country.Valid || !dim.Valid || !cat.Valid {
				return fmt.Errorf("queries/%s: a row has no period, country, dimension or category (%v)", ind.File, k)
			}
			byKey, ok := got[per.String]
			if !ok {
				return fmt.Errorf("queries/%s: returned period %q, which is not in the window", ind.File, per.String)
			}
			if _, dup := byKey[k]; dup {
				return fmt.Errorf("queries/%s: two rows for %s %s %s %s", ind.File, per.String, k.Country, k.Dimension, k.Category)
			}
			byKey[k] = figures{num.String, den.String}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("queries/%s: %s", ind.File, firstLine(err.Error()))
		}
		return nil
	}
	cols := `CAST(country AS VARCHAR), CAST(dimension AS VARCHAR), CAST(category AS VARCHAR),
		CAST(numerator AS VARCHAR), CAST(denominator AS VARCHAR)`
	if !perPeriod {
		var args []any
		for _, name := range names {
			args = append(args, sql.Named(name, bind[name]))
		}
		q := fmt.Sprintf("SELECT CAST(period AS VARCHAR), %s FROM (%s\n)", cols, body)
		return got, run(q, "", args)
	}
	q := fmt.Sprintf("SELECT NULL, %s FROM (%s\n)", cols, body)
	for _, p := range window {
		var args []any
		for _, name := range names {
			v := bind[name]
			switch name {
			case "p0":
				v = period.ISO(p.Start)
			case "p1":
				v = period.ISO(p.End)
			}
			args = append(args, sql.Named(name, v))
		}
		if err := run(q, p.Label, args); err != nil {
			return nil, err
		}
	}
	return got, nil
}

// frame lays out an indicator's cells: every country (ALL first), every
// dimension (total first), every category in order, filling zeros where the
// query returned nothing. A row the frame has no place for is an error in
// the query, not something to drop.
func frame(ind *indicator.Indicator, countries []string, open map[string]map[string][]string, got map[cell.Key]figures) ([]cell.Cell, error) {
	var cells []cell.Cell
	used := 0
	for _, c := range countries {
		for _, dim := range ind.Dimensions() {
			var cats []string
			switch {
			case dim == cell.TotalDimension:
				cats = []string{cell.TotalDimension}
			case indicator.KnownDimensions[dim].Open():
				cats = open[c][dim]
			default:
				cats = indicator.KnownDimensions[dim].Codes
			}
			for _, cat := range cats {
				k := cell.Key{Indicator: ind.ID, Country: c, Dimension: dim, Category: cat}
				f, ok := got[k]
				if ok {
					used++
				}
				fig, err := toFigures(ind.Kind, f)
				if err != nil {
					return nil, fmt.Errorf("queries/%s: %s %s %s: %v", ind.File, c, dim, cat, err)
				}
				cells = append(cells, cell.Cell{Indicator: ind.ID, Kind: ind.Kind, Country: c, Dimension: dim, Category: cat, Fig: fig})
			}
		}
	}
	if used != len(got) {
		for k := range got {
			if !slices.Contains(countries, k.Country) {
				return nil, fmt.Errorf("queries/%s: returned country %q, which the report does not cover", ind.File, k.Country)
			}
			if !slices.Contains(ind.Dimensions(), k.Dimension) {
				return nil, fmt.Errorf("queries/%s: returned dimension %q, which its header does not list", ind.File, k.Dimension)
			}
		}
		for k := range got {
			found := false
			for _, c := range cells {
				if c.Key() == k {
					found = true
				}
			}
			if !found {
				return nil, fmt.Errorf("queries/%s: returned category %q of %s for %s, which is not a category of that dimension", ind.File, k.Category, k.Dimension, k.Country)
			}
		}
	}
	return cells, nil
}

// toFigures reads a query row's numerator and denominator. Counts and
// percentages are integers; a mean's numerator is the exact decimal sum.
func toFigures(kind cell.Kind, f figures) (*cell.Figures, error) {
	fig := &cell.Figures{}
	var err error
	switch kind {
	case cell.Count:
		fig.Numerator, err = intOrZero(f.num)
	case cell.Percentage:
		if fig.Numerator, err = intOrZero(f.num); err == nil {
			fig.Denominator, err = intOrZero(f.den)
		}
		if err == nil && (fig.Numerator > fig.Denominator || fig.Numerator < 0) {
			err = fmt.Errorf("numerator %d outside 0..denominator %d", fig.Numerator, fig.Denominator)
		}
	case cell.Mean:
		fig.Sum = new(big.Rat)
		if f.num != "" {
			if _, ok := fig.Sum.SetString(f.num); !ok {
				err = fmt.Errorf("mean sum %q is not a number", f.num)
			}
		}
		if err == nil {
			fig.Denominator, err = intOrZero(f.den)
		}
	}
	return fig, err
}

func intOrZero(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(s, 10, 64)
}
