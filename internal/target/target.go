// Package target reads a targets file (series.md): the targets a programme
// agreed with its donors, one per indicator, country and period, against
// which a report shows what was achieved.
//
// A targets file is CSV, UTF-8 (a byte-order mark is allowed), with the
// header indicator_id,country,period,target. country is a country code or
// ALL; period any period string (2025Q3, 2025, 2025-08); target a
// non-negative number in the indicator's unit (persons or services for a
// count, per cent for a percentage, the score for a mean). A target
// applies to the cell of that indicator, country and period, dimension
// total.
package target

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strings"

	"rrstat/internal/cell"
	"rrstat/internal/export"
	"rrstat/internal/indicator"
	"rrstat/internal/period"
)

// Header is the header row of a targets file.
var Header = []string{"indicator_id", "country", "period", "target"}

// ErrTargets is wrapped by every error of Parse.
var ErrTargets = errors.New("bad targets file")

// Errors lists every problem of a targets file, each "file:line: field: message".
type Errors []string

func (e Errors) Error() string { return strings.Join(e, "\n") }

// Unwrap lets errors.Is find ErrTargets.
func (e Errors) Unwrap() error { return ErrTargets }

// Key says which cell a target applies to: the total of an indicator for a
// country (or ALL) in a period (its canonical label).
type Key struct {
	Indicator, Country, Period string
}

// Target is one line of a targets file.
type Target struct {
	Key
	Value *big.Rat // exact, non-negative
	Text  string   // as written in the file
	Line  int
}

// Set is a parsed targets file.
type Set struct {
	File   string // the file as given (for messages and the About sheet)
	SHA256 string // of the file's bytes
	byKey  map[Key]*Target
	list   []*Target
}

// reNumber is a non-negative decimal: digits with an optional fraction.
var reNumber = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// Parse reads a targets file. Every problem is reported at once, naming
// the file, the line and the field: a wrong header, an unknown indicator, a
// country that is not a country code or ALL, a bad period, a target that
// is negative or not a number, a key given twice.
func Parse(file string, src []byte, cat indicator.Catalogue) (*Set, error) {
	sum := sha256.Sum256(src)
	s := &Set{File: file, SHA256: hex.EncodeToString(sum[:]), byKey: map[Key]*Target{}}
	body := bytes.TrimPrefix(src, []byte("\xEF\xBB\xBF"))
	var errs Errors
	errf := func(line int, field, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if field != "" {
			msg = field + ": " + msg
		}
		errs = append(errs, fmt.Sprintf("%s:%d: %s", file, line, msg))
	}
	cr := csv.NewReader(bytes.NewReader(body))
	cr.FieldsPerRecord = -1
	header := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errf(pe.StartLine, "", "%v", pe.Err)
			} else {
				errf(1, "", "%v", err)
			}
			break
		}
		line, _ := cr.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if header {
			header = false
			got := strings.ToLower(strings.Join(rec, ","))
			if got != strings.Join(Header, ",") {
				errf(line, "", "the header must be %s, not %s", strings.Join(Header, ","), strings.Join(rec, ","))
				break
			}
			continue
		}
		if len(rec) == 1 && rec[0] == "" {
			continue
		}
		if len(rec) != len(Header) {
			errf(line, "", "%d fields, want %d (%s)", len(rec), len(Header), strings.Join(Header, ","))
			continue
		}
		t := &Target{Line: line, Text: rec[3]}
		ok := true
		t.Indicator = rec[0]
		if cat.Lookup(rec[0]) == nil {
			errf(line, "indicator_id", "unknown indicator %q (see rrstat indicators)", rec[0])
			ok = false
		}
		t.Country = strings.ToUpper(rec[1])
		if t.Country != cell.AllCountries && !export.IsCountryCode(t.Country) {
			errf(line, "country", "%q is not a country code (like UZ) or ALL", rec[1])
			ok = false
		}
		if p, err := period.Parse(rec[2]); err != nil {
			errf(line, "period", "%v", err)
			ok = false
		} else {
			t.Period = p.Label
		}
		switch {
		case strings.HasPrefix(rec[3], "-"):
			errf(line, "target", "%q is negative; a target is a number of at least 0", rec[3])
			ok = false
		case !reNumber.MatchString(rec[3]):
			errf(line, "target", "%q is not a number (write it like 120 or 75.5)", rec[3])
			ok = false
		default:
			t.Value, _ = new(big.Rat).SetString(rec[3])
		}
		if !ok {
			continue
		}
		if prev, dup := s.byKey[t.Key]; dup {
			errf(line, "", "a target for %s, %s, %s is already on line %d", t.Indicator, t.Country, t.Period, prev.Line)
			continue
		}
		s.byKey[t.Key] = t
		s.list = append(s.list, t)
	}
	if header && len(errs) == 0 {
		errf(1, "", "the file is empty; it needs the header %s", strings.Join(Header, ","))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return s, nil
}

// Lookup returns the target of an indicator, country and period label, or
// nil. A nil Set has no targets.
func (s *Set) Lookup(indicator, country, period string) *Target {
	if s == nil {
		return nil
	}
	return s.byKey[Key{indicator, country, period}]
}

// Len returns the number of targets.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.list)
}

// Achieved returns 100 × value / target rounded half away from zero to one
// decimal, from a cell's published value as indicators.csv writes it, and
// "" when the target is 0 or the value is empty.
func Achieved(value string, t *Target) string {
	if t == nil || value == "" || t.Value.Sign() == 0 {
		return ""
	}
	v, ok := new(big.Rat).SetString(value)
	if !ok {
		return ""
	}
	v.Mul(v, big.NewRat(100, 1))
	v.Quo(v, t.Value)
	return cell.FormatRat(v, 1)
}
