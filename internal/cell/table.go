package cell

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// Table is every cell of one report, in the row order of indicators.md.
type Table struct {
	Period string
	Cells  []Cell
}

// Header is the header row of indicators.csv.
var Header = []string{"indicator_id", "period", "country", "dimension", "category", "numerator", "denominator", "value", "flag"}

// Index returns a map from each cell's key to its position in t.Cells.
func (t *Table) Index() map[Key]int {
	m := make(map[Key]int, len(t.Cells))
	for i := range t.Cells {
		m[t.Cells[i].Key()] = i
	}
	return m
}

// Countries returns the countries of the table in row order (ALL first).
func (t *Table) Countries() []string {
	var out []string
	seen := map[string]bool{}
	for i := range t.Cells {
		if c := t.Cells[i].Country; !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// Categories returns the categories of an indicator's dimension in table
// order, over the given countries in that order (ALL's list first: it holds
// every category of any country), each once.
func (t *Table) Categories(indicator, dimension string, countries []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, country := range countries {
		for i := range t.Cells {
			c := &t.Cells[i]
			if c.Indicator == indicator && c.Country == country && c.Dimension == dimension && !seen[c.Category] {
				seen[c.Category] = true
				out = append(out, c.Category)
			}
		}
	}
	return out
}

// Record returns the cell as a row of indicators.csv (without formula
// protection; see SafeText).
func (c *Cell) Record(period string) []string {
	num, den := "", ""
	if c.Published() {
		switch c.Kind {
		case Count:
			num = strconv.FormatInt(c.Fig.Numerator, 10)
		case Percentage:
			num = strconv.FormatInt(c.Fig.Numerator, 10)
			den = strconv.FormatInt(c.Fig.Denominator, 10)
		case Mean:
			den = strconv.FormatInt(c.Fig.Denominator, 10)
		}
	}
	return []string{c.Indicator, period, c.Country, c.Dimension, c.Category, num, den, c.Value(), string(c.Flag)}
}

// safeRecord is Record with its text columns made formula-safe.
func (c *Cell) safeRecord(period string) []string {
	rec := c.Record(period)
	for j := 0; j < 5; j++ { // the text columns
		rec[j] = SafeText(rec[j])
	}
	return rec
}

// SafeText protects a text field from being run as a formula by a
// spreadsheet: a field that starts with '=', '+', '-', '@', a tab or a
// carriage return gets a leading apostrophe (indicators.md).
func SafeText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// WriteCSV writes t as indicators.csv: UTF-8 without byte-order mark, comma,
// LF line endings, quoting only where needed, text fields formula-safe.
func WriteCSV(w io.Writer, t *Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return err
	}
	for i := range t.Cells {
		if err := cw.Write(t.Cells[i].safeRecord(t.Period)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReadCSVPeriods reads a series.csv (or indicators.csv) into one table per
// period, in the file's row order.
func ReadCSVPeriods(r io.Reader, kinds map[string]Kind) (map[string]*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(Header)
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("series.csv: no header")
	}
	out := map[string]*Table{}
	for _, rec := range recs[1:] {
		if out[rec[1]] == nil {
			out[rec[1]] = &Table{Period: rec[1]}
		}
	}
	for per, t := range out {
		var buf strings.Builder
		w := csv.NewWriter(&buf)
		w.Write(recs[0])
		for _, rec := range recs[1:] {
			if rec[1] == per {
				w.Write(rec)
			}
		}
		w.Flush()
		got, err := ReadCSV(strings.NewReader(buf.String()), kinds)
		if err != nil {
			return nil, err
		}
		t.Cells = got.Cells
	}
	return out, nil
}

// ReadCSV reads an indicators.csv written by WriteCSV. kinds gives each
// indicator's kind. A mean's exact sum is not in the file: it is rebuilt as
// value * denominator, which is enough for checks but not for arithmetic.
// Formula-protection apostrophes are removed again.
func ReadCSV(r io.Reader, kinds map[string]Kind) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(Header)
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || strings.Join(recs[0], ",") != strings.Join(Header, ",") {
		return nil, fmt.Errorf("indicators.csv: bad header")
	}
	t := &Table{}
	for n, rec := range recs[1:] {
		line := n + 2
		for j := 0; j < 5; j++ {
			if len(rec[j]) > 1 && rec[j][0] == '\'' {
				switch rec[j][1] {
				case '=', '+', '-', '@', '\t', '\r':
					rec[j] = rec[j][1:]
				}
			}
		}
		kind, ok := kinds[rec[0]]
		if !ok {
			return nil, fmt.Errorf("indicators.csv:%d: unknown indicator %q", line, rec[0])
		}
		t.Period = rec[1]
		c := Cell{Indicator: rec[0], Kind: kind, Country: rec[2], Dimension: rec[3], Category: rec[4], Flag: Flag(rec[8])}
		if c.Flag == Shown {
			f := &Figures{}
			if f.Numerator, err = optInt(rec[5]); err == nil {
				f.Denominator, err = optInt(rec[6])
			}
			if err != nil {
				return nil, fmt.Errorf("indicators.csv:%d: %w", line, err)
			}
			if kind == Mean {
				f.Numerator = 0
				f.Sum = new(big.Rat)
				if rec[7] != "" {
					v, ok := new(big.Rat).SetString(rec[7])
					if !ok {
						return nil, fmt.Errorf("indicators.csv:%d: bad value %q", line, rec[7])
					}
					f.Sum.Mul(v, new(big.Rat).SetInt64(f.Denominator))
				}
			}
			c.Fig = f
		}
		t.Cells = append(t.Cells, c)
	}
	return t, nil
}

func optInt(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(s, 10, 64)
}

// SeriesDimensions are the dimensions series.csv carries (series.md): the
// total and, where an indicator has it, sex.
var SeriesDimensions = []string{TotalDimension, "sex"}

// WriteSeriesCSV writes series.csv: the cells of SeriesDimensions of every
// table of a report's window (oldest first), in the form of indicators.csv,
// sorted by indicator (in the tables' order), period, then as
// indicators.csv sorts. The rows of a period are exactly its table's rows,
// so those of the report's own period equal its indicators.csv rows.
func WriteSeriesCSV(w io.Writer, window []*Table) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return err
	}
	if len(window) == 0 {
		cw.Flush()
		return cw.Error()
	}
	var order []string
	seen := map[string]bool{}
	for _, c := range window[len(window)-1].Cells {
		if !seen[c.Indicator] {
			seen[c.Indicator] = true
			order = append(order, c.Indicator)
		}
	}
	inSeries := map[string]bool{}
	for _, d := range SeriesDimensions {
		inSeries[d] = true
	}
	for _, id := range order {
		for _, t := range window {
			for i := range t.Cells {
				c := &t.Cells[i]
				if c.Indicator != id || !inSeries[c.Dimension] {
					continue
				}
				if err := cw.Write(c.safeRecord(t.Period)); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
