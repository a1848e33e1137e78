// Package view is the one model of what a report shows. Build decides,
// once, what every table row, headline card, chart point and note shows (a
// figure, the suppression symbol, "no value", a change, a target), in the
// report's language; the workbook (internal/xlsx) and the dashboard
// (internal/charts) only draw a View. The rule "a suppressed cell shows the
// symbol and no number" lives here and nowhere else: a Figure built from a
// suppressed cell has no number to draw.
package view

import (
	"time"

	"rrstat/internal/cell"
	"rrstat/internal/layout"
)

// Mark says why a figure shows no number.
type Mark string

// The marks of a figure.
const (
	Shown      Mark = ""  // a number
	Suppressed Mark = "x" // removed by disclosure control
	NoValue    Mark = "–" // a percentage or mean of nobody
	Absent     Mark = " " // the category does not occur in that country: a blank
)

// Figure is one value as a report shows it.
type Figure struct {
	Kind cell.Kind
	// Text is what a table or card shows, in the report's language:
	// "1,234", "71.6" (no unit), or the mark ("x", "–"), or "" when absent.
	Text string
	// Value is the published value as indicators.csv writes it ("71.6"),
	// and Number the same as a float (a percentage in per cent), both only
	// when Mark is Shown.
	Value  string
	Number float64
	Mark   Mark
}

// HasNumber reports whether the figure shows a number.
func (f Figure) HasNumber() bool { return f.Mark == Shown }

// Change is a headline figure's change against an earlier period,
// computed from the published values (series.md).
type Change struct {
	Against string // the period compared with: "2025Q2"
	// Text is the change as shown: "+12", "-3", "0", "+2.5 pp", "+0.012";
	// NoValue's mark when either value is empty or suppressed.
	Text   string
	Number float64 // the change (in percentage points for a percentage), when HasNumber
	Dir    int     // +1 up, -1 down, 0 no change or no number
	Mark   Mark    // Shown or NoValue
	// Caption says it in words: "▲ +12 vs 2025Q2".
	Caption string
}

// HasNumber reports whether the change could be computed.
func (c Change) HasNumber() bool { return c.Mark == Shown }

// Goal is a targeted cell: the target and the share achieved.
type Goal struct {
	Target   Figure // in the indicator's unit
	Achieved Figure // per cent of the target (a percentage figure)
}

// Country is a column of the report: ALL first, then the reporting
// countries.
type Country struct {
	Code   string
	Name   string
	Colour string // "#1F3864": the same in every chart of both outputs
	All    bool
}

// Card is a headline indicator: its total for every country with change
// and target.
type Card struct {
	Indicator string
	Name      string
	Kind      cell.Kind
	Unit      string // "%" or "" (shown after a value)
	UnitName  string // the unit in words, for a column heading
	BaseHead  string // what CardEntry.Base counts ("Base (number of persons)"); "" for a count
	Entries   []CardEntry
}

// CardEntry is one country's headline figure.
type CardEntry struct {
	Country Country
	Value   Figure
	Base    Figure   // the denominator of a percentage or mean (Kind count); zero Figure for a count
	Changes []Change // against the previous period, then the same period a year earlier
	Goal    *Goal    // nil: no target for this cell
}

// Row is a row of an indicator's table.
type Row struct {
	Label string
	Group bool // a breakdown heading: no figures
	Total bool
	// Values and Bases hold one figure per country (ALL first); Bases only
	// for a percentage or mean.
	Values []Figure
	Bases  []Figure
}

// Table is an indicator's table: its total and each breakdown, by country.
type Table struct {
	ValueHead string // "Per cent", "Mean score", or "" for a count
	BaseHead  string // "Base (denominator)", "Persons averaged"
	Rows      []Row
	Notes     []string // the footnotes of the marks it uses and its unit
}

// Axis is a chart's value axis.
type Axis struct {
	Title    string   // "Persons", "Per cent", "Score (0 to 1)"
	Min, Max *float64 // fixed bounds (0-100 per cent, 0-1 score), nil: automatic
	Decimals int
	Percent  bool // values are per cent
}

// Point is a value of a chart series.
type Point struct {
	Figure
	Label string // the category label with its mark: "0-4 (x)"
	// Colour is the point's own colour where it is not its series' (a
	// chart by country: each country's bar in the country's colour); ""
	// otherwise.
	Colour string
}

// Series is one line or set of bars of a chart.
type Series struct {
	Name   string
	Colour string
	Points []Point // one per category of the chart
	Dashed bool    // a target line
}

