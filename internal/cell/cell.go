// Package cell holds the result of a report: one cell per indicator,
// country, dimension and category, with the exact figures behind it and the
// disclosure flag. It imports no driver and no writer; every output is drawn
// from a Table.
package cell

import (
	"fmt"
	"math/big"
	"strconv"
)

// Kind is how an indicator's value is derived from its figures.
type Kind string

// The kinds of indicators.md.
const (
	Count      Kind = "count"      // value = numerator
	Percentage Kind = "percentage" // value = 100 * numerator / denominator, one decimal
	Mean       Kind = "mean"       // value = sum / denominator, three decimals
)

// ParseKind returns the Kind named by s, or an error.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case Count, Percentage, Mean:
		return k, nil
	}
	return "", fmt.Errorf("unknown kind %q (want count, percentage or mean)", s)
}

// Flag says whether disclosure control removed a cell.
type Flag string

// The flags of disclosure.md.
const (
	Shown      Flag = ""           // published
	Suppressed Flag = "suppressed" // primary suppression
	Secondary  Flag = "secondary"  // suppressed to protect another cell
)

// AllCountries is the country code of the all-countries aggregate.
const AllCountries = "ALL"

// TotalDimension is the dimension (and category) of an indicator's total.
const TotalDimension = "total"

// Figures are the exact numbers behind a cell.
type Figures struct {
	// Numerator is a count's value or a percentage's numerator; 0 for a mean.
	Numerator int64
	// Denominator is a percentage's denominator or the number of persons a
	// mean averages over; 0 for a count.
	Denominator int64
	// Sum is, for a mean, the exact sum of the averaged values; nil otherwise.
	// It is never written to indicators.csv.
	Sum *big.Rat
}

// Cell is one row of indicators.csv.
type Cell struct {
	Indicator string
	Kind      Kind
	Country   string // an ISO 3166-1 alpha-2 code or AllCountries
	Dimension string // TotalDimension or a disaggregation name
	Category  string // TotalDimension or a canonical category
	// Fig holds the numbers; it is nil exactly when the cell is suppressed, so
	// that no writer can receive a suppressed number.
	Fig  *Figures
	Flag Flag
}

// Key identifies a cell within a table.
type Key struct {
	Indicator, Country, Dimension, Category string
}

// Key returns the cell's key.
func (c *Cell) Key() Key {
	return Key{c.Indicator, c.Country, c.Dimension, c.Category}
}

// Published reports whether the cell's figures may be shown.
func (c *Cell) Published() bool { return c.Flag == Shown && c.Fig != nil }

// Suppress removes the cell's figures and sets its flag.
func (c *Cell) Suppress(f Flag) {
	c.Fig = nil
	c.Flag = f
}

// Size is the cell's count, or for a percentage or mean its denominator
// (disclosure.md, rule 2). A suppressed cell has size 0.
func (c *Cell) Size() int64 {
	if c.Fig == nil {
		return 0
	}
	if c.Kind == Count {
		return c.Fig.Numerator
	}
	return c.Fig.Denominator
}

// HasValue reports whether the cell has a value: it is published and, for a
// percentage or a mean, its denominator is not zero.
func (c *Cell) HasValue() bool {
	if !c.Published() {
		return false
	}
	return c.Kind == Count || c.Fig.Denominator != 0
}

// Value returns the cell's value as indicators.md writes it: an integer for a
// count, one decimal for a percentage, three for a mean, rounded half away
// from zero, computed exactly. It is empty when the cell has no value.
func (c *Cell) Value() string {
	if !c.HasValue() {
		return ""
	}
	switch c.Kind {
	case Count:
		return strconv.FormatInt(c.Fig.Numerator, 10)
	case Percentage:
		r := new(big.Rat).SetFrac64(c.Fig.Numerator*100, c.Fig.Denominator)
		return FormatRat(r, 1)
	case Mean:
		if c.Fig.Sum == nil {
			return ""
		}
		r := new(big.Rat).Quo(c.Fig.Sum, new(big.Rat).SetInt64(c.Fig.Denominator))
		return FormatRat(r, 3)
	}
	return ""
}

// Float returns the cell's rounded value as a float64 for charts and
// spreadsheets, and false when the cell has no value.
func (c *Cell) Float() (float64, bool) {
	v := c.Value()
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// FormatRat writes r rounded half away from zero to exactly places decimals.
func FormatRat(r *big.Rat, places int) string {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	num := new(big.Int).Mul(r.Num(), scale)
	den := r.Denom() // always > 0
	neg := num.Sign() < 0
	num.Abs(num)
	// q = floor((2*num + den) / (2*den)) rounds half up on the magnitude.
	q := new(big.Int).Lsh(num, 1)
	q.Add(q, den)
	q.Quo(q, new(big.Int).Lsh(den, 1))
	s := q.String()
	if places > 0 {
		for len(s) <= places {
			s = "0" + s
		}
		s = s[:len(s)-places] + "." + s[len(s)-places:]
	}
	if neg && q.Sign() != 0 {
		s = "-" + s
	}
	return s
}
