// Package indicator reads the indicator catalogue: one SQL file per
// indicator, each with a header of "-- key: value" lines. The SQL is the
// definition; the header says what the SQL computes and how to show it.
package indicator

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"rrstat/internal/cell"
	"rrstat/internal/export"
)

// Indicator is one entry of the catalogue.
type Indicator struct {
	ID              string
	Name            string
	Kind            cell.Kind
	Definition      string
	Disaggregations []string // dimension names in order, without "total"
	Partitions      []string // the disaggregations whose categories add up to the total
	Order           int      // position in the catalogue (indicators.csv row order)
	// Time says how the indicator's figures depend on the period
	// (disclosure.md rule 7c-e): TimeStock, TimeFlow or TimePeriod.
	Time Time
	// SumCountries says that the countries' figures (counts, numerators,
	// denominators) add up to those of ALL (rule 7b).
	SumCountries bool
	// Increments names, for a stock, the flow indicator its increase
	// between two period ends is counted by (rule 7e: RET_CUMULATIVE's
	// increments are RET_ARRIVED), in every dimension of the stock; "" for
	// none.
	Increments string
	File       string // file name within the query folder
	SQL        string // the query, header included
}

// Dimensions returns "total" followed by the disaggregations.
func (ind *Indicator) Dimensions() []string {
	return append([]string{cell.TotalDimension}, ind.Disaggregations...)
}

// IsPartition reports whether dim is a partition dimension of ind.
func (ind *Indicator) IsPartition(dim string) bool {
	return slices.Contains(ind.Partitions, dim)
}

// Dimension describes a disaggregation: a closed code list, or an open one
// whose categories come from the data.
type Dimension struct {
	Name  string
	Codes []string // nil for an open dimension
}

// Open reports whether the categories come from the data.
func (d Dimension) Open() bool { return d.Codes == nil }

// KnownDimensions are the disaggregations a query may declare.
var KnownDimensions = map[string]Dimension{
	"sex":            {"sex", export.Sexes},
	"age_group":      {"age_group", export.AgeGroups},
	"service_type":   {"service_type", export.ServiceTypes},
	"need_type":      {"need_type", export.ServiceTypes},
	"provider_type":  {"provider_type", export.ProviderTypes},
	"closure_reason": {"closure_reason", export.ClosureReasons},
	"return_from":    {"return_from", nil},
	"region":         {"region", nil},
}

// Catalogue is the list of indicators in catalogue order.
type Catalogue []*Indicator

// Lookup returns the indicator with the given id, or nil.
func (c Catalogue) Lookup(id string) *Indicator {
	for _, ind := range c {
		if ind.ID == id {
			return ind
		}
	}
	return nil
}

// Kinds maps each id to its kind.
func (c Catalogue) Kinds() map[string]cell.Kind {
	m := make(map[string]cell.Kind, len(c))
	for _, ind := range c {
		m[ind.ID] = ind.Kind
	}
	return m
}

// Entry is one indicator as `rrstat indicators --json` and the HTTP API
// list it.
type Entry struct {
	ID              string   `json:"id"`
	Name            string   `json:"name"`
	Kind            string   `json:"kind"`
	Definition      string   `json:"definition"`
	Disaggregations []string `json:"disaggregations"`
	Partitions      []string `json:"partitions"`
	File            string   `json:"file"`
}

// Entries lists the catalogue for JSON output.
func (c Catalogue) Entries() []Entry {
	out := []Entry{}
	for _, ind := range c {
		out = append(out, Entry{ind.ID, ind.Name, string(ind.Kind), ind.Definition,
			append([]string{}, ind.Disaggregations...), append([]string{}, ind.Partitions...), ind.File})
	}
	return out
}

// Time is how an indicator's figures depend on the period.
type Time string

// The times of disclosure.md rule 7.
const (
	// TimeStock figures depend only on the period's last day: a year, its
	// fourth quarter and December give the same cells (returned to date,
	// open cases, the latest follow-up).
	TimeStock Time = "stock"
	// TimeFlow figures count events dated in the period: a year is the sum
	// of its quarters, a quarter the sum of its months.
	TimeFlow Time = "flow"
	// TimePeriod figures depend on the whole period and do not add up
	// over time (distinct persons reached in the period).
	TimePeriod Time = "period"
)

// keys is the closed set of header keys; every one is required but
// optionalKeys.
var keys = []string{"id", "name", "kind", "definition", "disaggregations", "partitions", "order", "time", "countries", "increments"}

// optionalKeys may be left out.
var optionalKeys = []string{"increments"}

// ErrCatalogue is wrapped by every error of Load.
var ErrCatalogue = errors.New("bad query catalogue")

// Errors lists every problem found in a query folder, compiler style
// ("queries/need_met.sql:3: unknown key \"dissag\"").
type Errors []string

func (e Errors) Error() string { return strings.Join(e, "\n") }

// Unwrap lets errors.Is find ErrCatalogue.
func (e Errors) Unwrap() error { return ErrCatalogue }

var (
	reID     = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	reHeader = regexp.MustCompile(`^--\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)$`)
)

