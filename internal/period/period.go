// Package period parses reporting periods: a calendar quarter (2025Q3), a
// year (2025) or a month (2025-08), with inclusive first and last days.
package period

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Kind is the length of a period.
type Kind string

// The kinds of period.
const (
	Year    Kind = "year"
	Quarter Kind = "quarter"
	Month   Kind = "month"
)

// The years that may be reported on (indicators.md).
const (
	MinYear = 1900
	MaxYear = 2100
)

// ErrBadPeriod is returned for a string that is not a period.
var ErrBadPeriod = errors.New("bad period")

// Period is a reporting period. Start and End are dates (midnight UTC), both
// inclusive.
type Period struct {
	Label string // canonical: 2025Q3, 2025, 2025-08
	Kind  Kind
	Start time.Time
	End   time.Time
}

var (
	reYear    = regexp.MustCompile(`^(\d{4})$`)
	reQuarter = regexp.MustCompile(`^(\d{4})Q([1-4])$`)
	reMonth   = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
)

// Parse reads a period, case-insensitively. It returns an error wrapping
// ErrBadPeriod that says which forms are accepted.
func Parse(s string) (Period, error) {
	in := strings.ToUpper(strings.TrimSpace(s))
	var p Period
	switch {
	case reQuarter.MatchString(in):
		m := reQuarter.FindStringSubmatch(in)
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		p = Period{Label: fmt.Sprintf("%04dQ%d", y, q), Kind: Quarter,
			Start: date(y, time.Month(3*q-2), 1)}
		p.End = p.Start.AddDate(0, 3, -1)
	case reMonth.MatchString(in):
		m := reMonth.FindStringSubmatch(in)
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			return Period{}, fmt.Errorf("%w %q: month %02d does not exist", ErrBadPeriod, s, mo)
		}
		p = Period{Label: fmt.Sprintf("%04d-%02d", y, mo), Kind: Month, Start: date(y, time.Month(mo), 1)}
		p.End = p.Start.AddDate(0, 1, -1)
	case reYear.MatchString(in):
		y, _ := strconv.Atoi(in)
		p = Period{Label: fmt.Sprintf("%04d", y), Kind: Year, Start: date(y, 1, 1), End: date(y, 12, 31)}
	default:
		return Period{}, fmt.Errorf("%w %q: use a quarter (2025Q3), a year (2025) or a month (2025-08)", ErrBadPeriod, s)
	}
	if y := p.Start.Year(); y < MinYear || y > MaxYear {
		return Period{}, fmt.Errorf("%w %q: the year must be from %d to %d", ErrBadPeriod, s, MinYear, MaxYear)
	}
	return p, nil
}

// LatestCompleteQuarter returns the last calendar quarter that ended on or
// before day.
func LatestCompleteQuarter(day time.Time) Period {
	y, m := day.Year(), int(day.Month())
	q := (m-1)/3 + 1
	last := date(y, time.Month(3*q+1), 0) // last day of day's quarter
	if !day.Before(last) {
		p, _ := Parse(fmt.Sprintf("%04dQ%d", y, q))
		return p
	}
	q--
	if q == 0 {
		y, q = y-1, 4
	}
	p, _ := Parse(fmt.Sprintf("%04dQ%d", y, q))
	return p
}

// ISO formats a date as YYYY-MM-DD.
func ISO(t time.Time) string { return t.Format("2006-01-02") }

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// The trend window of series.md: a report of period P carries the N periods
// of P's kind that end with P.
const (
	MinWindow = 1
	MaxWindow = 40
)

// DefaultWindow returns the default length of the window of a period kind:
// 8 quarters, 12 months, 5 years (series.md).
func DefaultWindow(k Kind) int {
	switch k {
	case Quarter:
		return 8
	case Month:
		return 12
	}
	return 5
}

// perYear returns how many periods of kind k a year holds.
func perYear(k Kind) int {
	switch k {
	case Quarter:
		return 4
	case Month:
		return 12
	}
	return 1
}

// Ordinal numbers the periods of one kind consecutively: year*4 + quarter-1
// for quarters, year*12 + month-1 for months, the year for years.
func (p Period) Ordinal() int {
	y, m := p.Start.Year(), int(p.Start.Month())
	switch p.Kind {
	case Quarter:
		return y*4 + (m-1)/3
	case Month:
		return y*12 + m - 1
	}
	return y
}

// FromOrdinal returns the period of kind k with the given ordinal. It is
// not limited to MinYear-MaxYear: a window may reach back before 1900.
func FromOrdinal(k Kind, ord int) Period {
	n := perYear(k)
	y, i := ord/n, ord%n
	if i < 0 {
		y, i = y-1, i+n
	}
	var p Period
	switch k {
	case Quarter:
		p = Period{Label: fmt.Sprintf("%04dQ%d", y, i+1), Kind: Quarter, Start: date(y, time.Month(3*i+1), 1)}
		p.End = p.Start.AddDate(0, 3, -1)
	case Month:
		p = Period{Label: fmt.Sprintf("%04d-%02d", y, i+1), Kind: Month, Start: date(y, time.Month(i+1), 1)}
		p.End = p.Start.AddDate(0, 1, -1)
	default:
		p = Period{Label: fmt.Sprintf("%04d", y), Kind: Year, Start: date(y, 1, 1), End: date(y, 12, 31)}
	}
	return p
}

// Shift returns the period n periods of p's kind after p (before it when n
// is negative): 2025Q3.Shift(-1) is 2025Q2, Shift(-4) is 2024Q3.
func (p Period) Shift(n int) Period { return FromOrdinal(p.Kind, p.Ordinal()+n) }

// YearEarlier returns the same period one year earlier (2024Q3 for 2025Q3,
// 2024-08 for 2025-08, 2024 for 2025).
func (p Period) YearEarlier() Period { return p.Shift(-perYear(p.Kind)) }

// Window returns the n periods of p's kind that end with p, oldest first.
func Window(p Period, n int) []Period {
	out := make([]Period, 0, max(n, 0))
	for i := n - 1; i >= 0; i-- {
		out = append(out, p.Shift(-i))
	}
	return out
}
