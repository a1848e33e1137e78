// Package report is the model of one report folder: the cells (already
// through disclosure control for a donor report), the catalogue, the
// snapshots used and the provenance. Writers (internal/xlsx,
// internal/charts) draw everything they show from a Report and nothing else.
package report

import (
	"time"

	"rrstat/internal/cell"
	"rrstat/internal/export"
	"rrstat/internal/indicator"
	"rrstat/internal/layout"
	"rrstat/internal/period"
	"rrstat/internal/target"
)

// Audience says who a report is for.
type Audience string

// The audiences of cli.md.
const (
	Analyst Audience = "analyst" // every cell; for internal use only
	Donor   Audience = "donor"   // disclosure control applied
)

// ParseAudience returns the audience named by s.
func ParseAudience(s string) (Audience, bool) {
	switch a := Audience(s); a {
	case Analyst, Donor:
		return a, true
	}
	return "", false
}

// Weights are the composite reintegration score's weights, as exact
// decimal strings ("0.40").
type Weights struct {
	Economic     string `json:"economic"`
	Social       string `json:"social"`
	Psychosocial string `json:"psychosocial"`
}

// Params are the configurable parameters of the indicators.
type Params struct {
	Weights   Weights `json:"weights"`
	Threshold string  `json:"sustainable_threshold"` // composite >= Threshold is sustainable
}

// DefaultParams are the defaults of indicators.md.
var DefaultParams = Params{
	Weights:   Weights{Economic: "0.40", Social: "0.30", Psychosocial: "0.30"},
	Threshold: "0.66",
}

// Snapshot describes one country snapshot a report was computed from.
type Snapshot struct {
	ID            string          `json:"snapshot_id"`
	Country       string          `json:"country"`
	ContentSHA256 string          `json:"content_sha256"`
	LoadedAt      time.Time       `json:"loaded_at"`
	Source        string          `json:"source"`  // the export's path as given to load
	Persons       int64           `json:"persons"` // persons loaded
	Rows          int64           `json:"rows"`    // rows loaded, all four tables
	Current       bool            `json:"current"`
	Summary       *export.Summary `json:"-"` // the stored load summary (Data quality sheet)
}

// Report is everything a report folder shows.
type Report struct {
	Period    period.Period
	Audience  Audience
	K         int // disclosure threshold (donor reports)
	Params    Params
	Catalogue indicator.Catalogue
	Layout    *layout.Layout
	Cells     *cell.Table // for a donor report, suppressed cells carry no figures
	// Periods are the periods computed, oldest first; the last is Period.
	// Tables holds their cells, one table per period, each as a report of
	// that period alone computes it (and, for a donor report, through
	// disclosure control); the last is Cells. The last Window of them are
	// the trend window (series.md); any before it are there only for the
	// change of a headline figure against the previous period or the same
	// period a year earlier.
	Periods []period.Period
	Tables  []*cell.Table
	Window  int
	Targets *target.Set // nil: no targets
	// Protection says what disclosure control did to a donor report (nil
	// for an analyst report).
	Protection  *Protection
	Countries   []string   // reporting countries, alphabetical (ALL not included)
	Snapshots   []Snapshot // one per country, in Countries order
	GeneratedAt time.Time
	ToolVersion string
	Synthetic   bool // the data is synthetic (demo): every output says so
}

// Protection counts the cells disclosure control removed from a donor
// report's own period and window: by rules 1-2 (Primary, suppressed, and
// Secondary, their protection) and by the protection of the series of
// releases (Series, disclosure.md rule 9); Release is the release id.
type Protection struct {
	Primary, Secondary, Series int
	Release                    string
}

// WindowPeriods returns the periods of the trend window, oldest first.
func (r *Report) WindowPeriods() []period.Period { return r.Periods[len(r.Periods)-r.Window:] }

// WindowTables returns the tables of the trend window, oldest first.
func (r *Report) WindowTables() []*cell.Table { return r.Tables[len(r.Tables)-r.Window:] }

// Table returns the table of a computed period by its label, or nil.
func (r *Report) Table(label string) *cell.Table {
	for i, p := range r.Periods {
		if p.Label == label {
			return r.Tables[i]
		}
	}
	return nil
}

// CompareWith returns the periods a headline figure is compared with: the
// previous period and, for a quarter or a month, the same period a year
// earlier (series.md).
func CompareWith(p period.Period) []period.Period {
	out := []period.Period{p.Shift(-1)}
	if p.Kind != period.Year {
		out = append(out, p.YearEarlier())
	}
	return out
}

// SuppressionRule is the disclosure rule as every donor output states it.
func (r *Report) SuppressionRule() string {
	return "Counts from 1 to k-1 are suppressed; a percentage is suppressed when its numerator, its denominator or their difference is from 1 to k-1; a mean when the number of persons is from 1 to k-1. Further cells are suppressed (secondary) so that no suppressed cell can be recovered from a total, within a country and across countries."
}
