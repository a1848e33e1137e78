// Package release keeps donor reports safe as a series (disclosure.md,
// rules 6-11). Every donor report is a Release: the cells it published,
// with their figures, and the cells it suppressed, with the figures it hid
// (kept in the store, which is the analysis team's). A reader holds every
// published figure of every release and knows the relations the query
// files declare (partitions, countries to ALL, one number per meaning,
// flows over time, stock minus stock = flow, counts of at least zero).
//
// Audit checks rule 8 over a ledger: for every cell rule 1 suppressed and
// each of its figures from 1 to k-1, the range of values that the published
// figures and the relations leave possible must include both 0 and k. The
// ranges are linear programmes over the unknown figures: fixed figures are
// propagated first, the rest is split into independent components, and
// each component is solved with gonum's simplex. Protect suppresses
// further cells of a new release until none of the ledger's or its own
// suppressed cells is exposed (rule 9).
package release

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"rrstat/internal/cell"
)

// Cell is one cell of a release.
type Cell struct {
	Indicator  string
	Kind       cell.Kind
	Period     string    // the period label: 2025Q3
	Start, End time.Time // its first and last day
	Country    string    // a country code or cell.AllCountries
	Dimension  string
	Category   string
	Flag       cell.Flag
	// Numerator and Denominator are the figures: those published when Flag
	// is cell.Shown, and otherwise those the cell hid (the analyst
	// figures), which only the store keeps. A count has no denominator, a
	// mean no numerator.
	Numerator, Denominator int64
}

// Published reports whether the release showed the cell's figures.
func (c *Cell) Published() bool { return c.Flag == cell.Shown }

// Release is one donor report as the ledger records it.
type Release struct {
	ID        string
	Seq       int64 // order in the ledger, from 1
	CreatedAt time.Time
	Period    string
	Window    int
	K         int
	Countries []string // the reporting countries; ALL is their sum
	Snapshots []string
	// Counts of the cells suppressed: by rule 1, by rule 2, and by the
	// protection of the series (rule 9).
	Primary, Secondary, Series int
	Cells                      []Cell
	Folder                     string // where its report was written
	// Headline are the indicators whose totals of the release's own
	// period are its headline figures: the protection hides them last.
	// (Not kept in the ledger: only a new release needs it.)
	Headline []string `json:"-"`
}

// allKey identifies ALL over a set of countries: two releases over
// different countries publish different ALLs.
func (r *Release) allKey() string {
	cs := append([]string(nil), r.Countries...)
	sort.Strings(cs)
	return cell.AllCountries + ":" + strings.Join(cs, ",")
}

// countryKey is the meaning of a cell's country: the country, or ALL over
// the release's countries.
func (r *Release) countryKey(country string) string {
	if country == cell.AllCountries {
		return r.allKey()
	}
	return country
}

// Figure names one of a cell's figures.
type Figure byte

// The figures of a cell (disclosure.md rule 8).
const (
	Count       Figure = 'n' // a count, or a percentage's numerator
	Denominator Figure = 'd' // a percentage's denominator, a mean's persons
	Difference  Figure = 'r' // a percentage's denominator minus numerator
)

func (f Figure) String() string {
	switch f {
	case Count:
		return "numerator"
	case Denominator:
		return "denominator"
	case Difference:
		return "difference"
	}
	return string(rune(f))
}

// figures returns the figures of a kind of indicator.
func figures(k cell.Kind) []Figure {
	switch k {
	case cell.Percentage:
		return []Figure{Count, Denominator, Difference}
	case cell.Mean:
		return []Figure{Denominator}
	}
	return []Figure{Count}
}

// value returns a figure of a cell.
func (c *Cell) value(f Figure) int64 {
	switch f {
	case Count:
		return c.Numerator
	case Denominator:
		return c.Denominator
	}
	return c.Denominator - c.Numerator
}

// Exposure is a suppressed figure that the published figures and the
// relations pin down too closely: the range they leave does not include 0
// or does not include k.
type Exposure struct {
	Release   string  `json:"release"`
	Indicator string  `json:"indicator"`
	Period    string  `json:"period"`
	Country   string  `json:"country"`
	Dimension string  `json:"dimension"`
	Category  string  `json:"category"`
	Figure    string  `json:"figure"`
	K         int     `json:"k"`
	Min       float64 `json:"min"`
	Max       float64 `json:"max"` // math.Inf(1) is written as null
	Infinite  bool    `json:"unbounded,omitempty"`
}

func (e Exposure) String() string {
	hi := fmt.Sprintf("%g", e.Max)
	if e.Infinite {
		hi = "∞"
	}
	return fmt.Sprintf("%s %s %s %s %s=%s %s: possible %g to %s (k = %d)", e.Release, e.Indicator, e.Period, e.Country, e.Dimension, e.Category, e.Figure, e.Min, hi, e.K)
}

// Revision is a figure two releases published with different values; the
// later one stands.
type Revision struct {
	Indicator string `json:"indicator"`
	Period    string `json:"period"`
	Country   string `json:"country"`
	Dimension string `json:"dimension"`
	Category  string `json:"category"`
	Figure    string `json:"figure"`
	Earlier   string `json:"earlier_release"`
	Was       int64  `json:"was"`
	Later     string `json:"later_release"`
	Now       int64  `json:"now"`
}

// Listing is a release as `rrstat releases` and GET /api/releases list it.
type Listing struct {
	ID         string     `json:"id"`
	Seq        int64      `json:"seq"`
	CreatedAt  time.Time  `json:"created_at"`
	Period     string     `json:"period"`
	Window     int        `json:"window"`
	K          int        `json:"k"`
	Countries  []string   `json:"countries"`
	Snapshots  []string   `json:"snapshots"`
	Published  int        `json:"cells_published"`
	Suppressed Suppressed `json:"cells_suppressed"`
	Folder     string     `json:"folder"`
}

// Suppressed counts a release's suppressed cells by the rule that
// suppressed them.
type Suppressed struct {
	Rule1  int `json:"rule1"`
	Rule2  int `json:"rule2"`
	Series int `json:"series_protection"`
}

// List returns the listing of a release.
func (r *Release) List() Listing {
	l := Listing{ID: r.ID, Seq: r.Seq, CreatedAt: r.CreatedAt, Period: r.Period, Window: r.Window, K: r.K,
		Countries: append([]string{}, r.Countries...), Snapshots: append([]string{}, r.Snapshots...), Folder: r.Folder,
		Suppressed: Suppressed{r.Primary, r.Secondary, r.Series}}
	for i := range r.Cells {
		if r.Cells[i].Published() {
			l.Published++
		}
	}
	return l
}
