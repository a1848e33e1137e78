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
	// Window is the trend window (series.md), oldest first; the last is
	// Period. Series holds its cells, one table per period, each as a
	// report of that period alone computes it (and, for a donor report,
	// through disclosure control); the last is Cells.
	Window      []period.Period
	Series      []*cell.Table
	Targets     *target.Set // nil: no targets
	Countries   []string    // reporting countries, alphabetical (ALL not included)
	Snapshots   []Snapshot  // one per country, in Countries order
	GeneratedAt time.Time
	ToolVersion string
	Synthetic   bool // the data is synthetic (demo): every output says so
}

// SuppressionRule is the disclosure rule as every donor output states it.
func (r *Report) SuppressionRule() string {
	return "Counts from 1 to k-1 are suppressed; a percentage is suppressed when its numerator, its denominator or their difference is from 1 to k-1; a mean when the number of persons is from 1 to k-1. Further cells are suppressed (secondary) so that no suppressed cell can be recovered from a total, within a country and across countries."
}