// Chart is a chart of an indicator: its categories (a breakdown, the
// countries, or the periods of the window) and a series per country.
type Chart struct {
	ID         string // unique in the report: "RET_ARRIVED-age_group"
	Title      string
	Kind       string // bar (horizontal), column, line
	Dimension  string // the breakdown, "country", or "period"
	Categories []string
	// Labels are the category labels as a chart over all its series shows
	// them, each with the marks of its suppressed or empty points.
	Labels []string
	Series []Series
	Axis   Axis
	// Note explains the marks of the chart ("x  suppressed ...").
	Note string
}

// Trend is the trend window of an indicator's totals: the countries on one
// chart and ALL on its own, so that the sum does not flatten the
// countries, with the targets as dashed lines.
type Trend struct {
	Periods   []string
	Countries Chart // one line per reporting country (and a dashed target line per targeted country)
	All       Chart // ALL and its target
}

// Panel is one indicator of the layout: one workbook sheet and one
// dashboard section.
type Panel struct {
	Indicator  string
	Kind       cell.Kind
	KindName   string
	Title      string // sheet name (at most 31 characters)
	Name       string
	Definition string // for readers
	Precise    string // the query file's definition (analyst reports only)
	Meta       string // "Indicator RET_ARRIVED (count). Period: 2025Q3 (...)."
	Unit       string // "%" or "" (shown after a value, as Card.Unit)
	Table      Table
	// Charts are the breakdown charts: first the layout's chart dimension,
	// then the other tabulated breakdowns, and the total by country.
	Charts []Chart
	Trend  Trend
	// Goals are the targets of the window, by country (ALL first): nil
	// when the indicator has none.
	Goals []GoalRow
}

// GoalRow is one country's targets over the window.
type GoalRow struct {
	Country Country
	Goals   []*Goal // one per period of the window; nil where no target
}

// TrendRow is one row of the Trends sheet: an indicator's total for one
// country over the window.
type TrendRow struct {
	Indicator string
	Name      string
	Kind      cell.Kind
	Country   Country
	First     bool // the first row of its indicator
	Values    []Figure
	Goals     []*Goal // nil when no period has a target
}

// Definition is one indicator of the catalogue as the Definitions sheet
// lists it.
type Definition struct {
	ID, Name, Kind, Definition, Precise, Breakdowns, Sheet string
}

// Entry is a labelled text of the About sheet or the page's foot.
type Entry struct {
	Key, Value string
}

// Symbol explains a mark.
type Symbol struct {
	Mark    Mark
	Meaning string
}

// DataQuality is the Data quality sheet of an analyst report.
type DataQuality struct {
	Intro      string
	TableHead  []string // Country, Snapshot, Table, Rows read, Loaded, Merged, Rejected, Rejected (%)
	Tables     []QualityRow
	RejectHead []string // Country, Reason, Table, Column, Rows
	Rejects    []RejectRow
	NoRejects  string
	Warnings   [][2]string // country, text
}

// QualityRow counts one table of one snapshot.
type QualityRow struct {
	Country, Snapshot, Table           string
	Recorded                           bool
	RowsRead, Loaded, Merged, Rejected int64
	RejectedPct                        Figure
}

// RejectRow counts rejected rows of one reason.
type RejectRow struct {
	Country, Reason, Table, Column string
	Rows                           int64
}

// View is everything a report shows.
type View struct {
	Lang      string
	Words     Words
	Title     string
	Donor     bool
	K         int
	Synthetic bool
	Period    string // label: 2025Q3
	// PeriodText says what the period covers: "2025Q3 (1 July 2025 to 30
	// September 2025)".
	PeriodText string
	// Compared are the periods a headline figure is compared with, and
	// CompareHeads the headings of their change columns ("Change since
	// 2025Q2"), one per period of Compared.
	Compared     []string
	CompareHeads []string
	Periods      []string // the trend window, oldest first
	Notice       string   // the audience line every sheet and the page carry
	// SyntheticNotice is said on every sheet and the page of a report on
	// synthetic data; empty otherwise.
	SyntheticNotice string
	Generated       string
	Countries       []Country // ALL first
	Headline        []Card
	HeadlineNotes   []string
	Panels          []Panel
	Trends          []TrendRow
	TrendNotes      []string
	Definitions     []Definition
	DataQuality     *DataQuality // nil: no Data quality sheet (donor reports)
	About           []Entry
	Symbols         []Symbol
	Rule            string // the disclosure rule (donor) or the analyst notice
	// Contents lists the workbook's sheets with what each holds.
	Contents []Entry
	// PageHeader is the right-hand page header of a printed sheet.
	PageHeader string
	// Sheets says which sheets the workbook has: the layout's switches,
	// with About always on for a donor report (it states the rule and k)
	// and Data quality always off (load summaries are for analysts).
	Sheets      layout.Sheets
	Audience    string // analyst or donor (the workbook's category)
	Subject     string // the workbook's subject
	Layout      string // the layout file
	GeneratedAt time.Time
	Version     string
}