// Load parses every *.sql file at the root of fsys. dir is the name shown
// in error messages ("queries"). All problems are reported at once, as an
// Errors value.
func Load(fsys fs.FS, dir string) (Catalogue, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var errs Errors
	if len(names) == 0 {
		errs = append(errs, fmt.Sprintf("%s: no .sql files", dir))
	}
	var cat Catalogue
	ids := map[string]string{}
	orders := map[int]string{}
	for _, name := range names {
		shown := path.Join(dir, name)
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", shown, err))
			continue
		}
		ind, ferrs := parse(shown, string(b))
		errs = append(errs, ferrs...)
		if ind == nil {
			continue
		}
		ind.File = name
		if prev, ok := ids[ind.ID]; ok {
			errs = append(errs, fmt.Sprintf("%s:%d: duplicate id %s (also in %s)", shown, ind.line("id"), ind.ID, prev))
			continue
		}
		ids[ind.ID] = shown
		if prev, ok := orders[ind.Order]; ok {
			errs = append(errs, fmt.Sprintf("%s:%d: duplicate order %d (also in %s)", shown, ind.line("order"), ind.Order, prev))
			continue
		}
		orders[ind.Order] = shown
		cat = append(cat, ind.Indicator)
	}
	for _, ind := range cat {
		if ind.Increments == "" {
			continue
		}
		flow := cat.Lookup(ind.Increments)
		switch {
		case flow == nil:
			errs = append(errs, fmt.Sprintf("%s: increments names %s, which is not in the catalogue", path.Join(dir, ind.File), ind.Increments))
		case flow.Time != TimeFlow || flow.Kind != cell.Count || ind.Kind != cell.Count:
			errs = append(errs, fmt.Sprintf("%s: increments %s: a stock count's increments are a flow count (time: flow, kind: count)", path.Join(dir, ind.File), ind.Increments))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	sort.SliceStable(cat, func(i, j int) bool { return cat[i].Order < cat[j].Order })
	return cat, nil
}

type parsed struct {
	*Indicator
	lines map[string]int
}

func (p parsed) line(key string) int { return p.lines[key] }

// parse reads one file; it returns nil when the header is unusable.
func parse(shown, src string) (*parsed, []string) {
	var errs []string
	errf := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Sprintf("%s:%d: ", shown, line)+fmt.Sprintf(format, args...))
	}
	vals := map[string]string{}
	lines := map[string]int{}
	last := 0
	for i, raw := range strings.Split(src, "\n") {
		n := i + 1
		l := strings.TrimRight(raw, "\r")
		if !strings.HasPrefix(l, "--") {
			break
		}
		last = n
		m := reHeader.FindStringSubmatch(l)
		if m == nil {
			errf(n, "header line is not `-- key: value`")
			continue
		}
		key, val := strings.ToLower(m[1]), strings.TrimSpace(m[2])
		if !slices.Contains(keys, key) {
			errf(n, "unknown key %q (known: %s)", m[1], strings.Join(keys, ", "))
			continue
		}
		if prev, ok := lines[key]; ok {
			errf(n, "duplicate key %q (first on line %d)", key, prev)
			continue
		}
		vals[key], lines[key] = val, n
	}
	for _, k := range keys {
		if _, ok := vals[k]; !ok && !slices.Contains(optionalKeys, k) {
			errf(last+1, "missing key %q", k)
		}
	}
	if strings.TrimSpace(strings.Join(strings.Split(src, "\n")[last:], "\n")) == "" {
		errf(last+1, "no SQL after the header")
	}
	ind := &Indicator{SQL: src}
	if v, ok := vals["id"]; ok {
		if !reID.MatchString(v) {
			errf(lines["id"], "id %q must be upper-case letters, digits and _", v)
		}
		ind.ID = v
	}
	for _, k := range []string{"name", "definition"} {
		if v, ok := vals[k]; ok && v == "" {
			errf(lines[k], "%s is empty", k)
		}
	}
	ind.Name, ind.Definition = vals["name"], vals["definition"]
	if v, ok := vals["kind"]; ok {
		k, err := cell.ParseKind(v)
		if err != nil {
			errf(lines["kind"], "%v", err)
		}
		ind.Kind = k
	}
	if v, ok := vals["order"]; ok {
		o, err := strconv.Atoi(v)
		if err != nil || o < 1 {
			errf(lines["order"], "order %q must be a positive integer", v)
		}
		ind.Order = o
	}
	if v, ok := vals["disaggregations"]; ok {
		ind.Disaggregations = splitList(v)
		seen := map[string]bool{}
		for _, d := range ind.Disaggregations {
			if _, known := KnownDimensions[d]; !known {
				errf(lines["disaggregations"], "unknown dimension %q (known: %s)", d, strings.Join(dimensionNames(), ", "))
			}
			if seen[d] {
				errf(lines["disaggregations"], "dimension %q listed twice", d)
			}
			seen[d] = true
		}
	}
	if v, ok := vals["time"]; ok {
		switch t := Time(v); t {
		case TimeStock, TimeFlow, TimePeriod:
			ind.Time = t
		default:
			errf(lines["time"], "time %q must be stock (depends on the last day only), flow (adds up over time) or period", v)
		}
	}
	if v, ok := vals["countries"]; ok {
		switch v {
		case "sum":
			ind.SumCountries = true
		case "none":
		default:
			errf(lines["countries"], "countries %q must be sum (the countries add up to ALL) or none", v)
		}
	}
	if v, ok := vals["increments"]; ok {
		ind.Increments = v
		if !reID.MatchString(v) {
			errf(lines["increments"], "increments %q must be an indicator id", v)
		} else if ind.Time != TimeStock {
			errf(lines["increments"], "only a stock (time: stock) has increments")
		}
	}
	if v, ok := vals["partitions"]; ok {
		ind.Partitions = splitList(v)
		for _, d := range ind.Partitions {
			if !slices.Contains(ind.Disaggregations, d) {
				errf(lines["partitions"], "partition %q is not among the disaggregations", d)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &parsed{ind, lines}, nil
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" && f != "-" {
			out = append(out, f)
		}
	}
	return out
}

func dimensionNames() []string {
	var out []string
	for k := range KnownDimensions {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
